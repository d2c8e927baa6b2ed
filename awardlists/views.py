"""The award-list pages: the lists, the upload, the review screen (each uncertain row's candidates
to choose from, via htmx), the check and confirmation, and the institution's names in funders' lists.

Only an office administrator imports award lists: the section's pages answer 403 to anyone else,
and a list of another institution is a 404, as for any record outside one's scope (as the import
pages do, docs/decisions/0009).
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from appointments.models import Appointment
from awardlists import services
from awardlists.forms import ConfirmForm, HostNameForm, ListFilterForm, UploadForm
from awardlists.matching import institution_key, likely_forms
from awardlists.models import AwardList, AwardListRow, HostName
from catalogue.models import Institution
from core.errors import DomainError
from core.views import is_htmx, paginate, redirect_after_post

OTHER_INSTITUTIONS_SHOWN = 12
CHANGED = "awardlist-changed"  # the htmx event after which the check is asked again


def _administrator_institution(user: Any) -> Institution:
    """The institution of an office administrator; anyone else may not use these pages."""
    if not has_perm(user, Perm.MANAGE_REFERENCE) or user.institution is None:
        raise PermissionDenied
    institution: Institution = user.institution
    return institution


def _list_for(user: Any, pk: Any) -> AwardList:
    _administrator_institution(user)
    try:
        return (
            AwardList.objects.visible_to(user)
            .select_related("programme__funder", "institution", "created_by", "confirmed_by", "discarded_by")
            .get(pk=pk)
        )
    except AwardList.DoesNotExist as exc:
        raise Http404 from exc


def _row_for(award_list: AwardList, pk: Any) -> AwardListRow:
    try:
        return award_list.rows.select_related("award_list").get(pk=pk)
    except AwardListRow.DoesNotExist as exc:
        raise Http404 from exc


def _detail_url(award_list: AwardList) -> str:
    return reverse("awardlists:detail", kwargs={"pk": award_list.pk})


# ---------------------------------------------------------------------------------------------
# The lists and the upload


@login_required
@require_GET
def awardlist_list(request: SignedInRequest) -> HttpResponse:
    institution = _administrator_institution(request.user)
    form = ListFilterForm(request.GET or None, institution_id=institution.pk)
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data if form.is_bound else {}
    lists = AwardList.objects.visible_to(request.user).select_related("programme__funder", "created_by")
    if data.get("status"):
        lists = lists.filter(status=data["status"])
    if data.get("programme"):
        lists = lists.filter(programme=data["programme"])
    context: dict[str, Any] = {
        "form": form,
        "filtered": bool(data.get("status") or data.get("programme")),
        **paginate(request, lists),
    }
    template = "awardlists/list.html#rows" if is_htmx(request) else "awardlists/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def awardlist_new(request: SignedInRequest) -> HttpResponse:
    institution = _administrator_institution(request.user)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        institution_id=institution.pk,
    )
    problems: list[str] = []
    if form.is_bound and form.is_valid():
        try:
            award_list = services.award_list_upload(institution=institution, by=request.user, **form.cleaned_data)
        except services.ListRefused as refused:
            form.add_domain_error(refused)
            problems = [str(problem) for problem in refused.problems]
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("“%(name)s” is read and matched. Review the matches, then confirm the awards.")
                % {"name": award_list.original_name},
            )
            return redirect_after_post(request, _detail_url(award_list))
    return render(request, "awardlists/new.html", {"form": form, "problems": problems})


# ---------------------------------------------------------------------------------------------
# The review screen


def _candidates(rows: list[AwardListRow]) -> dict[int, Appointment]:
    """The appointments the rows name or offer, in one query."""
    ids = {pk for row in rows for pk in row.candidates} | {row.appointment_id for row in rows if row.appointment_id}
    return Appointment.objects.select_related("person", "station__discipline").in_bulk(list(ids))


@dataclass
class Offered:
    """A candidate of a row as the review shows it: the postdoc, and the doubt about their name."""

    appointment: Appointment
    doubt: str  # AwardListRow.Doubt, or "" when the name is the row's

    @property
    def doubt_label(self) -> str:
        return str(AwardListRow.Doubt(self.doubt).label) if self.doubt in AwardListRow.Doubt.values else ""


def _decorate(row: AwardListRow, appointments: dict[int, Appointment]) -> AwardListRow:
    # An attribute for the page only (the rows' candidates, resolved), not a field of the model.
    row.candidate_list = [  # type: ignore[attr-defined]
        Offered(appointments[pk], row.doubt_of(pk)) for pk in row.candidates if pk in appointments
    ]
    if row.appointment_id in appointments:
        row.appointment = appointments[row.appointment_id]
    return row


def review_context(award_list: AwardList) -> dict[str, Any]:
    rows = list(award_list.rows.select_related("project").order_by("sheet", "number"))
    appointments = _candidates(rows)
    rows = [_decorate(row, appointments) for row in rows]
    Outcome = AwardListRow.Outcome
    others = list(award_list.other_institutions.items())
    return {
        "award_list": award_list,
        "exact_rows": [row for row in rows if row.outcome == Outcome.EXACT],
        "uncertain_rows": [row for row in rows if row.outcome == Outcome.UNCERTAIN],
        "unmatched_rows": [row for row in rows if row.outcome == Outcome.UNMATCHED],
        "undecided": sum(1 for row in rows if row.outcome == Outcome.UNCERTAIN and not row.decision),
        "to_award": sum(1 for row in rows if row.to_award and not row.already_awarded),
        "other_institutions": others[:OTHER_INSTITUTIONS_SHOWN],
        "more_institutions": max(0, len(others) - OTHER_INSTITUTIONS_SHOWN),
        "can_change": award_list.is_open,
        "show_sheet": len({row.sheet for row in rows}) > 1,  # row numbers are per sheet
    }


@login_required
@require_GET
def awardlist_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    award_list = _list_for(request.user, pk)
    return render(request, "awardlists/detail.html", review_context(award_list))


@login_required
@require_POST
def awardlist_row_choose(request: SignedInRequest, pk: int, row_pk: int) -> HttpResponse:
    """A row's postdoc chosen among its candidates, or the row skipped ("skip")."""
    award_list = _list_for(request.user, pk)
    row = _row_for(award_list, row_pk)
    choice = request.POST.get("appointment", "")
    error: str | None = None
    appointment = None
    if choice != "skip":
        if choice.isdigit():
            appointment = (
                Appointment.objects.select_related("person")
                .filter(pk=int(choice), institution_id=award_list.institution_id)
                .first()
            )
        if appointment is None:
            error = _("Choose one of the row's candidates, or skip the row.")
    if error is None:
        try:
            row = services.award_list_row_choose(row=row, appointment=appointment, by=request.user)
        except DomainError as refusal:
            error = refusal.message
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect_after_post(request, f"{_detail_url(award_list)}#row-{row.pk}")
    row = _decorate(AwardListRow.objects.select_related("project").get(pk=row.pk), _candidates([row]))
    template = (
        "awardlists/detail.html#exact-row"
        if row.outcome == AwardListRow.Outcome.EXACT
        else "awardlists/detail.html#uncertain-row"
    )
    award_list.refresh_from_db(fields=["status"])
    context = {
        "row": row,
        "award_list": award_list,
        "can_change": award_list.is_open,
        "error": error,
        "show_sheet": award_list.rows.exclude(sheet=row.sheet).exists(),
    }
    response = render(request, template, context)
    if error is None:
        response["HX-Trigger"] = CHANGED
    return response


# ---------------------------------------------------------------------------------------------
# The check and the confirmation


def _check_context(request: SignedInRequest, award_list: AwardList, form: ConfirmForm | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"award_list": award_list, "form": form or ConfirmForm()}
    if award_list.is_open:
        check = services.award_list_check(award_list=award_list, by=request.user)
        context.update(
            check=check,
            refusals=services.grouped(check.refusals),
            warnings=services.grouped(check.warnings),
            by_level=check.by_level(),
        )
    return context


def _check_page(request: SignedInRequest, context: dict[str, Any]) -> HttpResponse:
    template = "awardlists/confirm.html#check" if is_htmx(request) else "awardlists/confirm.html"
    return render(request, template, context)


@login_required
@require_GET
def awardlist_check(request: SignedInRequest, pk: int) -> HttpResponse:
    """What confirming would do (a dry run through the funding services): htmx loads it into the
    review screen; without htmx it is a page of its own."""
    award_list = _list_for(request.user, pk)
    return _check_page(request, _check_context(request, award_list))


@login_required
@require_POST
def awardlist_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    award_list = _list_for(request.user, pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        award_list = services.award_list_confirm(
            award_list=award_list, by=request.user, acknowledged=bool(form.cleaned_data.get("acknowledged"))
        )
    except services.ConfirmRefused as refused:
        context = _check_context(request, award_list, form)
        context["refused"] = {"message": refused.message, "sentences": refused.sentences}
        return _check_page(request, context)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The list is confirmed: %(awarded)s awards created, %(already)s rows were already awarded.")
            % {"awarded": award_list.awarded_count, "already": award_list.already_count},
        )
    return redirect_after_post(request, _detail_url(award_list))


@login_required
@require_POST
def awardlist_discard(request: SignedInRequest, pk: int) -> HttpResponse:
    award_list = _list_for(request.user, pk)
    try:
        services.award_list_discard(award_list=award_list, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The list is discarded; nothing was awarded."))
    return redirect_after_post(request, _detail_url(award_list))


# ---------------------------------------------------------------------------------------------
# The institution's names in funders' lists


@login_required
@require_http_methods(["GET", "POST"])
def awardlist_row_record_name(request: SignedInRequest, pk: int, row_pk: int) -> HttpResponse:
    """The 设站单位名称 of a row that reads as a likely form of the institution's name (渝州医大),
    recorded as one of its names after a confirmation: the open lists' rows that write it are
    matched again."""
    award_list = _list_for(request.user, pk)
    row = _row_for(award_list, row_pk)
    back = f"{_detail_url(award_list)}#row-{row.pk}"
    if not row.host_likely:
        messages.info(
            request, _("“%(name)s” is already one of the institution's names.") % {"name": row.institution_name}
        )
        return redirect_after_post(request, back)
    error = ""
    if request.method == "POST":
        try:
            services.host_name_add(institution=award_list.institution, name=row.institution_name, by=request.user)
        except DomainError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _(
                    "“%(name)s” is recorded as one of the institution's names; the rows of open lists that write it are matched again."
                )
                % {"name": row.institution_name},
            )
            return redirect_after_post(request, back)
    context = {
        "award_list": award_list,
        "row": row,
        "institution": award_list.institution,
        "error": error,
        "back": back,
    }
    return render(request, "awardlists/record_name.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def host_names(request: SignedInRequest) -> HttpResponse:
    institution = _administrator_institution(request.user)
    form = HostNameForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.host_name_add(institution=institution, name=form.cleaned_data["name"], by=request.user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The name is added. Upload a list again to match it with this name."))
            return redirect_after_post(request, reverse("awardlists:names"))
    names = list(HostName.objects.filter(institution=institution).select_related("created_by"))
    recorded = {institution_key(host_name.name) for host_name in names}
    context = {
        "form": form,
        "institution": institution,
        "names": names,
        "units": institution.units.order_by("code"),
        "likely_forms": [
            written for written in likely_forms(institution.name_zh, institution.province) if written not in recorded
        ],
    }
    return render(request, "awardlists/names.html", context)


@login_required
@require_POST
def host_name_remove(request: SignedInRequest, pk: int) -> HttpResponse:
    institution = _administrator_institution(request.user)
    try:
        host_name = HostName.objects.get(pk=pk, institution=institution)
    except HostName.DoesNotExist as exc:
        raise Http404 from exc
    services.host_name_remove(host_name=host_name, by=request.user)
    messages.success(request, _("“%(name)s” is removed.") % {"name": host_name.name})
    return redirect_after_post(request, reverse("awardlists:names"))
