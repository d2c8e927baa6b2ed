"""Who gets which answer on every page, partial and step: outside the scope is always 404."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.clients import PERSONAS

HTMX = {"HX-Request": "true"}

STEPS = ["enter", "assess", "phd-certificate", "extend", "exit", "withdraw", "transfer"]


@pytest.mark.parametrize("url_name", ["dashboard", "station-list", "postdoc-list", "postdoc-new", "admin:index"])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_anonymous_visitors_cannot_post_a_step(client, world):
    url = reverse("postdoc-exit", kwargs={"pk": world.appointment.pk})
    response = client.post(url, {"on": "2025-12-01", "confirm": "on"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 200), ("supervisor", 200), ("postdoc", 200), ("leadership", 200), ("outsider", 200)],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_dashboard_answers_each_persona(signed_in, persona, expected, headers):
    assert signed_in(persona).get(reverse("dashboard"), headers=headers).status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_station_and_postdoc_lists_answer_every_signed_in_persona(signed_in, persona, headers):
    client = signed_in(persona)
    assert client.get(reverse("station-list"), headers=headers).status_code == 200
    assert client.get(reverse("postdoc-list"), headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("persona", "own_station", "other_station"),
    [
        ("admin", 200, 200),
        ("secretary", 200, 404),
        ("supervisor", 200, 404),
        ("postdoc", 200, 404),
        ("leadership", 200, 200),
        ("outsider", 404, 404),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_station_page_is_404_outside_the_scope(signed_in, world, persona, own_station, other_station, headers):
    client = signed_in(persona)
    assert client.get(reverse("station-detail", args=[world.station.pk]), headers=headers).status_code == own_station
    other = client.get(reverse("station-detail", args=[world.other_station.pk]), headers=headers)
    assert other.status_code == other_station


@pytest.mark.parametrize(
    ("persona", "own", "other"),
    [
        ("admin", 200, 200),
        ("secretary", 200, 404),
        ("supervisor", 200, 404),
        ("postdoc", 200, 404),
        ("leadership", 200, 200),
        ("outsider", 404, 404),
    ],
)
def test_postdoc_page_is_404_outside_the_scope(signed_in, world, persona, own, other):
    client = signed_in(persona)
    assert client.get(reverse("postdoc-detail", args=[world.appointment.pk])).status_code == own
    assert client.get(reverse("postdoc-detail", args=[world.other_appointment.pk])).status_code == other


def test_an_unknown_postdoc_is_404(signed_in):
    assert signed_in("admin").get(reverse("postdoc-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("secretary", 200),
        ("supervisor", 403),
        ("postdoc", 403),
        ("leadership", 403),
        ("outsider", 404),
    ],
)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_step_forms_open_only_for_those_who_manage_the_appointment(signed_in, world, persona, expected, step, headers):
    url = reverse(f"postdoc-{step}", kwargs={"pk": world.appointment.pk})
    assert signed_in(persona).get(url, headers=headers).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("secretary", 404),
        ("supervisor", 404),
        ("postdoc", 404),
        ("leadership", 403),
        ("outsider", 404),
    ],
)
def test_step_forms_of_another_station_are_404_for_its_outsiders(signed_in, world, persona, expected):
    url = reverse("postdoc-exit", kwargs={"pk": world.other_appointment.pk})
    assert signed_in(persona).get(url).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("secretary", 200),
        ("supervisor", 403),
        ("postdoc", 403),
        ("leadership", 403),
        ("outsider", 404),
    ],
)
@pytest.mark.parametrize("step", STEPS)
def test_step_posts_are_refused_to_those_who_do_not_manage_the_appointment(signed_in, world, persona, expected, step):
    url = reverse(f"postdoc-{step}", kwargs={"pk": world.appointment.pk})
    # An empty form: allowed users get the form back with its errors, nothing is written.
    response = signed_in(persona).post(url, {})
    assert response.status_code == expected
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION


@pytest.mark.parametrize("step", STEPS)
def test_steps_answer_get_and_post_only(signed_in, world, step):
    url = reverse(f"postdoc-{step}", kwargs={"pk": world.appointment.pk})
    assert signed_in("admin").put(url).status_code == 405


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("secretary", 200),
        ("supervisor", 403),
        ("postdoc", 403),
        ("leadership", 403),
        ("outsider", 200),  # an administrator of another institution admits to its own stations
    ],
)
def test_new_postdoc_form_is_for_those_who_manage_a_station(signed_in, persona, expected):
    assert signed_in(persona).get(reverse("postdoc-new")).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("secretary", 403),
        ("supervisor", 403),
        ("postdoc", 403),
        ("leadership", 403),
        ("outsider", 404),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_full_id_is_shown_only_to_those_allowed(signed_in, world, persona, expected, headers):
    url = reverse("postdoc-reveal-id", kwargs={"pk": world.appointment.pk})
    response = signed_in(persona).post(url, headers=headers)
    assert response.status_code == expected
    if expected == 200:
        assert world.appointment.person.id_number in response.content.decode()
    else:
        assert world.appointment.person.id_number not in response.content.decode()


def test_revealing_an_id_needs_a_post(signed_in, world):
    url = reverse("postdoc-reveal-id", kwargs={"pk": world.appointment.pk})
    assert signed_in("admin").get(url).status_code == 405


def test_a_superuser_without_an_institution_sees_empty_pages_not_errors(client, world):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw-root-123"))
    assert client.get(reverse("dashboard")).context["figures"]["in_station"] == 0
    assert list(client.get(reverse("postdoc-list")).context["page_obj"]) == []
    assert client.get(reverse("postdoc-new")).status_code == 403
    assert client.get(reverse("postdoc-detail", args=[world.appointment.pk])).status_code == 404


def test_not_found_and_forbidden_pages_are_the_office_s_own(signed_in, world, settings):
    settings.DEBUG = False
    client = signed_in("supervisor")
    missing = client.get(reverse("postdoc-detail", args=[world.other_appointment.pk]))
    assert missing.status_code == 404 and "not yours to see" in missing.content.decode()
    refused = client.get(reverse("postdoc-exit", kwargs={"pk": world.appointment.pk}))
    assert refused.status_code == 403 and "Your role does not allow this." in refused.content.decode()
