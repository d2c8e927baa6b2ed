"""The outputs pages: who gets which answer on each, the list (filters, scope, queries, export), the
card on the postdoc's page, adding, changing and removing through the pages, and the import from
upload through preview (each entry importable, duplicate or refused) to confirmation."""

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from outputs.export import OUTPUTS_SHEET
from outputs.models import Output
from tests.clients import PERSONAS, count_queries
from tests.outputs.conftest import BIBTEX, CSL_JSON, RIS, record

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
# On 陈博士's own stay: those who manage it and the postdoc write; the supervisor and leadership
# read only; the outsider does not see it.
OWN_STAY = {"admin": 200, "secretary": 200, "supervisor": 403, "postdoc": 200, "leadership": 403, "outsider": 404}
# On 周博士's stay in the other station: outside the secretary's, supervisor's and postdoc's scope.
OTHER_STAY = {"admin": 200, "secretary": 404, "supervisor": 404, "postdoc": 404, "leadership": 403, "outsider": 404}
STAY_PAGES = ["outputs:new", "outputs:import"]
BOOK_LINE = next(n for n, line in enumerate(BIBTEX.split("\n"), 1) if line.startswith("@book"))
OUTPUT_PAGES = ["outputs:edit", "outputs:remove"]


def counts() -> tuple[int, int]:
    return Output.objects.count(), AuditEvent.objects.filter(event__startswith="output.").count()


def upload(name: str, content: str | bytes) -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


# ---- who gets which answer ---------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["outputs:list", *STAY_PAGES, *OUTPUT_PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, url_name):
    kwargs = {}
    if url_name in STAY_PAGES:
        kwargs = {"appointment": world.appointment.pk}
    elif url_name in OUTPUT_PAGES:
        kwargs = {"pk": record(world).pk}
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_everyone_reads_the_list_of_what_they_may_see(signed_in, world, persona, headers):
    record(world)
    record(world, appointment=world.other_appointment, title="In the other station", doi="")
    response = signed_in(persona).get(reverse("outputs:list"), headers=headers)
    assert response.status_code == 200
    seen = {o.appointment_id for o in response.context["page_obj"]}
    expected = {
        "admin": {world.appointment.pk, world.other_appointment.pk},
        "leadership": {world.appointment.pk, world.other_appointment.pk},
        "secretary": {world.appointment.pk},
        "supervisor": {world.appointment.pk},
        "postdoc": {world.appointment.pk},
        "outsider": set(),
    }
    assert seen == expected[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", STAY_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_pages_of_a_stay_answer_each_persona(signed_in, world, persona, url_name, headers):
    client = signed_in(persona)
    own = client.get(reverse(url_name, kwargs={"appointment": world.appointment.pk}), headers=headers)
    other = client.get(reverse(url_name, kwargs={"appointment": world.other_appointment.pk}), headers=headers)
    assert (own.status_code, other.status_code) == (OWN_STAY[persona], OTHER_STAY[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", OUTPUT_PAGES)
def test_the_pages_of_an_output_answer_each_persona(signed_in, world, persona, url_name):
    own = record(world)
    other = record(world, appointment=world.other_appointment, title="Other", doi="")
    client = signed_in(persona)
    assert client.get(reverse(url_name, args=[own.pk])).status_code == OWN_STAY[persona]
    assert client.get(reverse(url_name, args=[other.pk])).status_code == OTHER_STAY[persona]
    assert client.get(reverse(url_name, args=[999999])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_writes_are_refused_to_readers_and_invisible_to_others(signed_in, world, persona):
    output = record(world)
    client = signed_in(persona)
    before = counts()
    new = client.post(reverse("outputs:new", args=[world.appointment.pk]), {"kind": "paper", "title": "X"})
    remove = client.post(reverse("outputs:remove", args=[output.pk]), {"confirm": "on"})
    confirm = client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), {"payload": "x"})
    expected = OWN_STAY[persona]
    if expected == 200:
        assert new.status_code == 200  # the form again, with its errors
        assert remove.status_code == 302 and not Output.objects.filter(pk=output.pk).exists()
        assert confirm.status_code == 200  # the preview cannot be confirmed: said on the page
    else:
        assert (new.status_code, remove.status_code, confirm.status_code) == (expected, expected, expected)
        assert counts() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_card_on_the_postdocs_page_offers_writing_only_to_writers(signed_in, world, persona):
    record(world, title="Hepatocyte plasticity in regeneration")
    response = signed_in(persona).get(reverse("postdoc-detail", args=[world.appointment.pk]))
    if persona == "outsider":
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert 'id="outputs"' in page and "Hepatocyte plasticity in regeneration" in page
    assert "In station: 1" in page and "1 of 2" in page
    writes = OWN_STAY[persona] == 200
    assert (reverse("outputs:new", args=[world.appointment.pk]) in page) == writes
    assert (reverse("outputs:import", args=[world.appointment.pk]) in page) == writes


def test_the_card_says_when_nothing_is_recorded(signed_in, world):
    page = signed_in("postdoc").get(reverse("postdoc-detail", args=[world.appointment.pk])).content.decode()
    assert "No research outputs recorded." in page


def test_the_postdocs_timeline_tells_the_outputs_events(signed_in, world):
    record(world)
    page = signed_in("admin").get(reverse("postdoc-detail", args=[world.appointment.pk])).content.decode()
    assert "Research output recorded" in page and "output.recorded" not in page


def test_the_postdocs_page_takes_as_many_queries_for_many_outputs(signed_in, world, django_assert_num_queries):
    client = signed_in("admin")
    url = reverse("postdoc-detail", args=[world.appointment.pk])
    record(world)
    before = count_queries(client, url)
    for n in range(5):
        record(world, title=f"Paper {n}", doi=f"10.1000/paper.{n}")
    with django_assert_num_queries(before):
        client.get(url)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_navigation_leads_to_the_list(signed_in, world, persona):
    page = signed_in(persona).get(reverse("postdoc-list")).content.decode()
    assert f'href="{reverse("outputs:list")}"' in page


# ---- the list ----------------------------------------------------------------------------------------


@pytest.fixture
def several(world):
    """Three outputs of 陈博士 (paper 2024 in station, book 2023 before entry, patent 2025) and one of 周博士."""
    record(world, title="Hepatocyte plasticity", doi="10.1000/hepato.2024.1", journal="Hepatology")
    record(
        world, kind="book", title="肝脏病学", doi="", journal="", year=2023, published_on=None, isbn="978-7-03-012345-9"
    )
    record(world, kind="patent", title="一种培养装置", doi="", journal="", year=2025, published_on=None, number="ZL1")
    record(world, appointment=world.other_appointment, title="Zebrafish fins", doi="10.1000/fish", journal="Dev")
    return world


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"q": "10.1000/HEPATO"}, {"Hepatocyte plasticity"}),
        ({"q": "https://doi.org/10.1000/Hepato.2024.1"}, {"Hepatocyte plasticity"}),
        ({"q": "hepatology"}, {"Hepatocyte plasticity"}),
        ({"q": "周博士"}, {"Zebrafish fins"}),
        ({"kind": "book"}, {"肝脏病学"}),
        ({"year": "2025"}, {"一种培养装置"}),
        ({"phase": "before_entry"}, {"肝脏病学"}),
        ({"phase": "in_station", "kind": "paper"}, {"Hepatocyte plasticity", "Zebrafish fins"}),
    ],
)
def test_the_list_searches_and_filters(signed_in, several, params, titles):
    response = signed_in("admin").get(reverse("outputs:list"), params)
    assert {o.title for o in response.context["page_obj"]} == titles


def test_the_list_searches_by_postdoc_number_and_filters_by_station(signed_in, several):
    client = signed_in("admin")
    by_number = client.get(reverse("outputs:list"), {"q": several.other_appointment.postdoc_no})
    assert [o.title for o in by_number.context["page_obj"]] == ["Zebrafish fins"]
    by_station = client.get(reverse("outputs:list"), {"station": several.station.pk})
    assert len(by_station.context["page_obj"]) == 3


def test_the_list_tells_an_empty_list_from_an_empty_search(signed_in, world):
    client = signed_in("admin")
    assert "No research outputs recorded yet." in client.get(reverse("outputs:list")).content.decode()
    record(world)
    page = client.get(reverse("outputs:list"), {"q": "nothing like this"}).content.decode()
    assert "No outputs match." in page and "Clear the filters" in page


def test_the_list_partial_is_only_the_rows(signed_in, several):
    page = signed_in("admin").get(reverse("outputs:list"), {"kind": "paper"}, headers=HTMX).content.decode()
    assert "<html" not in page and 'id="rows"' in page and "Hepatocyte plasticity" in page


def test_the_list_pages(signed_in, several, settings):
    settings.PAGE_SIZE = 2
    second = signed_in("admin").get(reverse("outputs:list"), {"page": 2})
    assert second.context["page_obj"].number == 2 and len(second.context["page_obj"]) == 2


def test_the_list_takes_as_many_queries_for_one_output_as_for_many(signed_in, world, django_assert_num_queries):
    client = signed_in("admin")
    url = reverse("outputs:list")
    record(world)
    page, partial = count_queries(client, url), count_queries(client, url, **HTMX)
    for n in range(8):
        record(world, title=f"Paper {n}", doi=f"10.1000/paper.{n}")
        record(world, appointment=world.other_appointment, title=f"Fish {n}", doi=f"10.1000/fish.{n}")
    with django_assert_num_queries(page):
        client.get(url)
    with django_assert_num_queries(partial):
        client.get(url, headers=HTMX)
    secretary = signed_in("secretary")
    scoped = count_queries(secretary, url)
    record(world, title="One more", doi="")
    with django_assert_num_queries(scoped):
        secretary.get(url)


# ---- the export ----------------------------------------------------------------------------------


def test_the_export_has_every_page_of_the_filtered_list(signed_in, several, settings):
    settings.PAGE_SIZE = 1
    client = signed_in("admin")
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("outputs:export", args=["csv"]))).decode("utf-8-sig"))))
    assert rows[0] == [column.key for column in OUTPUTS_SHEET.columns]
    assert len(rows) == 5
    workbook = load_workbook(io.BytesIO(body(client.get(reverse("outputs:export", args=["xlsx"]), {"kind": "book"}))))
    sheet = list(workbook["Outputs"].iter_rows(values_only=True))
    assert len(sheet) == 2
    row = dict(zip(sheet[0], sheet[1], strict=True))
    assert (row["title"], row["kind"], row["phase"], row["isbn"]) == (
        "肝脏病学",
        "book",
        "before_entry",
        "9787030123459",
    )
    assert row["postdoc_no"] == several.appointment.postdoc_no and row["authors"] == "陈博士; 李四"


@pytest.mark.parametrize(("persona", "rows"), [("supervisor", 3), ("postdoc", 3), ("outsider", 0), ("leadership", 4)])
def test_the_export_keeps_to_the_users_scope(signed_in, several, persona, rows):
    data = body(signed_in(persona).get(reverse("outputs:export", args=["csv"])))
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == rows + 1


def test_an_unknown_export_format_is_not_found(signed_in, world):
    assert signed_in("admin").get(reverse("outputs:export", args=["pdf"])).status_code == 404


# ---- adding, changing, removing -------------------------------------------------------------------

FORM = {
    "kind": "paper",
    "title": "Portal fibroblasts",
    "year": "2024",
    "published_on": "2024-09-01",
    "authors": "Li Si\nChen Boshi",
    "author_position": "2",
    "corresponding": "on",
    "doi": "https://doi.org/10.1000/PORTAL",
    "journal": "Gut",
    "issn": "0017-5749",
}


def test_the_postdoc_adds_an_output_on_their_page(signed_in, world):
    response = signed_in("postdoc").post(reverse("outputs:new", args=[world.appointment.pk]), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("postdoc-detail", args=[world.appointment.pk]) + "#outputs"
    output = Output.objects.get()
    assert (output.doi, output.author_position, output.corresponding, output.recorded_by) == (
        "10.1000/portal",
        2,
        True,
        world.postdoc_user,
    )


def test_an_htmx_form_is_the_partial_and_success_redirects_the_page(signed_in, world):
    client = signed_in("secretary")
    url = reverse("outputs:new", args=[world.appointment.pk])
    form = client.get(url, headers=HTMX).content.decode()
    assert "<html" not in form and 'class="card stepform"' in form
    response = client.post(url, FORM, headers=HTMX)
    assert response["HX-Redirect"] == reverse("postdoc-detail", args=[world.appointment.pk]) + "#outputs"


def test_a_duplicate_is_refused_next_to_its_field_with_the_input_kept(signed_in, world):
    existing = record(world, doi="10.1000/portal")
    before = counts()
    response = signed_in("admin").post(reverse("outputs:new", args=[world.appointment.pk]), FORM)
    assert response.status_code == 200
    errors = str(response.context["form"].errors["doi"])
    assert "The DOI 10.1000/portal is already recorded for this postdoc" in errors and existing.title in errors
    assert 'value="Portal fibroblasts"' in response.content.decode()
    assert counts() == before


def test_a_wrong_issn_is_refused_next_to_its_field(signed_in, world):
    response = signed_in("admin").post(
        reverse("outputs:new", args=[world.appointment.pk]), {**FORM, "issn": "0017-5748"}
    )
    assert "“0017-5748” is not a valid ISSN" in str(response.context["form"].errors["issn"])
    assert Output.objects.count() == 0


def test_a_change_is_saved_through_the_page(signed_in, world):
    output = record(world)
    client = signed_in("admin")
    form = client.get(reverse("outputs:edit", args=[output.pk]))
    assert 'value="Hepatocyte plasticity"' in form.content.decode()
    data = {**FORM, "title": "Hepatocyte plasticity, revised", "doi": output.doi}
    assert client.post(reverse("outputs:edit", args=[output.pk]), data).status_code == 302
    output.refresh_from_db()
    assert output.title == "Hepatocyte plasticity, revised" and output.journal == "Gut"
    assert AuditEvent.objects.filter(event="output.changed").count() == 1


def test_a_removal_needs_its_confirmation(signed_in, world):
    output = record(world)
    client = signed_in("admin")
    refused = client.post(reverse("outputs:remove", args=[output.pk]), {})
    assert refused.status_code == 200 and "Tick the box to confirm the removal." in refused.content.decode()
    assert Output.objects.filter(pk=output.pk).exists()
    done = client.post(reverse("outputs:remove", args=[output.pk]), {"confirm": "on"}, headers=HTMX)
    assert done["HX-Redirect"].endswith("#outputs") and not Output.objects.filter(pk=output.pk).exists()


# ---- importing -------------------------------------------------------------------------------------


def _preview(client, world, name: str, content: str | bytes):
    return client.post(reverse("outputs:import", args=[world.appointment.pk]), {"file": upload(name, content)})


def _confirm_data(response) -> dict[str, Any]:
    """What the preview's form sends as shown: every importable entry ticked, positions as suggested."""
    preview = response.context["preview"]
    data: dict[str, Any] = {
        "payload": preview.payload,
        "chosen": "1",
        "import": [str(i) for i in sorted(preview.chosen)],
    }
    for row in preview.importable:
        entry = row.entry
        data[f"position-{entry['index']}"] = "" if entry["author_position"] is None else str(entry["author_position"])
        if entry["corresponding"]:
            data[f"corresponding-{entry['index']}"] = "on"
    return data


@pytest.mark.parametrize(
    ("name", "content", "kinds"),
    [
        ("zotero.bib", BIBTEX, ["paper", "paper", "book"]),
        ("endnote.ris", RIS, ["paper", "patent"]),
        ("items.json", CSL_JSON, ["paper", "standard"]),
    ],
)
def test_a_file_is_previewed_then_recorded_on_confirmation(signed_in, world, name, content, kinds):
    client = signed_in("postdoc")
    response = _preview(client, world, name, content)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.problems == [] and preview.can_confirm
    assert [row.output.kind for row in preview.importable] == kinds and len(preview.rows) == len(kinds)
    assert all(row.entry["author_position"] for row in preview.rows)  # 陈博士 found in every entry
    assert counts() == (0, 0)  # the preview writes nothing
    done = client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), _confirm_data(response))
    assert done.status_code == 302 and done["Location"].endswith("#outputs")
    assert Output.objects.count() == len(kinds)
    assert AuditEvent.objects.filter(event="output.imported", note=f"Imported from {name}.").count() == len(kinds)
    page = client.get(done["Location"]).content.decode()
    assert f"{len(kinds)} outputs imported from {name}." in page


def test_the_preview_shows_what_was_found_and_marks_duplicates(signed_in, world):
    record(world, title="Liver Organoids", kind="book", doi="", year=2025, published_on=None)
    response = _preview(signed_in("admin"), world, "refs.bib", BIBTEX)
    page = response.content.decode()
    assert "Single-cell atlas of the Human liver: a CRISPR screen" in page
    assert "10.1038/s41467-024-00001-x" in page
    assert 'name="position-1" value="1"' in page and 'name="position-2" value="2"' in page
    assert 'name="corresponding-1" aria-label="corresponding author" checked' in page
    assert "1 entry is a duplicate and will be skipped." in page
    assert "3 entries read: 2 importable, 1 duplicate, 0 refused." in page
    assert f"Entry “chen2025book” (line {BOOK_LINE}) repeats an output already recorded and is skipped" in page
    assert 'name="import" value="1"' in page and 'name="import" value="3"' not in page  # no box for a duplicate
    assert "duplicate: skipped" in page and "before entry" in page and "Record the ticked entries" in page


def test_duplicates_are_skipped_on_confirmation_and_said(signed_in, world):
    record(world, title="Liver Organoids", kind="book", doi="", year=2025, published_on=None)
    client = signed_in("admin")
    response = _preview(client, world, "refs.bib", BIBTEX)
    done = client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), _confirm_data(response))
    assert Output.objects.count() == 3
    page = client.get(done["Location"]).content.decode()
    assert "2 outputs imported from refs.bib." in page
    assert f"Entry “chen2025book” (line {BOOK_LINE}) repeats an output already recorded and is skipped" in page


def test_a_position_not_found_is_given_in_the_preview(signed_in, world):
    text = "@article{other, title={Kidney}, author={Wang, Wu and Li, Si}, year={2024}, doi={10.1000/kidney}}"
    client = signed_in("admin")
    response = _preview(client, world, "refs.bib", text)
    page = response.content.decode()
    assert "not found" in page and "Give the postdoc's position where it was not found, then confirm." in page
    data = _confirm_data(response)
    refused = client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), data)
    assert refused.status_code == 200
    assert "Entry “other” (line 1): Give the postdoc&#x27;s position among the authors" in refused.content.decode()
    assert counts() == (0, 0)
    data["position-1"] = "2"
    done = client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), data)
    assert done.status_code == 302 and Output.objects.get().author_position == 2


@pytest.mark.parametrize(
    ("name", "content", "sentence"),
    [
        (
            "broken.bib",
            "@article{broken,\n  title = {Unbalanced {brace,\n  year = {2020}\n}\n",
            "The block starting on line 1 (“@article{broken,”): it cannot be read",
        ),
        (
            "twice.bib",
            "@misc{a, title={A}, author={X}, year={2020}}\n@article{a, title={B}, author={Y}, year={2021}}\n",
            "Entry “a” (line 2): it has the same key as the entry on line 1; give every entry its own key.",
        ),
        ("no-type.ris", "TI  - Untyped\nAU  - X\nER  - \n", "the tag TI stands outside a record"),
        ("no-end.ris", "TY  - JOUR\nTI  - Open\nAU  - X\nPY  - 2024\n", "it does not end with an ER line"),
        (
            "bad-doi.bib",
            "@article{d, title={T}, author={Chen, Boshi}, year={2024}, doi={10.1/x}}",
            "Entry “d” (line 1): “10.1/x” is not a DOI",
        ),
    ],
)
def test_a_file_of_refused_entries_says_why_and_offers_nothing_to_confirm(signed_in, world, name, content, sentence):
    response = _preview(signed_in("admin"), world, name, content)
    assert response.status_code == 200
    page = response.content.decode()
    preview = response.context["preview"]
    assert preview.problems == [] and preview.importable == []
    assert any(sentence in reason for row in preview.refused for reason in row.reasons)
    assert "Nothing in this file can be imported." in page
    assert "import-confirm" not in page  # nothing to confirm
    assert counts() == (0, 0)


def test_a_file_nothing_of_which_can_be_read_is_refused_whole(signed_in, world):
    response = _preview(signed_in("admin"), world, "bad.json", '{"type": "article-journal"}')
    page = response.content.decode()
    assert "The file is refused: nothing is recorded." in page
    assert any("A CSL-JSON file is a list of items" in problem for problem in response.context["preview"].problems)
    assert "import-confirm" not in page
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "sentence"),
    [
        ("refs.docx", "@article{a}", "“refs.docx” is not a .bib, .ris, .json, .enw, .nbib or .txt file"),
        (
            "refs.bib",
            "@article{a, title={肝}, author={陈博士}, year={2024}}".encode("gbk"),
            "The file is not UTF-8 text",
        ),
        ("huge.bib", "%" * (1024 * 1024 + 1), "“huge.bib” is larger than 1 MB"),
    ],
)
def test_an_unreadable_upload_is_refused_next_to_the_file(signed_in, world, name, content, sentence):
    response = _preview(signed_in("admin"), world, name, content)
    assert response.status_code == 200
    assert sentence in str(response.context["form"].errors["file"])
    assert "preview" not in response.context
    assert counts() == (0, 0)


def test_a_tampered_or_foreign_preview_cannot_be_confirmed(signed_in, world):
    client = signed_in("admin")
    data = _confirm_data(_preview(client, world, "refs.bib", BIBTEX))
    tampered = client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), {**data, "payload": "x:y"})
    assert "The preview cannot be confirmed; upload the file again." in tampered.content.decode()
    # The same preview on another postdoc's stay, or by another user, is refused too.
    elsewhere = client.post(reverse("outputs:import-confirm", args=[world.other_appointment.pk]), data)
    assert "The preview cannot be confirmed" in elsewhere.content.decode()
    other_user = signed_in("secretary").post(reverse("outputs:import-confirm", args=[world.appointment.pk]), data)
    assert "The preview cannot be confirmed" in other_user.content.decode()
    assert counts() == (0, 0)


def test_an_htmx_confirmation_that_is_refused_returns_the_result_only(signed_in, world):
    client = signed_in("admin")
    response = client.post(
        reverse("outputs:import-confirm", args=[world.appointment.pk]), {"payload": "x"}, headers=HTMX
    )
    page = response.content.decode()
    assert "<html" not in page and 'id="import-result"' in page


def test_the_phase_of_an_import_follows_the_stay(signed_in, world):
    client = signed_in("admin")
    text = "@article{early, title={Early}, author={Chen, Boshi}, year={2023}, month=dec, day={1}, doi={10.1000/early}}"
    response = _preview(client, world, "refs.bib", text)
    assert response.context["preview"].rows[0].output.phase == "before_entry"
    client.post(reverse("outputs:import-confirm", args=[world.appointment.pk]), _confirm_data(response))
    assert Output.objects.get().dated_on == dt.date(2023, 12, 1)
