"""Matching a list's rows to the institution's postdocs: exact, uncertain, unmatched, other institution."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awardlists.matching import (
    Outcome,
    batch_key,
    chinese_key,
    institution_key,
    latin_key,
    match_row,
    note_text,
    person_keys,
    pinyin_keys,
    row_name_keys,
)
from awardlists.selectors import load_context
from awardlists.services import host_name_add
from tests.awardlists.conftest import HOST, Lists, row, upload

# ---- the keys names are compared by ---------------------------------------------------------


def test_traditional_and_simplified_names_have_one_key() -> None:
    assert chinese_key("陳曉東") == chinese_key("陈晓东") == "陈晓东"
    assert chinese_key(" 陈 晓东 ") == "陈晓东"


def test_middle_dots_of_a_transliterated_name_are_dropped() -> None:
    assert chinese_key("约翰·史密斯") == chinese_key("约翰•史密斯") == chinese_key("约翰・史密斯") == "约翰史密斯"


@pytest.mark.parametrize(
    "written", ["Chen Xiaodong", "Xiaodong Chen", "Chen, Xiaodong", "CHEN Xiaodong", "Chenxiaodong", "Xiao-Dong Chen"]
)
def test_every_latin_writing_of_a_chinese_name_meets_its_pinyin(written: str) -> None:
    (key,) = row_name_keys(written)
    assert key in pinyin_keys("陈晓东")


def test_pinyin_of_a_polyphonic_surname_and_a_compound_one() -> None:
    assert {"zengguofan", "guofanzeng"} <= pinyin_keys("曾国藩")
    assert {"ouyangxiu", "xiuouyang"} <= pinyin_keys("欧阳修")
    assert {"lvbu", "lubu", "lyubu", "bulv"} <= pinyin_keys("吕布")
    assert latin_key("Lǚ Bu") == "lubu"


def test_a_latin_name_answers_in_every_word_order() -> None:
    keys = person_keys("约翰·史密斯", "John Smith")
    assert {"约翰史密斯", "johnsmith", "smithjohn"} <= keys
    assert row_name_keys("SMITH, John") <= keys


def test_different_names_do_not_meet() -> None:
    assert not row_name_keys("陈晓冬") & person_keys("陈晓东", with_pinyin=True)
    assert not row_name_keys("Chen Xiaoming") & person_keys("陈晓东", with_pinyin=True)


def test_institution_and_batch_keys() -> None:
    assert institution_key("示例醫科大學") == institution_key("示例医科大学 ")
    assert institution_key("EXAMPLE University  U1") == institution_key("Example University U1")
    assert batch_key("第69批") == batch_key("69") == batch_key(" 第 69 批 ") == "69"


# ---- rows against the institution's postdocs ------------------------------------------------


def match(lists: Lists, name: str, number: str = "", discipline: object = "0710", host: str = HOST):  # noqa: ANN201
    context = load_context(lists.world.institution)
    return match_row(context, institution=host, name=name, postdoc_no=number, discipline=discipline)


def test_exact_by_number_and_name(lists: Lists) -> None:
    found = match(lists, "陈晓东", "BH-CXD-01")
    assert (found.outcome, found.appointment_id) == (Outcome.EXACT, lists.chen.pk)


def test_a_number_with_another_name_is_uncertain(lists: Lists) -> None:
    found = match(lists, "李四", "BH-CXD-01")
    assert found.outcome == Outcome.UNCERTAIN
    assert found.appointment_id is None
    assert found.candidates == [lists.chen.pk]
    assert "陈晓东" in note_text(found.notes[0])


def test_a_traditional_character_name_matches(lists: Lists) -> None:
    found = match(lists, "陳曉東", "BH-CXD-01")
    assert (found.outcome, found.appointment_id) == (Outcome.EXACT, lists.chen.pk)


def test_without_a_number_the_name_and_discipline_give_an_uncertain_candidate(lists: Lists) -> None:
    found = match(lists, "陳曉東", "")
    assert (found.outcome, found.candidates) == (Outcome.UNCERTAIN, [lists.chen.pk])


def test_the_same_name_in_another_discipline_is_no_candidate(lists: Lists) -> None:
    assert match(lists, "陈晓东", "", discipline="1002").outcome == Outcome.UNMATCHED


@pytest.mark.parametrize("written", ["Chen Xiaodong", "Xiaodong Chen", "CHEN, Xiao-dong"])
def test_a_latin_script_row_matches_by_pinyin_in_either_order(lists: Lists, written: str) -> None:
    assert match(lists, written, "BH-CXD-01").outcome == Outcome.EXACT
    assert match(lists, written, "").candidates == [lists.chen.pk]


def test_a_foreign_postdoc_matches_by_their_latin_name(lists: Lists) -> None:
    found = match(lists, "SMITH John", "BH-JS-03", discipline="1002")
    assert (found.outcome, found.appointment_id) == (Outcome.EXACT, lists.john.pk)
    assert match(lists, "John Smith", "", discipline="临床医学").candidates == [lists.john.pk]


def test_a_discipline_code_without_its_leading_zero(lists: Lists) -> None:
    assert match(lists, "陈晓东", "", discipline=710).candidates == [lists.chen.pk]
    assert match(lists, "陈晓东", "", discipline="710").candidates == [lists.chen.pk]
    assert match(lists, "陈晓东", "", discipline="生物學").candidates == [lists.chen.pk]
    assert match(lists, "陈晓东", "", discipline="071009").candidates == [lists.chen.pk]


def test_another_institution_by_its_name(lists: Lists) -> None:
    assert match(lists, "陈晓东", "BH-CXD-01", host="另一所大学").outcome == Outcome.OTHER
    assert match(lists, "陈晓东", "BH-CXD-01", host="Example University U1").outcome == Outcome.EXACT
    assert match(lists, "陈晓东", "BH-CXD-01", host="示例醫科大學").outcome == Outcome.EXACT


def test_an_alias_and_a_unit_are_the_institution(lists: Lists) -> None:
    before = match(lists, "陈晓东", "BH-CXD-01", host="示例医大")  # a likely form: uncertain, not exact
    assert (before.outcome, before.host_likely, before.candidates) == (Outcome.UNCERTAIN, True, [lists.chen.pk])
    host_name_add(institution=lists.world.institution, name="示例医大", by=lists.admin)
    assert match(lists, "陈晓东", "BH-CXD-01", host="示例医大").outcome == Outcome.EXACT
    assert not match(lists, "陈晓东", "BH-CXD-01", host="示例医大").host_likely
    assert match(lists, "陈晓东", "BH-CXD-01", host="学院S0710").outcome == Outcome.EXACT  # a unit's name
    assert match(lists, "陈晓东", "BH-CXD-01", host="示例医科大学附属第一医院").outcome == Outcome.EXACT


def test_unmatched_when_nobody_answers(lists: Lists) -> None:
    found = match(lists, "林黛玉", "BH-NONE-99")
    assert (found.outcome, found.candidates) == (Outcome.UNMATCHED, [])
    assert note_text(found.notes[0]) == "Postdoc number BH-NONE-99 is not one of the institution's."


def test_another_institutions_postdoc_is_never_a_candidate(lists: Lists) -> None:
    outsider = lists.world.outside_appointment
    found = match(lists, outsider.person.name, outsider.postdoc_no, discipline="1001")
    assert found.outcome == Outcome.UNMATCHED


def test_matching_a_list_reads_a_constant_number_of_queries(lists: Lists, django_assert_max_num_queries) -> None:  # noqa: ANN001
    context = load_context(lists.world.institution)
    with django_assert_max_num_queries(0):
        for i in range(50):
            match_row(context, institution=HOST, name=f"Name {i}", postdoc_no=f"X{i}", discipline="0710")


def test_an_upload_stores_each_outcome(lists: Lists) -> None:
    rows = [
        row(1, "陈晓东", "BH-CXD-01"),
        row(2, "李四", "BH-ZS-02", "1002"),
        row(3, "林黛玉", "", "0710"),
        row(4, "贾宝玉", "X1", "0710", host="另一所大学"),
        row(5, "薛宝钗", "X2", "0710", host="另一所大学"),
    ]
    small = upload(lists, rows)
    assert (small.exact_count, small.uncertain_count, small.unmatched_count, small.other_count) == (1, 1, 1, 2)
    assert small.row_count == 3  # other institutions' rows are counted, not kept
    assert small.other_institutions == {"另一所大学": 2}
    outcomes = dict(small.rows.values_list("name", "outcome"))
    assert outcomes == {"陈晓东": "exact", "李四": "uncertain", "林黛玉": "unmatched"}


def test_the_queries_of_an_upload_do_not_grow_with_the_list(lists: Lists) -> None:
    counts = []
    for batch, size in (("第70批", 3), ("第71批", 300)):
        rows = [row(1, "陈晓东", "BH-CXD-01")] + [row(10 + i, f"某人{i}", f"N{i}") for i in range(size)]
        with CaptureQueriesContext(connection) as queries:
            upload(lists, rows, batch=batch)
        counts.append(len(queries))
    assert counts[1] <= counts[0] <= 16
