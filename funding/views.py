"""The funding pages: the projects list (and its export), a project's page and its steps, the
forms that record a postdoc's application or award, the funders and programmes, the institution's
level mapping (changed through a confirmation that shows what moves) and its funding rules.

Projects are seen as their holders are (`accounts.access.visible_appointments`): a project outside
the user's scope is a 404, and writing needs `can_manage_appointment` on its holder (403). The
funders are reference data every signed-in user reads; the institution's own are kept by its office
administrators. The level mapping is read by administrators and leadership, the rules by
administrators only. Writes go to `funding.services`; a refusal comes back next to the field it
names, with the input kept, and a rule in warning mode (`RuleWarning`) asks for an acknowledgement.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import (
    Perm,
    can_manage_appointment,
    get_appointment_for_user,
    has_perm,
    sees_whole_institution,
    visible_appointments,
    visible_stations,
)
from appointments.models import Appointment
from audit.models import AuditEvent
from audit.timeline import timeline
from core.errors import DomainError
from core.forms import ServiceForm
from core.i18n import pick_language
from core.views import SignedInRequest, is_htmx, paginate, redirect_after_post
from exchange import exporter
from exchange.workbook import Column, SheetSpec
from funding import services
from funding.forms import (
    ApplyForm,
    AwardForm,
    CompleteForm,
    EditForm,
    FunderForm,
    FundingRulesForm,
    GradeAmountForm,
    LevelChangeForm,
    ProgrammeForm,
    ProjectFilterForm,
    RecordForm,
    RejectForm,
    TerminateForm,
    funder_order,
    visible_funders,
    visible_programmes,
)
from funding.models import Funder, GradeAmount, Level, LevelRule, Programme, Project
from funding.rules import RuleWarning

Status = Project.Status
AWARDED = [str(status) for status in Project.AWARDED_STATUSES]

# ---------------------------------------------------------------------------------------------
# Who may see and change what


def visible_projects(user: Any) -> QuerySet[Project]:
    """The projects whose holders the user sees (administrators and leadership: the institution's)."""
    projects = Project.objects.filter(institution_id=user.institution_id)
    if sees_whole_institution(user):
        return projects
    return projects.filter(holder__in=visible_appointments(user).order_by().values("pk"))


def get_project_for_user(user: Any, pk: Any) -> Project:
    try:
        return (
            visible_projects(user)
            .select_related(
                "holder", "holder__person", "holder__station", "funder_ref", "programme_ref", "programme_ref__funder"
            )
            .get(pk=pk)
        )
    except Project.DoesNotExist as exc:
        raise Http404 from exc


def _require_project_manager(user: Any, project: Project) -> None:
    if not can_manage_appointment(user, project.holder):
        raise PermissionDenied


def _may_keep_reference(user: Any) -> bool:
    """Office administrators keep the institution's funders, level mapping and rules."""
    return has_perm(user, Perm.MANAGE_REFERENCE)


def _require_mapping_reader(user: Any) -> int:
    if not sees_whole_institution(user):
        raise PermissionDenied
    institution_id: int = user.institution_id
    return institution_id


def _require_office(user: Any) -> int:
    if not _may_keep_reference(user) or user.institution_id is None:
        raise PermissionDenied
    institution_id: int = user.institution_id
    return institution_id


# ---------------------------------------------------------------------------------------------
# Service calls: a refusal is a field error, a warning asks for an acknowledgement


def _submit(form: ServiceForm, call: Callable[[], object]) -> tuple[bool, str]:
    """Calls the service; returns (done, warning). A refusal is added to the form."""
    try:
        call()
    except RuleWarning as warning:
        return False, warning.message
    except DomainError as error:
        form.add_domain_error(error)
        return False, ""
    return True, ""


def _form_context(form: ServiceForm, warning: str) -> dict[str, Any]:
    acknowledged = form["acknowledged"].value() if "acknowledged" in form.fields else False
    return {"form": form, "warning": warning, "show_acknowledge": bool(warning) or bool(acknowledged)}


# ---------------------------------------------------------------------------------------------
# The projects list


@dataclass(frozen=True)
class Listed:
    form: ProjectFilterForm
    projects: QuerySet[Project]  # every page, in the list's order
    filtered: bool


def listed_projects(request: SignedInRequest) -> Listed:
    user = request.user
    visible = visible_projects(user)
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
    projects = projects.order_by(
        Coalesce("awarded_on", "rejected_on", "applied_on").desc(nulls_last=True), "project_no"
    )
    return Listed(form, projects, any(data.get(name) for name in ProjectFilterForm.FILTERS))


@dataclass(frozen=True)
class SuccessRate:
    label: str
    awarded: int
    decided: int
    pending: int

    @property
    def percent(self) -> int:
        return round(100 * self.awarded / self.decided) if self.decided else 0


def success_rates(projects: QuerySet[Project]) -> list[SuccessRate]:
    """Per programme, of the applications recorded with their date: awarded ÷ decided (awarded or
    not funded), and how many wait for a decision. One grouped query; awards recorded without
    their application are not applications and count in neither."""
    rows = (
        projects.filter(applied_on__isnull=False)
        .order_by()
        .values("programme_ref", "programme_ref__name_zh", "programme_ref__name_en", "programme_ref__funder__code")
        .annotate(
            awarded=Count("pk", filter=Q(status__in=AWARDED)),
            decided=Count("pk", filter=~Q(status=Status.APPLIED)),
            pending=Count("pk", filter=Q(status=Status.APPLIED)),
        )
    )
    rates = []
    for row in rows:
        if row["programme_ref"] is None:
            label = _("not matched to a programme")
        else:
            name = pick_language(row["programme_ref__name_zh"], row["programme_ref__name_en"])
            label = f"{row['programme_ref__funder__code']} · {name}"
        rates.append(SuccessRate(label, row["awarded"], row["decided"], row["pending"]))
    return sorted(rates, key=lambda rate: (-rate.decided - rate.pending, rate.label))


@login_required
@require_GET
def project_list(request: SignedInRequest) -> HttpResponse:
    listed = listed_projects(request)
    projects = listed.projects.select_related("holder", "holder__person", "holder__station", "programme_ref")
    context: dict[str, Any] = {
        "form": listed.form,
        "filtered": listed.filtered,
        "rates": success_rates(listed.projects),
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


def project_list_rows(projects: QuerySet[Project]) -> Iterator[exporter.Row]:
    query = projects.select_related("holder", "holder__person", "holder__station", "funder_ref", "programme_ref")
    for p in query.iterator(chunk_size=exporter.CHUNK_SIZE):
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
    if fmt not in exporter.FORMATS:
        raise Http404
    sheet = exporter.Sheet("ProjectsList", project_list_rows(listed_projects(request).projects), PROJECTS_LIST_SHEET)
    return exporter.export_response([sheet], fmt=fmt, basename="projects")


# ---------------------------------------------------------------------------------------------
# A project's steps, each at its own URL


@dataclass(frozen=True)
class Step:
    name: str
    title: str | Promise
    form: Callable[..., ServiceForm]
    perform: Callable[[Project, Any, Any], object]
    available: Callable[[Project], bool]
    done: str | Promise
    ending: bool = False  # cannot be undone here: asks for confirmation, shown as a danger button


def _award(project: Project, form: Any, by: Any) -> object:
    return services.project_award(project=project, by=by, **form.service_data())


def _edit(project: Project, form: Any, by: Any) -> object:
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


def _step_url(project: Project, step: Step) -> str:
    return reverse(f"funding:project-{step.name}", kwargs={"pk": project.pk})


def project_steps(project: Project, may_manage: bool) -> list[dict[str, Any]]:
    """The steps open to a project, as links (no query)."""
    if not may_manage:
        return []
    return [
        {"name": step.name, "title": step.title, "url": _step_url(project, step), "ending": step.ending}
        for step in STEPS.values()
        if step.available(project)
    ]


def _postdoc_url(appointment: Appointment | int) -> str:
    pk = appointment if isinstance(appointment, int) else appointment.pk
    # No fragment: htmx's HX-Redirect to the page already open with one would only scroll, not reload.
    return reverse("postdoc-detail", kwargs={"pk": pk})


@login_required
@require_GET
def project_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    project = get_project_for_user(user, pk)
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
    project = get_project_for_user(user, pk)
    _require_project_manager(user, project)
    warning = ""
    if request.method == "POST":
        form = spec.form(request.POST, project=project)
        if form.is_valid():
            done, warning = _submit(form, lambda: spec.perform(project, form, user))
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
        "action_url": _step_url(project, spec),
        "available": spec.available(project),
        **_form_context(form, warning),
    }
    template = "funding/project_form.html#form" if is_htmx(request) else "funding/project_form.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# A postdoc's new application or award


NEW_PROJECT_FORMS: dict[str, tuple[Callable[..., ServiceForm], Callable[..., object], Promise, Promise]] = {
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
            data = form.service_data()  # type: ignore[attr-defined]
            done, warning = _submit(form, lambda: service(holder=appointment, by=user, **data))
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
        **_form_context(form, warning),
    }
    template = "funding/project_form.html#form" if is_htmx(request) else "funding/project_form.html"
    return render(request, template, context)


def project_card_context(user: Any, appointment: Appointment, projects: list[Project]) -> dict[str, Any]:
    """The Projects card of a postdoc's page: the projects (read by the caller with
    `select_related("funder_ref", "programme_ref")`), each with its steps, and the actions."""
    may_manage = can_manage_appointment(user, appointment)
    return {
        "projects": projects,
        "project_rows": [{"project": p, "steps": project_steps(p, may_manage)} for p in projects],
        "can_record_projects": may_manage,
    }


# ---------------------------------------------------------------------------------------------
# Funders, programmes and amounts


def _funder_for(user: Any, pk: Any) -> Funder:
    """A funder the user sees (the catalogue's or the institution's own), else 404."""
    try:
        return visible_funders(user.institution_id).get(pk=pk)
    except Funder.DoesNotExist as exc:
        raise Http404 from exc


def _own(user: Any, funder: Funder) -> None:
    """Only office administrators change, and only the institution's own (the catalogue is read-only)."""
    if not _may_keep_reference(user) or funder.institution_id is None:
        raise PermissionDenied


@login_required
@require_GET
def funder_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    amounts = GradeAmount.objects.order_by("field", "grade", "-year_from")
    programmes = Programme.objects.order_by("code").prefetch_related(Prefetch("amounts", queryset=amounts))
    funders = list(
        visible_funders(user.institution_id)
        .order_by(F("institution_id").asc(nulls_first=True), *funder_order())
        .prefetch_related(Prefetch("programmes", queryset=programmes))
    )
    context = {
        "catalogue": [f for f in funders if f.institution_id is None],
        "own": [f for f in funders if f.institution_id is not None],
        "can_manage": _may_keep_reference(user),
        "office_admin": _may_keep_reference(user),
    }
    return render(request, "funding/funders.html", context)


def _record_form_page(
    request: SignedInRequest,
    *,
    form: ServiceForm,
    save: Callable[[dict[str, Any]], object],
    title: str,
    subtitle: str = "",
    action_url: str,
    done: str,
) -> HttpResponse:
    if form.is_bound and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, done)
            return redirect_after_post(request, reverse("funding:funder-list"))
    context = {"form": form, "title": title, "subtitle": subtitle, "action_url": action_url}
    return render(request, "funding/record_form.html", context)


def _posted(request: SignedInRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def funder_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    _require_office(user)
    institution = user.institution
    assert institution is not None
    return _record_form_page(
        request,
        form=FunderForm(_posted(request)),
        save=lambda data: services.funder_save(institution=institution, by=user, **data),
        title=_("Add a funder"),
        action_url=reverse("funding:funder-new"),
        done=_("The funder is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def funder_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    funder = _funder_for(user, pk)
    _own(user, funder)
    institution = user.institution
    assert institution is not None
    return _record_form_page(
        request,
        form=FunderForm(_posted(request), funder=funder),
        save=lambda data: services.funder_save(institution=institution, funder=funder, by=user, **data),
        title=funder.name_zh,
        action_url=reverse("funding:funder-edit", kwargs={"pk": funder.pk}),
        done=_("The funder is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    funder = _funder_for(user, pk)
    _own(user, funder)
    return _record_form_page(
        request,
        form=ProgrammeForm(_posted(request)),
        save=lambda data: services.programme_save(funder=funder, by=user, **data),
        title=_("Add a programme"),
        subtitle=funder.name_zh,
        action_url=reverse("funding:programme-new", kwargs={"pk": funder.pk}),
        done=_("The programme is saved."),
    )


def _programme_for(user: Any, pk: Any) -> Programme:
    try:
        return visible_programmes(user.institution_id).get(pk=pk)
    except Programme.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = _programme_for(user, pk)
    _own(user, programme.funder)
    return _record_form_page(
        request,
        form=ProgrammeForm(_posted(request), programme=programme),
        save=lambda data: services.programme_save(funder=programme.funder, programme=programme, by=user, **data),
        title=programme.name_zh,
        subtitle=programme.funder.name_zh,
        action_url=reverse("funding:programme-edit", kwargs={"pk": programme.pk}),
        done=_("The programme is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def amount_new(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = _programme_for(user, pk)
    _own(user, programme.funder)
    return _record_form_page(
        request,
        form=GradeAmountForm(_posted(request)),
        save=lambda data: services.grade_amount_save(programme=programme, by=user, **data),
        title=_("Add an amount"),
        subtitle=str(programme),
        action_url=reverse("funding:amount-new", kwargs={"pk": programme.pk}),
        done=_("The amount is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def amount_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        amount = GradeAmount.objects.select_related("programme", "programme__funder").get(
            Q(programme__funder__institution__isnull=True) | Q(programme__funder__institution_id=user.institution_id),
            pk=pk,
        )
    except GradeAmount.DoesNotExist as exc:
        raise Http404 from exc
    _own(user, amount.programme.funder)
    return _record_form_page(
        request,
        form=GradeAmountForm(_posted(request), grade_amount=amount),
        save=lambda data: services.grade_amount_save(programme=amount.programme, grade_amount=amount, by=user, **data),
        title=_("Amount per grade"),
        subtitle=str(amount.programme),
        action_url=reverse("funding:amount-edit", kwargs={"pk": amount.pk}),
        done=_("The amount is saved."),
    )


# ---------------------------------------------------------------------------------------------
# The level mapping

LEVEL_EVENTS = ("level_rule.saved", "level_rule.removed", "level_rules.defaulted")


def counted_by_level(institution_id: int) -> dict[str, int]:
    """The institution's awarded projects by the level each counts at (every level present)."""
    counts = dict.fromkeys(Level.values, 0)
    rows = (
        Project.objects.filter(institution_id=institution_id, awarded_on__isnull=False)
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    for level, n in rows:
        counts[level] = n
    return counts


def _level_rows(institution_id: int) -> list[dict[str, Any]]:
    """Every funder the institution sees, with its rule and its programmes' (or what they inherit),
    and how many awarded projects each counts: four queries."""
    rules = {
        (rule.funder_id, rule.programme_id): rule
        for rule in LevelRule.objects.filter(institution_id=institution_id).order_by()
    }
    counted = Project.objects.filter(institution_id=institution_id, awarded_on__isnull=False).order_by()
    by_funder = dict(counted.values_list("funder_ref").annotate(n=Count("pk")).values_list("funder_ref", "n"))
    by_programme = dict(counted.values_list("programme_ref").annotate(n=Count("pk")).values_list("programme_ref", "n"))
    funders = (
        visible_funders(institution_id)
        .order_by(F("institution_id").asc(nulls_first=True), *funder_order())
        .prefetch_related(Prefetch("programmes", queryset=Programme.objects.order_by("code")))
    )
    labels = dict(Level.choices)
    rows = []
    for funder in funders:
        funder_rule = rules.get((funder.pk, None))
        programmes = []
        for programme in funder.programmes.all():
            rule = rules.get((funder.pk, programme.pk))
            programmes.append(
                {
                    "programme": programme,
                    "rule": rule,
                    "level": rule.level if rule else (funder_rule.level if funder_rule else ""),
                    "level_label": labels.get(rule.level if rule else (funder_rule.level if funder_rule else ""), ""),
                    "inherited": rule is None,
                    "counted": by_programme.get(programme.pk, 0),
                }
            )
        rows.append(
            {
                "funder": funder,
                "rule": funder_rule,
                "level": funder_rule.level if funder_rule else "",
                "level_label": labels.get(funder_rule.level, "") if funder_rule else "",
                "counted": by_funder.get(funder.pk, 0),
                "programmes": programmes,
            }
        )
    return rows


def level_changes(institution_id: int, limit: int = 20) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(institution_id=institution_id, event__in=LEVEL_EVENTS)[:limit])


@login_required
@require_GET
def level_list(request: SignedInRequest) -> HttpResponse:
    institution_id = _require_mapping_reader(request.user)
    counts = counted_by_level(institution_id)
    context = {
        "rows": _level_rows(institution_id),
        "by_level": [(level, label, counts[level]) for level, label in Level.choices],
        "total": sum(counts.values()),
        "levels": Level.choices,
        "changes": level_changes(institution_id),
        "can_change": _may_keep_reference(request.user),
        "office_admin": _may_keep_reference(request.user),
    }
    return render(request, "funding/levels.html", context)


@dataclass(frozen=True)
class Preview:
    level: str
    label: str
    before: int
    change: int

    @property
    def after(self) -> int:
        return self.before + self.change


@login_required
@require_http_methods(["GET", "POST"])
def level_change(request: SignedInRequest) -> HttpResponse:
    """The confirmation of a change of the mapping: what moves, then (POST, confirmed) the change."""
    user = request.user
    institution_id = _require_office(user)
    institution = user.institution
    assert institution is not None
    form = LevelChangeForm(request.POST if request.method == "POST" else request.GET, institution_id=institution_id)
    if not form.is_valid():
        if form.errors.get("funder") or form.errors.get("programme"):
            raise Http404
        return _level_change_page(request, form, None, None)
    data = form.cleaned_data
    funder, programme, level = data["funder"], data["programme"], data["level"]
    rule = LevelRule.objects.filter(institution=institution, funder=funder, programme=programme).first()
    if not level and rule is None:
        form.add_error("level", _("There is no rule of its own to remove; choose a level."))
        return _level_change_page(request, form, None, rule)
    try:
        change = services.level_change_preview(institution=institution, funder=funder, programme=programme, level=level)
    except DomainError as error:
        form.add_domain_error(error)
        return _level_change_page(request, form, None, rule)
    if request.method == "POST":
        if not data["confirm"]:
            form.add_error("confirm", _("Tick the box to confirm the change."))
        else:
            try:
                if level:
                    services.level_rule_save(
                        institution=institution, funder=funder, programme=programme, level=level, by=user
                    )
                else:
                    assert rule is not None
                    services.level_rule_remove(rule=rule, by=user)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The level mapping is saved and the projects are recounted."))
                return redirect_after_post(request, reverse("funding:level-list"))
    return _level_change_page(request, form, change, rule)


def _level_change_page(
    request: SignedInRequest, form: LevelChangeForm, change: dict[str, int] | None, rule: LevelRule | None
) -> HttpResponse:
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    funder, programme = data.get("funder"), data.get("programme")
    institution_id = request.user.institution_id
    assert institution_id is not None
    preview: list[Preview] = []
    stranded = 0
    if change is not None:
        counts = counted_by_level(institution_id)
        preview = [Preview(level, str(label), counts[level], change.get(level, 0)) for level, label in Level.choices]
        stranded = change.get("without_level", 0)
    inherited, target = "", data.get("level") or ""
    if programme is not None and funder is not None and not target:
        funder_rule = LevelRule.objects.filter(institution_id=institution_id, funder=funder, programme=None).first()
        inherited = funder_rule.get_level_display() if funder_rule else ""
        target = funder_rule.level if funder_rule else ""
    labels = dict(Level.choices)
    # One rule changes: every awarded project that moves goes from its level to the new one.
    moves = [{"from": p.label, "to": labels[target], "n": -p.change} for p in preview if p.change < 0 and target]
    context = {
        "form": form,
        "funder": funder,
        "programme": programme,
        "rule": rule,
        "level_label": labels.get(data.get("level") or "", ""),
        "inherited": inherited,
        "preview": preview,
        "moves": moves,
        "moved": sum(-p.change for p in preview if p.change < 0 and target),
        "stranded": stranded,
        "total_before": sum(p.before for p in preview),
        "total_after": sum(p.after for p in preview),
    }
    template = "funding/level_change.html#confirm" if is_htmx(request) else "funding/level_change.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# The funding rules


@login_required
@require_http_methods(["GET", "POST"])
def funding_rules(request: SignedInRequest) -> HttpResponse:
    user = request.user
    _require_office(user)
    institution = user.institution
    assert institution is not None
    rules = services.funding_rules_for(institution)
    initial = {name: getattr(rules, name) for name in FundingRulesForm.RULES}
    form = FundingRulesForm(_posted(request), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.funding_rules_save(institution=institution, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The funding rules are saved."))
            return redirect_after_post(request, reverse("funding:rules"))
    context = {"form": form, "timeline": timeline(rules) if rules.pk else [], "office_admin": True}
    return render(request, "funding/rules.html", context)
