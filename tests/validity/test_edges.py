"""The edges: a request larger than the server accepts, the error pages in both languages, strict API bodies,
masked IDs and exports without birth dates (docs/decisions/0019 and 0052)."""

import json

import pytest
from django.test import override_settings
from django.utils import translation

from appointments.export import postdoc_rows
from core.idnumbers import mask_id
from tests.subjects import award_list_for, output_for, project_at

pytestmark = pytest.mark.django_db

TOO_BIG = "x" * (int(2.5 * 1024 * 1024) + 10)


@override_settings(DEBUG=True)
def test_an_oversized_form_gets_a_page_in_the_users_language_not_the_debug_page(signed_in):
    client = signed_in("admin")
    response = client.post("/postdocs/new/", {"name": TOO_BIG})
    assert response.status_code == 413
    text = response.content.decode()
    assert "larger than the server accepts" in text and "Traceback" not in text
    with translation.override("zh-hans"):
        response = client.post("/postdocs/new/", {"name": TOO_BIG}, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 413
    assert "Traceback" not in response.content.decode()


@override_settings(DEBUG=True)
def test_an_oversized_htmx_form_puts_the_sentence_into_the_pages_messages(signed_in):
    response = signed_in("admin").post("/postdocs/new/", {"name": TOO_BIG}, headers={"HX-Request": "true"})
    assert response.status_code == 413
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "innerHTML"
    assert 'class="message message--error"' in response.content.decode()


def test_htmx_swaps_a_413_and_nothing_else_of_4xx(signed_in):
    page = signed_in("admin").get("/").content.decode()
    config = page.split('<meta name="htmx-config" content=\'', 1)[1].split("'>", 1)[0]
    handling = json.loads(config)["responseHandling"]
    assert {"code": "413", "swap": True, "error": True} in handling


def test_an_oversized_api_body_is_a_413_in_the_apis_shape(api_as):
    response = api_as("admin").client.post(
        "/api/v1/appointments/1/extend", TOO_BIG, content_type="application/json", headers={"Authorization": "x"}
    )
    assert response.status_code == 413
    assert "larger than the server accepts" in response.json()["message"]


@pytest.mark.parametrize(("language", "html_lang"), [("en", 'lang="en"'), ("zh-hans", 'lang="zh-Hans"')])
def test_the_404_page_speaks_the_users_language(signed_in, language, html_lang):
    client = signed_in("admin")
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert html_lang in response.content.decode()


@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html", "413.html", "500.html"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_error_page_renders_in_both_languages(rf, admin_user, name, language):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = admin_user
    with translation.override(language):
        html = render_to_string(name, {"message": "…"}, request=request)
    assert "<html" in html


def test_a_masked_passport_shows_at_most_its_last_three_characters():
    assert mask_id("E12345678") == "******678"
    assert mask_id("AB123") == "****3"
    assert mask_id("E123") == "****"


def test_a_masked_resident_id_hides_its_birth_date_digits():
    masked = mask_id("500101199002280012")
    assert masked == "500*************12"
    assert "19900228" not in masked and "900228" not in masked


def test_an_export_with_masked_ids_leaves_out_the_birth_date(world):
    appointments = world.appointment.__class__.objects.filter(pk=world.appointment.pk)
    masked = next(postdoc_rows(appointments, reveal=False))
    assert masked["birth_date"] is None and "*" in masked["id_number"]
    full = next(postdoc_rows(appointments, reveal=True))
    assert full["birth_date"] == world.appointment.person.birth_date


def test_the_secretarys_list_export_has_no_birth_dates(signed_in, world):
    response = signed_in("secretary").get("/postdocs/export.csv")
    assert response.status_code == 200
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # a .zip of the sheets' CSVs
    body = archive.read("Postdocs.csv").decode("utf-8-sig")
    assert world.appointment.person.birth_date.isoformat() not in body
    assert world.appointment.person.masked_id in body


# Strict bodies: every operation refuses a body that is not the object it documents ---------------------


@pytest.mark.parametrize("body", ['"drop table"', "[null, null]", "5", "true", "null"])
def test_a_body_that_is_not_a_json_object_is_a_422_naming_the_problem(api_as, world, body):
    output = output_for(world.appointment, world.admin)
    api = api_as("admin")
    response = api.client.post(
        f"/api/v1/outputs/{output.pk}/update",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 422, response.content
    assert "must be a JSON object" in response.json()["message"]
    output.refresh_from_db()
    assert output.title != "Drop Table"


def test_a_string_body_no_longer_becomes_a_projects_title(api_as, world):
    project = project_at(world.appointment, "awarded", world.admin)
    api = api_as("admin")
    response = api.client.post(
        f"/api/v1/projects/{project.pk}/update",
        '"drop table"',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert response.status_code == 422
    project.refresh_from_db()
    assert project.title != "Drop Table"


@pytest.mark.parametrize("value", [0, 1, "true", "no", None])
def test_acknowledged_must_be_true_or_false(api_as, world, value):
    project = project_at(world.appointment, "awarded", world.admin)
    response = api_as("admin").post(f"/projects/{project.pk}/update", {"title": "新题目", "acknowledged": value})
    if value is None:
        assert response.status_code == 422
        return
    assert response.status_code == 422, response.json()
    assert response.json()["errors"][0]["field"] == "acknowledged"
    assert "true or false" in response.json()["errors"][0]["message"]


def test_an_unknown_field_is_named(api_as, world):
    project = project_at(world.appointment, "awarded", world.admin)
    response = api_as("admin").post(f"/projects/{project.pk}/update", {"titel": "typo"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "titel"


def test_every_request_body_of_the_api_is_strict():
    from ninja.params.models import BodyModel

    from api.api import api
    from core.api_schemas import RequestBody

    loose = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.models:
                    if issubclass(model, BodyModel):
                        for name, field in model.model_fields.items():
                            if not (isinstance(field.annotation, type) and issubclass(field.annotation, RequestBody)):
                                loose.append(f"{path} {name}")
    assert not loose, f"bodies that do not derive from core.api_schemas.RequestBody: {loose}"


def test_a_text_field_states_its_limit_and_keeps_to_it(signed_in):
    html = signed_in("admin").get("/postdocs/new/").content.decode()
    assert 'maxlength="100"' in html and "At most 100 characters." in html
    assert 'maxlength="30"' in html and "At most 30 characters." in html


def test_an_over_long_value_is_refused_on_the_same_page_with_the_input_kept(signed_in, world):
    from tests.appointments.test_pages_new_postdoc import _data

    response = signed_in("admin").post("/postdocs/new/", _data(world, name="长" * 101))
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 100 characters" in html
    assert 'value="BH2025001"' in html


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_taken_for_an_id(api_as, world, value):
    """pydantic alone reads true as 1: choosing the candidate "true" on an award list's row is refused."""
    award_list = award_list_for([world.appointment], world.admin)
    row = award_list.rows.first()
    response = api_as("admin").post(f"/award-lists/{award_list.pk}/rows/{row.pk}/choose", {"appointment": value})
    assert response.status_code == 422, response.json()
    assert response.json()["errors"][0]["field"] == "appointment"
    assert "whole number" in response.json()["errors"][0]["message"]
