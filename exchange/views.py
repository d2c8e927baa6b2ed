"""The import pages: upload a workbook, see its preview (a dry run), confirm, see the result.

Only an office administrator imports. The section's pages (the jobs list, the upload, the export)
answer 403 to anyone else; a job is a record seen only by the administrators of its institution,
so anyone else gets 404 for it, as for any record outside one's scope. The preview and the import
run in the background worker; the job's page polls a partial until the job is done.
"""

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from catalogue.models import Institution
from core.errors import DomainError
from core.views import is_htmx, paginate, redirect_after_post
from exchange import appendix
from exchange.exporter import export_workbook
from exchange.forms import JobFilterForm, UploadForm
from exchange.import_rows import Report
from exchange.layout import SHEET_BY_NAME, SHEETS
from exchange.models import ImportJob
from exchange.retention import removed_on
from exchange.services import another_import_running, import_job_confirm, import_job_create
from exchange.tasks import error_workbook, read_progress

PROBLEMS_PER_PAGE = 100


def _administrator_institution(user: Any) -> Institution:
    """The institution of an office administrator; anyone else may not use the import pages."""
    if not has_perm(user, Perm.MANAGE_REFERENCE) or user.institution is None:
        raise PermissionDenied
    institution: Institution = user.institution
    return institution


def _job_for(user: Any, pk: int) -> ImportJob:
    try:
        return ImportJob.objects.visible_to(user).select_related("created_by", "confirmed_by", "institution").get(pk=pk)
    except ImportJob.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------------------------------------
# The jobs list, the upload, the export


@login_required
@require_GET
def import_list(request: SignedInRequest) -> HttpResponse:
    _administrator_institution(request.user)
    form = JobFilterForm(request.GET or None)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by", "confirmed_by").defer("report")
    state = form.cleaned_data["state"] if form.is_bound and form.is_valid() else ""
    if state:
        jobs = jobs.filter(state=state)
    context: dict[str, Any] = {"form": form, "filtered": bool(state), **paginate(request, jobs)}
    if is_htmx(request):
        return render(request, "exchange/list.html#rows", context)
    return render(request, "exchange/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: SignedInRequest) -> HttpResponse:
    institution = _administrator_institution(request.user)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        try:
            job = import_job_create(
                institution=institution,
                upload=form.cleaned_data["file"],
                by=request.user,
                language=translation.get_language() or "",
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("“%(name)s” is uploaded and being checked. Nothing is written until you confirm the import.")
                % {"name": job.original_name},
            )
            return redirect_after_post(request, reverse("import-detail", kwargs={"pk": job.pk}))
    return render(request, "exchange/new.html", {"form": form, "readings": appendix.readings()})


@login_required
@require_GET
def exchange_export(request: SignedInRequest) -> FileResponse:
    """The institution's whole exchange workbook, written to a temporary file and streamed."""
    institution = _administrator_institution(request.user)
    download = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes (and so deletes) it
    try:
        export_workbook(path=download.name, institution=institution, user=request.user)
    except DomainError as error:
        download.close()
        raise PermissionDenied(error.message) from error
    except BaseException:
        download.close()
        raise
    download.seek(0)
    name = f"exchange-{institution.code}-{timezone.localdate().isoformat()}.xlsx"
    return FileResponse(download, as_attachment=True, filename=name)


# ---------------------------------------------------------------------------------------------
# One job


# The task's own stages; in between, the importer names the sheet it is working on.
STAGES = {"starting": translation.gettext_lazy("Starting"), "done": translation.gettext_lazy("Finishing")}


def _sheet_label(name: str) -> str:
    spec = SHEET_BY_NAME.get(name)
    if spec is None:
        return name
    return spec.zh if (translation.get_language() or "").startswith("zh") else spec.name


def job_context(request: SignedInRequest, job: ImportJob) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job}
    if job.is_running:
        progress = read_progress(job.pk) if job.started_at else None
        previewing = job.state != ImportJob.State.IMPORTING
        stage = str((progress or {}).get("stage", ""))
        if stage in STAGES:
            label = str(STAGES[stage])
        elif stage in SHEET_BY_NAME:
            sheet = {"sheet": _sheet_label(stage)}
            label = (_("Checking the sheet %(sheet)s") if previewing else _("Importing the sheet %(sheet)s")) % sheet
        else:
            label = stage
        context["progress"] = {
            "waiting": job.started_at is None,
            "behind_another": job.started_at is None and previewing is False and another_import_running(job),
            "stage": label,
            "rows": int((progress or {}).get("rows", 0)),
        }
        return context
    # Removed after IMPORT_UPLOAD_KEEP_DAYS (exchange.retention): the report stays, the file not.
    context["file_removed"] = not job.file
    context["file_removed_on"] = removed_on(job)
    if not job.report:
        return context
    report = Report.from_dict(job.report)
    counts = report.counts
    known = [spec.name for spec in SHEETS]
    order = [name for name in known if name in counts] + [name for name in counts if name not in known]
    context["report"] = report
    context["counts"] = [{"sheet": _sheet_label(name), **counts[name]} for name in order]
    context["totals"] = job.totals()
    page = Paginator(report.problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    context["problems"] = page
    context["page_obj"] = page
    context["page_range"] = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return context


@login_required
@require_GET
def import_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    job = _job_for(request.user, pk)
    template = "exchange/detail.html#job" if is_htmx(request) else "exchange/detail.html"
    return render(request, template, job_context(request, job))


@login_required
@require_GET
def import_status(request: SignedInRequest, pk: int) -> HttpResponse:
    """The part of the job's page that htmx polls every second while the job runs."""
    job = _job_for(request.user, pk)
    response = render(request, "exchange/detail.html#job", job_context(request, job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    job = _job_for(request.user, pk)
    if not job.file:
        messages.error(request, _("The uploaded file was removed after the keeping time; upload the workbook again."))
        return redirect_after_post(request, reverse("import-detail", kwargs={"pk": job.pk}))
    try:
        import_job_confirm(job=job, by=request.user, language=translation.get_language() or "")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The import has started. This page shows its progress."))
    return redirect_after_post(request, reverse("import-detail", kwargs={"pk": job.pk}))


@login_required
@require_GET
def import_errors(request: SignedInRequest, pk: int) -> FileResponse:
    """The uploaded workbook with an error column (always .xlsx), as the worker built it after the run.

    If it is not there (the worker is still at it, or failed), it is built now, in the request."""
    job = _job_for(request.user, pk)
    if not job.report or job.is_running or not job.file:
        raise Http404
    name = error_workbook(job)
    stem = job.original_name.rsplit(".", 1)[0]
    return FileResponse(job.file.storage.open(name, "rb"), as_attachment=True, filename=f"{stem}-{_('errors')}.xlsx")
