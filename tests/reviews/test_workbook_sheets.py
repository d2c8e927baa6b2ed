"""The review engine's records in the whole-institution workbook: station applications, station
evaluations and reviews are exported after the exchange sheets, within the user's scope; reviewers'
names and scores only for a user who sees the panel; an import reads none of them (decision 0012)."""

import datetime as dt
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from establishment.evaluation_services import evaluation_create
from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from exchange.layout import EXPORT_ONLY_SHEETS
from reviews import services
from reviews.models import Expert, Review
from reviews.services import expert_save
from stations.models import Evaluation
from tests.establishment.conftest import make_setup
from tests.factories import World
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world: World, midterm: Review) -> Review:
    services.panel_draw(review=midterm, seed=4, by=world.admin)
    services.review_open(review=midterm, by=world.admin)
    criteria = list(midterm.form.criteria.all())
    for member in midterm.members.all():
        values = {c.pk: c.scale_max - 1 for c in criteria}
        services.scores_submit(
            member=member, values=values, overall="good", comments="", by=services.ExpertActor(member)
        )
    return midterm


@pytest.fixture
def evaluation(world: World) -> Evaluation:
    return evaluation_create(
        station=world.station,
        cycle=2025,
        kind=Evaluation.Kind.COMPREHENSIVE,
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2025, 12, 31),
        by=world.admin,
    )


def exported(world: World, user: Any, tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    """The user's workbook as {sheet: [row as {column: value}]} (a read row stops at its last value)."""
    path = tmp_path / f"{user.username}.xlsx"
    export_workbook(path=path, institution=world.institution, user=user)
    workbook = load_workbook(path, read_only=True)
    sheets = {}
    for worksheet in workbook.worksheets:
        rows = list(worksheet.iter_rows(values_only=True))
        sheets[worksheet.title] = [dict(zip_longest(rows[0], row)) for row in rows[1:]]
    workbook.close()
    return sheets


def test_an_administrator_s_workbook_ends_with_applications_evaluations_and_reviews(
    world: World, scored: Review, evaluation: Evaluation, tmp_path: Path
) -> None:
    setup = make_setup(world)
    sheets = exported(world, world.admin, tmp_path)
    assert list(sheets)[-3:] == list(EXPORT_ONLY_SHEETS)

    [application] = sheets["Applications"]
    assert application["discipline_code"] == setup.discipline.code
    assert application["round_year"] == setup.round.year
    assert application["applicants"] == ";".join(sorted(s.staff_no for s in setup.applicants))
    assert application["status"] == "draft"

    [row] = sheets["Evaluations"]
    assert (row["station_code"], row["cycle"], row["kind"]) == (world.station.code, 2025, "comprehensive")

    [review] = sheets["Reviews"]
    assert (review["id"], review["postdoc_no"], review["status"]) == (scored.pk, world.appointment.postdoc_no, "open")
    names = [m.expert.name for m in scored.members.select_related("expert")]
    assert all(name in review["reviewers"] for name in names)
    assert review["submitted"] == len(names) and review["mean"] is not None


def test_a_conflicted_administrator_s_workbook_has_the_review_but_no_names_or_scores(
    world: World, scored: Review, pool: Pool, tmp_path: Path
) -> None:
    expert_save(institution=world.institution, by=world.admin, expert=pool.same_unit, user=world.admin)
    sheets = exported(world, world.admin, tmp_path)
    [review] = sheets["Reviews"]
    assert review["id"] == scored.pk
    assert not {"reviewers", "mean", "median", "submitted", "suggested"} & set(review)
    names = {m.expert.name for m in scored.members.select_related("expert")}
    assert not names & {str(value) for value in review.values()}


def test_a_secretary_s_workbook_has_the_station_s_records_only(
    world: World, scored: Review, evaluation: Evaluation, tmp_path: Path
) -> None:
    make_setup(world)
    evaluation_create(
        station=world.other_station, cycle=2025, kind=Evaluation.Kind.COMPREHENSIVE, period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2025, 12, 31), by=world.admin,
    )  # fmt: skip
    sheets = exported(world, world.secretary, tmp_path)
    assert "Applications" not in sheets and "Experts" not in sheets  # the whole institution's records
    assert [row["station_code"] for row in sheets["Evaluations"]] == [world.station.code]
    [review] = sheets["Reviews"]
    assert review["id"] == scored.pk and review["reviewers"]  # the secretary runs the station's reviews


def test_an_import_of_the_workbook_reads_none_of_the_review_sheets_and_says_so(
    world: World, scored: Review, evaluation: Evaluation, tmp_path: Path
) -> None:
    make_setup(world)
    for i, expert in enumerate(Expert.objects.filter(institution=world.institution).order_by("pk")):
        expert_save(
            institution=world.institution, by=world.admin, expert=expert, code=f"E{i:03}"
        )  # the import asks for one
    path = tmp_path / "all.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert report.ok, [str(p) for p in report.problems]
    for name in EXPORT_ONLY_SHEETS:
        assert name not in report.counts
        assert any(name in warning and "does not read it" in warning for warning in report.warnings)
    assert all(counts["new"] == counts["changed"] == 0 for counts in report.counts.values())
