from django.urls import path

from people import views

app_name = "people"

# Admitting a registered person again (people:person-admit) is appointments' view: config.urls adds it.

urlpatterns = [
    path("supervisors/", views.supervisor_list, name="supervisor-list"),
    path("supervisors/new/", views.supervisor_new, name="supervisor-new"),
    path("supervisors/export.<str:fmt>", views.supervisor_export, name="supervisor-export"),
    path("supervisors/<int:pk>/", views.supervisor_detail, name="supervisor-detail"),
    path("supervisors/<int:pk>/edit/", views.supervisor_edit, name="supervisor-edit"),
    path("supervisors/<int:pk>/move/", views.supervisor_move, name="supervisor-move"),
    path("supervisors/<int:pk>/active/", views.supervisor_active, name="supervisor-active"),
    path("supervisors/<int:pk>/delete/", views.supervisor_delete, name="supervisor-delete"),
    path("supervisors/<int:pk>/link/", views.supervisor_link, name="supervisor-link"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/id/", views.person_correct_id, name="person-id"),
    path("people/<int:pk>/reveal-id/", views.person_reveal_id, name="person-reveal-id"),
]
