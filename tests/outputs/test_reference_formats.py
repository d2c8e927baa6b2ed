"""The tagged text CNKI (中国知网) and Wanfang (万方) export — EndNote/Refer, RefWorks and
NoteExpress — and a .txt file read by what it holds. Every file here is written by the test, in
the shapes those databases write."""

import datetime as dt

import pytest

from outputs.names import EXACT, find, match, name_forms
from outputs.parsers import (
    BIBTEX,
    CSL_JSON,
    NOTEEXPRESS,
    REFER,
    REFWORKS,
    RIS,
    TEXT,
    detect,
    format_of,
    parse,
)

# CNKI's "EndNote" export: one %A line with the authors joined by ";", Chinese type names elsewhere.
CNKI_REFER = """%0 Journal Article
%A 罗耀群;方明月;陈博士
%+ 渝州医科大学附属第一医院;
%T 肝脏类器官在药物肝毒性评价中的应用
%J 中华肝脏病杂志
%D 2023
%V 31
%N 05
%K 类器官;肝毒性;药物评价
%X 目的 探讨肝脏类器官
在药物肝毒性评价中的价值。
%P 455-460
%@ 1007-3418
%L 11-3737/R
%U https://kns.cnki.net/kcms2/article/abstract?v=x
%W CNKI

%0 Thesis
%A 陈博士
%T 肝脏类器官的构建
%Y 王五
%I 渝州医科大学
%9 博士
%D 2022
%W CNKI

%0 Conference Proceedings
%A 陈博士
%A 李四
%T 类器官芯片
%B 第十届全国肝病学术会议论文集
%D 2024
%P 12-13
%W CNKI
"""

# Wanfang's EndNote export: one author a line, the DOI in %R, the date in full.
WANFANG_REFER = """%0 Journal Article
%A 陈博士
%A 张三
%T 类器官与肝再生
%J 中国组织工程研究
%D 2024-03-08
%V 28
%N 9
%P 1401-1406
%@ 2095-4344
%R 10.12307/2024.123
%W 万方数据
"""

CNKI_REFWORKS = """RT Journal Article
SR 1
A1 罗耀群;方明月;陈博士
AD 渝州医科大学附属第一医院
T1 肝脏类器官在药物肝毒性评价中的应用
JF 中华肝脏病杂志
JO 中华肝病
YR 2023
IS 05
vo 31
OP 455-460
K1 类器官;肝毒性
AB 目的 探讨肝脏类器官在药物肝毒性评价中的价值。
SN 1007-3418
CN 11-3737/R
LA 中文;
DS CNKI
LK https://kns.cnki.net/kcms2/article/abstract?v=x

RT Dissertation/Thesis
A1 陈博士
T1 肝脏类器官的构建
YR 2022
PB 渝州医科大学
DS CNKI

RT Journal Article
A1 Chen, Boshi
A1 Li, Si
T1 Organoids of the liver
JF Journal of Hepatology
JO J Hepatol
YR 2024
FD 2024-06-01
VO 80
IS 6
SP 900
OP 912
SN 0168-8278
DO 10.1016/j.jhep.2024.01.001
"""

CNKI_NOTEEXPRESS = """{Reference Type}: Journal Article
{Title}: 肝脏类器官在药物肝毒性评价中的应用
{Author}: 罗耀群;方明月;陈博士;
{Author Address}: 渝州医科大学附属第一医院;
{Journal}: 中华肝脏病杂志
{Year}: 2023
{Volume}: 31
{Issue}: 05
{Pages}: 455-460
{Keywords}: 类器官;肝毒性
{Abstract}: 目的 探讨肝脏类器官的价值。
{ISBN/ISSN}: 1007-3418
{Notes}: 11-3737/R
{Database Provider}: CNKI


{Reference Type}: Patent
{Title}: 一种肝脏类器官培养装置
{Author}: 陈博士;王五
{Subsidiary Author}: 渝州医科大学
{Date}: 2025-02-14
{Notes}: CN119000001A
{Type of Work}: CN119000001A
{SrcDatabase}: 中国专利


{Reference Type}: Conference Proceedings
{Title}: 类器官芯片
{Author}: 陈博士
{Secondary Title}: 第十届全国肝病学术会议
{Year}: 2024
{Pages}: 12-13
{Database Provider}: CNKI


{Reference Type}: Newspaper Article
{Title}: 类器官走进临床
{Author}: 本报记者
{Secondary Title}: 健康报
{Date}: 2024-01-09
{Database Provider}: CNKI
"""


def test_cnki_endnote_text_gives_its_articles_and_refuses_the_thesis():
    parsed = parse(CNKI_REFER.encode(), REFER)
    assert parsed.problems == []
    article, conference = parsed.entries
    assert (article["index"], article["ref"], article["line"], article["label"]) == (1, "1", 1, "Record 1 (line 1)")
    assert article["kind"] == "paper" and article["authors"] == ["罗耀群", "方明月", "陈博士"]
    assert article["title"] == "肝脏类器官在药物肝毒性评价中的应用"
    assert (article["journal"], article["year"], article["volume"], article["issue"]) == (
        "中华肝脏病杂志",
        2023,
        "31",
        "05",
    )
    assert article["pages"] == "455–460" and article["issn"] == "1007-3418"
    assert (conference["index"], conference["kind"], conference["journal"]) == (
        3,
        "paper",
        "第十届全国肝病学术会议论文集",
    )
    assert conference["authors"] == ["陈博士", "李四"]
    [thesis] = parsed.refused
    assert (thesis["index"], thesis["ref"], thesis["line"]) == (2, "2", 18)
    assert thesis["reasons"][0].startswith("its type “Thesis” is not one recorded here")


def test_wanfang_endnote_text_gives_the_doi_and_the_date():
    [entry] = parse(WANFANG_REFER.encode(), REFER).entries
    assert entry["authors"] == ["陈博士", "张三"]
    assert entry["doi"] == "10.12307/2024.123" and entry["issn"] == "2095-4344"
    assert entry["published_on"] == dt.date(2024, 3, 8) and entry["year"] == 2024


def test_cnki_refworks_text_prefers_the_journals_full_name():
    parsed = parse(CNKI_REFWORKS.encode(), REFWORKS)
    assert parsed.problems == []
    chinese, english = parsed.entries
    assert chinese["authors"] == ["罗耀群", "方明月", "陈博士"] and chinese["journal"] == "中华肝脏病杂志"
    assert (chinese["volume"], chinese["issue"], chinese["pages"]) == ("31", "05", "455–460")
    assert english["index"] == 3 and english["journal"] == "Journal of Hepatology"
    assert english["pages"] == "900–912" and english["published_on"] == dt.date(2024, 6, 1)
    assert english["doi"] == "10.1016/j.jhep.2024.01.001" and english["authors"] == ["Chen, Boshi", "Li, Si"]
    [thesis] = parsed.refused
    assert thesis["line"] == 20 and thesis["reasons"][0].startswith("its type “Dissertation/Thesis” is not one")


def test_cnki_noteexpress_text_gives_papers_and_patents():
    parsed = parse(CNKI_NOTEEXPRESS.encode(), NOTEEXPRESS)
    assert parsed.problems == []
    article, patent, conference = parsed.entries
    assert article["authors"] == ["罗耀群", "方明月", "陈博士"] and article["journal"] == "中华肝脏病杂志"
    assert article["issn"] == "1007-3418" and article["pages"] == "455–460"
    assert patent["kind"] == "patent" and patent["number"] == "CN119000001A"
    assert patent["published_on"] == dt.date(2025, 2, 14) and patent["year"] == 2025
    assert conference["journal"] == "第十届全国肝病学术会议" and conference["index"] == 3
    [newspaper] = parsed.refused
    assert newspaper["index"] == 4 and newspaper["reasons"][0].startswith("its type “Newspaper Article”")


def test_the_postdoc_is_found_in_a_cnki_author_list():
    [article, *_rest] = parse(CNKI_NOTEEXPRESS.encode(), NOTEEXPRESS).entries
    assert find(article["authors"], name_forms("陈博士")).position == 3


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (CNKI_REFER, REFER),
        (WANFANG_REFER, REFER),
        (CNKI_REFWORKS, REFWORKS),
        (CNKI_NOTEEXPRESS, NOTEEXPRESS),
        ("\n\nTY  - JOUR\nTI  - X\nER  - \n", RIS),
        ("% Zotero\n@article{a, title={X}}", BIBTEX),
        ('  [{"type": "book"}]', CSL_JSON),
        ("%A 陈博士\n%T 无类型行\n", REFER),  # no %0 line, but tags only Refer writes
    ],
)
def test_the_format_of_a_text_file_is_read_from_what_it_holds(text, fmt):
    assert detect(text) == fmt


def test_a_txt_upload_is_parsed_in_the_format_it_holds():
    assert format_of("CNKI-20240301.txt") == TEXT
    parsed = parse(CNKI_REFWORKS.encode(), TEXT)
    assert parsed.format == REFWORKS and len(parsed.entries) == 2


def test_a_txt_upload_in_no_known_format_says_which_formats_are_read_and_how_to_export():
    parsed = parse("题名: 肝脏类器官\n作者: 陈博士\n".encode(), TEXT)
    assert parsed.entries == [] and parsed.refused == []
    [problem] = parsed.problems
    assert problem.startswith("The file's format is not recognised. Files read here are BibTeX, RIS, CSL-JSON")
    assert "from CNKI (中国知网) or Wanfang (万方), choose Export → EndNote, RefWorks or NoteExpress" in problem


def test_endnote_text_saved_as_ris_is_read_as_endnote():
    parsed = parse(WANFANG_REFER.encode(), RIS)
    assert parsed.format == REFER and len(parsed.entries) == 1


def test_a_record_without_its_type_line_is_refused_alone():
    text = WANFANG_REFER + "\n%A 王五\n%T 缺少类型行的记录\n%D 2024\n\n" + WANFANG_REFER
    parsed = parse(text, REFER)
    assert [e["index"] for e in parsed.entries] == [1, 3]
    [missing] = parsed.refused
    assert (missing["index"], missing["line"]) == (2, 14)
    assert missing["reasons"] == ["it has no %0 line giving its type before its %A line; every record starts with one."]


def test_tags_before_the_first_noteexpress_record_are_refused_alone():
    parsed = parse("{Title}: 孤立的题名\n\n" + CNKI_NOTEEXPRESS, NOTEEXPRESS)
    assert parsed.refused[0]["reasons"] == [
        "it has no {Reference Type} line giving its type before its Title line; every record starts with one."
    ]
    assert len(parsed.entries) == 3


def test_a_tagged_record_with_a_wrong_issn_or_no_year_names_it():
    text = "%0 Journal Article\n%A 陈博士\n%T 题名\n%J 期刊\n%@ 1007-3419\n\n%0 Journal Article\n%A 陈博士\n%T 题名二\n"
    parsed = parse(text, REFER)
    first, second = parsed.refused
    assert first["reasons"][0] == "it has no year."
    assert first["reasons"][1].startswith("“1007-3419” is not a valid ISSN (its check digit is wrong)")
    assert second["reasons"] == ["it has no year."]


def test_chinese_names_in_a_cnki_list_match_exactly():
    [entry, *_rest] = parse(CNKI_REFER.encode(), REFER).entries
    assert find(entry["authors"], name_forms("罗耀群")).position == 1
    assert match(entry["authors"][1], name_forms("方明月")) == EXACT
