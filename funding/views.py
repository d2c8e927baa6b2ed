"""The project pages: the projects list (and its export), a project's page and its steps, and the
forms that record a postdoc's application or award. Who sees and writes what: `funding.access`.
Writes go to `funding.services`; a refusal comes back next to the field it names, with the input
kept, and a rule in warning mode (`RuleWarning`) asks for an acknowledgement."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SignedInRequest
from appointments.access import can_manage_appointment, get_appointment_for_user
from appointments.models import Appointment
from audit.timeline import timeline
from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from core.sorting import SortColumn, Sorting, choice_rank
from core.views import is_htmx, paginate, redirect_after_post
from funding import access, services
from funding.figures import success_rates
from funding.forms import (
    ApplyForm,
    ProjectFilterForm,
    ProjectFormBase,
    RecordForm,
    form_context,
    submit,
)
from funding.models import Level, Project
from funding.steps import STEPS, project_steps, step_url
from stations.access import visible_stations

Status = Project.Status
AWARDED = [str(status) for status in Project.AWARDED_STATUSES]


# ---------------------------------------------------------------------------------------------
# The projects list


@dataclass(frozen=True)
class Listed:
    form: ProjectFilterForm
    projects: QuerySet[Project]  # every page, in the list's order
    filtered: bool


PROJECT_SORTING = Sorting(
    {
        "number": ("project_no",),
        "title": ("title",),
        "postdoc": ("holder__person__name_sort", "holder__person__name"),
        "funder": ("funder", "programme"),
        "level": (choice_rank("level", Level.choices),),
        "amount": SortColumn(("amount",), descending_first=True),
        "status": (choice_rank("status", Project.Status.choices),),
        "applied": SortColumn(("applied_on",), descending_first=True),
        "awarded": SortColumn(("awarded_on",), descending_first=True),
    },
    default=(Coalesce("awarded_on", "rejected_on", "applied_on").desc(nulls_last=True), "project_no"),
)


def listed_projects(request: SignedInRequest) -> Listed:
    user = request.user
    visible = access.visible_projects(user)
    first = visible.aggregate(first=Min("awarded_on"))["first"]
    this_year = timezone.localdate().year
    years = list(range(this_year, (first.year if first else this_year) - 1, -1))
    form = ProjectFilterForm(
        request.GET or None,
        institution_id=user.institution_id,
        stations=visible_stations(user).order_by("code"),
        years=years,
    )
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data if form.is_bound else {}
    projects = visible
    text = (data.get("q") or "").strip()
    if text:
        projects = projects.filter(
            Q(project_no__icontains=text)
            | Q(title__icontains=text)
            | Q(funder__icontains=text)
            | Q(programme__icontains=text)
            | Q(holder__postdoc_no__icontains=text)
            | Q(holder__person__name__icontains=text)
            | Q(holder__person__name_en__icontains=text)
        )
    for name, lookup in (
        ("status", "status"),
        ("level", "level"),
        ("funder", "funder_ref"),
        ("programme", "programme_ref"),
        ("station", "holder__station"),
        ("year", "awarded_on__year"),
        ("role", "role"),
    ):
        if data.get(name):
            projects = projects.filter(**{lookup: data[name]})
    projects = PROJECT_SORTING.order(projects, PROJECT_SORTING.from_request(request))
    return Listed(form, projects, any(data.get(name) for name in ProjectFilterForm.FILTERS))


@login_required
@require_GET
def project_list(request: SignedInRequest) -> HttpResponse:
    listed = listed_projects(request)
    projects = listed.projects.select_related("holder", "holder__person", "holder__station", "programme_ref")
    context: dict[str, Any] = {
        "form": listed.form,
        "filtered": listed.filtered,
        "rates": success_rates(listed.projects),
        "sort": PROJECT_SORTING.from_request(request),
        **paginate(request, projects),
    }
    template = "funding/project_list.html#rows" if is_htmx(request) else "funding/project_list.html"
    return render(request, template, context)


PROJECTS_LIST_SHEET = SheetSpec(
    "ProjectsList",
    "项目清单",
    "project_no",
    (
        Column("project_no", "项目编号", True),
        Column("title", "项目名称", True),
        Column("status", "状态", True),
        Column("postdoc_no", "博士后编号", True),
        Column("postdoc_name", "姓名"),
        Column("station_code", "站点编号"),
        Column("funder", "资助机构", True),
        Column("programme", "项目类别"),
        Column("funder_code", "资助机构代码"),
        Column("programme_code", "项目类别代码"),
        Column("level", "计数级别", True),
        Column("level_override", "指定级别"),
        Column("grade", "资助等级"),
        Column("batch", "批次"),
        Column("role", "角色"),
        Column("amount", "金额(元)"),
        Column("applied_on", "申报日期"),
        Column("awarded_on", "立项时间"),
        Column("rejected_on", "未获资助日期"),
        Column("ended_on", "结束日期"),
        Column("period_start", "执行期起"),
        Column("period_end", "执行期止"),
        Column("extension_commitment_until", "承诺延期至"),
    ),
)


def project_list_rows(projects: QuerySet[Project]) -> Iterator[writers.Row]:
    query = projects.select_related("holder", "holder__person", "holder__station", "funder_ref", "programme_ref")
    for p in query.iterator(chunk_size=writers.CHUNK_SIZE):
        yield {
            "project_no": p.project_no,
            "title": p.title,
            "status": p.status,
            "postdoc_no": p.holder.postdoc_no,
            "postdoc_name": p.holder.person.name,
            "station_code": p.holder.station.code,
            "funder": p.funder,
            "programme": p.programme,
            "funder_code": p.funder_ref.code if p.funder_ref else "",
            "programme_code": p.programme_ref.code if p.programme_ref else "",
            "level": p.level,
            "level_override": p.level_override,
            "grade": p.grade,
            "batch": p.batch,
            "role": p.role,
            "amount": p.amount,
            "applied_on": p.applied_on,
            "awarded_on": p.awarded_on,
            "rejected_on": p.rejected_on,
            "ended_on": p.ended_on,
            "period_start": p.period_start,
            "period_end": p.period_end,
            "extension_commitment_until": p.extension_commitment_until,
        }


@login_required
@require_GET
def project_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The projects the list's filters select, every page, as `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    sheet = writers.Sheet("ProjectsList", project_list_rows(listed_projects(request).projects), PROJECTS_LIST_SHEET)
    return writers.export_response([sheet], fmt=fmt, basename="projects")


# ---------------------------------------------------------------------------------------------
# A project's steps, each at its own URL


def _postdoc_url(appointment: Appointment | int) -> str:
    pk = appointment if isinstance(appointment, int) else appointment.pk
    # No fragment: htmx's HX-Redirect to the page already open with one would only scroll, not reload.
    return reverse("postdoc-detail", kwargs={"pk": pk})


@login_required
@require_GET
def project_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    project = access.get_project_for_user(user, pk)
    may_manage = can_manage_appointment(user, project.holder)
    context = {
        "project": project,
        "steps": project_steps(project, may_manage),
        "timeline": timeline(project),
    }
    return render(request, "funding/project_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_step(request: SignedInRequest, pk: int, step: str) -> HttpResponse:
    """One step: the form (GET; htmx loads it into the page it is asked from) and its POST."""
    user = request.user
    spec = STEPS[step]
    project = access.get_project_for_user(user, pk)
    access.require_project_manager(user, project)
    warning = ""
    if request.method == "POST":
        form = spec.form(request.POST, project=project)
        if form.is_valid():
            done, warning = submit(form, lambda: spec.perform(project, form, user))
            if done:
                messages.success(request, str(spec.done))
                return redirect_after_post(request, _postdoc_url(project.holder_id))
    else:
        form = spec.form(project=project)
    context = {
        "project": project,
        "appointment": project.holder,
        "title": spec.title,
        "ending": spec.ending,
        "action_url": step_url(project, spec),
        "available": spec.available(project),
        **form_context(form, warning),
    }
    template = "funding/project_form.html#form" if is_htmx(request) else "funding/project_form.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# A postdoc's new application or award


NEW_PROJECT_FORMS: dict[str, tuple[Callable[..., ProjectFormBase], Callable[..., object], Promise, Promise]] = {
    "apply": (
        ApplyForm,
        services.project_apply,
        gettext_lazy("Record an application"),
        gettext_lazy("The application is recorded."),
    ),
    "record": (
        RecordForm,
        services.project_record,
        gettext_lazy("Record an award"),
        gettext_lazy("The project is recorded."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: SignedInRequest, pk: int, kind: str) -> HttpResponse:
    user = request.user
    form_class, service, title, done_message = NEW_PROJECT_FORMS[kind]
    appointment = get_appointment_for_user(user, pk)
    if not can_manage_appointment(user, appointment):
        raise PermissionDenied
    action_url = reverse(f"funding:project-{kind}", kwargs={"pk": appointment.pk})
    warning = ""
    if request.method == "POST":
        form = form_class(request.POST, institution_id=appointment.institution_id)
        if form.is_valid():
            data = form.service_data()
            done, warning = submit(form, lambda: service(holder=appointment, by=user, **data))
            if done:
                messages.success(request, str(done_message))
                return redirect_after_post(request, _postdoc_url(appointment))
    else:
        form = form_class(institution_id=appointment.institution_id)
    context = {
        "appointment": appointment,
        "title": title,
        "action_url": action_url,
        "available": True,
        **form_context(form, warning),
    }
    template = "funding/project_form.html#form" if is_htmx(request) else "funding/project_form.html"
    return render(request, template, context)
