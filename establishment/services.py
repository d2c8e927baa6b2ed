"""Every change to establishment rounds, applications and their documents: one function per change,
one transaction, one audit event. Only an office administrator of the institution changes them.

An application moves draft → internal_review → submitted → approved | rejected, and may be
withdrawn while it is in progress. The internal expert demonstration is a review (`reviews`), whose
decision comes back through `application_review_record`; the approval creates the station.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import User
from audit.events import Event
from audit.services import record_event, snapshot
from catalogue.models import Discipline, Institution, Unit
from catalogue.services import validation_message
from core.errors import DomainError
from core.errors import require as _require
from core.review_subjects import DecidedReview
from establishment.checklist import Checklist, checklist
from establishment.models import Application, Document, Round
from people.models import Supervisor
from stations.models import Station
from stations.services import station_create

Status = Application.Status

PDF_MAGIC = b"%PDF-"
# The details of a draft that `application_update` may change.
EDITABLE_FIELDS = (
    "discipline",
    "unit",
    "applicants",
    "enrolled_phd_students",
    "facilities",
    "facilities_attested",
)


def _today() -> dt.date:
    return timezone.localdate()


def may_manage(user: Actor | AnonymousUser, institution_id: int | None) -> bool:
    """Office administrators of the institution manage its rounds and applications."""
    return (
        has_perm(user, Perm.MANAGE_REFERENCE) and institution_id is not None and user.institution_id == institution_id
    )


def _check_administrator(by: Actor, institution_id: int) -> None:
    _require(
        may_manage(by, institution_id),
        _("Only an office administrator of this institution can change establishment applications."),
    )


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round", "discipline", "unit", "institution")
        .get(pk=application.pk)
    )


def _snapshot(application: Application) -> dict[str, Any]:
    """The application's fields, with its applicants named (a many-to-many is not a column)."""
    data = snapshot(application)
    data["applicants"] = ", ".join(str(s) for s in application.applicants.order_by("name_sort", "name", "staff_no"))
    return data


def _document_snapshot(document: Document) -> dict[str, Any]:
    # The event has its own time; the stored (random) file name says nothing to a reader.
    return snapshot(document, fields=["application", "kind", "original_name", "size", "sha256"])


def _record(by: Actor, event: Event, application: Application, before: dict[str, Any] | None, note: str = "") -> None:
    record_event(
        actor=by,
        event=event,
        target=application,
        before=before,
        after=_snapshot(application),
        institution=application.institution,
        note=note,
    )


def _not_in_future(day: dt.date, field: str) -> None:
    _require(
        day <= _today(),
        _("%(date)s is in the future; record what has happened.") % {"date": date_format(day)},
        field,
    )


def _unmet_sentence(found: Checklist) -> str:
    return " ".join(
        _("%(title)s: %(sentence)s") % {"title": item.title, "sentence": item.sentence} for item in found.unmet
    )


def _full_clean(instance: models.Model, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error


# ---------------------------------------------------------------------------------------------
# Rounds


@transaction.atomic
def round_save(
    *,
    institution: Institution,
    year: int,
    internal_deadline: dt.date,
    notice_no: str = "",
    submission_deadline: dt.date | None = None,
    min_doctoral_supervisors: int = 3,
    min_projects: int = 1,
    project_years: int = 5,
    round: Round | None = None,
    by: Actor,
) -> Round:
    """Opens a round (a national call, e.g. 人社部函〔2023〕47号) or changes it when `round` is given."""
    _check_administrator(by, institution.pk)
    _require(round is None or round.institution_id == institution.pk, _("This round belongs to another institution."))
    _require(1990 <= year <= 2100, _("Give the year of the round."), "year")
    others = Round.objects.filter(institution=institution, year=year)
    if round is not None:
        others = others.exclude(pk=round.pk)
    _require(not others.exists(), _("There is already a round for %(year)s.") % {"year": year}, "year")
    _require(
        submission_deadline is None or submission_deadline >= internal_deadline,
        _("The submission deadline cannot be before the internal deadline."),
        "submission_deadline",
    )
    _require(
        min_doctoral_supervisors >= 1,
        _("At least one doctoral supervisor must be asked for."),
        "min_doctoral_supervisors",
    )
    _require(min_projects >= 0, _("The number of projects cannot be negative."), "min_projects")
    _require(project_years >= 1, _("Projects are counted over at least one year."), "project_years")
    before = None
    if round is not None:
        round = Round.objects.select_for_update().get(pk=round.pk)
        before = snapshot(round)
    else:
        round = Round(institution=institution)
    round.year, round.notice_no = year, notice_no.strip()
    round.internal_deadline, round.submission_deadline = internal_deadline, submission_deadline
    round.min_doctoral_supervisors, round.min_projects = min_doctoral_supervisors, min_projects
    round.project_years = project_years
    _full_clean(round)
    round.save()
    record_event(
        actor=by,
        event=Event.ROUND_CHANGED if before else Event.ROUND_CREATED,
        target=round,
        before=before,
        after=snapshot(round),
        institution=institution,
    )
    return round


# ---------------------------------------------------------------------------------------------
# Applications: the draft


def _check_details(
    *,
    institution_id: int,
    round: Round,
    discipline: Discipline,
    unit: Unit,
    applicants: list[Supervisor],
    enrolled_phd_students: int,
    application: Application | None = None,
) -> None:
    """The facts an application's details must respect, at creation and at every change."""
    _require(
        discipline.is_active,
        _("%(discipline)s is not in the current catalogue.") % {"discipline": discipline},
        "discipline",
    )
    _require(
        not discipline.is_professional,
        _("Mobile stations are set up in first-level disciplines; %(discipline)s is a professional-degree category.")
        % {"discipline": discipline},
        "discipline",
    )
    _require(unit.institution_id == institution_id, _("The applying unit belongs to another institution."), "unit")
    for supervisor in applicants:
        _require(
            supervisor.institution_id == institution_id,
            _("The applicant %(name)s belongs to another institution.") % {"name": supervisor.name},
            "applicants",
        )
    _require(enrolled_phd_students >= 0, _("The number of PhD students cannot be negative."), "enrolled_phd_students")
    same_round = Application.objects.filter(round=round, discipline=discipline)
    in_progress = Application.objects.filter(
        institution_id=institution_id, discipline=discipline, status__in=Application.OPEN_STATUSES
    )
    if application is not None:
        same_round = same_round.exclude(pk=application.pk)
        in_progress = in_progress.exclude(pk=application.pk)
    _require(
        not same_round.exists(),
        _("%(round)s already has an application for %(discipline)s.") % {"round": round, "discipline": discipline},
        "discipline",
    )
    running = in_progress.select_related("round").first()
    _require(
        running is None,
        _("An application for %(discipline)s is already in progress (%(round)s).")
        % {"discipline": discipline, "round": running.round if running else ""},
        "discipline",
    )
    station = (
        Station.objects.filter(institution_id=institution_id, discipline=discipline, kind=Station.Kind.MOBILE)
        .exclude(status=Station.Status.REVOKED)
        .first()
    )
    _require(
        station is None,
        _("%(discipline)s already has a mobile station: %(station)s.") % {"discipline": discipline, "station": station},
        "discipline",
    )


@transaction.atomic
def application_create(
    *,
    round: Round,
    discipline: Discipline,
    unit: Unit,
    applicants: Iterable[Supervisor] = (),
    enrolled_phd_students: int = 0,
    facilities: str = "",
    facilities_attested: bool = False,
    by: User,
) -> Application:
    """Starts an application (a draft) to set up a mobile station in one first-level discipline."""
    _check_administrator(by, round.institution_id)
    team = list(applicants)
    _check_details(
        institution_id=round.institution_id,
        round=round,
        discipline=discipline,
        unit=unit,
        applicants=team,
        enrolled_phd_students=enrolled_phd_students,
    )
    application = Application.objects.create(
        institution_id=round.institution_id,
        round=round,
        discipline=discipline,
        unit=unit,
        enrolled_phd_students=enrolled_phd_students,
        facilities=facilities.strip(),
        facilities_attested=facilities_attested,
        created_by=by,
    )
    application.applicants.set(team)
    _record(by, Event.APPLICATION_CREATED, application, None)
    return application


@transaction.atomic
def application_update(*, application: Application, by: Actor, **changes: Any) -> Application:
    """Changes a draft's details (`EDITABLE_FIELDS`); the same checks as at creation apply."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    _require(not unknown, _("These details cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(
        application.status == Status.DRAFT,
        _("Only a draft can be changed; the application is now %(status)s.")
        % {"status": application.get_status_display()},
    )
    before = _snapshot(application)
    team = list(changes.pop("applicants")) if "applicants" in changes else list(application.applicants.all())
    for name, value in changes.items():
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    _check_details(
        institution_id=application.institution_id,
        round=application.round,
        discipline=application.discipline,
        unit=application.unit,
        applicants=team,
        enrolled_phd_students=application.enrolled_phd_students,
        application=application,
    )
    application.save(update_fields=list(changes))
    application.applicants.set(team)
    after = _snapshot(application)
    if after != before:
        record_event(
            actor=by,
            event=Event.APPLICATION_CHANGED,
            target=application,
            before=before,
            after=after,
            institution=application.institution,
        )
    return application


# ---------------------------------------------------------------------------------------------
# Documents


def _max_document_bytes() -> int:
    return int(settings.ESTABLISHMENT_DOCUMENT_MAX_MB) * 1024 * 1024


def document_refusal(name: str, size: int, head: bytes) -> str | None:
    """Why an upload cannot be an application document, or None: a PDF by its name and by its
    first bytes (a renamed file is not a PDF), not empty, and within the size limit."""
    if Path(name).suffix.lower() != ".pdf":
        return _("“%(name)s” is not a PDF: upload the document as a .pdf file.") % {"name": name}
    if size <= 0:
        return _("“%(name)s” is empty (0 bytes).") % {"name": name}
    if size > _max_document_bytes():
        return _("“%(name)s” is %(size)s; a document may be at most %(limit)s MB.") % {
            "name": name,
            "size": filesizeformat(size),
            "limit": settings.ESTABLISHMENT_DOCUMENT_MAX_MB,
        }
    if not head.startswith(PDF_MAGIC):
        return _("“%(name)s” is named .pdf but its content is not a PDF; export or scan it as a PDF again.") % {
            "name": name
        }
    return None


def read_head(upload: UploadedFile[bytes]) -> bytes:
    """The first bytes of an upload, leaving it at its start."""
    upload.seek(0)
    head: bytes = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    return head


@transaction.atomic
def document_add(*, application: Application, kind: str, upload: UploadedFile[bytes], by: User) -> Document:
    """Keeps a PDF of an application (under MEDIA_ROOT/establishment/), until it is submitted."""
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(
        application.status in Application.DOCUMENT_STATUSES,
        _("Documents can be added until the application is submitted."),
    )
    _require(kind in Document.Kind.values, _("Choose the kind of document."), "kind")
    name = Path(upload.name or "").name
    refusal = document_refusal(name, upload.size or 0, read_head(upload))
    if refusal:
        raise DomainError(refusal, field="file")
    if len(name) > 255:
        name = Path(name).stem[:251] + Path(name).suffix
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        application=application,
        kind=kind,
        original_name=name,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    document.file.save(name, upload, save=False)
    try:
        document.save()
        record_event(
            actor=by,
            event=Event.DOCUMENT_ADDED,
            target=document,
            parent=application,
            after=_document_snapshot(document),
            institution=application.institution,
        )
    except BaseException:
        document.file.delete(save=False)  # nothing of a refused write stays behind
        raise
    return document


@transaction.atomic
def document_remove(*, document: Document, by: Actor) -> None:
    """Removes a document until the application is submitted; the file goes once the change commits."""
    application = document.application
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(
        application.status in Application.DOCUMENT_STATUSES,
        _("Documents can be removed until the application is submitted."),
    )
    document = Document.objects.select_for_update().get(pk=document.pk, application=application)
    record_event(
        actor=by,
        event=Event.DOCUMENT_REMOVED,
        target=document,
        parent=application,
        before=_document_snapshot(document),
        institution=application.institution,
    )
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# ---------------------------------------------------------------------------------------------
# Applications: the steps


@transaction.atomic
def application_review_start(*, application: Application, by: Actor, on: dt.date | None = None) -> Application:
    """Sends a draft to the internal expert demonstration (论证), once every checklist item is met on
    `on` (today unless a past day is recorded, e.g. an application kept on paper)."""
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(application.status == Status.DRAFT, _("Only a draft can go to the internal expert review."))
    on = on or _today()
    _not_in_future(on, "on")
    found = checklist(application, on)
    _require(
        found.met,
        _("The checklist has unmet items: %(items)s") % {"items": _unmet_sentence(found)},
    )
    before = _snapshot(application)
    application.status = Status.INTERNAL_REVIEW
    application.internal_review_supported = False
    application.save(update_fields=["status", "internal_review_supported"])
    _record(by, Event.APPLICATION_REVIEW_STARTED, application, before)
    return application


@transaction.atomic
def application_review_record(*, application: Application, supported: bool, by: Actor) -> Application:
    """The decision of the internal expert demonstration, from the review engine: supported keeps the
    application in the internal review, ready to submit; not supported returns it to a draft."""
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(
        application.status == Status.INTERNAL_REVIEW,
        _("Only an application in the internal expert review can receive the review's decision."),
    )
    before = _snapshot(application)
    application.internal_review_supported = supported
    if not supported:
        application.status = Status.DRAFT
    application.save(update_fields=["status", "internal_review_supported"])
    event = Event.APPLICATION_REVIEW_SUPPORTED if supported else Event.APPLICATION_REVIEW_NOT_SUPPORTED
    _record(by, event, application, before)
    return application


def application_review_take(subject: Any) -> tuple[Application, int]:
    """The application a station application review examines, as it is now: in its internal review.
    (Registered in apps.py with `core.review_subjects`.)"""
    _require(isinstance(subject, Application), _("This review needs an establishment application."), "subject")
    subject = Application.objects.get(pk=subject.pk)
    _require(
        subject.status == Application.Status.INTERNAL_REVIEW,
        _("Start the application's internal review first: the panel reviews an application that is ready."),
        "subject",
    )
    return subject, subject.institution_id


def application_review_apply(decided: DecidedReview, *, by: Actor) -> str:
    """The review's recommendation is the internal review's result (`application_review_record`)."""
    application_review_record(application=decided.subject, supported=decided.supported, by=by)
    return Event.APPLICATION_REVIEW_DECIDED


@transaction.atomic
def application_submit(*, application: Application, on: dt.date, by: Actor) -> Application:
    """Submits the application (to the province and the national office) after a supported review."""
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(
        application.status == Status.INTERNAL_REVIEW,
        _("Only an application in the internal expert review can be submitted."),
    )
    _require(
        application.internal_review_supported,
        _("The internal expert review has not supported the application; it cannot be submitted yet."),
    )
    _not_in_future(on, "on")
    found = checklist(application, on)
    _require(found.met, _("The checklist has unmet items: %(items)s") % {"items": _unmet_sentence(found)})
    before = _snapshot(application)
    application.status = Status.SUBMITTED
    application.submitted_on = on
    application.save(update_fields=["status", "submitted_on"])
    _record(by, Event.APPLICATION_SUBMITTED, application, before)
    return application


@transaction.atomic
def application_decide(
    *,
    application: Application,
    approved: bool,
    on: dt.date,
    approval_no: str = "",
    station_code: str = "",
    name_zh: str = "",
    name_en: str = "",
    by: Actor,
) -> Application:
    """Records the national decision. An approval sets up the mobile station (established on the
    decision's date, with its approval number) and links it; a rejection records the date."""
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(application.status == Status.SUBMITTED, _("Only a submitted application can be decided."))
    _not_in_future(on, "on")
    assert application.submitted_on is not None  # a database constraint
    _require(
        on >= application.submitted_on,
        _("The decision cannot be before the submission on %(date)s.")
        % {"date": date_format(application.submitted_on)},
        "on",
    )
    before = _snapshot(application)
    if approved:
        approval_no, station_code, name_zh = approval_no.strip(), station_code.strip(), name_zh.strip()
        _require(bool(approval_no), _("An approval needs its approval number."), "approval_no")
        _require(bool(station_code), _("Give the new station's code."), "station_code")
        _require(bool(name_zh), _("Give the new station's Chinese name."), "name_zh")
        _require(
            not Station.objects.filter(institution_id=application.institution_id, code=station_code).exists(),
            _("Station code %(code)s is already used.") % {"code": station_code},
            "station_code",
        )
        application.station = station_create(
            institution=application.institution,
            code=station_code,
            kind=Station.Kind.MOBILE,
            unit=application.unit,
            name_zh=name_zh,
            name_en=name_en.strip(),
            established_on=on,
            discipline=application.discipline,
            approval_no=approval_no,
            by=by,
        )
        application.status = Status.APPROVED
        application.approval_no = approval_no
    else:
        application.status = Status.REJECTED
    application.decided_on = on
    application.save(update_fields=["status", "decided_on", "approval_no", "station"])
    approved = application.status == Status.APPROVED
    _record(by, Event.APPLICATION_APPROVED if approved else Event.APPLICATION_REJECTED, application, before)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, reason: str, by: Actor) -> Application:
    """Withdraws an application in progress (draft, internal review or submitted), with the reason."""
    _check_administrator(by, application.institution_id)
    application = _lock(application)
    _require(application.is_open, _("Only an application in progress can be withdrawn."))
    _require(bool(reason.strip()), _("Say why the application is withdrawn."), "reason")
    before = _snapshot(application)
    application.status = Status.WITHDRAWN
    application.save(update_fields=["status"])
    _record(by, Event.APPLICATION_WITHDRAWN, application, before, note=reason.strip())
    return application
