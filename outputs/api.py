"""Research outputs in the REST API: the outputs of the stays in the caller's scope, one output, and recording,
changing and removing one through the same services as the pages (`outputs.services`), and importing a file of
references as the import page does: upload it for a preview of each entry (importable, duplicate or refused) with a
signed token, then confirm the token (`outputs.importing`).

Who sees what is the pages' rule (`outputs.access.visible_outputs`): the outputs of the stays one sees; one
outside the scope is a 404. Those who manage the stay (the office, the station's secretary) and the postdoc
on their own record write; everyone else who sees it is told they may not (403).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile

from accounts.http import api_user
from accounts.models import User
from appointments.access import get_appointment_for_user
from appointments.models import Appointment
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging
from core.errors import DomainError
from outputs import identifiers, importing, parsers, services
from outputs import schemas as s
from outputs.access import get_output_for_user, visible_outputs
from outputs.models import Output

router = Router(tags=["outputs"])


def _user(request: HttpRequest) -> User:
    return api_user(request)


def _refuse_others(user: Any, appointment: Appointment) -> None:
    if not services.may_record(user, appointment):
        raise PermissionDenied(_("You may not record research outputs for this postdoc."))


def _output_to_change(request: HttpRequest, output_id: int) -> Output:
    """404 outside the scope, then 403 for those who see the output but may not change it."""
    output = get_output_for_user(_user(request), output_id)
    _refuse_others(_user(request), output.appointment)
    return output


def _fresh(output: Output) -> dict[str, Any]:
    return s.output_out(Output.objects.select_related("appointment").get(pk=output.pk))


def _details(payload: Any, given: set[str] | None = None) -> dict[str, Any]:
    """The service's details from a request: every field, or only those `given`; authors one per line."""
    data = payload.model_dump() if given is None else {name: getattr(payload, name) for name in given}
    if "authors" in data:
        data["authors"] = "\n".join(data["authors"])
    return data


@router.get("/outputs", response={200: Page[s.OutputOut], **READ_ERRORS})
def outputs(request: HttpRequest, paging: Query[Paging], filters: Query[s.OutputFilters]) -> dict[str, Any]:
    """The outputs of the stays you see, newest first."""
    queryset = visible_outputs(_user(request))
    # An explicit allow-list: request data never becomes ORM keyword arguments.
    if filters.appointment:
        queryset = queryset.filter(appointment_id=filters.appointment)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.year:
        queryset = queryset.filter(year=filters.year)
    if filters.phase:
        queryset = queryset.filter(phase=filters.phase)
    if filters.q:
        text = filters.q.strip()
        queryset = queryset.filter(
            Q(title__icontains=text) | Q(doi__icontains=identifiers.doi_for_search(text)) | Q(journal__icontains=text)
        )
    queryset = queryset.select_related("appointment").order_by("-dated_on", "-id")
    count = queryset.count()
    rows = queryset[paging.offset : paging.offset + paging.limit]
    return {"count": count, "items": [s.output_out(row) for row in rows]}


@router.get("/outputs/{output_id}", response={200: s.OutputOut, **RECORD_ERRORS})
def output(request: HttpRequest, output_id: int) -> dict[str, Any]:
    return s.output_out(get_output_for_user(_user(request), output_id))


@router.post("/appointments/{appointment_id}/outputs", response={201: s.OutputOut, **CHANGE_ERRORS})
def output_record(request: HttpRequest, appointment_id: int, payload: s.OutputIn) -> Status[dict[str, Any]]:
    """Records an output on a postdoc's stay; its phase (before entry, in station, after the stay) follows from
    its date. The same DOI, or the same title for the same kind, is refused for the same person, naming it."""
    user = _user(request)
    appointment = get_appointment_for_user(user, appointment_id)
    _refuse_others(user, appointment)
    created = services.output_record(appointment=appointment, by=user, **_details(payload))
    return Status(201, _fresh(created))


@router.post("/outputs/{output_id}/update", response={200: s.OutputOut, **CHANGE_ERRORS})
def output_update(request: HttpRequest, output_id: int, payload: s.OutputUpdateIn) -> dict[str, Any]:
    """Changes an output's details (only the fields given), under the same rules as when it was recorded."""
    output = _output_to_change(request, output_id)
    services.output_update(output=output, by=_user(request), **_details(payload, set(payload.model_fields_set)))
    return _fresh(output)


@router.post("/outputs/{output_id}/remove", response={200: s.OutputOut, **CHANGE_ERRORS})
def output_remove(request: HttpRequest, output_id: int) -> dict[str, Any]:
    """Removes an output recorded in error; answers what it was (the audit trail keeps it too)."""
    output = _output_to_change(request, output_id)
    was = s.output_out(output)
    services.output_remove(output=output, by=_user(request))
    return was


@router.post("/appointments/{appointment_id}/outputs/import", response={200: s.ImportPreviewOut, **CHANGE_ERRORS})
def output_import_preview(request: HttpRequest, appointment_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    """Reads a file of references (multipart `file`: .bib, .ris, .json, .enw, .nbib or .txt from Web of Science, PubMed, CNKI or Wanfang, UTF-8,
    at most 1 MB) for the postdoc's stay and answers each entry as importable (with the postdoc's position found
    among its authors), duplicate (what it repeats) or refused (why), and a token. Nothing is written: confirm the
    token to record the importable entries. A file nothing of which can be read is refused (400) with its
    problems."""
    user = _user(request)
    appointment = get_appointment_for_user(user, appointment_id)
    _refuse_others(user, appointment)
    name = file.name or ""
    refusal = importing.upload_refusal(name, file.size or 0)
    if refusal:
        raise DomainError(refusal, field="file")
    preview = importing.preview(appointment=appointment, user=user, name=name, text=parsers.decode(file.read()))
    if preview.problems:
        raise DomainError(" ".join(preview.problems), field="file")
    return {
        "file": preview.name,
        "format": preview.format,
        "read": len(preview.rows),
        "importable": len(preview.importable),
        "entries": [importing.describe(row) for row in preview.rows],
        "token": preview.payload,
    }


@router.post("/appointments/{appointment_id}/outputs/import/confirm", response={201: s.ImportDoneOut, **CHANGE_ERRORS})
def output_import_confirm(
    request: HttpRequest, appointment_id: int, payload: s.ImportConfirmIn
) -> Status[dict[str, Any]]:
    """Records the entries of a preview (`indexes`; by default every entry it found importable), with the postdoc's
    position given where it was not found (`corrections`), in one transaction. Every entry is checked again: one
    chosen that has a problem, or has become a duplicate since the preview, refuses the whole (400, naming it).
    Duplicates left out are listed as skipped."""
    user = _user(request)
    appointment = get_appointment_for_user(user, appointment_id)
    _refuse_others(user, appointment)
    signed = importing.unsign(payload.token, appointment=appointment, user=user)
    corrections = {c.index: importing.Correction(c.position, c.corresponding) for c in payload.corrections}
    preview = importing.preview(
        appointment=appointment, user=user, name=signed.name, text=signed.text, corrections=corrections
    )
    imported = services.outputs_import(
        appointment=appointment,
        entries=preview.entries,
        chosen=set(signed.importable if payload.indexes is None else payload.indexes),
        source=preview.format,
        by=user,
        note=_("Imported from %(name)s.") % {"name": signed.name},
    )
    created = Output.objects.filter(pk__in=[o.pk for o in imported.created]).select_related("appointment")
    return Status(201, {"created": [s.output_out(o) for o in created.order_by("pk")], "skipped": imported.skipped})
