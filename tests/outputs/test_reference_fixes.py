"""Reference files as databases really write them: forgiving about form (field names in any case,
escaped DOIs, decorated ISSNs, markup in titles, Chinese names in parts, @string macros), strict
about meaning (a wrong check digit is still named), and no file makes the reader fail."""

import json
import logging

import pytest

from outputs import identifiers
from outputs.names import EXACT, find, match, name_forms
from outputs.parsers import BIBTEX, CSL_JSON, NOTEEXPRESS, REFER, REFWORKS, RIS, TEXT, parse
from outputs.parsers.reading import plain

CANNOT_BE_READ = "it cannot be read; check it in the reference manager and export it again."

# ---- BibTeX as Web of Science writes it ---------------------------------------------------------

WOS_BIBTEX = r"""@Article{ WOS:001012345600001,
Author = {Luo, Yaoqun and Fang, Mingyue and Chen, Boshi},
Title = {{Hepatic organoids in drug-induced liver injury}},
Journal = {PSYCHONEUROENDOCRINOLOGY},
Year = {2023},
Volume = {150},
DOI = {10.1016/j.psyneuen.2023.106\_012},
ISSN = {0306-4530},
EISSN = {1873-3360},
Affiliation = {Chen, BS (Corresponding Author), Yuzhou Med Univ, Chongqing, Peoples R China.},
Unique-ID = {WOS:001012345600001},
}
"""


def test_capitalised_bibtex_fields_are_read_and_authors_split():
    [entry] = parse(WOS_BIBTEX, BIBTEX).entries
    assert entry["authors"] == ["Luo, Yaoqun", "Fang, Mingyue", "Chen, Boshi"]
    assert entry["title"] == "Hepatic organoids in drug-induced liver injury"
    assert (entry["journal"], entry["year"], entry["volume"]) == ("PSYCHONEUROENDOCRINOLOGY", 2023, "150")
    assert entry["doi"] == "10.1016/j.psyneuen.2023.106_012" and entry["issn"] == "0306-4530"
    assert entry["corresponding_names"] == ["Chen, BS"]
    assert find(entry["authors"], name_forms("陈博士")).position == 3


def test_upper_case_field_names_are_read():
    [entry] = parse("@ARTICLE{x, AUTHOR = {Chen, Boshi and Li, Si}, TITLE = {T}, YEAR = {2024}}", BIBTEX).entries
    assert entry["authors"] == ["Chen, Boshi", "Li, Si"] and entry["title"] == "T"


@pytest.mark.parametrize(
    ("written", "doi"),
    [
        (r"10.1007/978-3-030-95398-0\_10", "10.1007/978-3-030-95398-0_10"),
        (r"10.1007/978-3-030-95398-0{\_}10", "10.1007/978-3-030-95398-0_10"),
        (r"10.1000/50\%off", "10.1000/50%off"),
        (r"https://doi.org/10.1000/A\&B", "10.1000/a&b"),
    ],
)
def test_escaped_characters_in_a_bibtex_doi_are_the_real_doi(written, doi):
    [entry] = parse(f"@article{{x, author={{X}}, title={{T}}, year={{2024}}, doi={{{written}}}}}", BIBTEX).entries
    assert entry["doi"] == doi


def test_a_doi_typed_with_escapes_is_cleaned_too():
    assert identifiers.clean_doi(r"10.1007/978-3-030-95398-0\_10") == "10.1007/978-3-030-95398-0_10"


def test_string_macros_and_concatenation_are_expanded():
    text = r"""@string{nc = "Nature " # "Communications"}
@String{JHEP = {Journal of Hepatology}}
@article{a, author={X}, title={T}, year={2024}, journal = nc}
@article{b, author={X}, title={T2}, year={2024}, journal = jhep # { Reports}}
@article{c, author={X}, title = "Part one, " # {part two}, year={2024}, journal = {J}}
"""
    a, b, c = parse(text, BIBTEX).entries
    assert a["journal"] == "Nature Communications"
    assert b["journal"] == "Journal of Hepatology Reports"
    assert c["title"] == "Part one, part two"


# ---- Chinese names in family and given parts ------------------------------------------------------


def test_chinese_names_in_parts_are_one_name_in_every_format():
    csl = [
        {
            "id": "a",
            "type": "article-journal",
            "title": "肝脏类器官",
            "author": [
                {"family": "罗", "given": "耀群"},
                {"family": "欧阳", "given": "娜娜"},
                {"family": "Li", "given": "Si"},
            ],
            "issued": {"date-parts": [[2024]]},
        }
    ]
    [from_csl] = parse(json.dumps(csl, ensure_ascii=False), CSL_JSON).entries
    assert from_csl["authors"] == ["罗耀群", "欧阳娜娜", "Li, Si"]
    [from_bibtex] = parse(
        "@article{x, author={方, 明月 and 罗 耀群 and Luo, Yaoqun}, title={T}, year={2024}}", BIBTEX
    ).entries
    assert from_bibtex["authors"] == ["方明月", "罗耀群", "Luo, Yaoqun"]
    [from_ris] = parse("TY  - JOUR\nAU  - 方, 明月\nAU  - 罗，耀群\nTI  - T\nPY  - 2024\nER  - \n", RIS).entries
    assert from_ris["authors"] == ["方明月", "罗耀群"]
    assert find(from_ris["authors"], name_forms("罗耀群")).position == 2


def test_a_chinese_name_in_parts_matches_the_postdoc():
    assert match("罗, 耀群", name_forms("罗耀群")) == EXACT
    assert match("罗 耀群*", name_forms("罗耀群")) == EXACT
    assert match("罗, 耀", name_forms("罗耀群")) != EXACT


# ---- ISSN and ISBN as databases write them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "issn"),
    [
        ("03064530 (ISSN)", "0306-4530"),
        ("0306-4530; 1873-3360", "0306-4530"),
        ("0306-4530, 1873-3360", "0306-4530"),
        ("1873-3360 (Electronic)", "1873-3360"),
        ("0306-4530 (Print)", "0306-4530"),
        ("ISSN 0306-4530", "0306-4530"),
        ("eISSN: 1873-3360", "1873-3360"),
        ("0306-4530 (Linking)", "0306-4530"),
        ("", ""),
    ],
)
def test_issns_as_databases_write_them(written, issn):
    assert identifiers.first_issn(written) == issn


@pytest.mark.parametrize(
    ("written", "isbn"),
    [
        ("978-7-117-12345-7 (hardcover)", "9787117123457"),
        ("9780123456786 9780123456793", "9780123456786"),
        ("9780123456786; 9780123456793", "9780123456786"),
        ("ISBN 978-7-03-036789-1", "9787030367891"),
        ("7-03-012345-X (pbk.)", "9787030123459"),
    ],
)
def test_isbns_as_databases_write_them(written, isbn):
    assert identifiers.first_isbn(written) == isbn


def test_a_wrong_check_digit_is_named_even_beside_a_valid_number():
    with pytest.raises(Exception, match="“1873-3361” is not a valid ISSN \\(its check digit is wrong\\)"):
        identifiers.first_issn("0306-4530; 1873-3361")
    with pytest.raises(Exception, match="“9780123456780” is not a valid ISBN"):
        identifiers.first_isbn("9780123456786 9780123456780")


def test_words_beside_a_valid_number_are_ignored_but_alone_are_named():
    assert identifiers.first_issn("0306-4530 see notes") == "0306-4530"
    with pytest.raises(Exception, match="“n/a-1” is not a valid ISSN"):
        identifiers.first_issn("n/a-1")
    assert identifiers.first_issn("0306 4530") == "0306-4530"


def test_a_decorated_issn_in_a_file_is_read():
    [entry] = parse("@article{x, author={X}, title={T}, year={2024}, issn={03064530 (ISSN)}}", BIBTEX).entries
    assert entry["issn"] == "0306-4530"
    [book] = parse("@book{x, author={X}, title={T}, year={2024}, isbn={978-7-117-12345-7 (hardcover)}}", BIBTEX).entries
    assert book["isbn"] == "9787117123457"


# ---- journal names and markup ----------------------------------------------------------------------

PUBMED_RIS = """TY  - JOUR
AU  - Chen, Boshi
TI  - Liver <i>in vivo</i> imaging &amp; H<sub>2</sub>O<sub>2</sub>
JO  - Psychoneuroendocrinology
JA  - Psychoneuroendocrinology
J2  - Psychoneuroendocrinol
JF  - Psychoneuroendocrinology: An International Journal
PY  - 2023
SN  - 1873-3360 (Electronic)
SN  - 0306-4530 (Linking)
ER  -
"""


def test_ris_gives_the_journals_full_name_over_its_abbreviation():
    [entry] = parse(PUBMED_RIS, RIS).entries
    assert entry["journal"] == "Psychoneuroendocrinology: An International Journal"
    assert entry["title"] == "Liver in vivo imaging & H2O2"
    assert entry["issn"] == "1873-3360"
    scopus = "TY  - JOUR\nAU  - X\nTI  - T\nT2  - Journal of Hepatology\nJ2  - J. Hepatol.\nPY  - 2024\nER  - \n"
    assert parse(scopus, RIS).entries[0]["journal"] == "Journal of Hepatology"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (r"Ca$^{2+}$ signalling", "Ca2+ signalling"),
        (r"$\alpha$-synuclein and $\beta$-amyloid", "α-synuclein and β-amyloid"),
        (r"Dose $\cdot$ response at 37 $^\circ$C", "Dose · response at 37 °C"),
        (r"$\mathrm{CO}_2$ levels $\leq$ 5\%", "CO2 levels ≤ 5\\%"),
        ("<i>Escherichia coli</i> in H<sub>2</sub>O", "Escherichia coli in H2O"),
        ("Science &amp; Technology &lt;review&gt;", "Science & Technology <review>"),
        ("p < 0.05 in <scp>mice</scp>", "p < 0.05 in mice"),
        ("Costs of $5 and $10 per dose", "Costs of $5 and $10 per dose"),
    ],
)
def test_markup_is_stripped_from_titles(written, read):
    assert plain(written) == read


def test_bibtex_titles_and_journals_lose_their_markup():
    text = r"@article{x, author={X}, title={{$\alpha$}-Synuclein <i>in vivo</i>}, journal={Science &amp; Technology}, year={2024}}"
    [entry] = parse(text, BIBTEX).entries
    assert entry["title"] == "α-Synuclein in vivo" and entry["journal"] == "Science & Technology"


# ---- no file makes the reader fail ----------------------------------------------------------------


def hostile_files():
    many = " and ".join(f"Author{n}, A." for n in range(3000))
    return [
        ("@article{e, title={}, author={}, year={}}", BIBTEX),
        ("@article{b, title={{{{}}}}, author={{}}, year={{}}}", BIBTEX),
        ("{{{{}}}}}}}}@@@@{", BIBTEX),
        ("@article{", BIBTEX),
        ("@article{x, author={" + many + "}, title={Many}, year={2020}}", BIBTEX),
        ("@article{x, author = {and and and}, title={T}, year={2020}}", BIBTEX),
        ("@article{x, author={X}, title={T}, year={99999999999999999999}, month={13}, day={99}}", BIBTEX),
        ("TY  - JOUR\nZZ  - unknown tag\nXY  - \nTI  - T\nAU  - \nPY  - 2024/99/99/\nER  - \n", RIS),
        ("TY  - \nER  - \n", RIS),
        ("ER  - \nER  - \n", RIS),
        ("%0 \n%A ;;;\n%T \n%D 0000-00-00\n", REFER),
        ("%0 Journal Article\n%Q unknown\n%A X\n%T T\n%D 99999\n%@ (ISSN)\n", REFER),
        ("RT \nA1 ;\nYR abc\n", REFWORKS),
        ("{Reference Type}: \n{Author}: ;;\n{}: empty tag\n", NOTEEXPRESS),
        ('[{}, null, [], "x", {"type": 5}, {"type": "book", "author": [{}], "issued": {}}]', CSL_JSON),
        (
            '[{"type": "book", "title": "T", "author": [{"family": "X"}], "issued": {"date-parts": [["2020", "99", "99"]]}}]',
            CSL_JSON,
        ),
        ("[" * 100000 + "]" * 100000, CSL_JSON),
        ("\ufeff\n\n\n", TEXT),
    ]


@pytest.mark.parametrize(("text", "fmt"), hostile_files())
def test_hostile_files_are_refused_with_sentences_not_errors(text, fmt, caplog):
    with caplog.at_level(logging.ERROR, logger="outputs.parsers"):
        parsed = parse(text, fmt)
    assert not caplog.records, "an unexpected error was caught: fix the reader, not the test"
    for refused in parsed.refused:
        assert refused["reasons"] and CANNOT_BE_READ not in refused["reasons"]
        assert isinstance(refused["index"], int) and refused["label"]
    assert parsed.problems or parsed.entries or parsed.refused


def test_a_huge_author_list_is_read_whole():
    many = " and ".join(f"Author{n}, A." for n in range(3000))
    [entry] = parse("@article{x, author={" + many + "}, title={Many}, year={2020}}", BIBTEX).entries
    assert len(entry["authors"]) == 3000


def test_an_unexpected_error_refuses_that_entry_alone(monkeypatch, caplog):
    from outputs.parsers import bibtex

    real = bibtex._bibtex_fields

    def failing(index, label, entry, parsed):
        if entry.key == "bad":
            raise RuntimeError("boom")
        return real(index, label, entry, parsed)

    monkeypatch.setattr(bibtex, "_bibtex_fields", failing)
    text = "@article{good, author={X}, title={T}, year={2024}}\n@article{bad, author={X}, title={U}, year={2024}}"
    with caplog.at_level(logging.ERROR, logger="outputs.parsers"):
        parsed = parse(text, BIBTEX)
    assert [e["ref"] for e in parsed.entries] == ["good"]
    assert parsed.refused == [
        {"index": 2, "ref": "bad", "line": 2, "label": "Entry “bad” (line 2)", "reasons": [CANNOT_BE_READ]}
    ]
    assert "boom" in caplog.text  # logged for the developers, not hidden
