"""The postdoc pages: the list (and its export), one postdoc's page, its steps (each at its own URL), and admission.

Every view fetches through `accounts.access`, so a record outside the user's scope is a 404, and an
htmx partial goes through the same view as its page. Writes go to the services; their refusals come
back next to the field they name, with the user's input kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, has_perm, role_names, secretary_station_ids
from accounts.http import SignedInRequest
from accounts.models import Role
from appointments import services
from appointments.access import can_manage_appointment, get_appointment_for_user, visible_appointments
from appointments.due import commitments_of
from appointments.export import postdoc_list_sheets
from appointments.forms import (
    AssessmentForm,
    EnterForm,
    ExitForm,
    ExtendForm,
    NewPostdocForm,
    PhdCertificateForm,
    PostdocFilterForm,
    SecondAdmissionForm,
    TransferForm,
    WithdrawForm,
)
from appointments.models import Appointment
from appointments.rules import policy_for
from appointments.selectors import due_items, filter_due, search
from audit.exports import record_full_id_export
from audit.timeline import timeline
from core import page_parts
from core.errors import DomainError, RuleViolation
from core.forms import ServiceForm
from core.sheets import writers
from core.views import is_htmx, paginate, redirect_after_post
from people.access import get_person_for_user
from people.models import Supervisor
from people.services import person_create, person_reveal_id
from people.views import person_context
from stations.access import visible_stations
from stations.models import Station

Status = Appointment.Status


# ---------------------------------------------------------------------------------------------
# The list


# A search counts its matches up to this many: past it the page says "more than" (docs/decisions/0067).
SEARCH_COUNT_CAP = 1000


@dataclass(frozen=True)
class Listed:
    """What the postdoc list's filters select: the list page and its exports share it."""

    form: PostdocFilterForm
    appointments: QuerySet[Appointment]  # every page, in the list's order
    sort: str
    filtered: bool
    searched: bool  # by name or number: an exact count would scan, so the list counts up to a cap


def listed_postdocs(request: SignedInRequest) -> Listed:
    user = request.user
    visible = visible_appointments(user)
    # From this year back to the earliest entry: one indexed MIN, not a scan for distinct years.
    first_entry = visible.aggregate(first=Min("entry_date"))["first"]
    this_year = timezone.localdate().year
    years = list(range(this_year + 1, (first_entry.year if first_entry else this_year) - 1, -1))
    form = PostdocFilterForm(request.GET or None, stations=visible_stations(user).order_by("code"), years=years)
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data if form.is_bound else {}
    appointments = visible.select_related("person", "station", "primary_supervisor")
    if data.get("q"):
        appointments = search(appointments, data["q"])
    if data.get("station"):
        # A workstation's postdocs include those it trains jointly (their station is a mobile one).
        appointments = appointments.filter(Q(station=data["station"]) | Q(workstation=data["station"]))
    if data.get("status"):
        appointments = appointments.filter(status=data["status"])
    if data.get("year"):
        appointments = appointments.filter(entry_date__year=data["year"])
    if data.get("due"):
        policy = policy_for(user.institution_id or 0)
        appointments = filter_due(appointments, data["due"], policy, timezone.localdate())
    sort = data.get("sort") or "-entry"
    ordering = ["entry_date", "postdoc_no"] if sort == "entry" else ["-entry_date", "postdoc_no"]
    return Listed(
        form=form,
        appointments=appointments.order_by(*ordering),
        sort=sort,
        filtered=any(data.get(name) for name in ("q", "station", "status", "year", "due")),
        searched=bool(data.get("q", "").strip()),
    )


@login_required
@require_GET
def postdoc_list(request: SignedInRequest) -> HttpResponse:
    listed = listed_postdocs(request)
    context: dict[str, Any] = {
        "form": listed.form,
        "sort": listed.sort,
        "filtered": listed.filtered,
        # Keys first, the deep pages read from the end (docs/decisions/0067).
        **paginate(
            request,
            listed.appointments,
            keys_first=True,
            count_cap=SEARCH_COUNT_CAP if listed.searched else None,
        ),
    }
    if is_htmx(request):
        return render(request, "appointments/list.html#rows", context)
    context["can_add"] = manageable_stations(request.user).exists()
    return render(request, "appointments/list.html", context)


@login_required
@require_GET
def postdoc_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The rows the list's filters select, every page, as the exchange workbook's Postdocs and
    Projects sheets: `.xlsx`, or a `.zip` of one CSV per sheet."""
    if fmt not in writers.FORMATS:
        raise Http404
    user = request.user
    appointments = listed_postdocs(request).appointments
    reveal = has_perm(user, Perm.REVEAL_ID)
    sheets = postdoc_list_sheets(appointments, reveal=reveal)

    def audit(counts: dict[str, int]) -> None:
        if reveal and user.institution is not None:
            n = counts.get("Postdocs", 0)
            record_full_id_export(
                user=user,
                institution=user.institution,
                postdoc_rows=n,
                note=_("Exported the postdoc list with full ID numbers (%(n)s postdoc rows).") % {"n": n},
            )

    return writers.export_response(sheets, fmt=fmt, basename="postdocs", on_done=audit)


# ---------------------------------------------------------------------------------------------
# One postdoc


@dataclass(frozen=True)
class Step:
    """A transition of an appointment: its own URL, form and service call."""

    name: str
    title: str | Promise
    form: Callable[..., ServiceForm]
    perform: Callable[[Appointment, dict[str, Any], Any, str], object]
    available: Callable[[Appointment], bool]
    done: str | Promise
    exceptions: bool = False  # an office administrator may set a rule aside with a reason
    ending: bool = False  # ends the stay: asks for confirmation, shown as a danger button


def _not_ended(appointment: Appointment) -> bool:
    return appointment.status in (Status.ADMITTED, *Appointment.LIVE_STATUSES)


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "enter",
            gettext_lazy("Record entry"),
            EnterForm,
            lambda a, d, by, reason: services.appointment_enter(
                appointment=a, on=d["on"], by=by, exception_reason=reason
            ),
            lambda a: a.status == Status.ADMITTED,
            gettext_lazy("The entry is recorded."),
            exceptions=True,
        ),
        Step(
            "assess",
            gettext_lazy("Record an assessment"),
            AssessmentForm,
            lambda a, d, by, reason: services.assessment_record(
                appointment=a,
                kind=d["kind"],
                held_on=d["held_on"],
                grade=d["grade"],
                panel=d["panel"],
                comments=d["comments"],
                by=by,
            ),
            lambda a: a.is_live,
            gettext_lazy("The assessment is recorded."),
        ),
        Step(
            "phd-certificate",
            gettext_lazy("Record the PhD certificate"),
            PhdCertificateForm,
            lambda a, d, by, reason: services.phd_certificate_record(
                appointment=a, received_on=d["received_on"], by=by
            ),
            lambda a: _not_ended(a) and a.phd_certificate_on is None,
            gettext_lazy("The PhD certificate is recorded."),
        ),
        Step(
            "extend",
            gettext_lazy("Extend"),
            ExtendForm,
            lambda a, d, by, reason: services.appointment_extend(
                appointment=a, until=d["until"], reason=d["reason"], by=by, exception_reason=reason
            ),
            lambda a: a.is_live,
            gettext_lazy("The extension is recorded."),
            exceptions=True,
        ),
        Step(
            "exit",
            gettext_lazy("Record exit"),
            ExitForm,
            lambda a, d, by, reason: services.appointment_exit(
                appointment=a, on=d["on"], by=by, exception_reason=reason
            ),
            lambda a: a.is_live,
            gettext_lazy("The exit is recorded."),
            exceptions=True,
            ending=True,
        ),
        Step(
            "withdraw",
            gettext_lazy("Record withdrawal"),
            WithdrawForm,
            lambda a, d, by, reason: services.appointment_withdraw(
                appointment=a, on=d["on"], ground=d["ground"], note=d["note"], by=by
            ),
            _not_ended,
            gettext_lazy("The withdrawal is recorded."),
            ending=True,
        ),
        Step(
            "transfer",
            gettext_lazy("Record transfer"),
            TransferForm,
            lambda a, d, by, reason: services.appointment_transfer(
                appointment=a, on=d["on"], to=d["to"], note=d["note"], by=by
            ),
            lambda a: a.is_live,
            gettext_lazy("The transfer is recorded."),
            ending=True,
        ),
    ]
}


@login_required
@require_GET
def postdoc_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.user, pk)
    return render(request, "appointments/detail.html", detail_context(request, appointment))


def detail_context(request: SignedInRequest, appointment: Appointment) -> dict[str, Any]:
    user = request.user
    may_manage = can_manage_appointment(user, appointment)
    policy = policy_for(appointment.station.institution_id)
    steps = [step for step in STEPS.values() if may_manage and step.available(appointment)]
    extensions = list(appointment.extensions.all())
    commitments = commitments_of(appointment)
    return {
        "appointment": appointment,
        "person": appointment.person,
        "due": due_items(appointment, policy, timezone.localdate(), commitments, extensions),
        "assessments": list(appointment.assessments.all()),
        "extensions": extensions,
        "exceptions": list(appointment.policy_exceptions.all()),
        # The projects and outputs cards, from the apps above this one (core.page_parts).
        **page_parts.context_for("postdoc", request, appointment),
        "timeline": timeline(appointment, appointment.person),
        "steps": [
            {"name": step.name, "title": step.title, "url": _step_url(appointment, step), "ending": step.ending}
            for step in steps
        ],
        "can_manage": may_manage,
        "can_reveal_id": has_perm(user, Perm.REVEAL_ID),
    }


def _step_url(appointment: Appointment, step: Step) -> str:
    return reverse(f"postdoc-{step.name}", kwargs={"pk": appointment.pk})


@login_required
@require_POST
def postdoc_reveal_id(request: SignedInRequest, pk: int) -> HttpResponse:
    """Shows the full ID number to someone allowed to see it; the service records that they did."""
    appointment = get_appointment_for_user(request.user, pk)
    if not has_perm(request.user, Perm.REVEAL_ID):
        raise PermissionDenied
    try:
        revealed = person_reveal_id(person=appointment.person, by=request.user)
    except DomainError as error:
        raise PermissionDenied(error.message) from error
    if is_htmx(request):
        context = {"person": appointment.person, "revealed_id": revealed}
        return render(request, "people/_id_number.html", context)
    context = detail_context(request, appointment)
    context["revealed_id"] = revealed
    return render(request, "appointments/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def postdoc_step(request: SignedInRequest, pk: int, step: str) -> HttpResponse:
    """One transition: the form (GET; htmx loads it into the postdoc's page) and its POST."""
    user = request.user
    spec = STEPS[step]
    appointment = get_appointment_for_user(user, pk)
    if not can_manage_appointment(user, appointment):
        raise PermissionDenied
    may_except = spec.exceptions and has_perm(user, Perm.GRANT_EXCEPTIONS)
    refusal: DomainError | None = None
    if request.method == "POST":
        form = spec.form(request.POST, appointment=appointment)
        if form.is_valid():
            reason = form.cleaned_data.get("exception_reason", "") if may_except else ""
            try:
                spec.perform(appointment, form.cleaned_data, user, reason)
            except DomainError as error:
                refusal = error
                form.add_domain_error(error)
            else:
                messages.success(request, str(spec.done))
                return redirect_after_post(request, reverse("postdoc-detail", kwargs={"pk": appointment.pk}))
    else:
        form = spec.form(appointment=appointment)
    overridable = isinstance(refusal, RuleViolation) and refusal.overridable
    context = {
        "appointment": appointment,
        "step": spec,
        "form": form,
        "action_url": _step_url(appointment, spec),
        "show_exception": may_except and (overridable or bool(form.data.get("exception_reason"))),
        "ask_administrator": overridable and spec.exceptions and not may_except,
    }
    template = "appointments/step.html#form" if is_htmx(request) else "appointments/step.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# A new postdoc: registration and admission in one go


def manageable_stations(user: Any) -> QuerySet[Station]:
    """Stations (not revoked) where the user may admit postdocs."""
    # `stations.access.can_manage_station` as one query (the list asks only whether any exists): an
    # office administrator manages every station of their institution, a secretary their own.
    institution_id = getattr(user, "institution_id", None)
    roles = role_names(user)
    if institution_id is None or not roles & {Role.ADMIN, Role.SECRETARY}:
        return Station.objects.none()
    stations = Station.objects.filter(institution_id=institution_id).exclude(status=Station.Status.REVOKED)
    if Role.ADMIN not in roles:
        stations = stations.filter(pk__in=secretary_station_ids(user))
    return stations.order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def postdoc_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    stations = manageable_stations(user)
    if not stations.exists():
        raise PermissionDenied
    may_except = has_perm(user, Perm.GRANT_EXCEPTIONS)
    institution = user.institution
    assert institution is not None  # a user who manages a station belongs to its institution
    form = NewPostdocForm(
        request.POST if request.method == "POST" else None,
        stations=stations,
        # Active supervisors only (an inactive one keeps their history but takes no new postdoc), by pinyin.
        supervisors=Supervisor.objects.filter(institution=institution, is_active=True),
        workstations=Station.objects.filter(institution=institution, kind=Station.Kind.WORKSTATION),
        preselect=request.GET.get("station"),
    )
    refusal: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: a refused admission leaves no person behind.
            with transaction.atomic():
                person = person_create(
                    institution=institution,
                    by=user,
                    **{name: data[name] for name in NewPostdocForm.PERSON_FIELDS},
                )
                appointment = services.appointment_admit(
                    person=person,
                    by=user,
                    exception_reason=data["exception_reason"] if may_except else "",
                    **{name: data[name] for name in NewPostdocForm.APPOINTMENT_FIELDS},
                )
        except DomainError as error:
            refusal = error
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s is registered and admitted as postdoc %(no)s.")
                % {"name": person.name, "no": appointment.postdoc_no},
            )
            return redirect_after_post(request, reverse("postdoc-detail", kwargs={"pk": appointment.pk}))
    overridable = isinstance(refusal, RuleViolation) and refusal.overridable
    context = {
        "form": form,
        "show_exception": may_except and (overridable or bool(form.data.get("exception_reason"))),
        "ask_administrator": overridable and not may_except,
    }
    return render(request, "appointments/new.html", context)


# ---------------------------------------------------------------------------------------------
# A registered person admitted again (the person's pages are people's, at /people/<pk>/…)


@login_required
@require_http_methods(["GET", "POST"])
def person_admit(request: SignedInRequest, pk: int) -> HttpResponse:
    """Admits an already registered person to another station, through `appointment_admit`."""
    user = request.user
    person = get_person_for_user(user, pk)
    stations = manageable_stations(user)
    if not stations.exists():
        raise PermissionDenied
    may_except = has_perm(user, Perm.GRANT_EXCEPTIONS)
    form = SecondAdmissionForm(
        request.POST if request.method == "POST" else None,
        stations=stations,
        supervisors=Supervisor.objects.filter(institution_id=person.institution_id, is_active=True).select_related(
            "station"
        ),
        workstations=Station.objects.filter(institution_id=person.institution_id, kind=Station.Kind.WORKSTATION),
        preselect=request.GET.get("station"),
        regroup_url=reverse("people:person-admit", kwargs={"pk": person.pk}),
    )
    refusal: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_admit(
                person=person,
                by=user,
                exception_reason=data["exception_reason"] if may_except else "",
                **{name: data[name] for name in SecondAdmissionForm.APPOINTMENT_FIELDS},
            )
        except DomainError as error:
            refusal = error
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s is admitted to %(station)s as postdoc %(no)s.")
                % {"name": person.name, "station": appointment.station.name, "no": appointment.postdoc_no},
            )
            return redirect_after_post(request, reverse("postdoc-detail", kwargs={"pk": appointment.pk}))
    overridable = isinstance(refusal, RuleViolation) and refusal.overridable
    stays = list(
        Appointment.objects.filter(person=person, pk__in=visible_appointments(user).values("pk"))
        .select_related("station")
        .order_by("-entry_date")
    )
    context = person_context(
        request,
        person,
        form=form,
        stays=stays,
        show_exception=may_except and (overridable or bool(form.data.get("exception_reason"))),
        ask_administrator=overridable and not may_except,
    )
    return render(request, "people/person_admit.html", context)
