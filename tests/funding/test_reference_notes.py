"""The funders page in both languages (issue 12, part 4): the shipped catalogue's notes and sources
show in the page's language, each falling back to the other when it has only one; reloading the
catalogue fills the notes of rows loaded before they were shipped, and changes nothing the second
time."""

import json
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.test.client import Client
from django.urls import reverse

from funding.models import Funder, GradeAmount, Programme
from funding.services import funder_save, grade_amount_save, programme_save
from funding.shipped import CATALOGUE, fill_notes, load_catalogue
from tests.factories import World
from tests.funding.helpers import programme, shipped

pytestmark = pytest.mark.django_db

URL = reverse("funding:funder-list")


@pytest.fixture(name="page")
def page_fixture(client: Client, world: World, settings) -> Callable[..., str]:
    """The funders page as `persona` reads it in `language` (the office's default is Chinese)."""
    settings.LANGUAGE_CODE = "zh-hans"

    def read(language: str, persona: str = "postdoc") -> str:
        client.force_login(world.personas()[persona])
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(URL)
        assert response.status_code == 200
        return response.content.decode()

    return read


def test_every_shipped_note_has_its_chinese():
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    for funder in data["funders"]:
        assert bool(funder.get("default_level_note")) == bool(funder.get("default_level_note_zh")), funder["code"]
        for entry in funder["programmes"]:
            assert bool(entry.get("note")) == bool(entry.get("note_zh")), entry["code"]
            for amount in entry["amounts"]:
                assert bool(amount.get("note")) == bool(amount.get("note_zh")), (entry["code"], amount)
    general = next(p for p in data["funders"][0]["programmes"] if p["code"] == "general")
    assert general["note_zh"].startswith("每年评审两次")


def test_the_loaded_catalogue_carries_both_languages():
    general = programme("CPSF", "general")
    assert general.note.startswith("Two rounds a year") and general.note_zh.startswith("每年评审两次")
    amount = general.amounts.get(grade="一等", field="natural", year_from=2020)
    assert amount.note.startswith("2020 notice") and amount.note_zh.startswith("2020年通知")
    assert shipped("CPSF").level_note_zh.startswith("[!] 通常计为省部级")


def test_a_chinese_page_shows_the_programmes_notes_and_sources_in_chinese(page):
    text = page("zh-hans")
    assert "每年评审两次；每年新进站人员约三分之一获资助" in text  # the programme's note
    assert "2020年通知；2021年相同" in text  # an amount's note, its source named
    assert "通常计为省部级，也有高校计为国家级" in text  # the funder's level
    assert "Two rounds a year" not in text and "2020 notice; the same in 2021" not in text
    # The source links to its page and names its site.
    assert 'href="https://rsc.cqmu.edu.cn/info/1032/2249.htm"' in text and "rsc.cqmu.edu.cn" in text


def test_an_english_page_shows_them_in_english(page):
    text = page("en")
    assert "Two rounds a year; about a third of each year&#x27;s entrants funded" in text
    assert "2020 notice; the same in 2021" in text
    assert "usually counted as 省部级, some universities count it as 国家级" in text
    assert "每年评审两次" not in text and "2020年通知" not in text
    assert "source: rsc.cqmu.edu.cn" in text


def test_a_note_in_one_language_shows_on_both_pages(page, world):
    own = funder_save(
        institution=world.institution, code="U-FUND", name_zh="校博士后基金", kind="university", by=world.admin
    )
    only_chinese = programme_save(
        funder=own, code="daily", name_zh="日常资助", note_zh="每年两批，学院推荐。", by=world.admin
    )
    only_english = programme_save(funder=own, code="start", name_zh="启动资助", note="Paid on entry.", by=world.admin)
    grade_amount_save(
        programme=only_english, amount=30000, year_from=2024, certainty="C", note="the 2024 notice", by=world.admin
    )
    grade_amount_save(
        programme=only_chinese, amount=20000, year_from=2024, certainty="C", note_zh="2024年文件", by=world.admin
    )
    chinese, english = page("zh-hans"), page("en")
    for text in (chinese, english):
        assert "每年两批，学院推荐。" in text and "Paid on entry." in text
        assert "the 2024 notice" in text and "2024年文件" in text
    assert Programme.objects.get(pk=only_chinese.pk).note == ""


def test_a_notes_certainty_mark_becomes_a_badge_that_explains_itself(page):
    text = page("en")
    # NSFC young scientists: "[S] An in-station postdoc may apply only if …"
    assert "[S] An in-station" not in text
    assert "An in-station postdoc may apply only if the host commits in writing" in text
    assert 'title="From a secondary source' in text


def test_reloading_the_catalogue_fills_the_notes_once_and_leaves_the_institutions_own(world):
    own = funder_save(
        institution=world.institution, code="U-FUND", name_zh="校博士后基金", kind="university", by=world.admin
    )
    own_programme = programme_save(funder=own, code="daily", name_zh="日常资助", note="ours", by=world.admin)
    # As the rows stood before the notes were shipped: none in Chinese, none on programmes or funders.
    GradeAmount.objects.filter(programme__funder__institution__isnull=True).update(note_zh="")
    Programme.objects.filter(funder__institution__isnull=True).update(note="", note_zh="")
    Funder.objects.filter(institution__isnull=True).update(level_note="", level_note_zh="")

    assert load_catalogue(Funder, Programme, GradeAmount) == {"funders": 0, "programmes": 0, "amounts": 0}
    general = programme("CPSF", "general")
    assert general.note_zh.startswith("每年评审两次") and general.note.startswith("Two rounds")
    assert general.amounts.get(grade="二等", field="social", year_from=2020).note_zh.startswith("2020年通知")
    assert shipped("NSFC").level_note_zh == "[G] 常见的级别对应（没有全国统一标准）"
    assert fill_notes(Funder, Programme, GradeAmount) == 0  # the second time: nothing to do
    own_programme.refresh_from_db()
    assert (own_programme.note, own_programme.note_zh) == ("ours", "")
