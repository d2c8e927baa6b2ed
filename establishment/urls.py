from django.urls import path

from establishment import views

app_name = "establishment"

urlpatterns = [
    path("", views.application_list, name="application-list"),
    path("export.<str:fmt>", views.application_export, name="application-export"),
    path("new/", views.application_new, name="application-new"),
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/new/", views.round_new, name="round-new"),
    path("rounds/<int:pk>/", views.round_edit, name="round-edit"),
    path("<int:pk>/", views.application_detail, name="application-detail"),
    path("<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("<int:pk>/checklist/", views.application_checklist, name="application-checklist"),
    path("<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document-download"),
    path("<int:pk>/documents/<int:document_pk>/remove/", views.document_remove, name="document-remove"),
    # Each step has its own URL (and name, `application-<step>`).
    *(
        path(f"<int:pk>/{step}/", views.application_step, {"step": step}, name=f"application-{step}")
        for step in views.STEPS
    ),
]
