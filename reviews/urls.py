from django.urls import path

from reviews.views import assignments, experts, links, office, rules

app_name = "reviews"

urlpatterns = [
    path("", office.review_list, name="list"),
    path("export.<str:fmt>", office.review_export, name="export"),
    path("new/", office.review_new, name="new"),
    path("<int:pk>/", office.review_detail, name="detail"),
    # Each step has its own URL (and name: `reviews:<step>`, `reviews:member-<step>`).
    *(path(f"<int:pk>/{step}/", office.review_step, {"step": step}, name=step) for step in office.REVIEW_STEPS),
    *(
        path(f"<int:pk>/members/<int:member_pk>/{step}/", office.review_step, {"step": step}, name=f"member-{step}")
        for step in office.MEMBER_STEPS
    ),
    path("experts/", experts.expert_list, name="expert-list"),
    path("experts/new/", experts.expert_edit, name="expert-new"),
    path("experts/<int:pk>/", experts.expert_detail, name="expert-detail"),
    path("experts/<int:pk>/edit/", experts.expert_edit, name="expert-edit"),
    path("experts/<int:pk>/relations/", experts.expert_relation, name="expert-relation"),
    path("rules/", rules.rules_list, name="rules"),
    path("rules/forms/new/", rules.form_new, name="form-new"),
    path("rules/<str:kind>/", rules.rules_edit, name="rules-edit"),
    path("mine/", assignments.assignment_list, name="assignments"),
    path("mine/<int:pk>/", assignments.assignment_detail, name="assignment"),
    path("mine/<int:pk>/decline/", assignments.assignment_decline, name="assignment-decline"),
    # No sign-in: the signed token is the expert's key (reviews.links).
    path("link/<str:token>/", links.link_page, name="link"),
    path("link/<str:token>/decline/", links.link_decline, name="link-decline"),
]
