"""The institution's sign-in log: office administrators see their own institution's sign-in events,
with address and browser; every other role is refused, page and partial alike."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.clients import PERSONAS

HTMX = {"HX-Request": "true"}
ANSWERS = {"admin": 200, "outsider": 200, "secretary": 403, "supervisor": 403, "postdoc": 403, "leadership": 403}


def failed_sign_in(username: str, address: str) -> None:
    Client().post(reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_only_office_administrators_see_the_log(signed_in, persona, headers):
    assert signed_in(persona).get(reverse("user-sign-ins"), headers=headers).status_code == ANSWERS[persona]


def test_the_log_lists_the_institutions_sign_ins_and_failures_with_their_address(signed_in, world):
    failed_sign_in("secretary", "203.0.113.7")
    failed_sign_in("nobody-has-this-name", "203.0.113.8")
    client = signed_in("admin")
    page = client.get(reverse("user-sign-ins")).content.decode()
    assert "203.0.113.7" in page and "Sign-in failed" in page
    assert reverse("user-detail", args=[world.secretary.pk]) in page
    # A name nobody has belongs to no institution: kept in the trail, listed nowhere.
    assert "nobody-has-this-name" not in page and "203.0.113.8" not in page
    # Another institution's administrator sees none of it.
    outsider = signed_in("outsider").get(reverse("user-sign-ins")).content.decode()
    assert "203.0.113.7" not in outsider


def test_the_log_filters_by_what_and_by_name(signed_in, world):
    failed_sign_in("secretary", "203.0.113.7")
    client = signed_in("admin")
    failures = client.get(reverse("user-sign-ins"), {"event": "user.sign_in_failed"}).context["page_obj"]
    assert [event.event for event in failures] == ["user.sign_in_failed"]
    named = client.get(reverse("user-sign-ins"), {"q": "secretary"}, headers=HTMX).context["page_obj"]
    assert {event.target_label for event in named} == {"secretary"}


def test_a_failed_sign_in_stands_out_as_a_warning(signed_in, world):
    failed_sign_in("secretary", "203.0.113.7")
    page = signed_in("admin").get(reverse("user-sign-ins")).content.decode()
    assert '<span class="badge badge--danger">Sign-in failed</span>' in page
