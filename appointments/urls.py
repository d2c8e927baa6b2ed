from django.urls import path

from appointments import views

urlpatterns = [
    path("", views.postdoc_list, name="postdoc-list"),
    path("new/", views.postdoc_new, name="postdoc-new"),
    path("export.<str:fmt>", views.postdoc_export, name="postdoc-export"),
    path("<int:pk>/", views.postdoc_detail, name="postdoc-detail"),
    path("<int:pk>/reveal-id/", views.postdoc_reveal_id, name="postdoc-reveal-id"),
    # Each step has its own URL (and name, `postdoc-<step>`).
    *(path(f"<int:pk>/{step}/", views.postdoc_step, {"step": step}, name=f"postdoc-{step}") for step in views.STEPS),
]

# In people's namespace, beside the person's other pages (config.urls adds them to it).
person_urlpatterns = [
    path("people/<int:pk>/admit/", views.person_admit, name="person-admit"),
]
