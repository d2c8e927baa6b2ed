"""The import pages: upload → preview (a background dry run) → confirm → result, and who may see them."""

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appointments.models import Appointment
from audit.models import AuditEvent
from core.sheets.cells import Problem
from exchange import tasks
from exchange.import_rows import Report
from exchange.models import ImportJob
from exchange.services import import_job_create, import_job_finish, import_job_start
from exchange.tasks import ProgressRecorder, read_progress
from tests.clients import PERSONAS
from tests.exchange.test_workbook import valid_sheets, write_xlsx
from tests.factories import World

HTMX = {"HX-Request": "true"}
State = ImportJob.State


@pytest.fixture(autouse=True)
def background(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Tasks run at once, in the test's process; uploads go to a temporary folder."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_MAX_MB = 100
    yield


@pytest.fixture
def upload(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> Callable[..., tuple[Any, ImportJob | None]]:
    """Posts a file as the office administrator; the queued preview runs when the request commits."""

    def post(name: str, content: bytes, persona_client: Client | None = None) -> tuple[Any, ImportJob | None]:
        poster = persona_client or client
        if persona_client is None:
            client.force_login(world.admin)
        before = set(ImportJob.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=True):
            response = poster.post(reverse("import-new"), {"file": SimpleUploadedFile(name, content)})
        job = ImportJob.objects.exclude(pk__in=before).first()
        return response, job

    return post


@pytest.fixture
def confirm(client: Client, django_capture_on_commit_callbacks: Any) -> Callable[[ImportJob], Any]:
    def post(job: ImportJob) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("import-confirm", args=[job.pk]))

    return post


def xlsx_bytes(tmp_path: Path, sheets: dict[str, list[list[Any]]], name: str = "book.xlsx") -> bytes:
    return write_xlsx(tmp_path / name, sheets).read_bytes()


def with_bad_date(sheets: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """Postdocs row 3 (the second postdoc) gets an entry date that does not exist."""
    header = sheets["Postdocs"][0]
    sheets["Postdocs"][2][header.index("entry_date")] = "2021-02-30"
    return sheets


# ---------------------------------------------------------------------------------------------
# The flow


def test_upload_preview_confirm_import_then_the_same_file_previews_as_unchanged(
    client, world, upload, confirm, tmp_path
):
    content = xlsx_bytes(tmp_path, valid_sheets())
    appointments = Appointment.objects.count()
    response, job = upload("exchange.xlsx", content)
    assert job is not None
    assert response.status_code == 302 and response["Location"] == reverse("import-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.state == State.PREVIEWED, job.report
    assert job.original_name == "exchange.xlsx" and job.size == len(content)
    assert job.previewed_sha256 == job.sha256
    assert Path(job.file.path).read_bytes() == content
    assert Appointment.objects.count() == appointments  # a preview writes nothing
    assert job.report["dry_run"] is True and job.report["counts"]["Postdocs"] == {
        "new": 2,
        "changed": 0,
        "unchanged": 0,
    }

    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "ready to import" in page and "What the import would do" in page
    assert reverse("import-confirm", args=[job.pk]) in page
    assert 'hx-trigger="every 1s"' not in page  # done: no polling

    response = confirm(job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == State.IMPORTED, job.report
    assert job.confirmed_by == world.admin and job.report["dry_run"] is False
    assert Appointment.objects.count() == appointments + 2
    assert Appointment.objects.get(postdoc_no="BH900001").status == Appointment.Status.IN_STATION
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "What was imported" in page and reverse("import-confirm", args=[job.pk]) not in page

    events = list(
        AuditEvent.objects.filter(target_type="exchange.importjob", target_id=str(job.pk))
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert events == [
        "import_job.created",
        "import_job.preview_started",
        "import_job.previewed",
        "import_job.confirmed",
        "import_job.import_started",
        "import_job.imported",
    ]

    _again, second = upload("exchange.xlsx", content)
    assert second is not None
    second.refresh_from_db()
    assert second.state == State.PREVIEWED
    assert second.totals()["new"] == 0 and second.totals()["changed"] == 0 and second.totals()["unchanged"] > 0
    assert all(c["new"] == 0 and c["changed"] == 0 for c in second.report["counts"].values())
    assert Path(second.file.path) != Path(job.file.path)  # each upload is kept apart


def test_a_file_with_problems_shows_every_problem_and_offers_no_confirmation(client, world, upload, confirm, tmp_path):
    response, job = upload("bad.xlsx", xlsx_bytes(tmp_path, with_bad_date(valid_sheets())))
    assert job is not None
    job.refresh_from_db()
    assert job.state == State.PREVIEW_FAILED
    problems = job.report["problems"]
    assert any(p["sheet"] == "Postdocs" and p["row"] == 3 and p["column"] == "entry_date" for p in problems)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "has problems" in page
    assert "This date does not exist in the calendar." in page and "2021-02-30" in page
    assert "<th>Sheet</th>" in page and "<th>Column</th>" in page
    assert reverse("import-confirm", args=[job.pk]) not in page
    assert reverse("import-errors", args=[job.pk]) in page

    before = Appointment.objects.count()
    response = confirm(job)  # forced anyway
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == State.PREVIEW_FAILED and Appointment.objects.count() == before
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Only a checked workbook without problems can be imported" in page


def test_confirm_refuses_a_stored_file_that_changed_after_the_preview(client, world, upload, confirm, tmp_path):
    _response, job = upload("exchange.xlsx", xlsx_bytes(tmp_path, valid_sheets()))
    assert job is not None
    job.refresh_from_db()
    Path(job.file.path).write_bytes(xlsx_bytes(tmp_path, with_bad_date(valid_sheets()), "other.xlsx"))
    before = Appointment.objects.count()
    confirm(job)
    job.refresh_from_db()
    assert job.state == State.PREVIEWED and Appointment.objects.count() == before
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "not the one that was checked" in page


def test_an_unexpected_error_fails_the_preview_with_a_sentence(client, world, upload, tmp_path, monkeypatch):
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasks, "import_workbook", broken)
    _response, job = upload("exchange.xlsx", xlsx_bytes(tmp_path, valid_sheets()))
    assert job is not None
    job.refresh_from_db()
    assert job.state == State.PREVIEW_FAILED
    assert "unexpected error" in job.report["problems"][0]["message"]
    assert "disk on fire" not in client.get(reverse("import-detail", args=[job.pk])).content.decode()


def test_csv_and_zip_uploads_are_read_by_their_sheet_names(client, world, upload, tmp_path):
    csv = "code,name,kind\nC901,新学院,college\n".encode()
    _response, job = upload("Units.csv", csv)
    assert job is not None
    job.refresh_from_db()
    assert job.state == State.PREVIEWED, job.report
    assert job.report["counts"]["Units"] == {"new": 1, "changed": 0, "unchanged": 0}

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("单位.csv", "单位代码,单位名称,类型\nC902,另一学院,学院\nC903,,学院\n".encode())
    _response, job = upload("records.zip", archive.getvalue())
    assert job is not None
    job.refresh_from_db()
    assert job.state == State.PREVIEW_FAILED
    assert [(p["sheet"], p["row"], p["column"]) for p in job.report["problems"]] == [("单位", 3, "name")]


# ---------------------------------------------------------------------------------------------
# The workbook with an error column


def _sheet_rows(book: Any, title: str) -> list[list[Any]]:
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_the_error_workbook_puts_each_sentence_on_its_row(client, world, upload, tmp_path):
    sheets = with_bad_date(valid_sheets())
    header = sheets["Postdocs"][0]
    sheets["Postdocs"][1][header.index("gender")] = "unknown"  # row 2: a second problem
    sheets["Postdocs"][2][header.index("gender")] = "robot"  # row 3: two problems on one row
    _response, job = upload("bad.xlsx", xlsx_bytes(tmp_path, sheets))
    assert job is not None
    job.refresh_from_db()
    response = client.get(reverse("import-errors", args=[job.pk]))
    assert response.status_code == 200
    assert 'filename="bad-errors.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "Problems" not in book.sheetnames  # every problem here has its row
    assert book.sheetnames == list(sheets)
    rows = _sheet_rows(book, "Postdocs")
    errors = len(header)
    assert rows[0][errors] == "errors"
    assert rows[0][:errors] == header
    assert "gender: Use one of" in rows[1][errors]
    assert "entry_date: This date does not exist in the calendar." in rows[2][errors]
    assert "gender: Use one of" in rows[2][errors]
    assert rows[1][0] == "BH900001" and rows[2][0] == "BH900002"  # the data is kept as it was
    for other in ("Units", "Stations", "Projects"):
        data = _sheet_rows(book, other)
        assert data[0][-1] == "errors" and all(row[-1] is None for row in data[1:])


def test_problems_without_a_row_go_to_a_first_problems_sheet(client, world, upload, tmp_path):
    sheets = valid_sheets()
    sheets["Units"] = [["code", "kind"], ["C900", "college"]]  # the required column `name` is missing
    sheets["Notes"] = [["anything"], ["at all"]]
    _response, job = upload("missing.xlsx", xlsx_bytes(tmp_path, sheets))
    assert job is not None
    job.refresh_from_db()
    assert job.state == State.PREVIEW_FAILED
    response = client.get(reverse("import-errors", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[0] == "Problems"
    problems = _sheet_rows(book, "Problems")
    assert problems[0] == ["sheet", "row", "column", "value", "problem"]
    assert problems[1][0] == "Units" and problems[1][2] == "name" and "is missing" in problems[1][4]
    assert _sheet_rows(book, "Notes") == [["anything"], ["at all"]]  # not an exchange sheet: copied as is


def test_the_error_workbook_of_a_csv_upload_is_an_xlsx(client, world, upload):
    _response, job = upload("Units.csv", "code,name,kind\nC901,,college\n=1+1,公式,college\n".encode())
    assert job is not None
    job.refresh_from_db()
    response = client.get(reverse("import-errors", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = _sheet_rows(book, "Units")
    assert rows[0] == ["code", "name", "kind", "errors"]
    assert "name: This column needs a value." in rows[1][3]
    assert rows[2][0] == "=1+1" and book["Units"]["A3"].data_type == "s"  # text, never a formula


def test_the_worker_builds_the_error_workbook_and_a_download_rebuilds_a_missing_one(client, world, upload, tmp_path):
    _response, job = upload("bad.xlsx", xlsx_bytes(tmp_path, with_bad_date(valid_sheets())))
    assert job is not None
    job.refresh_from_db()
    built = Path(job.file.path).parent / "errors-preview_failed.xlsx"
    assert built.exists()
    first = b"".join(client.get(reverse("import-errors", args=[job.pk])).streaming_content)
    assert first == built.read_bytes()
    built.unlink()
    again = client.get(reverse("import-errors", args=[job.pk]))
    assert again.status_code == 200 and built.exists()
    rows = _sheet_rows(load_workbook(io.BytesIO(b"".join(again.streaming_content))), "Postdocs")
    assert "This date does not exist in the calendar." in rows[2][-1]
    assert sorted(p.name for p in built.parent.iterdir()) == ["bad.xlsx", "errors-preview_failed.xlsx"]


def test_the_error_workbook_needs_a_report(client, world):
    job = _queued_job(world)
    client.force_login(world.admin)
    assert client.get(reverse("import-errors", args=[job.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize("name", ["records.xls", "records.txt", "records", "records.xlsx.exe"])
def test_unknown_kinds_of_file_are_refused(world, upload, name):
    response, job = upload(name, b"PK\x03\x04 not really")
    assert job is None
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a file the importer reads: upload an .xlsx workbook, a .csv file or a .zip of CSV files." in page


def test_a_file_over_the_size_limit_is_refused_with_a_sentence(world, upload, settings):
    settings.IMPORT_MAX_MB = 1
    response, job = upload("big.xlsx", b"x" * (1024 * 1024 + 1))
    assert job is None
    assert "uploads may be at most 1 MB" in response.content.decode()
    assert "1.0\xa0MB" in response.content.decode()


def test_an_empty_file_and_no_file_are_refused(world, upload, client):
    response, job = upload("empty.xlsx", b"")
    assert job is None and "The file is empty (0 bytes)." in response.content.decode()
    client.force_login(world.admin)
    response = client.post(reverse("import-new"), {})
    assert "Choose the file to upload." in response.content.decode()


def test_the_service_refuses_anyone_but_an_administrator(world):
    from core.errors import DomainError

    for user in (world.secretary, world.leadership, world.outsider):
        with pytest.raises(DomainError, match="Only an office administrator"):
            import_job_create(
                institution=world.institution, upload=SimpleUploadedFile("a.xlsx", b"PK"), by=user, language="en"
            )
    assert not ImportJob.objects.exists()


# ---------------------------------------------------------------------------------------------
# Progress


def _queued_job(world: World, institution: Any = None, by: Any = None) -> ImportJob:
    """A job whose preview is queued but not run (its on_commit never fires in a test transaction)."""
    return import_job_create(
        institution=institution or world.institution,
        upload=SimpleUploadedFile("Units.csv", b"code,name,kind\nC901,x,college\n"),
        by=by or world.admin,
        language="en",
    )


def test_a_running_job_s_partial_polls_and_shows_stage_and_rows(client, world, upload, tmp_path, monkeypatch):
    seen: list[tuple[dict[str, Any] | None, str]] = []
    real = tasks.import_workbook

    def slow(**kwargs: Any) -> Any:
        job = ImportJob.objects.latest("pk")
        kwargs["progress"]("Units", 1500)
        seen.append((read_progress(job.pk), client.get(reverse("import-status", args=[job.pk])).content.decode()))
        kwargs["progress"]("Postdocs", 2)
        seen.append((read_progress(job.pk), client.get(reverse("import-status", args=[job.pk])).content.decode()))
        return real(**kwargs)

    monkeypatch.setattr(tasks, "import_workbook", slow)
    _response, job = upload("exchange.xlsx", xlsx_bytes(tmp_path, valid_sheets()))
    assert job is not None
    (reading, reading_page), (writing, writing_page) = seen
    assert reading is not None and reading["stage"] == "Units" and reading["rows"] == 1500
    assert writing is not None and writing["stage"] == "Postdocs" and writing["rows"] == 2
    assert 'hx-trigger="every 1s"' in reading_page and reverse("import-status", args=[job.pk]) in reading_page
    assert "Checking the sheet Units" in reading_page and "1,500" in reading_page
    assert "Checking the sheet Postdocs" in writing_page
    job.refresh_from_db()
    assert job.state == State.PREVIEWED and job.rows_done >= 2
    done = client.get(reverse("import-status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in done and "ready to import" in done


def test_a_queued_job_waits_for_the_worker(client, world):
    job = _queued_job(world)
    client.force_login(world.admin)
    page = client.get(reverse("import-status", args=[job.pk]), headers=HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for the background worker" in page
    assert ImportJob.objects.get(pk=job.pk).state == State.QUEUED


def test_progress_is_written_at_most_twice_a_second_and_at_every_new_stage(world):
    job = _queued_job(world)
    now = [100.0]
    recorder = ProgressRecorder(job.pk, clock=lambda: now[0])
    assert read_progress(job.pk) is None  # nothing written yet
    recorder("reading", 0)
    assert read_progress(job.pk)["rows"] == 0
    for rows in (1000, 2000, 3000):
        now[0] += 0.1
        recorder("reading", rows)
    assert read_progress(job.pk)["rows"] == 0  # throttled
    now[0] += 0.3
    recorder("reading", 4000)
    assert read_progress(job.pk)["rows"] == 4000
    now[0] += 0.01
    recorder("writing", 1)
    assert read_progress(job.pk) | {"at": None} == {"stage": "writing", "rows": 1, "at": None}


# ---------------------------------------------------------------------------------------------
# The jobs list and the export


def test_the_jobs_list_shows_state_counts_who_and_when_and_filters_by_state(client, world, upload, tmp_path, settings):
    client.force_login(world.admin)
    empty = client.get(reverse("import-list")).content.decode()
    assert "No imports yet." in empty and reverse("import-new") in empty
    upload("good.xlsx", xlsx_bytes(tmp_path, valid_sheets()))
    upload("bad.xlsx", xlsx_bytes(tmp_path, with_bad_date(valid_sheets()), "bad.xlsx"))
    page = client.get(reverse("import-list")).content.decode()
    assert "good.xlsx" in page and "bad.xlsx" in page
    assert "ready to import" in page and "has problems" in page and world.admin.get_username() in page
    assert timezone.localtime().strftime("%Y") in page
    rows = client.get(reverse("import-list"), {"state": State.PREVIEW_FAILED}, headers=HTMX)
    assert rows.status_code == 200 and "<html" not in rows.content.decode()
    assert "bad.xlsx" in rows.content.decode() and "good.xlsx" not in rows.content.decode()
    nothing = client.get(reverse("import-list"), {"state": State.IMPORTED}).content.decode()
    assert "No imports in this state." in nothing
    settings.PAGE_SIZE = 1
    first = client.get(reverse("import-list")).content.decode()
    assert "bad.xlsx" in first and "good.xlsx" not in first and 'rel="next"' in first
    assert "good.xlsx" in client.get(reverse("import-list"), {"page": 2}).content.decode()


def test_the_jobs_list_takes_the_same_queries_for_more_jobs(client, world):
    from tests.clients import count_queries

    client.force_login(world.admin)
    for _ in range(2):
        _queued_job(world)
    few = count_queries(client, reverse("import-list"))
    for _ in range(4):
        _queued_job(world)
    assert count_queries(client, reverse("import-list")) == few


def test_only_an_administrator_sees_the_import_link(signed_in):
    for persona in PERSONAS:
        page = signed_in(persona).get(reverse("station-list")).content.decode()
        assert (reverse("import-list") in page) == (persona in {"admin", "outsider"}), persona


def test_the_export_downloads_the_institution_s_workbook(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("exchange-export"))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert f'filename="exchange-U1-{today}.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "Postdocs" in book.sheetnames
    numbers = {row[0] for row in book["Postdocs"].iter_rows(min_row=2, values_only=True)}
    assert world.appointment.postdoc_no in numbers and world.outside_appointment.postdoc_no not in numbers


def test_dates_are_localised_on_the_pages(client, world):
    job = _queued_job(world)
    client.force_login(world.admin)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("import-detail", args=[job.pk]), headers={"Accept-Language": "zh-hans"})
    created = timezone.localtime(job.created_at)
    assert f"{created.year}年{created.month}月{created.day}日" in page.content.decode()


# ---------------------------------------------------------------------------------------------
# Who may do what


SECTION = ["import-list", "import-new", "exchange-export"]
JOB_PAGES = ["import-detail", "import-status", "import-errors"]


@pytest.fixture
def jobs(world: World) -> dict[str, ImportJob]:
    """A checked job with a problem in the world's institution, and a queued job in the outsider's."""
    own = import_job_start(job=_queued_job(world), by=world.admin)
    problem = Problem("Units", 2, "name", "", "This column needs a value.")
    own = import_job_finish(job=own, report=Report(dry_run=True, problems=[problem]), rows_done=1, by=world.admin)
    return {"own": own, "other": _queued_job(world, world.outsider.institution, world.outsider)}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("secretary", 403),
        ("supervisor", 403),
        ("postdoc", 403),
        ("leadership", 403),
        ("outsider", 200),  # an administrator of another institution, on their own institution's imports
    ],
)
@pytest.mark.parametrize("url_name", SECTION)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_import_section_is_for_office_administrators(signed_in, persona, expected, url_name, headers):
    assert signed_in(persona).get(reverse(url_name), headers=headers).status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_an_administrator_uploads(signed_in, world, persona, django_capture_on_commit_callbacks):
    client = signed_in(persona)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("import-new"), {"file": SimpleUploadedFile("Units.csv", b"code,name,kind\nC9,x,college\n")}
        )
    assert response.status_code == (302 if persona in {"admin", "outsider"} else 403)
    jobs = ImportJob.objects.all()
    assert jobs.count() == (1 if persona in {"admin", "outsider"} else 0)
    if persona == "outsider":
        assert jobs.get().institution == world.outsider.institution


@pytest.mark.parametrize(
    ("persona", "own", "other"),
    [
        ("admin", 200, 404),
        ("secretary", 404, 404),
        ("supervisor", 404, 404),
        ("postdoc", 404, 404),
        ("leadership", 404, 404),
        ("outsider", 404, 200),
    ],
)
@pytest.mark.parametrize("url_name", JOB_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_a_job_is_seen_only_by_the_administrators_of_its_institution(
    jobs, signed_in, persona, own, other, url_name, headers
):
    client = signed_in(persona)
    assert client.get(reverse(url_name, args=[jobs["own"].pk]), headers=headers).status_code == own
    expected_other = 404 if url_name == "import-errors" else other  # the queued job has no report yet
    assert client.get(reverse(url_name, args=[jobs["other"].pk]), headers=headers).status_code == expected_other


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 302), ("secretary", 404), ("supervisor", 404), ("postdoc", 404), ("leadership", 404), ("outsider", 404)],
)
def test_only_an_administrator_of_the_institution_confirms(jobs, signed_in, persona, expected):
    job = jobs["own"]
    assert signed_in(persona).post(reverse("import-confirm", args=[job.pk])).status_code == expected
    assert ImportJob.objects.get(pk=job.pk).state == State.PREVIEW_FAILED


@pytest.mark.parametrize("url_name", [*JOB_PAGES, "import-confirm"])
def test_job_pages_answer_only_their_methods(jobs, signed_in, url_name):
    method = "get" if url_name == "import-confirm" else "post"
    assert getattr(signed_in("admin"), method)(reverse(url_name, args=[jobs["own"].pk])).status_code == 405


@pytest.mark.parametrize("url_name", [*SECTION, *JOB_PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(jobs, url_name):
    args = [jobs["own"].pk] if url_name in JOB_PAGES else []
    response = Client().get(reverse(url_name, args=args))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_unknown_job_is_404(signed_in):
    assert signed_in("admin").get(reverse("import-detail", args=[999999])).status_code == 404


def test_the_admin_lists_import_jobs_to_read_only(client, world, jobs):
    from accounts.models import User

    User.objects.filter(pk=world.admin.pk).update(is_staff=True)
    client.force_login(world.admin)
    changelist = client.get(reverse("admin:exchange_importjob_changelist"))
    assert changelist.status_code == 200 and "Units.csv" in changelist.content.decode()
    assert changelist.context["cl"].result_count == 1  # the other institution's job is not listed
    assert client.get(reverse("admin:exchange_importjob_change", args=[jobs["own"].pk])).status_code == 200
    assert client.get(reverse("admin:exchange_importjob_add")).status_code == 403


def test_the_upload_page_lists_what_offices_write_that_is_read_too(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("import-new")).content.decode()
    assert "Files as offices keep them are read too" in page
    assert "身份证号、身份证号码" in page and "资助金额(万元)" in page
    assert "<td>二代身份证</td><td>居民身份证 (resident_id)</td>" in page
