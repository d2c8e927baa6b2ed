"""The research output pages: the list of the outputs a user may see (with its export), the card on
a postdoc's page, adding, changing and removing one output, and importing a file of references
(upload → preview → confirm).

Everyone reads the outputs of the stays in their scope (`appointments.access.visible_appointments`);
a stay or output outside it is a 404. Those who manage the stay and the postdoc on their own record
write (`outputs.services.may_record`); everyone else who sees it gets 403. Writes go to
`outputs.services`; their refusals come back next to the field they name, with the input kept.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Min, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from appointments.access import get_appointment_for_user
from appointments.models import Appointment
from core.errors import DomainError
from core.sheets import writers
from core.sorting import SortColumn, Sorting, choice_rank
from core.views import is_htmx, paginate, redirect_after_post
from outputs import identifiers, importing, parsers, services
from outputs.access import get_output_for_user, visible_outputs
from outputs.export import outputs_sheet
from outputs.forms import OutputFilterForm, OutputForm, RemoveForm, UploadForm
from outputs.models import Output
from stations.access import visible_stations

MAX_SKIPPED_MESSAGES = 20

# ---------------------------------------------------------------------------------------------
# Who sees what


def _require_writer(user: Any, appointment: Appointment) -> None:
    if not services.may_record(user, appointment):
        raise PermissionDenied


def _postdoc_url(appointment: Appointment) -> str:
    return reverse("postdoc-detail", kwargs={"pk": appointment.pk}) + "#outputs"


# ---------------------------------------------------------------------------------------------
# The list and its export


@dataclass(frozen=True)
class Listed:
    form: OutputFilterForm
    outputs: QuerySet[Output]  # every page, in the list's order
    filtered: bool


OUTPUT_SORTING = Sorting(
    {
        "kind": (choice_rank("kind", Output.Kind.choices),),
        "title": ("title",),
        "year": SortColumn(("year", "dated_on"), descending_first=True),
        "postdoc": ("person__name_sort", "person__name"),
        "station": ("appointment__station__code",),
        "phase": (choice_rank("phase", Output.Phase.choices),),
    },
    default=("-dated_on",),
    tiebreak=("-id",),
)


def listed_outputs(request: SignedInRequest) -> Listed:
    user = request.user
    visible = visible_outputs(user)
    span = visible.aggregate(first=Min("year"), last=Max("year"))
    this_year = timezone.localdate().year
    first, last = span["first"] or this_year, max(span["last"] or this_year, this_year)
    form = OutputFilterForm(
        request.GET or None,
        stations=visible_stations(user).order_by("code"),
        years=list(range(last, first - 1, -1)),
    )
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data if form.is_bound else {}
    outputs = visible
    text = (data.get("q") or "").strip()
    if text:
        outputs = outputs.filter(
            Q(title__icontains=text)
            | Q(doi__icontains=identifiers.doi_for_search(text))
            | Q(journal__icontains=text)
            | Q(person__name__icontains=text)
            | Q(person__name_en__icontains=text)
            | Q(appointment__postdoc_no__icontains=text)
        )
    if data.get("kind"):
        outputs = outputs.filter(kind=data["kind"])
    if data.get("year"):
        outputs = outputs.filter(year=data["year"])
    if data.get("phase"):
        outputs = outputs.filter(phase=data["phase"])
    if data.get("station"):
        outputs = outputs.filter(appointment__station=data["station"])
    filtered = any(data.get(name) for name in ("q", "kind", "year", "phase", "station"))
    return Listed(form, OUTPUT_SORTING.order(outputs, OUTPUT_SORTING.from_request(request)), filtered)


@login_required
@require_GET
def output_list(request: SignedInRequest) -> HttpResponse:
    listed = listed_outputs(request)
    outputs = listed.outputs.select_related("person", "appointment", "appointment__station")
    context = {
        "form": listed.form,
        "filtered": listed.filtered,
        "sort": OUTPUT_SORTING.from_request(request),
        **paginate(request, outputs),
    }
    template = "outputs/list.html#rows" if is_htmx(request) else "outputs/list.html"
    return render(request, template, context)


@login_required
@require_GET
def output_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The outputs the list's filters select, every page, as `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    return writers.export_response([outputs_sheet(listed_outputs(request).outputs)], fmt=fmt, basename="outputs")


# ---------------------------------------------------------------------------------------------
# One output


def _form_page(
    request: SignedInRequest, appointment: Appointment, form: OutputForm, output: Output | None
) -> HttpResponse:
    action = (
        reverse("outputs:edit", kwargs={"pk": output.pk})
        if output is not None
        else reverse("outputs:new", kwargs={"appointment": appointment.pk})
    )
    context = {"appointment": appointment, "output": output, "form": form, "action_url": action}
    template = "outputs/form.html#form" if is_htmx(request) else "outputs/form.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def output_new(request: SignedInRequest, appointment: int) -> HttpResponse:
    user = request.user
    stay = get_appointment_for_user(user, appointment)
    _require_writer(user, stay)
    form = OutputForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            output = services.output_record(appointment=stay, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("“%(title)s” is recorded.") % {"title": output.title})
            return redirect_after_post(request, _postdoc_url(stay))
    return _form_page(request, stay, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def output_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    output = get_output_for_user(user, pk)
    stay = output.appointment
    _require_writer(user, stay)
    form = OutputForm(request.POST if request.method == "POST" else None, output=output)
    if form.is_bound and form.is_valid():
        try:
            services.output_update(output=output, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The output's details are saved."))
            return redirect_after_post(request, _postdoc_url(stay))
    return _form_page(request, stay, form, output)


@login_required
@require_http_methods(["GET", "POST"])
def output_remove(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    output = get_output_for_user(user, pk)
    stay = output.appointment
    _require_writer(user, stay)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.output_remove(output=output, by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("“%(title)s” is removed.") % {"title": output.title})
            return redirect_after_post(request, _postdoc_url(stay))
    context = {
        "appointment": stay,
        "output": output,
        "form": form,
        "action_url": reverse("outputs:remove", kwargs={"pk": output.pk}),
    }
    template = "outputs/remove.html#form" if is_htmx(request) else "outputs/remove.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# Importing a file


def _import_page(request: SignedInRequest, context: dict[str, Any]) -> HttpResponse:
    context["phases"] = Output.Phase.choices
    context["kinds"] = Output.Kind.choices
    template = "outputs/import.html#result" if is_htmx(request) else "outputs/import.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def output_import(request: SignedInRequest, appointment: int) -> HttpResponse:
    """The upload (GET) and its preview (POST): each entry of the file as importable, duplicate or
    refused; nothing written yet."""
    user = request.user
    stay = get_appointment_for_user(user, appointment)
    _require_writer(user, stay)
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"appointment": stay, "form": form}
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = parsers.decode(upload.read())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            context["preview"] = importing.preview(appointment=stay, user=user, name=upload.name, text=text)
    return _import_page(request, context)


@login_required
@require_POST
def output_import_confirm(request: SignedInRequest, appointment: int) -> HttpResponse:
    """Writes the importable entries the person ticked, with the preview's corrections, in one
    transaction; the service checks every entry again, and a refusal shows the preview as it is now."""
    user = request.user
    stay = get_appointment_for_user(user, appointment)
    _require_writer(user, stay)
    context: dict[str, Any] = {"appointment": stay, "form": UploadForm()}
    try:
        signed = importing.unsign(request.POST.get("payload", ""), appointment=stay, user=user)
    except DomainError as error:
        context["refusals"] = [error.message]
        return _import_page(request, context)
    chosen = importing.form_choice(request.POST)
    preview = importing.preview(
        appointment=stay,
        user=user,
        name=signed.name,
        text=signed.text,
        corrections=importing.form_corrections(request.POST),
        chosen=chosen,
    )
    context["preview"] = preview
    if preview.problems:
        return _import_page(request, context)
    try:
        imported = services.outputs_import(
            appointment=stay,
            entries=preview.entries,
            # What was ticked, as sent: an entry no longer importable is refused by the service, naming it.
            chosen=set(signed.importable) if chosen is None else chosen,
            source=preview.format,
            by=user,
            note=_("Imported from %(name)s.") % {"name": signed.name},
        )
    except services.ImportRefused as error:
        context["refusals"] = error.problems
        return _import_page(request, context)
    except DomainError as error:
        context["refusals"] = [error.message]
        return _import_page(request, context)
    created = len(imported.created)
    messages.success(
        request,
        ngettext("%(n)s output imported from %(name)s.", "%(n)s outputs imported from %(name)s.", created)
        % {"n": created, "name": signed.name},
    )
    for sentence in imported.skipped[:MAX_SKIPPED_MESSAGES]:
        messages.info(request, sentence)
    if len(imported.skipped) > MAX_SKIPPED_MESSAGES:
        more = len(imported.skipped) - MAX_SKIPPED_MESSAGES
        messages.info(
            request,
            ngettext("And %(n)s more duplicate skipped.", "And %(n)s more duplicates skipped.", more) % {"n": more},
        )
    return redirect_after_post(request, _postdoc_url(stay))
