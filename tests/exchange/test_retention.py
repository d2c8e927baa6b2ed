"""Old uploads removed (issue 13): the stored files of finished import jobs hold ID numbers and are
removed IMPORT_UPLOAD_KEEP_DAYS days after the job finished; the job, its report and its history stay."""

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from exchange.models import ImportJob
from exchange.retention import SYSTEM, remove_old_uploads, removed_on
from exchange.services import import_job_create
from tests.factories import World

State = ImportJob.State
NOW = timezone.now()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_UPLOAD_KEEP_DAYS = 30
    return settings.MEDIA_ROOT


def _job(world: World, state: str, days_ago: float, *, institution: Any = None, by: Any = None) -> ImportJob:
    """A job of `state` that finished (or, running, was uploaded) `days_ago` days ago, with an error
    workbook built beside its upload."""
    upload = SimpleUploadedFile("book.csv", b"id_number\n110101199003077777\n")
    job = import_job_create(
        institution=institution or world.institution, upload=upload, by=by or world.admin, language="en"
    )
    when = NOW - dt.timedelta(days=days_ago)
    finished = None if state in ImportJob.RUNNING else when
    report = {"dry_run": True, "problems": [], "warnings": [], "counts": {}}
    ImportJob.objects.filter(pk=job.pk).update(state=state, created_at=when, finished_at=finished, report=report)
    default_storage.save(str(Path(job.file.name).parent / "book-errors.xlsx"), io.BytesIO(b"errors"))
    job.refresh_from_db()
    return job


def _stored(job: ImportJob) -> bool:
    return default_storage.exists(job.file.name)


@pytest.mark.django_db
def test_finished_uploads_older_than_the_keeping_time_are_removed_and_the_jobs_stay(world: World) -> None:
    old = {state: _job(world, state, 31) for state in (State.IMPORTED, State.IMPORT_FAILED, State.PREVIEW_FAILED)}
    names = {state: job.file.name for state, job in old.items()}
    assert remove_old_uploads(by=SYSTEM, now=NOW) == 3
    for state, job in old.items():
        job.refresh_from_db()
        assert job.state == state and job.report is not None  # the record and its report stay
        assert not job.file
        folder = str(Path(names[state]).parent)
        assert not default_storage.exists(names[state])
        assert not default_storage.exists(f"{folder}/book-errors.xlsx")  # the error workbook too
        event = AuditEvent.objects.get(event="import_job.upload_removed", target_id=str(job.pk))
        assert event.actor is None and event.actor_label == "system (remove_old_uploads)"
        assert event.institution == world.institution
        assert event.before == {"file": names[state]}
        assert event.after["keep_days"] == 30 and "book.csv" in event.after["files_removed"]
        assert removed_on(job) == event.occurred_at


@pytest.mark.django_db
def test_recent_running_and_unfinished_uploads_are_kept(world: World) -> None:
    recent = _job(world, State.IMPORTED, 29)
    running = [_job(world, state, 90) for state in (State.QUEUED, State.PREVIEWING, State.IMPORTING)]
    assert remove_old_uploads(by=SYSTEM, now=NOW) == 0
    for job in [recent, *running]:
        job.refresh_from_db()
        assert job.file and _stored(job)
        assert removed_on(job) is None
    assert not AuditEvent.objects.filter(event="import_job.upload_removed").exists()


@pytest.mark.django_db
def test_the_keeping_time_is_a_setting(world: World, settings: Any) -> None:
    settings.IMPORT_UPLOAD_KEEP_DAYS = 5
    job = _job(world, State.IMPORTED, 6)
    kept = _job(world, State.IMPORTED, 4)
    assert remove_old_uploads(by=SYSTEM, now=NOW) == 1
    job.refresh_from_db()
    kept.refresh_from_db()
    assert not job.file and kept.file


@pytest.mark.django_db
def test_a_second_run_removes_nothing_more(world: World) -> None:
    _job(world, State.IMPORTED, 40)
    assert remove_old_uploads(by=SYSTEM, now=NOW) == 1
    assert remove_old_uploads(by=SYSTEM, now=NOW) == 0
    assert AuditEvent.objects.filter(event="import_job.upload_removed").count() == 1


@pytest.mark.django_db
def test_the_daily_command_removes_them_for_every_institution(world: World) -> None:
    mine = _job(world, State.IMPORTED, 31)
    other = _job(world, State.IMPORTED, 31, institution=world.outsider.institution, by=world.outsider)
    out = io.StringIO()
    call_command("remove_old_uploads", stdout=out)
    assert "Removed the uploads of 2 import job(s) finished more than 30 days ago." in out.getvalue()
    for job in (mine, other):
        job.refresh_from_db()
        assert not job.file


@pytest.mark.django_db
def test_an_office_administrator_removes_only_their_institutions_uploads(world: World) -> None:
    mine = _job(world, State.IMPORTED, 31)
    other = _job(world, State.IMPORTED, 31, institution=world.outsider.institution, by=world.outsider)
    call_command("remove_old_uploads", "--as-user", world.admin.username, stdout=io.StringIO())
    mine.refresh_from_db()
    other.refresh_from_db()
    assert not mine.file and other.file
    event = AuditEvent.objects.get(event="import_job.upload_removed")
    assert event.actor == world.admin


@pytest.mark.django_db
def test_only_an_office_administrator_or_the_system_removes_uploads(world: World) -> None:
    job = _job(world, State.IMPORTED, 31)
    with pytest.raises(DomainError):
        remove_old_uploads(by=world.secretary, now=NOW)
    with pytest.raises(CommandError, match="No user"):
        call_command("remove_old_uploads", "--as-user", "nobody", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.file


@pytest.mark.django_db
def test_the_job_page_says_when_the_file_was_removed_and_confirming_is_refused(world: World, client: Any) -> None:
    job = _job(world, State.PREVIEWED, 31)
    remove_old_uploads(by=SYSTEM, now=NOW)
    client.force_login(world.admin)
    page = client.get(reverse("import-detail", kwargs={"pk": job.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The uploaded file was removed on" in text and "The report stays." in text
    assert reverse("import-confirm", kwargs={"pk": job.pk}) not in text  # no button to confirm
    response = client.post(reverse("import-confirm", kwargs={"pk": job.pk}), follow=True)
    assert "The uploaded file was removed after the keeping time; upload the workbook again." in (
        response.content.decode()
    )
    job.refresh_from_db()
    assert job.state == State.PREVIEWED and job.confirmed_by is None
    assert client.get(reverse("import-errors", kwargs={"pk": job.pk})).status_code == 404
