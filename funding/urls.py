"""The funding pages: included at the root, since projects live under /projects/ and a postdoc's
new project under /postdocs/<pk>/projects/, and the reference pages under /funding/."""

from django.urls import path

from funding import reference_views, views
from funding.steps import STEPS

app_name = "funding"

urlpatterns = [
    path("projects/", views.project_list, name="project-list"),
    path("projects/export.<str:fmt>", views.project_export, name="project-export"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    # Each step has its own URL (and name, `project-<step>`).
    *(path(f"projects/<int:pk>/{step}/", views.project_step, {"step": step}, name=f"project-{step}") for step in STEPS),
    *(
        path(f"postdocs/<int:pk>/projects/{kind}/", views.project_new, {"kind": kind}, name=f"project-{kind}")
        for kind in views.NEW_PROJECT_FORMS
    ),
    path("funding/funders/", reference_views.funder_list, name="funder-list"),
    path("funding/funders/new/", reference_views.funder_new, name="funder-new"),
    path("funding/funders/<int:pk>/", reference_views.funder_edit, name="funder-edit"),
    path("funding/funders/<int:pk>/programmes/new/", reference_views.programme_new, name="programme-new"),
    path("funding/programmes/<int:pk>/", reference_views.programme_edit, name="programme-edit"),
    path("funding/programmes/<int:pk>/amounts/new/", reference_views.amount_new, name="amount-new"),
    path("funding/amounts/<int:pk>/", reference_views.amount_edit, name="amount-edit"),
    path("funding/levels/", reference_views.level_list, name="level-list"),
    path("funding/levels/change/", reference_views.level_change, name="level-change"),
    path("funding/rules/", reference_views.funding_rules, name="rules"),
    path("funding/rules/amounts/", reference_views.amount_style, name="amount-style"),
]
