"""The review engine through the API: panels and scores never reach a caller with a conflict."""

import json

import pytest

from reviews import services
from reviews.models import Review
from tests.clients import ApiClient
from tests.factories import World
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(world: World, midterm: Review) -> Review:
    services.panel_draw(review=midterm, seed=4, by=world.admin)
    return services.review_open(review=midterm, by=world.admin)


def _text(response) -> str:  # type: ignore[no-untyped-def]
    """The answer as readable text (the JSON escapes Chinese names, which a plain search would miss)."""
    return json.dumps(response.json(), ensure_ascii=False)


def _names(review: Review) -> list[str]:
    return [m.expert.name for m in review.members.select_related("expert")]


def test_overseers_see_the_panel_and_the_conflicted_do_not(api_as, world: World, opened: Review) -> None:  # type: ignore[no-untyped-def]
    for persona, sees in {
        "admin": True,
        "leadership": True,
        "secretary": True,
        "supervisor": False,
        "postdoc": False,
    }.items():
        api: ApiClient = api_as(persona)
        response = api.get(f"/reviews/{opened.pk}")
        assert response.status_code == 200
        body = response.json()
        assert (body["panel"] is not None) == sees, persona
        assert (body["outcome"] is not None) == sees, persona
        assert any(name in _text(response) for name in _names(opened)) == sees, persona


def test_a_conflicted_administrator_gets_no_names_or_scores(api_as, world: World, opened: Review, pool: Pool) -> None:  # type: ignore[no-untyped-def]
    services.expert_save(institution=world.institution, by=world.admin, expert=pool.same_unit, user=world.admin)
    api: ApiClient = api_as("admin")
    body = api.get(f"/reviews/{opened.pk}").json()
    assert body["panel"] is None and body["outcome"] is None
    text = json.dumps(body, ensure_ascii=False)
    assert not [name for name in _names(opened) if name in text]
    listing = _text(api.get("/reviews"))
    assert not [name for name in _names(opened) if name in listing]


def test_the_api_runs_a_review_to_its_decision(api_as, world: World, pool: Pool) -> None:  # type: ignore[no-untyped-def]
    api: ApiClient = api_as("admin")
    created = api.post(f"/appointments/{world.appointment.pk}/reviews", {"kind": "midterm", "deadline": "2099-01-31"})
    assert created.status_code == 201, created.json()
    review_id = created.json()["id"]
    drawn = api.post(f"/reviews/{review_id}/draw", {"seed": 42})
    assert drawn.status_code == 200 and len(drawn.json()["panel"]) == 5
    assert api.post(f"/reviews/{review_id}/open", {}).json()["status"] == "open"
    refused = api.post(f"/reviews/{review_id}/close", {"note": ""})
    assert refused.status_code == 400 and refused.json()["message"] == "No expert has scored yet."
