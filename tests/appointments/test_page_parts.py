"""What the apps above appointments and people register for their pages and rules (issue 14): the
postdoc page's cards in order, a supervisor's postdocs, the due items' commitments, the outputs'
phases, the postdoc list export's sheets and the stays that decide who sees a person."""

from appointments import due, export, reactions
from appointments.access import visible_appointments
from core import page_parts
from funding.export import postdoc_list_projects
from funding.selectors import appointment_extension_commitments, live_extension_commitments
from outputs.phases import rephase
from people import access as people_access


def test_the_postdoc_page_shows_the_projects_card_then_the_outputs_card():
    parts = page_parts.parts_of("postdoc")
    assert [(part.name, part.template) for part in parts] == [
        ("projects", "funding/card.html"),
        ("outputs", "outputs/card.html"),
    ]


def test_a_supervisors_page_shows_their_postdocs_from_appointments():
    assert [part.name for part in page_parts.parts_of("supervisor")] == ["postdocs"]


def test_funding_gives_the_due_items_their_extension_commitments():
    assert due.CommitmentSource(appointment_extension_commitments, live_extension_commitments) in (
        due.commitment_sources
    )


def test_outputs_rephase_when_a_stays_dates_change():
    assert rephase in reactions._on_dates_changed


def test_the_postdoc_list_export_carries_the_projects_sheet():
    assert export._list_sheets == [postdoc_list_projects]


def test_who_sees_a_person_follows_the_appointments_they_see():
    assert people_access._stay_scope().seen is visible_appointments
