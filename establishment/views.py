"""The establishment pages: applications (list, new, edit, one application with its checklist,
documents and steps), and the rounds.

Office administrators manage their institution's applications; leadership reads them; every other
role gets 403. An application, round or document of another institution is a 404, as for any
record outside one's scope. Writes go to `establishment.services`; their refusals come back next to
the field they name, with the user's input kept.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from audit.timeline import timeline
from core.errors import DomainError
from core.forms import ServiceForm
from core.sheets import writers
from core.views import is_htmx, paginate, redirect_after_post
from establishment import services
from establishment.access import get_application_for_user, require_reader
from establishment.checklist import checklist
from establishment.export import applications_sheet
from establishment.forms import (
    ApplicationFilterForm,
    ApplicationForm,
    ChecklistForm,
    DecideForm,
    DocumentForm,
    RemoveDocumentForm,
    RoundForm,
    StartReviewForm,
    SubmitForm,
    WithdrawForm,
)
from establishment.models import Application, Document, Round

Status = Application.Status

# ---------------------------------------------------------------------------------------------
# Who may see and change what


def _require_manager(user: Any, institution_id: int) -> None:
    if not services.may_manage(user, institution_id):
        raise PermissionDenied


def _document_for(application: Application, pk: Any) -> Document:
    try:
        return application.documents.select_related("uploaded_by").get(pk=pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------------------------------------
# The list


@dataclass(frozen=True)
class Listed:
    form: ApplicationFilterForm
    applications: QuerySet[Application]
    filtered: bool
    institution_id: int
    rounds: QuerySet[Round]


def listed_applications(request: SignedInRequest) -> Listed:
    """The applications the list's search and filters select, in its order: the page and its exports."""
    institution_id = require_reader(request.user)
    rounds = Round.objects.filter(institution_id=institution_id)
    form = ApplicationFilterForm(request.GET or None, rounds=rounds)
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data if form.is_bound else {}
    applications = Application.objects.filter(institution_id=institution_id).order_by(
        "-round__year", "discipline__code"
    )
    text = (data.get("q") or "").strip()
    if text:
        applications = applications.filter(
            Q(discipline__code__startswith=text)
            | Q(discipline__name_zh__icontains=text)
            | Q(discipline__name_en__icontains=text)
        )
    if data.get("round"):
        applications = applications.filter(round=data["round"])
    if data.get("status"):
        applications = applications.filter(status=data["status"])
    filtered = any(data.get(name) for name in ("q", "round", "status"))
    return Listed(form, applications, filtered, institution_id, rounds)


@login_required
@require_GET
def application_list(request: SignedInRequest) -> HttpResponse:
    listed = listed_applications(request)
    applications = listed.applications.select_related("round", "discipline", "unit", "station").annotate(
        applicant_count=Count("applicants", distinct=True),
        document_count=Count("documents", distinct=True),
    )
    context: dict[str, Any] = {
        "form": listed.form,
        "filtered": listed.filtered,
        "can_manage": services.may_manage(request.user, listed.institution_id),
        "has_rounds": listed.rounds.exists(),
        **paginate(request, applications),
    }
    template = "establishment/list.html#rows" if is_htmx(request) else "establishment/list.html"
    return render(request, template, context)


@login_required
@require_GET
def application_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The applications the list's filters select, every page, as `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    sheet = applications_sheet(listed_applications(request).applications)
    return writers.export_response([sheet], fmt=fmt, basename="station-applications")


# ---------------------------------------------------------------------------------------------
# Rounds


@login_required
@require_GET
def round_list(request: SignedInRequest) -> HttpResponse:
    institution_id = require_reader(request.user)
    rounds = (
        Round.objects.filter(institution_id=institution_id)
        .annotate(
            application_count=Count("applications"),
            approved_count=Count("applications", filter=Q(applications__status=Status.APPROVED)),
        )
        .order_by("-year")
    )
    context = {"can_manage": services.may_manage(request.user, institution_id), **paginate(request, rounds)}
    return render(request, "establishment/rounds.html", context)


def _round_form_page(request: SignedInRequest, round: Round | None) -> HttpResponse:
    user = request.user
    institution = user.institution
    assert institution is not None  # an office administrator belongs to an institution
    form = RoundForm(request.POST if request.method == "POST" else None, round=round)
    if form.is_bound and form.is_valid():
        try:
            saved = services.round_save(institution=institution, round=round, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(round)s is saved.") % {"round": saved})
            return redirect_after_post(request, reverse("establishment:round-list"))
    return render(request, "establishment/round_form.html", {"form": form, "round": round})


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: SignedInRequest) -> HttpResponse:
    institution_id = require_reader(request.user)
    _require_manager(request.user, institution_id)
    return _round_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    institution_id = require_reader(request.user)
    try:
        round = Round.objects.get(pk=pk, institution_id=institution_id)
    except Round.DoesNotExist as exc:
        raise Http404 from exc
    _require_manager(request.user, institution_id)
    return _round_form_page(request, round)


# ---------------------------------------------------------------------------------------------
# A new application, and a draft's details


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    institution_id = require_reader(user)
    _require_manager(user, institution_id)
    rounds = Round.objects.filter(institution_id=institution_id).order_by("-year")
    form = ApplicationForm(
        request.POST if request.method == "POST" else None, institution_id=institution_id, rounds=rounds
    )
    if form.is_bound and form.is_valid():
        try:
            application = services.application_create(by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The application is started as a draft."))
            return redirect_after_post(
                request, reverse("establishment:application-detail", kwargs={"pk": application.pk})
            )
    return render(request, "establishment/application_form.html", {"form": form, "has_rounds": rounds.exists()})


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    application = get_application_for_user(user, pk)
    _require_manager(user, application.institution_id)
    detail_url = reverse("establishment:application-detail", kwargs={"pk": application.pk})
    if application.status != Status.DRAFT:
        messages.warning(
            request,
            _("Only a draft can be changed; the application is now %(status)s.")
            % {"status": application.get_status_display()},
        )
        return redirect_after_post(request, detail_url)
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        institution_id=application.institution_id,
        application=application,
    )
    if form.is_bound and form.is_valid():
        try:
            services.application_update(application=application, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The application's details are saved."))
            return redirect_after_post(request, detail_url)
    return render(request, "establishment/application_form.html", {"form": form, "application": application})


# ---------------------------------------------------------------------------------------------
# One application


@dataclass(frozen=True)
class Step:
    """A step of an application: its own URL, form and service call."""

    name: str
    title: str | Promise
    form: Callable[..., ServiceForm]
    perform: Callable[[Application, dict[str, Any], Any], object]
    available: Callable[[Application], bool]
    done: str | Promise
    ending: bool = False  # cannot be undone: asks for confirmation, shown as a danger button


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "start-review",
            gettext_lazy("Send to the internal expert review"),
            StartReviewForm,
            lambda a, d, by: services.application_review_start(application=a, by=by),
            lambda a: a.status == Status.DRAFT,
            gettext_lazy("The application is with the internal expert review."),
        ),
        Step(
            "submit",
            gettext_lazy("Record the submission"),
            SubmitForm,
            lambda a, d, by: services.application_submit(application=a, on=d["on"], by=by),
            lambda a: a.status == Status.INTERNAL_REVIEW and a.internal_review_supported,
            gettext_lazy("The submission is recorded."),
        ),
        Step(
            "decide",
            gettext_lazy("Record the decision"),
            DecideForm,
            lambda a, d, by: services.application_decide(
                application=a,
                approved=d["decision"] == "approved",
                on=d["on"],
                approval_no=d["approval_no"],
                station_code=d["station_code"],
                name_zh=d["name_zh"],
                name_en=d["name_en"],
                by=by,
            ),
            lambda a: a.status == Status.SUBMITTED,
            gettext_lazy("The decision is recorded."),
            ending=True,
        ),
        Step(
            "withdraw",
            gettext_lazy("Withdraw"),
            WithdrawForm,
            lambda a, d, by: services.application_withdraw(application=a, reason=d["reason"], by=by),
            lambda a: a.is_open,
            gettext_lazy("The application is withdrawn."),
            ending=True,
        ),
    ]
}


def _step_url(application: Application, step: Step) -> str:
    return reverse(f"establishment:application-{step.name}", kwargs={"pk": application.pk})


def _checklist_day(request: SignedInRequest, application: Application) -> tuple[ChecklistForm, dt.date]:
    """The day the checklist is computed for: the one asked for, else the submission day once
    submitted, else today."""
    default = application.submitted_on or timezone.localdate()
    form = ChecklistForm(request.GET if "on" in request.GET else None, initial={"on": default})
    if form.is_bound and form.is_valid() and form.cleaned_data["on"]:
        return form, form.cleaned_data["on"]
    return form, default


def checklist_context(request: SignedInRequest, application: Application) -> dict[str, Any]:
    form, day = _checklist_day(request, application)
    return {"application": application, "checklist": checklist(application, day), "checklist_form": form}


def detail_context(
    request: SignedInRequest, application: Application, document_form: DocumentForm | None = None
) -> dict[str, Any]:
    manage = services.may_manage(request.user, application.institution_id)
    change_documents = manage and application.status in Application.DOCUMENT_STATUSES
    steps = [step for step in STEPS.values() if manage and step.available(application)]
    reviews = list(application.reviews.order_by("-pk"))
    return {
        **checklist_context(request, application),
        "applicants": list(application.applicants.select_related("unit").order_by("name_sort", "name", "staff_no")),
        "documents": list(application.documents.select_related("uploaded_by")),
        "document_form": document_form or (DocumentForm() if change_documents else None),
        "reviews": reviews,
        # In internal review with no review running: the office starts the demonstration's review.
        "can_start_review": manage
        and application.status == Status.INTERNAL_REVIEW
        and not application.internal_review_supported
        and all(review.status == review.Status.DECIDED for review in reviews),
        "timeline": timeline(application),
        "steps": [
            {"name": step.name, "title": step.title, "url": _step_url(application, step), "ending": step.ending}
            for step in steps
        ],
        "can_manage": manage,
        "can_edit": manage and application.status == Status.DRAFT,
        "can_change_documents": change_documents,
    }


@login_required
@require_GET
def application_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, pk)
    return render(request, "establishment/detail.html", detail_context(request, application))


@login_required
@require_GET
def application_checklist(request: SignedInRequest, pk: int) -> HttpResponse:
    """The checklist computed anew (for the day asked for): the partial for htmx, else the page."""
    application = get_application_for_user(request.user, pk)
    if is_htmx(request):
        return render(request, "establishment/detail.html#checklist", checklist_context(request, application))
    return render(request, "establishment/detail.html", detail_context(request, application))


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request: SignedInRequest, pk: int, step: str) -> HttpResponse:
    """One step: the form (GET; htmx loads it into the application's page) and its POST."""
    user = request.user
    spec = STEPS[step]
    application = get_application_for_user(user, pk)
    _require_manager(user, application.institution_id)
    if request.method == "POST":
        form = spec.form(request.POST, application=application)
        if form.is_valid():
            try:
                spec.perform(application, form.cleaned_data, user)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, str(spec.done))
                return redirect_after_post(
                    request, reverse("establishment:application-detail", kwargs={"pk": application.pk})
                )
    else:
        form = spec.form(application=application)
    context = {
        "application": application,
        "step": spec,
        "form": form,
        "action_url": _step_url(application, spec),
        "available": spec.available(application),
    }
    template = "establishment/step.html#form" if is_htmx(request) else "establishment/step.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# Documents


@login_required
@require_POST
def document_upload(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    application = get_application_for_user(user, pk)
    _require_manager(user, application.institution_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.document_add(
                application=application, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("“%(name)s” is added.") % {"name": document.original_name})
            url = reverse("establishment:application-detail", kwargs={"pk": application.pk})
            return redirect_after_post(request, f"{url}#documents")
    context = detail_context(request, application, document_form=form)
    if is_htmx(request):
        return render(request, "establishment/detail.html#documents", context)
    return render(request, "establishment/detail.html", context)


@login_required
@require_GET
def document_download(request: SignedInRequest, pk: int, document_pk: int) -> FileResponse:
    application = get_application_for_user(request.user, pk)
    document = _document_for(application, document_pk)
    try:
        stream = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(stream, as_attachment=True, filename=document.original_name, content_type="application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def document_remove(request: SignedInRequest, pk: int, document_pk: int) -> HttpResponse:
    user = request.user
    application = get_application_for_user(user, pk)
    document = _document_for(application, document_pk)
    _require_manager(user, application.institution_id)
    form = RemoveDocumentForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.document_remove(document=document, by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("“%(name)s” is removed.") % {"name": document.original_name})
            url = reverse("establishment:application-detail", kwargs={"pk": application.pk})
            return redirect_after_post(request, f"{url}#documents")
    context = {
        "application": application,
        "document": document,
        "form": form,
        "action_url": reverse(
            "establishment:document-remove", kwargs={"pk": application.pk, "document_pk": document.pk}
        ),
    }
    template = "establishment/document_remove.html#form" if is_htmx(request) else "establishment/document_remove.html"
    return render(request, template, context)
