"""Confirming a list: awards through the funding services, with the programme's amount for the
grade, year and field; an application awarded rather than duplicated; nothing twice; a refused
row refuses everything."""

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from awardlists.awards import amount_for, field_of, project_number
from awardlists.models import AwardList, AwardListRow
from awardlists.services import (
    ConfirmRefused,
    award_list_check,
    award_list_confirm,
    award_list_discard,
    award_list_row_choose,
)
from core.errors import DomainError
from funding.models import GradeAmount, Level, Project
from funding.services import funding_rules_save, project_apply, project_record
from tests.awardlists.conftest import Lists, row, upload

EXACT_ROWS = [
    row(1, "陈晓东", "BH-CXD-01", "0710", "一等"),
    row(2, "SMITH, John", "BH-JS-03", "1002", "二等"),
    row(3, "王芳", "BH-WF-04", "0202", "二等"),
]


def awards(lists: Lists) -> list[Project]:
    return list(Project.objects.filter(institution=lists.world.institution).order_by("project_no"))


def test_exact_rows_become_awards_with_the_programmes_amounts(lists: Lists) -> None:
    award_list = award_list_confirm(award_list=upload(lists, EXACT_ROWS), by=lists.admin)
    assert award_list.status == AwardList.Status.CONFIRMED
    assert award_list.awarded_count == 3
    found = {p.holder_id: p for p in awards(lists)}
    chen, john, wang = found[lists.chen.pk], found[lists.john.pk], found[lists.wang.pk]
    assert (chen.project_no, chen.grade, chen.batch, chen.amount) == (
        "CPSF-general-69-BH-CXD-01",
        "一等",
        "第69批",
        Decimal("120000.00"),
    )
    assert john.amount == Decimal("80000.00")  # 二等, natural sciences, 2025
    assert wang.amount == Decimal("50000.00")  # 二等, social sciences (0202 applied economics)
    for project in (chen, john, wang):
        assert project.status == Project.Status.AWARDED
        assert project.awarded_on == dt.date(2025, 6, 30)
        assert project.programme_ref == lists.programme
        assert project.funder_ref == lists.programme.funder
        assert project.level == Level.PROVINCIAL  # the institution's default mapping of CPSF
    assert AuditEvent.objects.filter(event="project.recorded", target_id=str(chen.pk)).count() == 1
    assert AuditEvent.objects.filter(event="award_list.confirmed", target_id=str(award_list.pk)).count() == 1
    assert set(award_list.rows.values_list("project_id", flat=True)) == {chen.pk, john.pk, wang.pk}


def test_the_check_tells_what_confirming_would_do_and_keeps_nothing(lists: Lists) -> None:
    award_list = upload(lists, EXACT_ROWS)
    events = AuditEvent.objects.count()
    check = award_list_check(award_list=award_list, by=lists.admin)
    assert check.ok and len(check.awarded) == 3
    assert check.total == Decimal("250000.00")
    assert [(label, count) for label, count, _total in check.by_level()] == [(str(Level.PROVINCIAL.label), 3)]
    assert awards(lists) == [] and AuditEvent.objects.count() == events


def test_an_application_of_the_programme_is_awarded_not_duplicated(lists: Lists) -> None:
    applied = project_apply(
        holder=lists.chen,
        project_no="2024M761234",
        title="细胞衰老机制研究",
        applied_on=dt.date(2024, 9, 1),
        programme_ref=lists.programme,
        by=lists.admin,
    )
    award_list_confirm(award_list=upload(lists, EXACT_ROWS[:1]), by=lists.admin)
    (project,) = awards(lists)
    assert project.pk == applied.pk
    assert (project.status, project.project_no, project.title) == (
        Project.Status.AWARDED,
        "2024M761234",
        "细胞衰老机制研究",
    )
    assert (project.amount, project.grade, project.batch) == (Decimal("120000.00"), "一等", "第69批")
    assert AuditEvent.objects.filter(event="project.awarded", target_id=str(applied.pk)).exists()


def test_confirming_again_or_uploading_again_creates_nothing_new(lists: Lists) -> None:
    first = award_list_confirm(award_list=upload(lists, EXACT_ROWS), by=lists.admin)
    numbers = [p.project_no for p in awards(lists)]
    with pytest.raises(DomainError):
        award_list_confirm(award_list=first, by=lists.admin)
    again = upload(lists, EXACT_ROWS, batch="69")  # the same batch, written otherwise
    assert again.already_count == 3
    assert all(again.rows.values_list("already_awarded", flat=True))
    again = award_list_confirm(award_list=again, by=lists.admin)
    assert (again.awarded_count, again.already_count) == (0, 3)
    assert [p.project_no for p in awards(lists)] == numbers


def test_an_application_awarded_by_a_list_is_found_again(lists: Lists) -> None:
    project_apply(
        holder=lists.chen,
        project_no="2024M761234",
        title="细胞衰老机制研究",
        applied_on=dt.date(2024, 9, 1),
        programme_ref=lists.programme,
        by=lists.admin,
    )
    award_list_confirm(award_list=upload(lists, EXACT_ROWS[:1]), by=lists.admin)
    again = award_list_confirm(award_list=upload(lists, EXACT_ROWS[:1]), by=lists.admin)
    assert (again.awarded_count, again.already_count) == (0, 1)
    assert len(awards(lists)) == 1


def test_a_refused_row_refuses_the_whole_confirmation(lists: Lists) -> None:
    # 陈晓东 already had the general grant at this station: once per station, refused by default.
    project_record(
        holder=lists.chen,
        project_no="2024M700001",
        title="第68批面上资助",
        awarded_on=dt.date(2024, 12, 1),
        programme_ref=lists.programme,
        batch="第68批",
        grade="二等",
        by=lists.admin,
    )
    award_list = upload(lists, EXACT_ROWS)
    before = (Project.objects.count(), AuditEvent.objects.filter(event__startswith="project.").count())
    with pytest.raises(ConfirmRefused) as caught:
        award_list_confirm(award_list=award_list, by=lists.admin)
    (sentence,) = caught.value.sentences
    assert sentence.startswith("Row 3 (陈晓东):") and "once per station" in sentence
    assert (Project.objects.count(), AuditEvent.objects.filter(event__startswith="project.").count()) == before
    award_list.refresh_from_db()
    assert award_list.status == AwardList.Status.CHECKED
    assert not award_list.rows.filter(project__isnull=False).exists()


def test_a_rule_that_warns_needs_an_acknowledgement(lists: Lists) -> None:
    funding_rules_save(institution=lists.world.institution, once_per_station="warn", by=lists.admin)
    project_record(
        holder=lists.chen,
        project_no="2024M700001",
        title="第68批面上资助",
        awarded_on=dt.date(2024, 12, 1),
        programme_ref=lists.programme,
        batch="第68批",
        by=lists.admin,
    )
    award_list = upload(lists, EXACT_ROWS)
    check = award_list_check(award_list=award_list, by=lists.admin)
    assert check.ok and len(check.awarded) == 3
    assert [note.row.name for note in check.warnings] == ["陈晓东"]
    with pytest.raises(ConfirmRefused):
        award_list_confirm(award_list=award_list, by=lists.admin)
    assert Project.objects.filter(batch="第69批").count() == 0
    award_list_confirm(award_list=award_list, by=lists.admin, acknowledged=True)
    assert Project.objects.filter(batch="第69批").count() == 3


def test_uncertain_rows_are_decided_before_confirming(lists: Lists) -> None:
    rows = [row(1, "陳曉東", "", "710"), row(2, "张三", "BH-CXD-01", "1002", "二等")]
    award_list = upload(lists, rows)
    chen_row, zhang_row = award_list.rows.order_by("number")
    assert chen_row.outcome == zhang_row.outcome == AwardListRow.Outcome.UNCERTAIN
    assert zhang_row.candidates == [lists.chen.pk, lists.zhang.pk]
    with pytest.raises(ConfirmRefused) as caught:
        award_list_confirm(award_list=award_list, by=lists.admin)
    assert "陳曉東" in caught.value.sentences[0]
    with pytest.raises(DomainError):  # not a candidate of the row
        award_list_row_choose(row=chen_row, appointment=lists.wang, by=lists.admin)
    award_list_row_choose(row=chen_row, appointment=lists.chen, by=lists.admin)
    with pytest.raises(DomainError):  # already the postdoc of the first row
        award_list_row_choose(row=zhang_row, appointment=lists.chen, by=lists.admin)
    award_list_row_choose(row=zhang_row, appointment=None, by=lists.admin)
    award_list_confirm(award_list=award_list, by=lists.admin)
    (project,) = awards(lists)
    assert project.holder_id == lists.chen.pk


def test_unmatched_rows_award_nothing(lists: Lists) -> None:
    award_list = award_list_confirm(award_list=upload(lists, [row(1, "林黛玉", "", "0710")]), by=lists.admin)
    assert (award_list.unmatched_count, award_list.awarded_count) == (1, 0)
    assert awards(lists) == []


def test_a_discarded_list_is_closed(lists: Lists) -> None:
    award_list = award_list_discard(award_list=upload(lists, EXACT_ROWS), by=lists.admin)
    assert award_list.status == AwardList.Status.DISCARDED
    with pytest.raises(DomainError):
        award_list_confirm(award_list=award_list, by=lists.admin)
    assert awards(lists) == []


def test_only_an_office_administrator_uploads_or_confirms(lists: Lists) -> None:
    world = lists.world
    for user in (world.secretary, world.leadership, world.outsider):
        with pytest.raises(DomainError):
            upload(lists, EXACT_ROWS, by=user)
    award_list = upload(lists, EXACT_ROWS)
    with pytest.raises(DomainError):
        award_list_confirm(award_list=award_list, by=world.outsider)


# ---- amounts and numbers --------------------------------------------------------------------


def test_amounts_by_grade_year_and_field(lists: Lists) -> None:
    amounts = list(lists.programme.amounts.all())
    assert amount_for(amounts, grade="一等", year=2021, field="natural").value == Decimal("120000")
    assert amount_for(amounts, grade="一等", year=2021, field="social").value == Decimal("80000")
    assert amount_for(amounts, grade="二等", year=2016, field="natural").value == Decimal("50000")
    disputed = amount_for(amounts, grade="一等", year=2010, field="natural")
    assert disputed.value is None and disputed.disputed == (Decimal("50000"), Decimal("80000"))
    assert amount_for(amounts, grade="一等", year=2005, field="natural").value is None


def test_disciplines_are_natural_or_social() -> None:
    assert [field_of(code) for code in ("0710", "1002", "0202", "1204", "1201", "")] == [
        GradeAmount.Field.NATURAL,
        GradeAmount.Field.NATURAL,
        GradeAmount.Field.SOCIAL,
        GradeAmount.Field.SOCIAL,
        GradeAmount.Field.NATURAL,
        "",
    ]


def test_project_numbers_are_stable_and_short(lists: Lists) -> None:
    assert project_number(lists.programme, "第69批", "BH1") == project_number(lists.programme, " 69 ", "BH1")
    assert project_number(lists.programme, "第69批", "BH1") != project_number(lists.programme, "第70批", "BH1")
    long = project_number(lists.programme, "2023年第一批（补充）", "X" * 30)
    assert len(long) <= 50 and long.startswith("BL-")
    assert long == project_number(lists.programme, "2023年第一批（补充）", "X" * 30)
