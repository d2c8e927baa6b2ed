"""Pages of a signed-in person and API answers hold personal data: no browser or proxy stores them
(issue 13, hardened defaults). A response that says its own caching keeps it."""

import pytest
from django.http import HttpResponse
from django.test.client import Client
from django.urls import reverse

from api.services import token_create
from core.middleware import PrivateResponsesMiddleware
from tests.clients import PERSONAS, ApiClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_personas_pages_are_never_stored(signed_in, world, persona):
    response = signed_in(persona).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_personas_api_answers_are_never_stored(world, persona):
    user = world.personas()[persona]
    _, key = token_create(user=user, name="cache test", by=user)
    response = ApiClient(Client(), key).get("/appointments")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_api_refusal_is_never_stored_either(client):
    response = client.get("/api/v1/appointments")
    assert response.status_code == 401 and "no-store" in response["Cache-Control"]


def test_a_response_that_says_its_own_caching_keeps_it(rf, world):
    request = rf.get("/somewhere/")
    request.user = world.admin
    own = HttpResponse("static", headers={"Cache-Control": "public, max-age=31536000, immutable"})
    assert PrivateResponsesMiddleware(lambda request: own)(request)["Cache-Control"] == (
        "public, max-age=31536000, immutable"
    )
    plain = PrivateResponsesMiddleware(lambda request: HttpResponse("page"))(request)
    assert "no-store" in plain["Cache-Control"]
