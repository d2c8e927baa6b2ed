"""Importing a file of references through the API: the multipart upload answers each entry's status with a
token and writes nothing; the confirmation records the importable entries (or those chosen, with positions
given) in one transaction, one audit event each, and refuses a tampered or foreign token and an entry that
became a duplicate since the preview. Every persona: those who write, those who only read (403), and those
for whom the stay is outside their scope (404)."""

from typing import Any, get_args

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from outputs.models import Output
from outputs.schemas import OutputOut
from tests.clients import PERSONAS, ApiClient
from tests.outputs.conftest import record
from tests.outputs.test_import_preview import MIXED

pytestmark = pytest.mark.django_db

RECORD_OUTPUTS = "You may not record research outputs for this postdoc."
WRITERS = {"admin", "secretary", "postdoc"}
READERS = {"supervisor", "leadership"}  # they see 陈博士's stay but may not record on it


def counts() -> tuple[int, int]:
    return Output.objects.count(), AuditEvent.objects.filter(event__startswith="output.").count()


def upload(api: ApiClient, appointment_id: int, content: str | bytes = MIXED, name: str = "mixed.bib") -> Any:
    data = content.encode() if isinstance(content, str) else content
    return api.client.post(
        f"/api/v1/appointments/{appointment_id}/outputs/import",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        headers={"Authorization": f"Bearer {api.key}"},
    )


def confirm(api: ApiClient, appointment_id: int, body: dict[str, Any]) -> Any:
    return api.post(f"/appointments/{appointment_id}/outputs/import/confirm", body)


def test_the_preview_answers_each_entry_and_a_token_and_writes_nothing(api_as, world):
    record(world)
    before = counts()
    response = upload(api_as("secretary"), world.appointment.pk)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["file"], body["format"], body["read"], body["importable"]) == ("mixed.bib", "bibtex", 5, 2)
    assert [(e["index"], e["record"], e["status"]) for e in body["entries"]] == [
        (1, "good", "importable"),
        (2, "dup", "duplicate"),
        (3, "baddoi", "refused"),
        (4, "nonumber", "refused"),
        (5, "organoids", "importable"),
    ]
    good = body["entries"][0]
    assert (good["position"], good["kind"], good["phase"], good["reasons"]) == (1, "paper", "in_station", [])
    assert body["entries"][2]["line"] == 4 and "“10.1/x” is not a DOI" in body["entries"][2]["reasons"][0]
    assert body["token"] and counts() == before


def test_the_confirmation_records_the_importable_entries_one_event_each(api_as, world):
    record(world)
    api = api_as("postdoc")
    token = upload(api, world.appointment.pk).json()["token"]
    response = confirm(api, world.appointment.pk, {"token": token})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(o["title"] for o in body["created"]) == ["Liver Organoids", "Liver zonation in mice"]
    assert {o["source"] for o in body["created"]} == {"bibtex"}
    assert len(body["skipped"]) == 1 and body["skipped"][0].startswith("Entry “dup” (line 3) repeats an output")
    events = AuditEvent.objects.filter(event="output.imported")
    assert {e.target_id for e in events} == {str(o["id"]) for o in body["created"]}
    assert {e.note for e in events} == {"Imported from mixed.bib."}


def test_the_entries_chosen_are_recorded_with_the_positions_given(api_as, world):
    api = api_as("admin")
    text = MIXED + "@article{other, title={Kidney}, author={Wang, Wu and Li, Si}, year={2024}}\n"
    preview = upload(api, world.appointment.pk, text).json()
    other = preview["entries"][5]
    assert (other["status"], other["position"]) == ("importable", None)
    assert other["reasons"] == [
        "Entry “other” (line 7): Give the postdoc's position among the authors (1 for the first author)."
    ]
    chosen = {"token": preview["token"], "indexes": [5, 6], "corrections": [{"index": 6, "position": 2}]}
    response = confirm(api, world.appointment.pk, chosen)
    assert response.status_code == 201, response.json()
    created = {o["title"]: o["author_position"] for o in response.json()["created"]}
    assert created == {"Liver Organoids": 1, "Kidney": 2}


def test_an_entry_chosen_without_its_position_refuses_the_whole(api_as, world):
    api = api_as("admin")
    text = "@article{other, title={Kidney}, author={Wang, Wu and Li, Si}, year={2024}}\n" + MIXED
    preview = upload(api, world.appointment.pk, text).json()
    response = confirm(api, world.appointment.pk, {"token": preview["token"]})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Entry “other” (line 1): Give the postdoc's position")
    assert counts() == (0, 0)


def test_an_entry_recorded_since_the_preview_refuses_the_confirmation(api_as, world):
    api = api_as("admin")
    token = upload(api, world.appointment.pk).json()["token"]
    record(world, title="Liver zonation in mice", doi="10.1000/good.1")
    before = counts()
    response = confirm(api, world.appointment.pk, {"token": token})
    assert response.status_code == 400
    assert "Entry “good” (line 1) can no longer be imported: The DOI 10.1000/good.1" in response.json()["message"]
    assert counts() == before


def test_a_tampered_or_foreign_token_is_refused(api_as, world):
    api = api_as("admin")
    token = upload(api, world.appointment.pk).json()["token"]
    tampered = confirm(api, world.appointment.pk, {"token": token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")})
    assert tampered.status_code == 400
    assert tampered.json()["message"] == "The preview cannot be confirmed; upload the file again."
    # Signed for the administrator and 陈博士's stay: not for the secretary, nor for another stay.
    assert confirm(api_as("secretary"), world.appointment.pk, {"token": token}).status_code == 400
    assert confirm(api, world.other_appointment.pk, {"token": token}).status_code == 400
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "sentence"),
    [
        ("refs.docx", MIXED, "“refs.docx” is not a .bib, .ris, .json, .enw, .nbib or .txt file"),
        ("items.json", '{"type": "article-journal"}', "A CSL-JSON file is a list of items"),
        (
            "gbk.bib",
            "@article{a, title={肝}, author={陈博士}, year={2024}}".encode("gbk"),
            "The file is not UTF-8 text",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_the_file(api_as, world, name, content, sentence):
    response = upload(api_as("admin"), world.appointment.pk, content, name)
    assert response.status_code == 400
    assert sentence in response.json()["message"] and response.json()["field"] == "file"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_its_answer_on_the_stay_it_sees(api_as, world, persona):
    stay = world.outside_appointment if persona == "outsider" else world.appointment
    api = api_as(persona)
    preview = upload(api, stay.pk)
    if persona in READERS:
        assert preview.status_code == 403 and preview.json() == {"message": RECORD_OUTPUTS}
        assert confirm(api, stay.pk, {"token": "x"}).json() == {"message": RECORD_OUTPUTS}
        return
    assert preview.status_code == 200, preview.json()
    # The outsider's stay is another person's, not named in the file: they give the position.
    given = [{"index": e["index"], "position": 1} for e in preview.json()["entries"] if e["position"] is None]
    done = confirm(api, stay.pk, {"token": preview.json()["token"], "corrections": given})
    assert done.status_code == 201, done.json()


@pytest.mark.parametrize(
    ("persona", "stay"),
    [
        ("secretary", "other_appointment"),  # a secretary of another station
        ("postdoc", "other_appointment"),
        ("supervisor", "other_appointment"),
        ("admin", "outside_appointment"),
        ("outsider", "appointment"),
    ],
)
def test_a_stay_outside_the_scope_is_not_found(api_as, world, persona, stay):
    appointment = getattr(world, stay)
    api = api_as(persona)
    assert upload(api, appointment.pk).status_code == 404
    response = confirm(api, appointment.pk, {"token": "x"})
    assert response.status_code == 404 and response.json() == {"message": "Not found."}
    assert counts() == (0, 0)


def test_an_outputs_source_in_the_api_is_every_format_an_import_records():
    assert set(get_args(OutputOut.model_fields["source"].annotation)) == set(Output.Source.values)
