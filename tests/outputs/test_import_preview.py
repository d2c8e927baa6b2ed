"""The import page entry by entry: a file with good, duplicate and bad entries is previewed with each
entry's status and reasons, nothing written; the confirmation writes only the importable entries
ticked, one audit event each, and refuses — writing nothing — a tampered preview, an entry ticked
that is refused, or one that became a duplicate since the preview. CNKI's text exports are read."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from outputs.models import Output
from tests.outputs.conftest import record

pytestmark = pytest.mark.django_db

# 1 new, 2 repeats the paper record() writes (its DOI), 3 a DOI the parser refuses, 4 a patent without
# its number (refused by the service's rules), 5 new.
MIXED = r"""@article{good, title={Liver zonation in mice}, author={Chen, Boshi and Li, Si}, year={2024},
  journal={Cell}, doi={10.1000/good.1}}
@article{dup, title={Another title}, author={陈博士 and 李四}, year={2024}, doi={10.1000/hepato.2024.1}}
@article{baddoi, title={Kidney}, author={Chen, Boshi}, year={2024}, doi={10.1/x}}
@patent{nonumber, title={一种肝脏类器官培养装置}, author={陈博士 and 王五}, year={2025}}
@book{organoids, title={Liver Organoids}, author={B. Chen and Wang, Wu}, publisher={Science Press}, year={2025}}
"""

REFER = """%0 Journal Article
%A 陈博士
%A 李四
%T 肝脏再生中的肝细胞可塑性
%J 中华肝脏病杂志
%D 2024
%R 10.1000/cnki.2024.5

%0 Thesis
%A 陈博士
%T 肝再生研究
%D 2023
"""


def counts() -> tuple[int, int]:
    return Output.objects.count(), AuditEvent.objects.filter(event__startswith="output.").count()


def preview(client: Any, world: Any, content: str, name: str = "mixed.bib") -> Any:
    upload = SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")
    return client.post(reverse("outputs:import", args=[world.appointment.pk]), {"file": upload})


def confirm(client: Any, world: Any, response: Any, **changes: Any) -> Any:
    """The preview's form as shown (every importable entry ticked), with `changes` made to it."""
    shown = response.context["preview"]
    data: dict[str, Any] = {"payload": shown.payload, "chosen": "1", "import": [str(i) for i in sorted(shown.chosen)]}
    for row in shown.importable:
        data[f"position-{row.index}"] = str(row.entry["author_position"] or "")
    data.update(changes)
    return client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), data)


def test_each_entry_is_shown_importable_duplicate_or_refused_and_nothing_is_written(signed_in, world):
    record(world)
    before = counts()
    response = preview(signed_in("secretary"), world, MIXED)
    shown = response.context["preview"]
    assert [(row.index, row.record, row.status) for row in shown.rows] == [
        (1, "good", "importable"),
        (2, "dup", "duplicate"),
        (3, "baddoi", "refused"),
        (4, "nonumber", "refused"),
        (5, "organoids", "importable"),
    ]
    assert shown.chosen == {1, 5}
    page = response.content.decode()
    assert "5 entries read: 2 importable, 1 duplicate, 2 refused." in page
    assert (
        "Entry “dup” (line 3) repeats an output already recorded and is skipped: The DOI 10.1000/hepato.2024.1" in page
    )
    assert "Entry “baddoi” (line 4): “10.1/x” is not a DOI" in page
    assert "Entry “nonumber” (line 5): Give the patent&#x27;s or standard&#x27;s number." in page
    assert 'name="import" value="1"' in page and 'name="import" value="5"' in page
    assert 'name="import" value="3"' not in page and 'name="import" value="4"' not in page
    assert "Refused entries are left out" in page and "Record the ticked entries" in page
    assert counts() == before


def test_the_confirmation_writes_the_importable_entries_only_one_event_each(signed_in, world):
    record(world)
    client = signed_in("postdoc")
    done = confirm(client, world, preview(client, world, MIXED))
    assert done.status_code == 302
    assert set(Output.objects.values_list("title", flat=True)) == {
        "Hepatocyte plasticity",
        "Liver zonation in mice",
        "Liver Organoids",
    }
    events = AuditEvent.objects.filter(event="output.imported")
    assert events.count() == 2 and {e.note for e in events} == {"Imported from mixed.bib."}
    assert {e.target_id for e in events} == {str(o.pk) for o in Output.objects.filter(source="bibtex")}
    page = client.get(done["Location"]).content.decode()
    assert "2 outputs imported from mixed.bib." in page
    assert "Entry “dup” (line 3) repeats an output already recorded and is skipped" in page


def test_an_entry_left_unticked_is_not_written(signed_in, world):
    client = signed_in("admin")
    confirm(client, world, preview(client, world, MIXED), **{"import": ["5"]})
    assert list(Output.objects.values_list("title", flat=True)) == ["Liver Organoids"]


def test_nothing_ticked_is_refused_with_a_sentence(signed_in, world):
    client = signed_in("admin")
    response = confirm(client, world, preview(client, world, MIXED), **{"import": []})
    assert "Choose at least one entry to import." in response.content.decode()
    assert counts() == (0, 0)


def test_an_entry_refused_in_the_preview_cannot_be_ticked_into_the_import(signed_in, world):
    client = signed_in("admin")
    response = confirm(client, world, preview(client, world, MIXED), **{"import": ["1", "3", "4"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Entry 3 of the file cannot be read or is not in it; leave it out, or upload the file again." in page
    assert "Entry “nonumber” (line 5): Give the patent&#x27;s or standard&#x27;s number." in page
    assert counts() == (0, 0)


def test_a_tampered_preview_is_refused(signed_in, world):
    client = signed_in("admin")
    response = preview(client, world, MIXED)
    payload = response.context["preview"].payload
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    refused = confirm(client, world, response, payload=tampered)
    assert "The preview cannot be confirmed; upload the file again." in refused.content.decode()
    assert counts() == (0, 0)


def test_an_entry_recorded_since_the_preview_refuses_the_confirmation(signed_in, world):
    client = signed_in("admin")
    response = preview(client, world, MIXED)
    meanwhile = record(world, title="Liver zonation in mice", doi="10.1000/good.1")
    before = counts()
    refused = confirm(client, world, response)
    page = refused.content.decode()
    assert refused.status_code == 200
    assert (
        "Entry “good” (line 1) can no longer be imported: The DOI 10.1000/good.1 is already recorded for this "
        f"postdoc: “{meanwhile.title}”"
    ) in page
    assert counts() == before
    # The preview shown again is the file as it is now: the entry is a duplicate, no longer ticked.
    assert [row.status for row in refused.context["preview"].rows][0] == "duplicate"
    assert refused.context["preview"].chosen == {2, 5}


def test_a_file_with_no_importable_entry_says_so_and_offers_no_confirmation(signed_in, world):
    record(world)
    text = "@article{dup, title={Again}, author={陈博士}, year={2024}, doi={10.1000/hepato.2024.1}}\n"
    response = preview(signed_in("admin"), world, text + "@misc{m, title={Note}, author={陈博士}, year={2024}}\n")
    page = response.content.decode()
    assert "Nothing in this file can be imported." in page
    assert "Record the ticked entries" not in page and "import-confirm" not in page


@pytest.mark.parametrize("name", ["cnki.txt", "endnote.enw"])
def test_cnki_and_endnote_exports_are_read_and_recorded_with_their_format(signed_in, world, name):
    client = signed_in("admin")
    response = preview(client, world, REFER, name=name)
    shown = response.context["preview"]
    assert shown.format == "refer"
    assert [row.status for row in shown.rows] == ["importable", "refused"]
    assert "Thesis" in " ".join(shown.rows[1].reasons)
    confirm(client, world, response)
    output = Output.objects.get()
    assert output.source == "refer" and output.title == "肝脏再生中的肝细胞可塑性" and output.author_position == 1


def test_a_secretary_of_another_station_finds_neither_page(signed_in, world):
    admin = signed_in("admin")
    response = preview(admin, world, MIXED)
    payload = response.context["preview"].payload
    other = signed_in("secretary")
    stay = world.other_appointment.pk
    upload = SimpleUploadedFile("mixed.bib", MIXED.encode())
    assert other.post(reverse("outputs:import", args=[stay]), {"file": upload}).status_code == 404
    assert other.post(reverse("outputs:import-confirm", args=[stay]), {"payload": payload}).status_code == 404
    assert counts() == (0, 0)


def test_an_entry_whose_position_is_missing_shows_its_other_problems_too(signed_in, world):
    text = "@patent{nonumber, title={一种装置}, author={王五 and 李四}, year={2025}}\n"
    shown = preview(signed_in("admin"), world, text).context["preview"]
    assert [row.status for row in shown.rows] == ["refused"]
    assert shown.rows[0].reasons == [
        "Entry “nonumber” (line 1): Give the postdoc's position among the authors (1 for the first author).",
        "Entry “nonumber” (line 1): Give the patent's or standard's number.",
    ]


def test_when_every_ticked_entry_was_recorded_since_the_preview_the_page_says_why(signed_in, world):
    client = signed_in("admin")
    text = "@article{good, title={Liver zonation in mice}, author={Chen, Boshi}, year={2024}, doi={10.1000/good.1}}"
    response = preview(client, world, text)
    record(world, title="Liver zonation in mice", doi="10.1000/good.1")
    page = confirm(client, world, response).content.decode()
    assert "Entry “good” (line 1) can no longer be imported" in page
    assert "Nothing in this file can be imported." in page and "Record the ticked entries" not in page
