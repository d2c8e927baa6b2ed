"""Funder and programme text matched to the catalogue: names and aliases, NFKC, case and spaces."""

import pytest

from funding.lookup import FunderIndex, match_funder, match_programme
from funding.services import funder_save
from funding.shipped import NameIndex, normalise
from tests.funding.helpers import programme, shipped

pytestmark = pytest.mark.django_db


def test_names_are_compared_without_width_case_or_spaces():
    assert normalise("  ＣＰＳＦ ") == normalise("cpsf") == "cpsf"
    assert normalise("特别资助（站中）") == normalise("特别资助 (站中)")
    index = NameIndex()
    index.add("general", "面上资助\n面上")
    index.add("pre", "特别资助（站前）")
    index.add("in", "特别资助")
    assert index.exact("面 上 资 助") == "general"
    assert index.best("面上资助 第69批 一等") == "general"
    assert index.best("特别资助（站前） 第3批") == "pre"  # the longest name it begins with
    assert index.best("特别资助 第14批") == "in"
    assert index.best("青年基金") is None and index.best("") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("中国博士后科学基金会", "CPSF"),
        ("中国博士后科学基金", "CPSF"),
        ("CPSF", "CPSF"),
        ("china postdoctoral  science foundation", "CPSF"),
        ("国家自然科学基金", "NSFC"),
        ("ＮＳＦＣ", "NSFC"),
        ("国家自然科学基金委员会", "NSFC"),
        ("全国博管办", "NPMC"),
        ("重庆市人社局", "CQ-HRSS"),
        ("重庆市科技局", "CQ-STB"),
        ("重庆市卫健委", "CQ-HEALTH"),
    ],
)
def test_shipped_funders_are_found_by_name_or_alias(world, text, code):
    assert match_funder(world.institution.pk, text) == shipped(code)
    assert FunderIndex(world.institution.pk).funder(text) == shipped(code)


def test_an_unknown_funder_is_not_guessed(world):
    assert match_funder(world.institution.pk, "某某基金会") is None
    assert match_funder(world.institution.pk, "中国博士后科学基金会第57批") is None  # whole names only
    assert match_funder(world.institution.pk, "") is None


def test_programmes_are_found_under_their_funder(world):
    cpsf, nsfc = shipped("CPSF"), shipped("NSFC")
    assert match_programme(cpsf, "面上资助 第57批 一等") == programme("CPSF", "general")
    assert match_programme(cpsf, "特别资助（站中）") == programme("CPSF", "special-in")
    assert match_programme(cpsf, "特别资助（站前）") == programme("CPSF", "special-pre")
    assert match_programme(nsfc, "青年科学基金项目") == programme("NSFC", "young-c")
    assert match_programme(nsfc, "青年科学基金项目（C类）") == programme("NSFC", "young-c")
    assert match_programme(nsfc, "面上资助") is None  # the CPSF's, not the NSFC's
    index = FunderIndex(world.institution.pk)
    assert index.programme(cpsf, "面上资助 第57批 一等") == programme("CPSF", "general")
    assert index.programme(nsfc, "面上资助") is None


def test_an_institutions_own_funder_is_seen_by_it_alone_and_wins_a_shared_name(world):
    own = funder_save(
        institution=world.institution,
        code="U1-CQ",
        name_zh="重庆市科学技术局（本校登记）",
        aliases="重庆市科技局",
        kind="provincial",
        by=world.admin,
    )
    assert match_funder(world.institution.pk, "重庆市科技局") == own
    assert FunderIndex(world.institution.pk).funder("重庆市科技局") == own
    other = world.outsider.institution_id
    assert match_funder(other, "重庆市科技局") == shipped("CQ-STB")
    assert match_funder(other, "重庆市科学技术局（本校登记）") is None


def test_the_index_reads_everything_at_once(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        index = FunderIndex(world.institution.pk)
    with django_assert_num_queries(0):
        for _ in range(50):
            assert index.programme(index.funder("CPSF"), "面上资助 第57批 一等").funder.code == "CPSF"
