"""Reading BibTeX, RIS and CSL-JSON: entries with their identifiers checked; a malformed entry is
refused alone with sentences that name it, its line and the rule, and only a file nothing can be
read from is refused whole."""

import datetime as dt
import json

import pytest

from outputs import identifiers
from outputs.names import FULL, INITIALS, NONE, find, match, name_forms
from outputs.parsers import BIBTEX, CSL_JSON, PUBMED, REFER, RIS, TEXT, format_of, parse
from tests.outputs.conftest import BIBTEX as BIB_SAMPLE
from tests.outputs.conftest import CSL_JSON as CSL_SAMPLE
from tests.outputs.conftest import RIS as RIS_SAMPLE

# ---- valid files ---------------------------------------------------------------------------------


def test_a_bibtex_file_gives_its_entries_with_clean_identifiers():
    parsed = parse(BIB_SAMPLE.encode(), BIBTEX)
    assert parsed.problems == [] and parsed.refused == []
    paper, conference, book = parsed.entries
    assert (paper["ref"], paper["line"], paper["kind"]) == ("chen2024cells", 2, "paper")
    assert paper["title"] == "Single-cell atlas of the Human liver: a CRISPR screen"
    assert paper["authors"] == ["Chen, Boshi", "Müller, Hans", "Zhang, San"]
    assert paper["marked"] == [2]  # Müller's * mark
    assert paper["corresponding_names"] == ["Chen, Boshi"]
    assert paper["doi"] == "10.1038/s41467-024-00001-x"  # resolver stripped, lower-case
    assert paper["issn"] == "2041-1723"
    assert paper["published_on"] == dt.date(2024, 10, 15) and paper["year"] == 2024
    assert (paper["journal"], paper["volume"], paper["issue"], paper["pages"]) == (
        "Nature Communications",
        "15",
        "4",
        "101–115",
    )
    assert conference["kind"] == "paper" and conference["authors"] == ["张三", "陈博士", "李四"]
    assert conference["journal"] == "中华医学会年会论文集" and conference["published_on"] is None
    assert book["kind"] == "book" and book["isbn"] == "9787030123459"  # an ISBN-10, kept as ISBN-13


def test_a_ris_file_gives_its_records():
    parsed = parse(RIS_SAMPLE.encode(), RIS)
    assert parsed.problems == [] and parsed.refused == []
    paper, patent = parsed.entries
    assert paper["label"] == "Record 1 (line 1)"
    assert paper["doi"] == "10.1016/j.jhep.2024.01.001"  # "doi:" stripped
    assert paper["published_on"] == dt.date(2024, 6, 1)
    assert paper["pages"] == "900–912" and paper["issn"] == "0168-8278"
    assert paper["corresponding_names"] == ["Chen, Boshi"]
    assert patent["kind"] == "patent" and patent["number"] == "ZL202510000001.2" and patent["line"] == 17


def test_a_csl_json_file_gives_its_items():
    parsed = parse(CSL_SAMPLE.encode(), CSL_JSON)
    assert parsed.problems == [] and parsed.refused == []
    paper, standard = parsed.entries
    assert paper["label"] == "Item 1 (id “liver-2024”)"
    assert paper["authors"] == ["Zhang, San", "Chen, Boshi"]
    assert paper["issn"] == "0092-8674" and paper["published_on"] == dt.date(2024, 5, 20)
    assert standard["kind"] == "standard" and standard["number"] == "T/CSCB 0001-2025"
    assert standard["year"] == 2025 and standard["published_on"] is None


def test_a_byte_order_mark_and_windows_line_ends_are_read():
    parsed = parse(("\ufeff" + RIS_SAMPLE.replace("\n", "\r\n")).encode(), RIS)
    assert parsed.problems == [] and len(parsed.entries) == 2


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("refs.BIB", BIBTEX),
        ("x.ris", RIS),
        ("zotero.json", CSL_JSON),
        ("cnki.enw", REFER),
        ("pubmed-set.nbib", PUBMED),
        ("CNKI-2024.TXT", TEXT),
    ],
)
def test_the_format_follows_the_files_name(name, fmt):
    assert format_of(name) == fmt


def test_other_files_have_no_format():
    assert format_of("refs.docx") is None and format_of("refs") is None


# ---- malformed entries: refused alone, the rest of the file is read ------------------------------

GOOD_ENTRY = "@article{good, title={Fine}, author={Chen, Boshi}, year={2024}}\n"


def refused(parsed):
    """The refused entries as (index, ref, line, label, reasons), for exact comparisons."""
    return [(r["index"], r["ref"], r["line"], r["label"], r["reasons"]) for r in parsed.refused]


def test_bibtex_with_an_unbalanced_brace_refuses_that_block_alone_naming_its_line():
    text = (
        GOOD_ENTRY
        + "@article{broken,\n  title = {Unbalanced {brace,\n  year = {2020}\n}\n"
        + GOOD_ENTRY.replace("good", "later")
    )
    parsed = parse(text, BIBTEX)
    assert parsed.problems == []
    assert [(e["index"], e["ref"]) for e in parsed.entries] == [(1, "good"), (3, "later")]
    [(index, ref, line, label, reasons)] = refused(parsed)
    assert (index, ref, line) == (2, "broken", 2)
    assert label == "The block starting on line 2 (“@article{broken,”)"
    assert reasons[0].startswith("it cannot be read: a brace or quote is not closed")
    assert parsed.refusal_sentences()[0].startswith(
        "The block starting on line 2 (“@article{broken,”): it cannot be read: a brace or quote is not closed"
    )


def test_bibtex_with_a_duplicate_key_refuses_the_second_naming_both_lines():
    parsed = parse(GOOD_ENTRY + "\n" + GOOD_ENTRY, BIBTEX)
    assert [e["line"] for e in parsed.entries] == [1]
    assert refused(parsed) == [
        (
            2,
            "good",
            3,
            "Entry “good” (line 3)",
            ["it has the same key as the entry on line 1; give every entry its own key."],
        )
    ]


def test_bibtex_with_a_field_given_twice_is_refused():
    parsed = parse("@article{twice, title={A}, title={B}, author={X}, year={2020}}", BIBTEX)
    assert parsed.entries == [] and parsed.problems == []
    assert refused(parsed) == [
        (1, "twice", 1, "Entry “twice” (line 1)", ["it gives the field “title” more than once."])
    ]


def test_an_unknown_bibtex_type_refuses_the_entry_naming_it():
    parsed = parse("@misc{web, title={A page}, author={X}, year={2020}}\n" + GOOD_ENTRY, BIBTEX)
    assert [e["index"] for e in parsed.entries] == [2]
    assert parsed.refused[0]["reasons"][0].startswith("its type “@misc” is not one recorded here")


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("doi", "10.12/abc", "“10.12/abc” is not a DOI: a DOI reads 10.<4 to 9 digits>/<suffix>"),
        ("doi", "https://example.org/10.1000/x", "“https://example.org/10.1000/x” is not a DOI"),
        ("issn", "0028-0837", "“0028-0837” is not a valid ISSN (its check digit is wrong)"),
        ("issn", "0028-083", "“0028-083” is not a valid ISSN (it has the wrong number of characters)"),
        ("isbn", "978-7-03-012345-6", "“978-7-03-012345-6” is not a valid ISBN (its check digit is wrong)"),
    ],
)
def test_a_wrong_identifier_is_named_with_its_entry_and_line(field, value, sentence):
    text = GOOD_ENTRY + f"@article{{bad, title={{T}}, author={{X}}, year={{2020}}, {field}={{{value}}}}}"
    parsed = parse(text, BIBTEX)
    assert [e["ref"] for e in parsed.entries] == ["good"]
    [(index, ref, line, label, reasons)] = refused(parsed)
    assert (index, ref, line, label) == (2, "bad", 2, "Entry “bad” (line 2)")
    assert len(reasons) == 1 and reasons[0].startswith(sentence)
    assert parsed.refusal_sentences()[0].startswith(f"Entry “bad” (line 2): {sentence}")


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ("author={X}, year={2020}", "it has no title."),
        ("title={T}, year={2020}", "it names no authors."),
        ("title={T}, author={X}", "it has no year."),
        ("title={T}, author={X}, year={1850}", "The year 1850 is outside 1900–"),
        ("title={T}, author={X}, year={MMXX}", "“MMXX” is not a year"),
    ],
)
def test_a_missing_or_impossible_detail_is_named(fields, sentence):
    parsed = parse(f"@article{{e1, {fields}}}", BIBTEX)
    assert parsed.refused[0]["label"] == "Entry “e1” (line 1)"
    assert parsed.refused[0]["reasons"][0].startswith(sentence)


def test_every_reason_of_an_entry_is_given():
    parsed = parse("@misc{e1, year={1850}, doi={10.12/x}}", BIBTEX)
    reasons = parsed.refused[0]["reasons"]
    assert len(reasons) == 5
    assert reasons[0].startswith("its type “@misc”") and reasons[1:3] == ["it has no title.", "it names no authors."]
    assert reasons[3].startswith("The year 1850") and reasons[4].startswith("“10.12/x” is not a DOI")


RIS_GOOD = "TY  - JOUR\nTI  - Fine\nAU  - Chen, Boshi\nPY  - 2024\nER  - \n"


def test_ris_tags_before_any_ty_are_refused_naming_the_line():
    text = "TI  - Untyped\nAU  - Chen, Boshi\nER  - \n\n" + RIS_GOOD
    parsed = parse(text, RIS)
    assert [(e["index"], e["line"], e["label"]) for e in parsed.entries] == [(2, 5, "Record 2 (line 5)")]
    assert refused(parsed) == [
        (
            1,
            "1",
            1,
            "Record 1 (line 1)",
            [
                "the tag TI stands outside a record; every record starts with a TY line (its type) and ends with an ER line."
            ],
        )
    ]


def test_ris_without_er_at_the_end_is_refused_naming_the_record():
    text = RIS_GOOD + "\nTY  - JOUR\nTI  - Unfinished\nAU  - Chen, Boshi\nPY  - 2024\n"
    parsed = parse(text, RIS)
    assert len(parsed.entries) == 1
    assert refused(parsed) == [(2, "2", 7, "Record 2 (line 7)", ["it does not end with an ER line."])]


def test_ris_whose_record_runs_into_the_next_refuses_the_first():
    text = "TY  - JOUR\nTI  - First\nTY  - JOUR\nTI  - Second\nAU  - X\nPY  - 2020\nER  - \n"
    parsed = parse(text, RIS)
    assert [e["title"] for e in parsed.entries] == ["Second"]
    assert refused(parsed) == [
        (1, "1", 1, "Record 1 (line 1)", ["it has no ER line before the next record starts on line 3."])
    ]


def test_an_unknown_ris_type_is_refused():
    parsed = parse("TY  - ELEC\nTI  - A page\nAU  - X\nPY  - 2020\nER  - \n", RIS)
    assert parsed.refused[0]["label"] == "Record 1 (line 1)"
    assert parsed.refused[0]["reasons"][0].startswith("its type “ELEC” is not one recorded here")


def test_json_that_does_not_parse_is_refused_whole_with_its_place():
    parsed = parse('[{"type": "article-journal", "title": "x"', CSL_JSON)
    assert parsed.entries == [] and parsed.refused == []
    assert parsed.problems == [
        "The file is not valid JSON: it breaks off or has a stray character at line 1, column 42."
    ]


def test_json_that_is_not_a_list_of_items_is_refused_whole():
    parsed = parse(json.dumps({"items": []}), CSL_JSON)
    assert parsed.problems == ["A CSL-JSON file is a list of items ([{…}, {…}]); this file holds a single object."]
    item = parse("[1]", CSL_JSON)
    assert item.problems == []
    assert refused(item) == [(1, "1", None, "Item 1", ["it is a number, not an object with a type and a title."])]


def test_csl_items_of_the_wrong_shape_are_refused_each_alone():
    items = [
        {"id": "a", "type": "article-journal", "title": "T", "author": "Chen Boshi", "issued": {"date-parts": "2020"}},
        {"id": "b", "title": "No type", "author": [{"family": "Chen", "given": "Boshi"}]},
        {"id": "c", "type": "webpage", "title": "W", "author": [{"literal": "X"}], "issued": {"date-parts": [[2020]]}},
        {"id": "d", "type": "book", "title": "W", "author": [{"literal": "X"}], "issued": {"date-parts": [[2020]]}},
    ]
    parsed = parse(json.dumps(items), CSL_JSON)
    assert [(e["index"], e["ref"]) for e in parsed.entries] == [(4, "d")]
    a, b, c = parsed.refused
    assert (a["index"], a["ref"], a["line"], a["label"]) == (1, "a", None, "Item 1 (id “a”)")
    assert a["reasons"] == [
        "“author” should be a list of names like {“family”: “Zhang”, “given”: “San”}.",
        "“issued” should read {“date-parts”: [[2024, 5, 17]]}.",
    ]
    assert b["reasons"] == ["it has no “type” (e.g. “article-journal”)."]
    assert c["label"] == "Item 3 (id “c”)" and c["reasons"][0].startswith("its type “webpage” is not one recorded here")


def test_a_file_in_another_encoding_is_refused():
    parsed = parse("@article{a, title={肝脏}, author={陈博士}, year={2024}}".encode("gbk"), BIBTEX)
    assert parsed.entries == [] and parsed.refused == []
    assert parsed.problems[0].startswith("The file is not UTF-8 text")


def test_a_binary_file_is_refused():
    assert parse(b"PK\x03\x04\x00\x00", RIS).problems == [
        "The file holds binary data, not text; export the references again."
    ]


def test_a_file_without_entries_is_refused():
    assert parse("% nothing here\n", BIBTEX).problems == ["The file holds no entries."]
    assert parse("[]", CSL_JSON).problems == ["The file holds no entries."]


def test_a_file_with_too_many_entries_is_refused_whole(monkeypatch):
    monkeypatch.setattr("outputs.parsers.MAX_ENTRIES", 2)
    parsed = parse(RIS_GOOD * 2 + "TY  - ELEC\nER  - \n", RIS)
    assert parsed.problems == ["The file holds 3 entries; import at most 2 at a time."]
    assert parsed.entries == [] and parsed.refused == []


# ---- identifiers and names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("10.1038/NATURE12373", "10.1038/nature12373"),
        ("https://doi.org/10.1038/nature12373", "10.1038/nature12373"),
        ("http://dx.doi.org/10.1038/nature12373", "10.1038/nature12373"),
        ("doi:10.1038/nature12373", "10.1038/nature12373"),
        ("DOI: 10.1038/nature12373", "10.1038/nature12373"),
        ("", ""),
    ],
)
def test_dois_are_kept_bare_and_lower_case(given, stored):
    assert identifiers.clean_doi(given) == stored


def test_titles_are_normalised_for_duplicates():
    assert identifiers.normalise_title("Liver: a CRISPR screen!") == identifiers.normalise_title(
        "LIVER — A   crispr SCREEN"
    )
    assert identifiers.normalise_title("肝脏（类器官）") == identifiers.normalise_title("肝脏(类器官)")  # full width
    assert identifiers.normalise_title("Ｌｉｖｅｒ") == "liver"


@pytest.mark.parametrize(
    ("author", "strength"),
    [
        ("陈博士", 3),
        ("Chen Boshi", FULL),
        ("Boshi Chen", FULL),
        ("Chen, Boshi", FULL),
        ("CHEN Bo-Shi*", FULL),
        ("B. Chen", INITIALS),
        ("Chen B", INITIALS),
        ("Chen, B.-S.", INITIALS),
        ("Chen Bo", NONE),
        ("Cheng Boshi", NONE),
        ("陈博", NONE),
    ],
)
def test_the_postdoc_is_found_in_the_forms_journals_print(author, strength):
    assert match(author, name_forms("陈博士")) == strength


def test_the_latin_name_on_record_and_compound_surnames_are_found():
    assert match("David Chen", name_forms("陈博士", "David Chen")) == FULL
    assert match("Ouyang, Nana", name_forms("欧阳娜娜")) == FULL
    assert match("Lyu Jie", name_forms("吕洁")) == FULL
    assert match("Zeng Fan", name_forms("曾凡")) == FULL


def test_the_best_match_wins_and_ties_are_flagged():
    forms = name_forms("陈博士")
    assert find(["B. Chen", "Li Si", "Chen Boshi"], forms).position == 3
    tie = find(["Chen B", "Li Si", "B. Chen"], forms)
    assert (tie.position, tie.ambiguous) == (1, True)
    assert find(["Li Si"], forms).position is None
