"""The people pages: supervisors (list, add, edit, move, deactivate, delete, link to a login) and a
postdoc's identity (personal details, ID number). Admitting a person to another station, at
people:person-admit, is appointments' view (appointments.views.person_admit).

Records are fetched through people.access, so anything outside the user's scope is a 404; what a
user may change is asked of the same module, and the services check it again. Refusals come back
next to the field they name, with the input kept.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from accounts.models import User
from audit.timeline import timeline
from catalogue.models import Unit
from core import page_parts
from core.errors import DomainError
from core.sheets import writers
from core.sheets.writers import Sheet
from core.views import is_htmx, paginate, redirect_after_post
from people import services
from people.access import (
    get_person_for_user,
    get_supervisor_for_user,
    may_add_supervisors,
    may_list_supervisors,
    may_manage_person,
    may_manage_supervisor,
    stays_seen,
    supervisor_stations,
    visible_supervisors,
)
from people.export import supervisor_rows
from people.forms import (
    LinkLoginForm,
    PersonDetailsForm,
    PersonIdForm,
    SupervisorActiveForm,
    SupervisorDeleteForm,
    SupervisorDetailsForm,
    SupervisorFilterForm,
    SupervisorMoveForm,
    SupervisorNewForm,
)
from people.models import Person, Supervisor
from people.sheet_columns import SUPERVISORS_SHEET
from stations.models import Station

# ---------------------------------------------------------------------------------------------
# Supervisors


def _units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.filter(institution_id=user.institution_id).order_by("code")


def _detail_url(supervisor: Supervisor) -> str:
    return reverse("people:supervisor-detail", kwargs={"pk": supervisor.pk})


def listed_supervisors(request: SignedInRequest) -> tuple[SupervisorFilterForm, QuerySet[Supervisor]]:
    """The supervisors the list's search and filters select, in its order: the page and its exports."""
    user = request.user
    if not may_list_supervisors(user):
        raise PermissionDenied
    visible = visible_supervisors(user)
    stations = Station.objects.filter(pk__in=visible.values("station_id")).order_by("code")
    units = Unit.objects.filter(pk__in=visible.values("unit_id")).order_by("code")
    # Unfiltered, the list shows the active supervisors: those a new appointment may name.
    form = SupervisorFilterForm(request.GET or {"active": "yes"}, stations=stations, units=units)
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data
    supervisors = visible.select_related("unit", "station")
    text = (data.get("q") or "").strip()
    if text:
        supervisors = supervisors.filter(
            Q(name__icontains=text)
            | Q(name_en__icontains=text)
            | Q(name_sort__icontains=text.lower())  # pinyin: "zhang" finds 张
            | Q(staff_no__icontains=text)
        )
    if data.get("station"):
        supervisors = supervisors.filter(station=data["station"])
    if data.get("unit"):
        supervisors = supervisors.filter(unit=data["unit"])
    if data.get("doctoral"):
        supervisors = supervisors.filter(is_doctoral_supervisor=data["doctoral"] == "yes")
    if data.get("active"):
        supervisors = supervisors.filter(is_active=data["active"] == "yes")
    return form, supervisors.order_by("name_sort", "name", "staff_no")


@login_required
@require_GET
def supervisor_list(request: SignedInRequest) -> HttpResponse:
    form, supervisors = listed_supervisors(request)
    context: dict[str, Any] = {
        "form": form,
        "filtered": any(request.GET.get(name) for name in ("q", "station", "unit", "doctoral", "active")),
        **paginate(request, supervisors),
    }
    if is_htmx(request):
        return render(request, "people/supervisor_list.html#rows", context)
    context["can_add"] = may_add_supervisors(request.user)
    return render(request, "people/supervisor_list.html", context)


@login_required
@require_GET
def supervisor_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The supervisors the list's search and filters select, every page, as the exchange workbook's
    Supervisors sheet (`.xlsx` or `.csv`): the file imports back."""
    if fmt not in writers.FORMATS:
        raise Http404
    _form, supervisors = listed_supervisors(request)
    sheets = [Sheet(SUPERVISORS_SHEET.name, supervisor_rows(supervisors), SUPERVISORS_SHEET)]
    return writers.export_response(sheets, fmt=fmt, basename="supervisors")


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    stations = supervisor_stations(user).order_by("code")
    if not stations.exists() or user.institution is None:
        raise PermissionDenied
    station_required = not has_perm(user, Perm.MANAGE_REFERENCE)  # a secretary adds to their stations
    initial: dict[str, Any] = {}
    preselected = (
        stations.filter(pk=request.GET.get("station") or 0).first()
        if request.GET.get("station", "").isdigit()
        else None
    )
    if preselected is None and station_required and stations.count() == 1:
        preselected = stations.first()
    if preselected is not None:
        initial = {"station": preselected, "unit": preselected.unit_id}
    form = SupervisorNewForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        stations=stations,
        units=_units(user),
        station_required=station_required,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            supervisor = services.supervisor_create(
                institution=user.institution,
                station=data["station"],
                unit=data["unit"],
                by=user,
                **{name: data[name] for name in SupervisorDetailsForm.DETAILS},
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(name)s is added.") % {"name": supervisor.name})
            return redirect_after_post(request, _detail_url(supervisor))
    return render(
        request, "people/supervisor_form.html", {"form": form, "supervisor": None, "preselected": preselected}
    )


@login_required
@require_GET
def supervisor_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    supervisor = get_supervisor_for_user(user, pk)
    may_manage = may_manage_supervisor(user, supervisor)
    is_admin = has_perm(user, Perm.MANAGE_REFERENCE) and supervisor.institution_id == user.institution_id
    context = {
        "supervisor": supervisor,
        # Their postdocs, from the apps above this one (core.page_parts).
        **page_parts.context_for("supervisor", request, supervisor),
        "can_manage": may_manage,
        "can_link": is_admin,
        "can_delete": is_admin and not services.supervisor_has_records(supervisor),
        "can_list": may_list_supervisors(user),
        "timeline": timeline(supervisor),
    }
    return render(request, "people/supervisor_detail.html", context)


def _managed_supervisor(request: SignedInRequest, pk: int) -> Supervisor:
    supervisor = get_supervisor_for_user(request.user, pk)
    if not may_manage_supervisor(request.user, supervisor):
        raise PermissionDenied
    return supervisor


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    supervisor = _managed_supervisor(request, pk)
    initial = {name: getattr(supervisor, name) for name in SupervisorDetailsForm.DETAILS}
    form = SupervisorDetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if value != getattr(supervisor, name)}
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect_after_post(request, _detail_url(supervisor))
        try:
            services.supervisor_update(supervisor=supervisor, by=request.user, **changes)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The supervisor's details are saved."))
            return redirect_after_post(request, _detail_url(supervisor))
    return render(request, "people/supervisor_form.html", {"form": form, "supervisor": supervisor})


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_move(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    supervisor = _managed_supervisor(request, pk)
    form = SupervisorMoveForm(
        request.POST if request.method == "POST" else None,
        initial={"station": supervisor.station_id, "unit": supervisor.unit_id},
        stations=supervisor_stations(user).order_by("code"),
        units=_units(user),
        station_required=not has_perm(user, Perm.MANAGE_REFERENCE),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.supervisor_move(
                supervisor=supervisor, station=data["station"], unit=data["unit"], note=data["note"], by=user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The supervisor is moved."))
            return redirect_after_post(request, _detail_url(supervisor))
    return render(request, "people/supervisor_move.html", {"form": form, "supervisor": supervisor})


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_active(request: SignedInRequest, pk: int) -> HttpResponse:
    """Deactivates an active supervisor, or reactivates an inactive one, after a confirmation."""
    supervisor = _managed_supervisor(request, pk)
    form = SupervisorActiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervisor_set_active(
                supervisor=supervisor, active=not supervisor.is_active, note=form.cleaned_data["note"], by=request.user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            done = (
                _("The supervisor is reactivated.") if not supervisor.is_active else _("The supervisor is deactivated.")
            )
            messages.success(request, done)
            return redirect_after_post(request, _detail_url(supervisor))
    return render(request, "people/supervisor_active.html", {"form": form, "supervisor": supervisor})


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    supervisor = get_supervisor_for_user(user, pk)
    if not has_perm(user, Perm.MANAGE_REFERENCE):
        raise PermissionDenied
    has_records = services.supervisor_has_records(supervisor)
    form = SupervisorDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervisor_delete(supervisor=supervisor, by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(name)s is deleted.") % {"name": supervisor.name})
            return redirect_after_post(request, reverse("people:supervisor-list"))
    context = {"form": form, "supervisor": supervisor, "has_records": has_records}
    return render(request, "people/supervisor_delete.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_link(request: SignedInRequest, pk: int) -> HttpResponse:
    """Links the supervisor to a login: an account of the institution, or a new one."""
    user = request.user
    supervisor = get_supervisor_for_user(user, pk)
    if not has_perm(user, Perm.MANAGE_REFERENCE):
        raise PermissionDenied
    # Accounts not yet linked to a supervisor (this one's own stays offered).
    users = (
        User.objects.filter(institution_id=supervisor.institution_id, is_active=True)
        .filter(Q(supervisor__isnull=True) | Q(supervisor=supervisor))
        .order_by("username")
    )
    form = LinkLoginForm(request.POST if request.method == "POST" else None, users=users)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            linked = services.supervisor_link_login(
                supervisor=supervisor, user=data["user"], username=data["username"], email=data["email"], by=user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(name)s signs in as %(username)s.") % {"name": supervisor.name, "username": linked.username},
            )
            return redirect_after_post(request, _detail_url(supervisor))
    return render(request, "people/supervisor_link.html", {"form": form, "supervisor": supervisor})


# ---------------------------------------------------------------------------------------------
# A postdoc's identity


def _managed_person(request: SignedInRequest, pk: int) -> Person:
    person = get_person_for_user(request.user, pk)
    if not may_manage_person(request.user, person):
        raise PermissionDenied
    return person


def _back_url(request: SignedInRequest, person: Person) -> str:
    """The postdoc page the user came from (?from=<appointment>), else the person's latest one they see."""
    appointments = stays_seen(request.user).filter(person=person)
    chosen = request.GET.get("from") or request.POST.get("from") or ""
    appointment = (appointments.filter(pk=chosen).first() if chosen.isdigit() else None) or appointments.order_by(
        "-entry_date"
    ).first()
    return reverse("postdoc-detail", kwargs={"pk": appointment.pk}) if appointment else reverse("postdoc-list")


def person_context(request: SignedInRequest, person: Person, **extra: Any) -> dict[str, Any]:
    """What a person's pages show around their form (also appointments' admission of the person)."""
    return {
        "person": person,
        "back_url": _back_url(request, person),
        "came_from": request.GET.get("from") or request.POST.get("from") or "",
        "can_reveal_id": has_perm(request.user, Perm.REVEAL_ID),
        "reveal_url": reverse("people:person-reveal-id", kwargs={"pk": person.pk}),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    """A postdoc's personal details, through `person_update` (which records before and after)."""
    person = _managed_person(request, pk)
    initial = {name: getattr(person, name) for name in PersonDetailsForm.DETAILS}
    form = PersonDetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(person)
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect_after_post(request, _back_url(request, person))
        try:
            services.person_update(person=person, by=request.user, note=form.cleaned_data["note"], **changes)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The personal details are saved."))
            return redirect_after_post(request, _back_url(request, person))
    return render(request, "people/person_form.html", person_context(request, person, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def person_correct_id(request: SignedInRequest, pk: int) -> HttpResponse:
    person = _managed_person(request, pk)
    form = PersonIdForm(request.POST if request.method == "POST" else None, initial={"id_type": person.id_type})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_correct_id(
                person=person, id_type=data["id_type"], id_number=data["id_number"], note=data["note"], by=request.user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The ID number is corrected."))
            return redirect_after_post(request, _back_url(request, person))
    return render(request, "people/person_id.html", person_context(request, person, form=form))


@login_required
@require_POST
def person_reveal_id(request: SignedInRequest, pk: int) -> HttpResponse:
    """The full ID number, to someone allowed to see it; the service records that they saw it."""
    person = get_person_for_user(request.user, pk)
    if not has_perm(request.user, Perm.REVEAL_ID):
        raise PermissionDenied
    try:
        revealed = services.person_reveal_id(person=person, by=request.user)
    except DomainError as error:
        raise PermissionDenied(error.message) from error
    context = person_context(request, person, revealed_id=revealed)
    if is_htmx(request):
        return render(request, "people/_id_number.html", context)
    context["form"] = PersonIdForm(initial={"id_type": person.id_type})
    return render(request, "people/person_id.html", context)
