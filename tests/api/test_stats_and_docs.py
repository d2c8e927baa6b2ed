import json
import re
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test.client import Client

from tests.clients import PERSONAS


@pytest.mark.parametrize("persona", ["admin", "leadership"])
def test_stats_equal_the_commands_json(api_as, world, persona):
    response = api_as(persona).get("/stats", as_of="2025-06-30", years=3)
    assert response.status_code == 200
    out = StringIO()
    user = world.personas()[persona]
    call_command(
        "stats", "--as-of", "2025-06-30", "--years", "3", "--format", "json", "--as-user", user.username, stdout=out
    )
    assert response.json() == json.loads(out.getvalue())
    assert response.json()["recruited"] == 2


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc"])
def test_stats_need_the_institution_permission(api_as, world, persona):
    assert api_as(persona).get("/stats").status_code == 403


def test_stats_refuse_bad_parameters(api_as, world):
    api = api_as("admin")
    assert api.get("/stats", as_of="yesterday").status_code == 422
    assert api.get("/stats", years=0).status_code == 422
    # Year 1 left no room for the window of years before it (a 500); 0 was read as 1970-01-01.
    assert api.get("/stats", as_of="0001-01-01").status_code == 422
    assert api.get("/stats", as_of="0").status_code == 422
    assert api.get("/stats", as_of="1900-01-01", years=50).status_code == 200
    assert api.get("/stats").status_code == 200


def test_the_openapi_document_lists_the_paths(client: Client, world):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Postdoc Office API"
    assert document["info"]["version"] == "1"
    paths = {path.removeprefix("/api/v1") for path in document["paths"]}
    for expected in [
        "/disciplines",
        "/units",
        "/doctoral-rights",
        "/stations",
        "/supervisors",
        "/appointments",
        "/appointments/{appointment_id}",
        "/appointments/{appointment_id}/assessments",
        "/appointments/{appointment_id}/events",
        "/appointments/{appointment_id}/extend",
        "/appointments/{appointment_id}/exit",
        "/appointments/{appointment_id}/withdraw",
        "/appointments/{appointment_id}/transfer",
        "/projects",
        "/stats",
    ]:
        assert expected in paths, expected
    assert document["components"]["securitySchemes"]


def test_the_docs_load_only_local_static_assets(client: Client, world):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert "cdn" not in html.lower() and "//" not in "".join(assets)


def test_the_docs_assets_are_found():
    for name in ("ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js"):
        assert finders.find(name), name


def test_personas_list(world):
    assert set(world.personas()) == set(PERSONAS)


def test_a_request_refused_before_any_view_answers_in_the_api_s_shape(client: Client, world):
    """An invalid Host header is refused by Django itself (400): on the API as JSON with a sentence,
    as every other answer of the API is; on the pages with the 400 page."""
    response = client.post("/api/v1/appointments/1/extend", {}, content_type="application/json", HTTP_HOST="w?=_e]TXw")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Host header" in response.json()["message"]
    page = client.get("/postdocs/", HTTP_HOST="w?=_e]TXw")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
