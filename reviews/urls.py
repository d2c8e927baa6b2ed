from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("export.<str:fmt>", views.review_export, name="export"),
    path("new/", views.review_new, name="new"),
    path("<int:pk>/", views.review_detail, name="detail"),
    # Each step has its own URL (and name: `reviews:<step>`, `reviews:member-<step>`).
    *(path(f"<int:pk>/{step}/", views.review_step, {"step": step}, name=step) for step in views.REVIEW_STEPS),
    *(
        path(f"<int:pk>/members/<int:member_pk>/{step}/", views.review_step, {"step": step}, name=f"member-{step}")
        for step in views.MEMBER_STEPS
    ),
    path("experts/", views.expert_list, name="expert-list"),
    path("experts/new/", views.expert_edit, name="expert-new"),
    path("experts/<int:pk>/", views.expert_detail, name="expert-detail"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert-edit"),
    path("experts/<int:pk>/relations/", views.expert_relation, name="expert-relation"),
    path("rules/", views.rules_list, name="rules"),
    path("rules/forms/new/", views.form_new, name="form-new"),
    path("rules/<str:kind>/", views.rules_edit, name="rules-edit"),
    path("mine/", views.assignment_list, name="assignments"),
    path("mine/<int:pk>/", views.assignment_detail, name="assignment"),
    path("mine/<int:pk>/decline/", views.assignment_decline, name="assignment-decline"),
    # No sign-in: the signed token is the expert's key (reviews.links).
    path("link/<str:token>/", views.link_page, name="link"),
    path("link/<str:token>/decline/", views.link_decline, name="link-decline"),
]
