"""PubMed's MEDLINE format (.nbib, "Save → PubMed format") and Web of Science's plain text and
tab-delimited exports, written here as the databases write them for a Chinese medical postdoc:
full names over short ones, the journal's full name, the DOI marked [doi], print and electronic
ISSNs, corresponding authors from WoS's RP lines; notices (errata, retractions) refused with a
sentence; hostile files refused entry by entry or as a whole, never an error. The last tests
record the entries on a stay, on whichever database the run uses."""

import datetime as dt

import pytest

from outputs.importing import preview
from outputs.models import Output
from outputs.names import FULL, INITIALS, NONE, find, match, name_forms
from outputs.parsers import PUBMED, REFER, RIS, TEXT, WOS, detect, format_of, parse
from outputs.services import outputs_import
from people.services import person_update

NBIB = """PMID- 36812345
OWN - NLM
STAT- MEDLINE
DCOM- 20230420
LR  - 20230501
IS  - 1873-3360 (Electronic)
IS  - 0306-4530 (Linking)
VI  - 150
DP  - 2023 Apr
TI  - Hepatic organoids reveal zonated responses to glucocorticoids in a
      stress-induced liver injury model.
PG  - 106012
LID - 10.1016/j.psyneuen.2023.106012 [doi]
LID - S0306-4530(23)00012-3 [pii]
AB  - BACKGROUND: Chronic stress alters hepatic metabolism. METHODS: We exposed
      human hepatic organoids to cortisol ... CONCLUSIONS: Zonation shapes the response.
CI  - Copyright (c) 2023 Elsevier Ltd. All rights reserved.
FAU - Luo, Yaoqun
AU  - Luo Y
AD  - Department of Hepatobiliary Surgery, Yuzhou Medical University, Chongqing,
      China.
FAU - Chen, Boshi
AU  - Chen B
AUID- ORCID: 0000-0002-1825-0097
AD  - Department of Hepatobiliary Surgery, Yuzhou Medical University, Chongqing,
      China. Electronic address: chenboshi@example.cn.
FAU - Fang, Mingyue
AU  - Fang M
LA  - eng
PT  - Journal Article
PT  - Research Support, Non-U.S. Gov't
DEP - 20230115
PL  - England
TA  - Psychoneuroendocrinology
JT  - Psychoneuroendocrinology
JID - 7612148
SB  - IM
MH  - Humans
MH  - *Organoids
EDAT- 2023/02/23 06:00
MHDA- 2023/04/21 06:00
CRDT- 2023/02/22 19:13
PHST- 2022/10/11 00:00 [received]
AID - S0306-4530(23)00012-3 [pii]
AID - 10.1016/j.psyneuen.2023.106012 [doi]
PST - ppublish
SO  - Psychoneuroendocrinology. 2023 Apr;150:106012. doi:
      10.1016/j.psyneuen.2023.106012. Epub 2023 Jan 15.

PMID- 37000001
OWN - NLM
STAT- In-Process
IS  - 0168-8278 (Print)
IS  - 1600-0641 (Electronic)
IS  - 0168-8278 (Linking)
VI  - 78
IP  - 3
DP  - 2023 Mar 15
TI  - Beta-catenin signalling in periportal hepatocytes: a systematic review and
      meta-analysis.
PG  - 123-30
LID - 10.1016/j.jhep.2023.01.002 [doi]
FAU - Chen, Bo-Shi
AU  - Chen BS
FAU - Wang, Wu
AU  - Wang W
LA  - eng
PT  - Systematic Review
PT  - Meta-Analysis
PT  - Review
TA  - J Hepatol
JT  - Journal of hepatology
CIN - J Hepatol. 2023 Mar;78(3):500-501. doi: 10.1016/j.jhep.2023.02.099. PMID:
      37000099

PMID- 37000002
OWN - NLM
STAT- Publisher
DP  - 2023 May
TI  - Erratum to "Beta-catenin signalling in periportal hepatocytes".
PG  - 1099
AID - 10.1016/j.jhep.2023.04.001 [doi]
AU  - Chen B
PT  - Published Erratum
TA  - J Hepatol
JT  - Journal of hepatology

PMID- 37000003
OWN - NLM
STAT- MEDLINE
IS  - 0270-9139 (Print)
IS  - 1527-3350 (Electronic)
VI  - 79
IP  - 2
DP  - 2024
TI  - Reply: Liver regeneration after partial hepatectomy in mice.
PG  - E45-E46
AU  - Zhang S
AU  - Chen B
PT  - Letter
PT  - Comment
TA  - Hepatology
JT  - Hepatology (Baltimore, Md.)
"""

WOS_TXT = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Luo, YQ
   Chen, BS
   Fang, MY
AF Luo, Yaoqun
   Chen, Boshi
   Fang, Mingyue
TI Hepatic organoids reveal zonated responses to glucocorticoids in a
   stress-induced liver injury model
SO PSYCHONEUROENDOCRINOLOGY
LA English
DT Article
C1 [Luo, Yaoqun; Chen, Boshi] Yuzhou Med Univ, Dept Hepatobiliary Surg, Chongqing 400016, Peoples R China.
   [Fang, Mingyue] Chongqing Med Univ, Chongqing, Peoples R China.
RP Chen, BS (corresponding author), Yuzhou Med Univ, Dept Hepatobiliary Surg, Chongqing 400016, Peoples R China.
   Luo, YQ (corresponding author), Yuzhou Med Univ, Chongqing 400016, Peoples R China.
EM chenboshi@example.cn
PU PERGAMON-ELSEVIER SCIENCE LTD
J9 PSYCHONEUROENDOCRINO
JI Psychoneuroendocrinology
PD APR
PY 2023
VL 150
AR 106012
DI 10.1016/j.psyneuen.2023.106012
EA JAN 2023
SN 0306-4530
EI 1873-3360
UT WOS:000950000000001
DA 2023-05-01
ER

PT J
AU Chen, BS
   Wang, W
AF Chen, Boshi
   Wang, Wu
TI Beta-catenin signalling in periportal hepatocytes: a systematic review
   and meta-analysis
SO JOURNAL OF HEPATOLOGY
DT Review
RP Chen, BS (corresponding author), Yuzhou Med Univ, Chongqing, Peoples R China.
PD MAR 15
PY 2023
VL 78
IS 3
BP 123
EP 130
DI 10.1016/j.jhep.2023.01.002
SN 0168-8278
EI 1600-0641
UT WOS:000950000000002
ER

PT S
AU Chen, B
   Li, S
AF Chen, Boshi
   Li, Si
TI Organoid chips for hepatotoxicity screening
SO Lecture Notes in Computer Science
SE Lecture Notes in Computer Science
DT Proceedings Paper
CT 27th International Conference on Medical Image Computing
PY 2024
VL 15001
BP 101
EP 110
DI 10.1007/978-3-031-72378-0_10
SN 0302-9743
EI 1611-3349
BN 978-3-031-72377-3
UT WOS:001342000000003
ER

PT B
AU Chen, BS
AF Chen, Boshi
TI Liver Organoids: Methods and Protocols
SO LIVER ORGANOIDS: METHODS AND PROTOCOLS
DT Book
PU SCIENCE PRESS
PY 2025
BN 978-7-03-012345-9
UT WOS:001400000000004
ER

PT J
AU Chen, BS
AF Chen, Boshi
TI Correction to: Hepatic organoids reveal zonated responses
SO PSYCHONEUROENDOCRINOLOGY
DT Correction
PY 2023
VL 152
DI 10.1016/j.psyneuen.2023.106100
SN 0306-4530
UT WOS:000950000000005
ER

EF
"""

# The tab-delimited export ("Tab delimited file", UTF-8): a header row of tags, a record a row.
_COLUMNS = ["PT", "AU", "AF", "TI", "SO", "DT", "RP", "PD", "PY", "VL", "IS", "BP", "EP", "AR", "DI", "SN", "EI", "UT"]
WOS_TAB = (
    "\n".join(
        "\t".join(row)
        for row in [
            _COLUMNS,
            [
                "J",
                "Luo, YQ; Chen, BS",
                "Luo, Yaoqun; Chen, Boshi",
                "Hepatic organoids in drug-induced liver injury",
                "JOURNAL OF HEPATOLOGY",
                "Article",
                "Chen, BS (corresponding author), Yuzhou Med Univ, Chongqing, Peoples R China.; "
                "Luo, YQ (corresponding author), Yuzhou Med Univ, Chongqing, Peoples R China.",
                "JUN",
                "2024",
                "80",
                "6",
                "900",
                "912",
                "",
                "10.1016/j.jhep.2024.01.001",
                "0168-8278",
                "1600-0641",
                "WOS:001200000000001",
            ],
            [
                "J",
                "Chen, BS",
                "Chen, Boshi",
                "Bile duct organoids in cholestasis",
                "HEPATOLOGY COMMUNICATIONS",
                "Article",
                "",
                "MAR 1",
                "2024",
                "8",
                "3",
                "",
                "",
                "e0401",
                "10.1097/HC9.0000000000000401",
                "",
                "2471-254X",
                "WOS:001200000000002",
            ],
        ]
    )
    + "\n"
)


# ---- PubMed ------------------------------------------------------------------------------------------


def test_a_pubmed_file_gives_its_papers_with_full_names_the_journal_and_the_doi():
    parsed = parse(NBIB.encode(), PUBMED)
    assert parsed.problems == [] and parsed.format == PUBMED
    first, review, letter = parsed.entries
    assert (first["index"], first["ref"], first["line"]) == (1, "36812345", 1)
    assert first["label"] == "Record 1 (PMID 36812345, line 1)"
    assert first["kind"] == "paper"
    assert first["title"] == (
        "Hepatic organoids reveal zonated responses to glucocorticoids in a stress-induced liver injury model."
    )
    assert first["authors"] == ["Luo, Yaoqun", "Chen, Boshi", "Fang, Mingyue"]  # FAU over AU
    assert first["journal"] == "Psychoneuroendocrinology"
    assert first["doi"] == "10.1016/j.psyneuen.2023.106012"  # from LID [doi], not the [pii]
    assert first["issn"] == "0306-4530"  # the linking ISSN before the electronic one
    assert (first["year"], first["published_on"]) == (2023, None)  # "2023 Apr" gives no day
    assert (first["volume"], first["issue"], first["pages"]) == ("150", "", "106012")
    assert first["corresponding_names"] == []  # MEDLINE does not say

    assert review["kind"] == "paper" and review["authors"] == ["Chen, Bo-Shi", "Wang, Wu"]
    assert review["journal"] == "Journal of hepatology"  # JT over TA
    assert review["issn"] == "0168-8278"  # the print ISSN first
    assert review["published_on"] == dt.date(2023, 3, 15) and review["year"] == 2023
    assert review["pages"] == "123–130"  # MEDLINE's "123-30" written out
    assert review["doi"] == "10.1016/j.jhep.2023.01.002"  # not the DOI of the comment on it (CIN)

    assert letter["kind"] == "paper" and letter["authors"] == ["Zhang S", "Chen B"]  # AU when no FAU
    assert (letter["pages"], letter["issn"], letter["doi"]) == ("E45–E46", "0270-9139", "")


def test_a_published_erratum_is_refused_saying_it_is_a_notice():
    [erratum] = parse(NBIB.encode(), PUBMED).refused
    assert (erratum["index"], erratum["ref"], erratum["line"]) == (3, "37000002", 76)
    assert erratum["label"] == "Record 3 (PMID 37000002, line 76)"
    assert erratum["reasons"] == [
        "it is a notice about another paper (Published Erratum), not an output; import the paper's own record instead."
    ]


@pytest.mark.parametrize(
    ("types", "reason"),
    [
        (["Retraction of Publication"], "it is a notice about another paper (Retraction of Publication)"),
        (["Expression of Concern"], "it is a notice about another paper (Expression of Concern)"),
        (["Journal Article", "Retracted Publication"], "it is marked as retracted (Retracted Publication)"),
        (["Preprint"], "its type “Preprint” is not one recorded here"),
        ([], "its type “—” is not one recorded here"),
    ],
)
def test_records_that_are_not_papers_are_refused_with_a_sentence(types, reason):
    text = "PMID- 1\nTI  - A title\nAU  - Chen B\nDP  - 2024\n" + "".join(f"PT  - {t}\n" for t in types)
    [refused] = parse(text, PUBMED).refused
    assert refused["reasons"][0].startswith(reason)


@pytest.mark.parametrize(
    ("types", "kind"),
    [
        (["Case Reports"], "paper"),
        (["Editorial"], "paper"),
        (["Randomized Controlled Trial", "Multicenter Study"], "paper"),
        (["Clinical Trial, Phase II"], "paper"),
        (["Comparative Study", "Journal Article"], "paper"),
    ],
)
def test_any_article_type_makes_a_record_a_paper(types, kind):
    text = "PMID- 1\nTI  - A title\nAU  - Chen B\nDP  - 2024\n" + "".join(f"PT  - {t}\n" for t in types)
    [entry] = parse(text, PUBMED).entries
    assert entry["kind"] == kind


@pytest.mark.parametrize(
    ("dp", "year", "date"),
    [
        ("2023 Mar 15", 2023, dt.date(2023, 3, 15)),
        ("2023 Mar", 2023, None),
        ("2022 Winter", 2022, None),
        ("2023 Mar-Apr", 2023, None),
        ("2023 Feb 30", 2023, None),  # no such day: the year alone
    ],
)
def test_the_year_and_date_come_from_dp(dp, year, date):
    text = f"PMID- 1\nTI  - A title\nAU  - Chen B\nDP  - {dp}\nPT  - Journal Article\n"
    [entry] = parse(text, PUBMED).entries
    assert (entry["year"], entry["published_on"]) == (year, date)


def test_a_pubmed_record_without_dp_takes_its_year_from_the_electronic_date():
    text = "PMID- 1\nTI  - A title\nAU  - Chen B\nDEP - 20250110\nPT  - Journal Article\n"
    [entry] = parse(text, PUBMED).entries
    assert entry["year"] == 2025


def test_a_wrong_issn_in_a_pubmed_record_is_named():
    text = "PMID- 1\nTI  - A title\nAU  - Chen B\nDP  - 2024\nPT  - Journal Article\nIS  - 0306-4531 (Print)\n"
    [refused] = parse(text, PUBMED).refused
    assert refused["reasons"][0].startswith("“0306-4531” is not a valid ISSN (its check digit is wrong)")


# ---- Web of Science ----------------------------------------------------------------------------------


def test_a_web_of_science_file_gives_papers_books_and_series():
    parsed = parse(WOS_TXT.encode(), WOS)
    assert parsed.problems == [] and parsed.format == WOS
    article, review, proceedings, book = parsed.entries
    assert article["label"] == "Record 1 (WOS:000950000000001, line 3)"
    assert (article["ref"], article["kind"]) == ("WOS:000950000000001", "paper")
    assert article["authors"] == ["Luo, Yaoqun", "Chen, Boshi", "Fang, Mingyue"]  # AF over AU
    assert article["title"] == (
        "Hepatic organoids reveal zonated responses to glucocorticoids in a stress-induced liver injury model"
    )
    assert article["journal"] == "PSYCHONEUROENDOCRINOLOGY"  # SO, not J9 or JI
    assert (article["issn"], article["doi"], article["pages"]) == (
        "0306-4530",
        "10.1016/j.psyneuen.2023.106012",
        "106012",
    )
    assert (article["year"], article["published_on"], article["publisher"]) == (
        2023,
        None,
        "PERGAMON-ELSEVIER SCIENCE LTD",
    )
    assert article["corresponding_names"] == ["Chen, BS", "Luo, YQ"]

    assert review["published_on"] == dt.date(2023, 3, 15) and review["pages"] == "123–130"
    assert (review["volume"], review["issue"]) == ("78", "3")
    assert review["corresponding_names"] == ["Chen, BS"]

    assert proceedings["kind"] == "paper" and proceedings["issn"] == "0302-9743"  # PT S with an ISSN
    assert proceedings["doi"] == "10.1007/978-3-031-72378-0_10"

    assert book["kind"] == "book" and book["isbn"] == "9787030123459"
    assert book["title"] == "Liver Organoids: Methods and Protocols" and book["journal"] == ""


def test_a_correction_in_web_of_science_is_refused_as_a_notice():
    [correction] = parse(WOS_TXT.encode(), WOS).refused
    assert correction["ref"] == "WOS:000950000000005"
    assert correction["reasons"] == [
        "it is a notice about another paper (Correction), not an output; import the paper's own record instead."
    ]


def test_a_series_record_with_only_an_isbn_is_a_book_and_a_patent_has_its_number():
    text = (
        "FN Clarivate Analytics Web of Science\nVR 1.0\n"
        "PT S\nAF Chen, Boshi\nTI Hepatic Organoids\nSE Methods in Molecular Biology\nDT Book\nPY 2024\n"
        "BN 978-7-03-012345-9\nER\n\n"
        "PT P\nAU CHEN B\n   WANG W\nTI Liver organoid culture device\nPN CN116000000-A; CN116000000-B\nPY 2024\nER\n\nEF\n"
    )
    book, patent = parse(text, WOS).entries
    assert (
        book["kind"] == "book" and book["isbn"] == "9787030123459" and book["journal"] == "Methods in Molecular Biology"
    )
    assert (
        patent["kind"] == "patent" and patent["number"] == "CN116000000-A" and patent["authors"] == ["CHEN B", "WANG W"]
    )


def test_an_unknown_record_type_is_refused_naming_it():
    text = "PT X\nAF Chen, Boshi\nTI Something\nPY 2024\nER\n"
    [refused] = parse(text, WOS).refused
    assert refused["reasons"][0].startswith("its type “X” is not one recorded here")


def test_the_tab_delimited_export_is_read_too():
    parsed = parse(WOS_TAB.encode(), TEXT)
    assert parsed.format == WOS and parsed.problems == [] and parsed.refused == []
    first, second = parsed.entries
    assert first["authors"] == ["Luo, Yaoqun", "Chen, Boshi"]
    assert first["corresponding_names"] == ["Chen, BS", "Luo, YQ"]
    assert (first["issn"], first["pages"], first["line"]) == ("0168-8278", "900–912", 2)
    assert first["label"] == "Record 1 (WOS:001200000000001, line 2)"
    assert second["published_on"] == dt.date(2024, 3, 1) and second["pages"] == "e0401"
    assert second["issn"] == "2471-254X" and second["doi"] == "10.1097/hc9.0000000000000401"


def test_the_older_reprint_author_mark_and_several_on_one_line_are_read():
    text = (
        "PT J\nAF Luo, Yaoqun\n   Chen, Boshi\nTI A title\nPY 2020\n"
        "RP Luo, YQ (reprint author), Yuzhou Med Univ, Chongqing, Peoples R China. Chen, B. (Corresponding Author), "
        "Yuzhou Med Univ, Peoples R China.\nER\n"
    )
    [entry] = parse(text, WOS).entries
    assert entry["corresponding_names"] == ["Luo, YQ", "Chen, B."]


# ---- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (NBIB, PUBMED),
        ("\n\nPMID- 1\nTI  - x\n", PUBMED),
        ("TI  - x\nFAU - Chen, Boshi\n", PUBMED),  # no PMID: the four-letter tags tell
        (WOS_TXT, WOS),
        ("PT J\nAU Chen, BS\nER\n", WOS),
        ("AF Chen, Boshi\nTI x\nER\n", WOS),  # no header, no PT
        (WOS_TAB, WOS),
        ("TY  - JOUR\nAU  - Chen, B.\nER  - \n", RIS),
    ],
)
def test_pubmed_and_web_of_science_text_is_recognised_by_what_it_holds(text, fmt):
    assert detect(text) == fmt


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("pubmed-hepaticorg-set.nbib", PUBMED), ("citations.NBIB", PUBMED), ("savedrecs.txt", TEXT)],
)
def test_an_nbib_file_is_pubmed_and_a_txt_is_read_by_what_it_holds(name, fmt):
    assert format_of(name) == fmt


def test_text_uploads_are_parsed_in_the_format_they_hold():
    assert parse(NBIB.encode(), TEXT).format == PUBMED
    assert parse(("\ufeff" + WOS_TXT.replace("\n", "\r\n")).encode(), TEXT).format == WOS
    assert len(parse("\ufeff" + WOS_TXT, TEXT).entries) == 4


def test_a_pubmed_file_saved_under_another_name_is_read_as_pubmed():
    parsed = parse(NBIB.encode(), RIS)
    assert parsed.format == PUBMED and len(parsed.entries) == 3
    assert parse(WOS_TXT, REFER).format == WOS


def test_the_unrecognised_file_sentence_names_pubmed_and_web_of_science():
    [problem] = parse("题名: 肝脏类器官\n作者: 陈博士\n", TEXT).problems
    assert "PubMed (MEDLINE, .nbib) and Web of Science plain text" in problem
    assert "from PubMed Cite → Download .nbib" in problem and "Export → Plain text file" in problem


# ---- hostile files -----------------------------------------------------------------------------------


def test_a_web_of_science_file_with_only_its_header_and_end_holds_no_entries():
    parsed = parse("FN Clarivate Analytics Web of Science\nVR 1.0\nEF\n", TEXT)
    assert parsed.format == WOS and parsed.problems == ["The file holds no entries."]


def test_a_web_of_science_record_without_er_is_refused_alone():
    text = WOS_TXT.replace("UT WOS:000950000000001\nDA 2023-05-01\nER\n", "UT WOS:000950000000001\n")
    parsed = parse(text, WOS)
    [cut] = parsed.refused[:1]
    assert cut["reasons"] == ["it has no ER line before the next record starts on line 33."]
    assert len(parsed.entries) == 3
    last = parse("PT J\nAF Chen, Boshi\nTI Cut off\nPY 2024\n", WOS)
    assert last.refused[0]["reasons"] == ["it does not end with an ER line."]


def test_tags_outside_a_web_of_science_record_are_refused_alone():
    text = (
        "FN Clarivate Analytics Web of Science\nVR 1.0\nAU Chen, BS\nTI Stray\nER\n\n" + WOS_TXT.split("VR 1.0\n", 1)[1]
    )
    parsed = parse(text, WOS)
    stray = parsed.refused[0]
    assert (stray["index"], stray["line"]) == (1, 3)
    assert stray["reasons"] == [
        "the tag AU stands outside a record; every record starts with a PT line (its type) and ends with an ER line."
    ]
    assert len(parsed.entries) == 4


def test_records_without_a_title_are_refused_with_every_reason():
    wos = parse("PT J\nAF Chen, Boshi\nPY 2024\nSN 0306-4531\nER\n", WOS)
    assert wos.refused[0]["reasons"][0] == "it has no title."
    assert wos.refused[0]["reasons"][1].startswith("“0306-4531” is not a valid ISSN")
    pubmed = parse("PMID- 1\nAU  - Chen B\nPT  - Journal Article\n", PUBMED)
    assert pubmed.refused[0]["reasons"] == ["it has no title.", "it has no year."]


def test_a_continuation_line_before_any_tag_is_left_aside():
    pubmed = parse("      stray wrapped text\n" + NBIB, TEXT)
    assert pubmed.format == PUBMED and len(pubmed.entries) == 3
    wos = parse("   Chen, Boshi\n" + WOS_TXT, TEXT)
    assert wos.format == WOS and len(wos.entries) == 4


def test_a_pubmed_record_without_its_pmid_is_still_read_after_a_blank_line():
    text = NBIB + "\nTI  - A record without its PMID line\nFAU - Chen, Boshi\nDP  - 2024\nPT  - Journal Article\n"
    parsed = parse(text, PUBMED)
    assert parsed.entries[-1]["label"] == "Record 5 (line 105)" and parsed.entries[-1]["ref"] == "5"


@pytest.mark.parametrize(
    "text",
    [
        "PMID- \n",
        "PMID- 1\n" * 3,
        "PMID- 1\nDP  - 99999 Mar 99\nTI  - x\nAU  - y\nPT  - Journal Article\n",
        "PMID- 1\nPG  - 9999999999999999999999-1\nTI  - x\nAU  - y\nDP  - 2024\nPT  - Journal Article\n",
        "PMID- 1\nLID - not a doi [doi]\nTI  - x\nAU  - y\nDP  - 2024\nPT  - Journal Article\n",
        "PT J\nER\nER\nEF\nEF\n",
        "PT J\nPD FEB 31\nPY 2024\nTI x\nAF y\nER\n",
        "PT\nTI x\nER\n",
        "FN Clarivate\n   \n   continuation\nEF\n",
        "PT\tAU\tTI\n\t\t\n",
        "PT\tAU\tTI\nJ\n",
        "PT\tAU\tTI\nJ\tChen, B\tTitle\textra\tcells\n",
    ],
)
def test_hostile_pubmed_and_web_of_science_text_is_refused_with_sentences_not_errors(text, caplog):
    parsed = parse(text, TEXT)
    assert parsed.problems or parsed.refused or parsed.entries
    assert all(reason.endswith(".") for entry in parsed.refused for reason in entry["reasons"])
    assert "Traceback" not in caplog.text


# ---- names -------------------------------------------------------------------------------------------


def test_latin_names_from_pubmed_and_web_of_science_match_a_postdoc_with_an_english_name():
    forms = name_forms("罗耀群", "Yaoqun Luo")
    assert match("Luo, Yaoqun", forms) == FULL  # FAU, AF
    assert match("Luo, Yao-Qun", forms) == FULL
    assert match("Luo Y", forms) == INITIALS  # MEDLINE's AU
    assert match("Luo, YQ", forms) == INITIALS  # Web of Science's AU and RP
    assert match("Luo, Y-Q", forms) == INITIALS
    assert match("Fang, Mingyue", forms) == NONE
    [article, *_rest] = parse(WOS_TXT, WOS).entries
    assert find(article["authors"], forms).position == 1
    assert any(match(name, forms) for name in article["corresponding_names"])


def test_the_english_name_alone_finds_a_postdoc_whose_chinese_name_reads_otherwise():
    # 吕 is Lü, written Lyu or Lv by journals; the English name on the person is what the paper prints.
    forms = name_forms("吕思远", "Siyuan Lyu")
    assert match("Lyu, Siyuan", forms) == FULL and match("Lv, Siyuan", forms) == FULL
    forms = name_forms("张三", "Samuel Zhang")
    assert match("Zhang, Samuel", forms) == FULL and match("Zhang S", forms) == INITIALS


# ---- recorded on a stay (SQLite and PostgreSQL) --------------------------------------------------------


@pytest.mark.django_db
def test_a_pubmed_file_is_recorded_with_its_source(world):
    person_update(person=world.appointment.person, by=world.admin, name_en="Boshi Chen")
    shown = preview(appointment=world.appointment, user=world.admin, name="pubmed-chenboshi-set.nbib", text=NBIB)
    assert shown.format == PUBMED and shown.problems == []
    assert [row.entry["author_position"] for row in shown.importable] == [2, 1, 2]
    assert [row.index for row in shown.refused] == [3]
    imported = outputs_import(
        appointment=world.appointment,
        entries=shown.entries,
        chosen=[row.index for row in shown.importable],
        by=world.admin,
        source=shown.format,
    )
    assert len(imported.created) == 3
    saved = Output.objects.get(doi="10.1016/j.jhep.2023.01.002")
    assert (saved.source, saved.get_source_display(), saved.issn, saved.pages) == (
        "pubmed",
        "PubMed file",
        "0168-8278",
        "123–130",
    )
    assert saved.published_on == dt.date(2023, 3, 15) and saved.author_list == ["Chen, Bo-Shi", "Wang, Wu"]


@pytest.mark.django_db
def test_a_web_of_science_file_is_recorded_with_the_corresponding_author(world):
    person_update(person=world.appointment.person, by=world.admin, name_en="Boshi Chen")
    shown = preview(appointment=world.appointment, user=world.admin, name="savedrecs.txt", text=WOS_TXT)
    assert shown.format == WOS
    rows = {row.ref: row for row in shown.importable}
    assert rows["WOS:000950000000001"].entry["author_position"] == 2
    assert rows["WOS:000950000000001"].entry["corresponding"] is True
    assert rows["WOS:001342000000003"].entry["corresponding"] is False
    imported = outputs_import(
        appointment=world.appointment,
        entries=shown.entries,
        chosen=list(rows and [row.index for row in shown.importable]),
        by=world.admin,
        source=shown.format,
    )
    assert len(imported.created) == 4
    article = Output.objects.get(doi="10.1016/j.psyneuen.2023.106012")
    assert (article.source, article.get_source_display(), article.corresponding) == ("wos", "Web of Science file", True)
    assert Output.objects.get(kind="book").isbn == "9787030123459"
