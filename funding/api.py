"""Projects in the REST API: postdocs' applications and awards in the caller's scope, their steps through
the same services as the pages (`funding.services`), and the funding reference (funders, programmes with
their amounts per grade, the institution's level mapping).

Who sees what is the pages' rule (`funding.access`): a project is seen as its holder is, and one outside
the scope is a 404; it is changed by who may manage its holder (the office, the station's secretary), and
those who only see it are told so (403). A funding rule in "warning" mode answers 409 with its sentences
until the same request comes again with `acknowledged: true` (as the pages ask for the acknowledgement);
a rule in "refusal" mode answers 400 like any other refusal.

The funders and programmes are the shipped catalogue and the institution's own; the level mapping is read
by those who see the whole institution (administrators and leadership), an empty list for the others.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.access import sees_whole_institution
from accounts.http import api_user
from accounts.models import User
from appointments.access import can_manage_appointment, get_appointment_for_user
from appointments.models import Appointment
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging, page
from core.errors import DomainError
from funding import access, services
from funding import schemas as s
from funding.access import visible_funders, visible_programmes
from funding.forms import funder_order
from funding.models import Funder, GradeAmount, LevelRule, Programme, Project

router = Router(tags=["projects"])

RELATED = ("holder", "funder_ref", "programme_ref")
# The services name the records; the requests name their ids.
FIELD_ALIASES = {"funder_ref": "funder_id", "programme_ref": "programme_id"}


# Helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return api_user(request)


def _refuse_others(user: Any, holder: Appointment) -> None:
    if not can_manage_appointment(user, holder):
        raise PermissionDenied(_("You may not record projects for this postdoc."))


def _project(request: HttpRequest, project_id: int) -> Project:
    """The project if the caller sees its holder, else 404."""
    return access.get_project_for_user(_user(request), project_id)


def _project_to_change(request: HttpRequest, project_id: int) -> Project:
    """404 outside the scope, then 403 for those who see the project but may not change it."""
    project = _project(request, project_id)
    _refuse_others(_user(request), project.holder)
    return project


def _fresh(request: HttpRequest, project: Project) -> dict[str, Any]:
    return s.project_out(Project.objects.select_related(*RELATED).get(pk=project.pk))


def _funder(user: Any, funder_id: int | None) -> Funder | None:
    if funder_id is None:
        return None
    found = visible_funders(user.institution_id).filter(pk=funder_id).first()
    if found is None:
        raise DomainError(_("There is no funder %(id)s in the catalogue.") % {"id": funder_id}, field="funder_id")
    return found


def _programme(user: Any, programme_id: int | None) -> Programme | None:
    if programme_id is None:
        return None
    found = visible_programmes(user.institution_id).filter(pk=programme_id).first()
    if found is None:
        raise DomainError(
            _("There is no programme %(id)s in the catalogue.") % {"id": programme_id}, field="programme_id"
        )
    return found


def _refs(user: Any, payload: s.FunderFieldsIn) -> dict[str, Any]:
    return {
        "funder_ref": _funder(user, payload.funder_id),
        "funder": payload.funder,
        "programme_ref": _programme(user, payload.programme_id),
        "programme": payload.programme,
    }


@contextmanager
def _renamed(aliases: dict[str, str] | None = None) -> Iterator[None]:
    """Makes a service's refusal name the request's field (`funder_ref` is `funder_id` in a request; a step's
    date is `on`)."""
    names = {**FIELD_ALIASES, **(aliases or {})}
    try:
        yield
    except DomainError as error:
        if error.field in names:
            error.field = names[error.field]
        raise


# Projects -------------------------------------------------------------------------------------


@router.get("/projects", response={200: Page[s.ProjectOut], **READ_ERRORS})
def projects(request: HttpRequest, paging: Query[Paging], filters: Query[s.ProjectFilters]) -> dict[str, Any]:
    """The projects whose holders you see, awarded ones newest first, then the applications and refusals
    (no award date) by number."""
    queryset = access.visible_projects(_user(request))
    # An explicit allow-list: request data never becomes ORM keyword arguments.
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    if filters.funder:
        queryset = queryset.filter(funder_ref__code=filters.funder)
    if filters.programme:
        queryset = queryset.filter(programme_ref__code=filters.programme)
    if filters.appointment:
        queryset = queryset.filter(holder_id=filters.appointment)
    if filters.year:
        queryset = queryset.filter(awarded_on__year=filters.year)
    if filters.role:
        queryset = queryset.filter(role=filters.role)
    if filters.q:
        text = filters.q.strip()
        queryset = queryset.filter(Q(project_no__icontains=text) | Q(title__icontains=text))
    queryset = queryset.select_related(*RELATED).order_by(F("awarded_on").desc(nulls_last=True), "project_no", "pk")
    return page(queryset, paging, s.project_out)


@router.get("/projects/{project_id}", response={200: s.ProjectOut, **RECORD_ERRORS})
def project(request: HttpRequest, project_id: int) -> dict[str, Any]:
    return s.project_out(_project(request, project_id))


@router.post("/appointments/{appointment_id}/projects", response={201: s.ProjectOut, **s.WARNING_ERRORS})
def project_apply(request: HttpRequest, appointment_id: int, payload: s.ProjectApplyIn) -> Status[dict[str, Any]]:
    """Records a postdoc's application (status `applied`): known, so that success rates are, and counted
    nowhere until awarded."""
    user = _user(request)
    holder = get_appointment_for_user(user, appointment_id)
    _refuse_others(user, holder)
    with _renamed():
        created = services.project_apply(
            holder=holder,
            project_no=payload.project_no,
            title=payload.title,
            applied_on=payload.applied_on,
            amount=payload.amount,
            role=payload.role,
            level_override=payload.level_override,
            period_start=payload.period_start,
            period_end=payload.period_end,
            extension_commitment_until=payload.extension_commitment_until,
            acknowledged=payload.acknowledged,
            by=user,
            **_refs(user, payload),
        )
    return Status(201, _fresh(request, created))


@router.post("/appointments/{appointment_id}/projects/record", response={201: s.ProjectOut, **s.WARNING_ERRORS})
def project_record(request: HttpRequest, appointment_id: int, payload: s.ProjectRecordIn) -> Status[dict[str, Any]]:
    """Records a project already awarded that was never recorded as an application (history, a project the
    office learns of after the award)."""
    user = _user(request)
    holder = get_appointment_for_user(user, appointment_id)
    _refuse_others(user, holder)
    with _renamed():
        created = services.project_record(
            holder=holder,
            project_no=payload.project_no,
            title=payload.title,
            awarded_on=payload.awarded_on,
            applied_on=payload.applied_on,
            grade=payload.grade,
            batch=payload.batch,
            role=payload.role,
            amount=payload.amount,
            level_override=payload.level_override,
            period_start=payload.period_start,
            period_end=payload.period_end,
            acknowledged=payload.acknowledged,
            by=user,
            **_refs(user, payload),
        )
    return Status(201, _fresh(request, created))


@router.post("/projects/{project_id}/award", response={200: s.ProjectOut, **s.WARNING_ERRORS})
def project_award(request: HttpRequest, project_id: int, payload: s.ProjectAwardIn) -> dict[str, Any]:
    """An application is funded: from now on it counts, by its award date, at its level."""
    project = _project_to_change(request, project_id)
    with _renamed():
        services.project_award(
            project=project,
            awarded_on=payload.awarded_on,
            amount=payload.amount,
            grade=payload.grade,
            batch=payload.batch,
            project_no=payload.project_no,
            period_start=payload.period_start,
            period_end=payload.period_end,
            acknowledged=payload.acknowledged,
            by=_user(request),
        )
    return _fresh(request, project)


@router.post("/projects/{project_id}/reject", response={200: s.ProjectOut, **CHANGE_ERRORS})
def project_reject(request: HttpRequest, project_id: int, payload: s.ProjectDecisionIn) -> dict[str, Any]:
    """The application was not funded (on the day the decision was made known)."""
    project = _project_to_change(request, project_id)
    with _renamed({"rejected_on": "on"}):
        services.project_reject(project=project, on=payload.on, by=_user(request))
    return _fresh(request, project)


@router.post("/projects/{project_id}/complete", response={200: s.ProjectOut, **CHANGE_ERRORS})
def project_complete(request: HttpRequest, project_id: int, payload: s.ProjectDecisionIn) -> dict[str, Any]:
    """The project concluded (结题)."""
    project = _project_to_change(request, project_id)
    with _renamed({"ended_on": "on"}):
        services.project_complete(project=project, on=payload.on, by=_user(request))
    return _fresh(request, project)


@router.post("/projects/{project_id}/terminate", response={200: s.ProjectOut, **CHANGE_ERRORS})
def project_terminate(request: HttpRequest, project_id: int, payload: s.ProjectTerminateIn) -> dict[str, Any]:
    """The project was stopped before its end (终止), with the reason; it keeps counting as awarded."""
    project = _project_to_change(request, project_id)
    with _renamed({"ended_on": "on"}):
        services.project_terminate(project=project, on=payload.on, reason=payload.reason, by=_user(request))
    return _fresh(request, project)


UPDATE_FIELDS = (
    "project_no",
    "title",
    "funder",
    "programme",
    "level_override",
    "grade",
    "batch",
    "role",
    "amount",
    "applied_on",
    "awarded_on",
    "period_start",
    "period_end",
    "extension_commitment_until",
)


@router.post("/projects/{project_id}/update", response={200: s.ProjectOut, **s.WARNING_ERRORS})
def project_update(request: HttpRequest, project_id: int, payload: s.ProjectUpdateIn) -> dict[str, Any]:
    """Corrects a project's details (only the fields given) and recomputes the level it counts at; its status
    changes through its steps. The rules are asked again only about what the correction breaks anew."""
    user = _user(request)
    project = _project_to_change(request, project_id)
    given = payload.model_fields_set
    changes: dict[str, Any] = {name: getattr(payload, name) for name in UPDATE_FIELDS if name in given}
    if "funder_id" in given:
        changes["funder_ref"] = _funder(user, payload.funder_id)
    if "programme_id" in given:
        changes["programme_ref"] = _programme(user, payload.programme_id)
    if "holder" in given:
        holder = get_appointment_for_user(user, payload.holder)
        _refuse_others(user, holder)
        changes["holder"] = holder
    with _renamed():
        services.project_update(
            project=project, by=user, acknowledged=payload.acknowledged, note=payload.note.strip(), **changes
        )
    return _fresh(request, project)


# The funding reference --------------------------------------------------------------------------


@router.get("/level-rules", response={200: Page[s.LevelRuleOut], **READ_ERRORS}, tags=["funding"])
def level_rules(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """The institution's level for each funder (programme null) and for programmes with a rule of their own,
    which wins; for administrators and leadership, empty for the others."""
    user = _user(request)
    queryset = LevelRule.objects.none()
    if sees_whole_institution(user):
        queryset = LevelRule.objects.filter(institution_id=user.institution_id or 0)
    queryset = queryset.select_related("funder", "programme").order_by(
        "funder__code", F("programme__code").asc(nulls_first=True), "pk"
    )
    return page(queryset, paging, s.level_rule_out)


@router.get("/funders", response={200: Page[s.FunderOut], **READ_ERRORS}, tags=["funding"])
def funders(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """The shipped catalogue of funders, then the institution's own; national bodies first."""
    queryset = visible_funders(_user(request).institution_id).order_by(
        F("institution_id").asc(nulls_first=True), *funder_order(), "pk"
    )
    return page(queryset, paging, s.funder_out)


@router.get("/programmes", response={200: Page[s.ProgrammeOut], **READ_ERRORS}, tags=["funding"])
def programmes(request: HttpRequest, paging: Query[Paging], filters: Query[s.ProgrammeFilters]) -> dict[str, Any]:
    """The funders' programmes with their rules and what each grade paid, by year."""
    queryset = visible_programmes(_user(request).institution_id)
    if filters.funder:
        queryset = queryset.filter(funder__code=filters.funder)
    amounts = GradeAmount.objects.order_by("grade", "field", "-year_from", "pk")
    queryset = queryset.prefetch_related(Prefetch("amounts", queryset=amounts)).order_by(
        F("funder__institution_id").asc(nulls_first=True), "funder__code", "code", "pk"
    )
    return page(queryset, paging, s.programme_out)
