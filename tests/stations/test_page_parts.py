"""The station pages' parts come from the apps above stations (core.page_parts), in the page's order."""

from core import page_parts


def test_the_station_page_tabs_are_registered_by_the_apps_above_it_in_order():
    parts = page_parts.parts_of("station")
    assert [part.name for part in parts] == ["supervisors", "postdocs", "funding", "evaluations"]
    assert [str(part.label) for part in parts] == ["Supervisors", "Postdocs", "Projects and outputs", "Evaluations"]
    assert [part.template for part in parts] == [f"stations/_tab_{part.name}.html" for part in parts]
    assert page_parts.part_of("station", "postdocs").partial == "postdocs"


def test_the_overview_counts_and_the_revocation_confirmation_are_registered_parts():
    assert [part.name for part in page_parts.parts_of("station-overview")] == ["in_station", "supervisor_count"]
    assert [part.name for part in page_parts.parts_of("station-revocation")] == ["staying"]
