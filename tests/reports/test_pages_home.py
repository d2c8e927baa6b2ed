"""Every home page starts with what that person has to do; the overdue count counts every kind of
overdue item; "API tokens" is in the menu only for the roles that use it or holders of a token."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test.client import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from appointments.models import Appointment
from appointments.rules import policy_for
from appointments.selectors import due_conditions, due_counts, due_items, filter_due, overdue_conditions
from reviews.models import Expert
from tests.clients import PERSONAS
from tests.factories import World, make_appointment, make_person
from tests.reviews.builders import ensure_rules, review_at

URL = reverse("dashboard")


def _set_dates(appointment: Appointment, **dates: object) -> Appointment:
    """Test setup: the dates due items are computed from, around today (the services keep to the
    rules of a real stay). Unless given: entered 100 days ago, two years planned, each step done."""
    today = timezone.localdate()
    entry = dates.get("entry_date", today - dt.timedelta(days=100))
    assert isinstance(entry, dt.date)
    done = entry + dt.timedelta(days=1)
    baseline = {
        "entry_date": entry,
        "planned_exit_date": entry + dt.timedelta(days=730),
        "proposal_passed_on": done,
        "phd_certificate_on": done,
        "midterm_passed_on": done,
        "exit_assessed_on": None,
    }
    Appointment.objects.filter(pk=appointment.pk).update(**{**baseline, **dates})
    appointment.refresh_from_db()
    return appointment


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_a_home_page(signed_in: Callable[[str], Client], persona: str) -> None:
    response = signed_in(persona).get(URL)
    assert response.status_code == 200
    assert 'id="todo"' in response.content.decode()


def test_a_postdoc_sees_their_own_due_items_with_what_to_do(world: World, signed_in: Callable[[str], Client]) -> None:
    today = timezone.localdate()
    _set_dates(world.appointment, entry_date=today - dt.timedelta(days=200), proposal_passed_on=None)
    response = signed_in("postdoc").get(URL)
    assert response.status_code == 200  # no longer a redirect to their page
    page = response.content.decode()
    assert "What you have to do" in page
    rows = response.context["todo"].rows
    assert {row["appointment"].pk for row in rows} == {world.appointment.pk}
    proposal = next(row for row in rows if row["item"].key == "proposal")
    assert proposal["item"].state == "overdue"
    assert "research proposal" in str(proposal["action"]["text"])
    assert proposal["action"]["url"] == reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})
    # A postdoc reads no institution figures and no other postdoc.
    assert "figures" not in response.context
    assert world.other_appointment.postdoc_no not in page


def test_a_secretary_sees_their_stations_due_items_with_a_link_to_the_step(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    for appointment in (world.appointment, world.other_appointment):
        _set_dates(appointment, entry_date=today - dt.timedelta(days=200), proposal_passed_on=None)
    response = signed_in("secretary").get(URL)
    rows = response.context["todo"].rows
    assert {row["appointment"].pk for row in rows} == {world.appointment.pk}  # not the other station's
    proposal = next(row for row in rows if row["item"].key == "proposal")
    assert proposal["action"]["url"] == reverse("postdoc-assess", kwargs={"pk": world.appointment.pk})
    assert "Due items of your postdocs" in response.content.decode()


def test_a_supervisor_sees_their_postdocs_due_items_and_the_reviews_to_score(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    _set_dates(world.appointment, entry_date=today - dt.timedelta(days=200), proposal_passed_on=None)
    _set_dates(world.other_appointment, entry_date=today - dt.timedelta(days=200), proposal_passed_on=None)
    ensure_rules(world.other_appointment, world.admin)
    expert = Expert.objects.filter(institution=world.institution).order_by("pk").first()
    assert expert is not None
    Expert.objects.filter(pk=expert.pk).update(user=world.supervisor_user)  # the supervisor sits in the pool
    review = review_at(world.other_appointment, "open", world.admin)
    assert review is not None
    response = signed_in("supervisor").get(URL)
    todo = response.context["todo"]
    assert {row["appointment"].pk for row in todo.rows} == {world.appointment.pk}  # their own postdoc only
    assert [row["review"].pk for row in todo.scoring] == [review.pk]
    page = response.content.decode()
    assert "Reviews waiting for your scores" in page
    member = review.members.get(expert=expert)
    assert reverse("reviews:assignment", args=[member.pk]) in page


def test_office_administrators_and_leadership_read_the_counts_not_a_list(
    world: World, signed_in: Callable[[str], Client]
) -> None:
    for persona in ("admin", "leadership"):
        response = signed_in(persona).get(URL)
        assert response.context["todo"].rows == []
        assert response.context["due"][0]["key"] == "overdue"


# ---- one definition of "overdue" -------------------------------------------------------------


def test_an_overdue_exit_application_counts_as_overdue(world: World) -> None:
    today = timezone.localdate()
    policy = policy_for(world.institution.pk)
    # Everything done but the exit application: the planned exit is within the lead time.
    _set_dates(
        world.appointment,
        entry_date=today - dt.timedelta(days=600),
        proposal_passed_on=today - dt.timedelta(days=500),
        phd_certificate_on=today - dt.timedelta(days=500),
        midterm_passed_on=today - dt.timedelta(days=200),
        planned_exit_date=today + dt.timedelta(days=20),
        exit_assessed_on=None,
    )
    items = {item.key: item.state for item in due_items(world.appointment, policy, today)}
    assert items["exit_application"] == "overdue"
    mine = Appointment.objects.filter(pk=world.appointment.pk)
    assert due_counts(mine, policy, today)["overdue"] == 1
    assert list(filter_due(mine, "overdue", policy, today)) == [world.appointment]


def test_the_overdue_count_agrees_with_every_due_items_state(world: World) -> None:
    """The count's conditions and `due_items` tell the same story for every kind of item."""
    today = timezone.localdate()
    policy = policy_for(world.institution.pk)
    cases = [
        {},  # as made: nothing overdue
        {"entry_date": today - dt.timedelta(days=200), "proposal_passed_on": None},
        {"entry_date": today - dt.timedelta(days=400), "phd_certificate_on": None},
        {"entry_date": today - dt.timedelta(days=500), "midterm_passed_on": None},
        {"planned_exit_date": today + dt.timedelta(days=40), "exit_assessed_on": None},
        {"planned_exit_date": today - dt.timedelta(days=3)},
    ]
    kinds = {item.key for item in due_items(world.appointment, policy, today)}
    assert kinds <= set(overdue_conditions(policy, today))  # every kind the page tells has a condition
    for dates in cases:
        person = make_person(world.institution, world.admin)
        appointment = make_appointment(world.station, world.supervisor, world.admin, person=person)
        _set_dates(appointment, **dates)
        overdue = any(item.state == "overdue" for item in due_items(appointment, policy, today))
        counted = Appointment.objects.filter(pk=appointment.pk).filter(due_conditions(policy, today)["overdue"])
        assert counted.exists() == overdue, dates


# ---- the API tokens menu rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("admin", True),
        ("secretary", True),
        ("supervisor", True),
        ("postdoc", False),
        ("leadership", False),
        ("outsider", True),
    ],
)
def test_api_tokens_are_in_the_menu_for_the_roles_that_use_them(
    signed_in: Callable[[str], Client], persona: str, shown: bool
) -> None:
    page = signed_in(persona).get(URL).content.decode()
    assert (reverse("api-tokens") in page) is shown


@pytest.mark.parametrize("persona", ["postdoc", "leadership"])
def test_api_tokens_are_in_the_menu_of_anyone_who_holds_one(
    world: World, signed_in: Callable[[str], Client], persona: str
) -> None:
    user = world.personas()[persona]
    token = ApiToken.objects.create(user=user, name="script", key_prefix="abcd1234", key_hash="0" * 64)
    assert reverse("api-tokens") in signed_in(persona).get(URL).content.decode()
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert reverse("api-tokens") not in signed_in(persona).get(URL).content.decode()
