"""A project's steps (award, reject, complete, terminate, edit), each at its own URL: the form it
asks for, the service it calls, when it is open. The project page (`funding.views`) and the postdoc
page's project cards (`funding.page_parts`) both list them from here."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.actors import Actor
from core.forms import ServiceForm
from funding import services
from funding.forms import AwardForm, CompleteForm, EditForm, RejectForm, TerminateForm
from funding.models import Project

Status = Project.Status


@dataclass(frozen=True)
class Step:
    name: str
    title: str | Promise
    form: Callable[..., ServiceForm]
    perform: Callable[[Project, Any, Any], object]
    available: Callable[[Project], bool]
    done: str | Promise
    ending: bool = False  # cannot be undone here: asks for confirmation, shown as a danger button


def _award(project: Project, form: Any, by: Actor) -> object:
    return services.project_award(project=project, by=by, **form.service_data())


def _edit(project: Project, form: Any, by: Actor) -> object:
    return services.project_update(
        project=project, by=by, acknowledged=form.cleaned_data["acknowledged"], **form.changes()
    )


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "award",
            gettext_lazy("Record the award"),
            AwardForm,
            _award,
            lambda p: p.status == Status.APPLIED,
            gettext_lazy("The award is recorded."),
        ),
        Step(
            "reject",
            gettext_lazy("Not funded"),
            RejectForm,
            lambda p, f, by: services.project_reject(project=p, by=by, **f.service_data()),
            lambda p: p.status == Status.APPLIED,
            gettext_lazy("The application is recorded as not funded."),
        ),
        Step(
            "complete",
            gettext_lazy("Completed"),
            CompleteForm,
            lambda p, f, by: services.project_complete(project=p, by=by, **f.service_data()),
            lambda p: p.status == Status.AWARDED,
            gettext_lazy("The project is recorded as completed."),
        ),
        Step(
            "terminate",
            gettext_lazy("Terminate"),
            TerminateForm,
            lambda p, f, by: services.project_terminate(project=p, by=by, **f.service_data()),
            lambda p: p.status == Status.AWARDED,
            gettext_lazy("The project is recorded as terminated."),
            ending=True,
        ),
        Step(
            "edit",
            gettext_lazy("Edit"),
            EditForm,
            _edit,
            lambda p: True,
            gettext_lazy("The project's details are saved."),
        ),
    ]
}


def step_url(project: Project, step: Step) -> str:
    return reverse(f"funding:project-{step.name}", kwargs={"pk": project.pk})


def project_steps(project: Project, may_manage: bool) -> list[dict[str, Any]]:
    """The steps open to a project, as links (no query)."""
    if not may_manage:
        return []
    return [
        {"name": step.name, "title": step.title, "url": step_url(project, step), "ending": step.ending}
        for step in STEPS.values()
        if step.available(project)
    ]
