"""The importer's two ways of writing (new people in bulk, the rest through the per-record
services), corrections through import, policy exceptions carried by the workbook, and numbers
that are unique per institution only."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, PolicyException
from audit.models import AuditEvent
from exchange.importer import import_workbook
from funding.models import Project
from people.models import Person
from tests.exchange.test_workbook import HEADERS, counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World, resident_id

POSTDOCS_WITH_REASON = [*HEADERS["Postdocs"], "exception_reason"]


def _import(world: World, path: Path) -> object:
    return import_workbook(path=path, institution=world.institution, by=world.admin)


@pytest.mark.django_db
def test_each_new_postdoc_leaves_one_audit_event_with_the_person_masked(world: World, tmp_path: Path) -> None:
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", valid_sheets()))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    appointment = Appointment.objects.get(postdoc_no="BH900001")
    events = AuditEvent.objects.for_record(appointment).filter(event="appointment.imported")
    assert events.count() == 1
    event = events.get()
    assert event.actor == world.admin and "a.xlsx" in event.note
    assert event.after["person"]["id_number"] == appointment.person.masked_id
    assert appointment.person.id_number not in str(event.after)
    exited = Appointment.objects.get(postdoc_no="BH900002")
    # The exit has no recorded exit assessment: the import vouches for it, as a recorded exception.
    assert [e.rule for e in PolicyException.objects.filter(appointment=exited)] == ["exit_assessment"]
    project = Project.objects.get(project_no="P900")
    assert AuditEvent.objects.filter(event="project.recorded", target_id=str(project.pk)).count() == 1


@pytest.mark.django_db
def test_a_changed_person_and_supervisor_are_corrected_with_before_and_after(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    sheets["Supervisors"].append(["T901", "周导师", "C900", "S0831", "教授", "no"])
    sheets["Postdocs"][1][1] = "钱博士后"  # name corrected
    sheets["Postdocs"][1][10] = "T901"  # another supervisor
    sheets["Postdocs"][1][14] = "2025-06-01"  # planned exit later
    report = _import(world, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    assert report.counts["Postdocs"] == {"new": 0, "changed": 1, "unchanged": 1}  # type: ignore[attr-defined]
    appointment = Appointment.objects.get(postdoc_no="BH900001")
    assert appointment.person.name == "钱博士后"
    assert appointment.primary_supervisor.staff_no == "T901"
    assert appointment.planned_exit_date == dt.date(2025, 6, 1)
    person_event = AuditEvent.objects.get(event="person.changed", target_id=str(appointment.person.pk))
    assert (person_event.before["name"], person_event.after["name"]) == ("钱博士", "钱博士后")
    corrected = AuditEvent.objects.get(event="appointment.corrected", target_id=str(appointment.pk))
    assert corrected.before["planned_exit_date"] == "2025-03-01"
    assert corrected.after["planned_exit_date"] == "2025-06-01"
    again = _import(world, write_xlsx(tmp_path / "c.xlsx", sheets))
    assert all(c["changed"] == 0 and c["new"] == 0 for c in again.counts.values())  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_changes_import_cannot_make_are_refused_by_name(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    sheets["Postdocs"][1][13] = "2023-04-01"  # the entry date of an imported appointment
    before = counts()
    report = _import(world, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert not report.ok  # type: ignore[attr-defined]
    assert counts() == before
    problem = report.problems[0]  # type: ignore[attr-defined]
    assert (problem.sheet, problem.row, problem.column) == ("Postdocs", 2, "entry_date")
    assert "entry_date" in problem.message


@pytest.mark.django_db
def test_a_second_stay_of_a_registered_person_goes_through_the_rules(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    second = list(sheets["Postdocs"][2])
    second[0], second[13], second[14], second[15], second[16] = "BH900003", "2022-06-01", "2024-06-01", "", "in_station"
    sheets["Postdocs"].append(second)  # the same person (ID_B), overlapping the first stay
    before = counts()
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert not report.ok  # type: ignore[attr-defined]
    assert counts() == before
    assert any(p.row == 4 and "overlaps" in p.message for p in report.problems), problems_text(report)  # type: ignore[attr-defined]

    second[13], second[14] = "2023-03-01", "2025-03-01"  # after the first stay ended
    sheets["Postdocs"][3] = second
    report = _import(world, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    person = Person.objects.get(id_number=resident_id(dt.date(1990, 1, 2), 902))
    assert sorted(person.appointments.values_list("postdoc_no", flat=True)) == ["BH900002", "BH900003"]


@pytest.mark.django_db
def test_a_broken_rule_needs_the_exception_reason_column(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    old = resident_id(dt.date(1980, 5, 17), 903)  # 42 at entry in 2023: over the age limit
    row = list(sheets["Postdocs"][1])
    row[0], row[1], row[3], row[5] = "BH900004", "郑博士", "1980-05-17", old
    sheets["Postdocs"].append(row)
    before = counts()
    refused = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert counts() == before
    assert [(p.row, p.column) for p in refused.problems] == [(4, "entry_date")], problems_text(refused)  # type: ignore[attr-defined]

    sheets["Postdocs"] = [POSTDOCS_WITH_REASON] + [[*r, ""] for r in sheets["Postdocs"][1:]]
    sheets["Postdocs"][3][-1] = "校长办公会2023年第5次会议特批"
    report = _import(world, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    exception = PolicyException.objects.get(appointment__postdoc_no="BH900004")
    assert (exception.rule, exception.reason, exception.granted_by) == (
        "entry_age",
        "校长办公会2023年第5次会议特批",
        world.admin,
    )


@pytest.mark.django_db
def test_postdoc_numbers_are_unique_per_institution_only(world: World, tmp_path: Path) -> None:
    taken_elsewhere = world.outside_appointment.postdoc_no
    sheets = valid_sheets()
    sheets["Postdocs"][1][0] = taken_elsewhere
    sheets["Projects"][1][7] = taken_elsewhere
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    assert Appointment.objects.filter(postdoc_no=taken_elsewhere).count() == 2
    project = Project.objects.get(project_no="P900")
    assert project.holder.institution == world.institution


@pytest.mark.django_db
def test_rows_that_refer_to_a_refused_row_are_not_reported_again(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["Postdocs"][1][5] = ID_WITH_WRONG_CHECK_DIGIT
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("Postdocs", 2, "id_number")], problems_text(  # type: ignore[attr-defined]
        report
    )


@pytest.mark.django_db
def test_one_refusal_in_a_batch_still_checks_the_rest(world: World, tmp_path: Path) -> None:
    """A bulk write refused for one row is written again without it, so later sheets are checked."""
    sheets = valid_sheets()
    sheets["Postdocs"][2][13] = "2030-01-04"  # an exited postdoc who enters in the future
    sheets["Projects"].append(["P901", "错误日期", "某基金", "", "national", 1, "2020-01-01", "BH900001", "awarded"])
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    where = sorted((p.sheet, p.row) for p in report.problems)  # type: ignore[attr-defined]
    assert ("Postdocs", 3) in where and ("Projects", 3) in where, problems_text(report)


ID_WITH_WRONG_CHECK_DIGIT = resident_id(dt.date(1992, 5, 17), 901)[:-1] + (
    "0" if resident_id(dt.date(1992, 5, 17), 901)[-1] != "0" else "1"
)


@pytest.mark.django_db(transaction=True)
def test_a_large_sheet_read_by_a_second_process_imports_the_same(world: World, tmp_path: Path) -> None:
    """Large sheets are read ahead by a child process (exchange/readahead.py): same rows, same
    problems of form, reported at the same places."""
    sheets = valid_sheets()
    sheets["Projects"].append(["P901", "=1+1", "某基金", "", "national", 1, "2023-09-01", "BH900001", "awarded"])
    path = write_xlsx(tmp_path / "a.xlsx", sheets)
    before = counts()
    ahead = import_workbook(path=path, institution=world.institution, by=world.admin, read_ahead_bytes=0)
    assert counts() == before
    in_process = import_workbook(path=path, institution=world.institution, by=world.admin, read_ahead_bytes=None)
    assert [str(p) for p in ahead.problems] == [str(p) for p in in_process.problems]
    assert {(p.sheet, p.row, p.column) for p in ahead.problems} == {("Projects", 3, "title")}, problems_text(ahead)
    assert any("formula" in p.message for p in ahead.problems)
    sheets["Projects"].pop()
    report = import_workbook(
        path=write_xlsx(tmp_path / "b.xlsx", sheets), institution=world.institution, by=world.admin, read_ahead_bytes=0
    )
    assert report.ok, problems_text(report)
    assert report.counts["Postdocs"]["new"] == 2 and report.counts["Projects"]["new"] == 1


@pytest.mark.django_db
def test_second_stays_after_a_flush_of_the_bulk_rows(world: World, tmp_path: Path) -> None:
    """Regression: a person written in bulk before another person's second stay forced a flush
    must still have their own second stay go through the per-record path (the demo's case)."""
    sheets = valid_sheets()
    first_a, first_b = list(sheets["Postdocs"][1]), list(sheets["Postdocs"][2])
    first_a[13], first_a[14], first_a[15], first_a[16] = "2019-03-01", "2021-03-01", "2021-03-01", "exited"
    first_a[8] = "2019-01-10"  # a PhD before that first entry (decision 0018), within three years of the second
    second_b = list(first_b)
    second_b[0], second_b[13], second_b[14], second_b[15], second_b[16] = (
        "BH900005",
        "2023-06-01",
        "2025-06-01",
        "",
        "in_station",
    )
    second_a = list(first_a)
    second_a[0], second_a[13], second_a[14], second_a[15], second_a[16] = (
        "BH900006",
        "2021-06-01",
        "2023-06-01",
        "",
        "in_station",
    )
    sheets["Postdocs"][1:] = [first_a, first_b, second_b, second_a]
    sheets["Projects"] = sheets["Projects"][:1]
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    assert report.counts["Postdocs"]["new"] == 4  # type: ignore[attr-defined]
    assert Person.objects.filter(institution=world.institution, id_number=first_a[5]).get().appointments.count() == 2


@pytest.mark.django_db
def test_lookups_of_existing_keys_are_unordered(world: World, tmp_path: Path) -> None:
    """Regression: with the model's default ordering, SQLite answers a `postdoc_no IN (…)` lookup
    through the ordering's index and scans every row of the institution, once per batch: the
    100,000-postdoc import spent 13 s there (decision 0031)."""
    with CaptureQueriesContext(connection) as queries:
        report = _import(world, write_xlsx(tmp_path / "a.xlsx", valid_sheets()))
    assert report.ok, problems_text(report)  # type: ignore[attr-defined]
    lookups = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and '_no" IN (' in q["sql"]]
    assert {"postdoc_no", "project_no", "staff_no"} <= {m for s in lookups for m in re.findall(r"\"(\w+_no)\" IN", s)}
    assert [s for s in lookups if "ORDER BY" in s] == []
