"""The timeline names people and records, never internal ids or Python structures; experts only
for a reader who may see the panel."""

import re
from collections.abc import Callable

from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.services import appointment_correct
from audit.timeline import timeline
from catalogue.services import unit_save
from people.services import supervisor_move
from reviews.models import Expert
from stations.services import station_update
from tests.factories import World, make_supervisor
from tests.reviews.builders import review_at

IDS = re.compile(r"#\d+|\{|\}|\[|\]|'")  # "#12", a dict's braces, a list's brackets, a repr's quotes


def _told(entries: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [f"{change['label']}: {change['before']} → {change['after']}" for e in entries for change in e["changes"]]


def test_a_changed_managing_unit_is_told_by_the_units_names(world: World) -> None:
    old_unit = world.station.unit
    new_unit = unit_save(institution=world.institution, code="C-NEW", name_zh="新学院", kind="college", by=world.admin)
    station_update(station=world.station, name_zh=world.station.name_zh, unit=new_unit, by=world.admin)
    told = _told(timeline(world.station))
    assert f"Managing unit: {old_unit.name} → 新学院" in told
    assert not any(IDS.search(line) for line in told), told


def test_a_moved_supervisor_is_told_by_the_stations_names(world: World) -> None:
    supervisor = make_supervisor(world.station, world.admin, name="孙导师")
    supervisor_move(
        supervisor=supervisor, station=world.other_station, unit=supervisor.unit, note="调整", by=world.admin
    )
    entry = timeline(supervisor)[0]
    changes = {str(change["label"]): (change["before"], change["after"]) for change in entry["changes"]}
    assert changes["Station"] == (world.station.name, world.other_station.name)


def test_a_changed_supervisor_on_the_postdoc_page_is_told_by_name(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    other = make_supervisor(world.station, world.admin, name="钱导师")
    appointment_correct(appointment=world.appointment, primary_supervisor=other, note="更换导师", by=world.admin)
    response = signed_in("admin").get(reverse("postdoc-detail", kwargs={"pk": world.appointment.pk}))
    entry = response.context["timeline"][0]
    told = _told([entry])
    assert any("李导师" in line and "钱导师" in line for line in told), told
    assert not any(IDS.search(line) for line in told), told
    # Who did it: the account, by its owner's name when it has one.
    assert entry["who"] == (world.admin.get_full_name() or world.admin.get_username())


def test_names_take_one_query_per_kind_of_record_however_many_events(world: World) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            timeline(world.station)
        return len(captured)

    unit = unit_save(institution=world.institution, code="C-A", name_zh="甲学院", kind="college", by=world.admin)
    station_update(station=world.station, name_zh=world.station.name_zh, unit=unit, by=world.admin)
    once = queries()
    for code, name in (("C-B", "乙学院"), ("C-C", "丙学院"), ("C-D", "丁学院")):
        unit = unit_save(institution=world.institution, code=code, name_zh=name, kind="college", by=world.admin)
        station_update(station=world.station, name_zh=world.station.name_zh, unit=unit, by=world.admin)
    assert queries() == once


def test_a_draw_names_its_experts_only_for_a_reader_who_sees_the_panel(world: World) -> None:
    review = review_at(world.appointment, "open", world.admin)
    assert review is not None
    names = set(review.members.values_list("expert__name", flat=True))
    hidden = _told(timeline(review))
    assert not any(name in line for line in hidden for name in names), hidden
    assert any("3 experts" in line for line in hidden), hidden
    assert not any(IDS.search(line) for line in hidden), hidden
    shown = _told(timeline(review, names_experts=True))
    drawn = next(line for line in shown if line.startswith("Experts drawn"))
    assert all(name in drawn for name in names), drawn
    assert not any(IDS.search(line) for line in shown), shown
    assert Expert.objects.filter(name__in=names).count() == 3


def test_scores_and_a_forms_criteria_read_as_words(world: World) -> None:
    review = review_at(world.appointment, "scored", world.admin)
    assert review is not None
    told = _told(timeline(review, names_experts=True))
    scores = [line for line in told if line.startswith("Scores by criterion")]
    assert scores and all("进展" in line or "Progress" in line for line in scores), scores
    assert not any(IDS.search(line) for line in told), told
    form_told = _told(timeline(review.form))
    assert not any(IDS.search(line) for line in form_told), form_told
