from django.urls import path

from outputs import views

app_name = "outputs"

urlpatterns = [
    path("", views.output_list, name="list"),
    path("export.<str:fmt>", views.output_export, name="export"),
    path("<int:pk>/edit/", views.output_edit, name="edit"),
    path("<int:pk>/remove/", views.output_remove, name="remove"),
    # Per postdoc (their stay's id, as in /postdocs/<id>/).
    path("postdoc/<int:appointment>/new/", views.output_new, name="new"),
    path("postdoc/<int:appointment>/import/", views.output_import, name="import"),
    path("postdoc/<int:appointment>/import/confirm/", views.output_import_confirm, name="import-confirm"),
]
