"""The certainty marks explain themselves to an office user (issue 12, part 4): the legend says in
plain words what C, S, G and ! mean and what to do with each, and every mark on the page carries
its short words and its explanation as a tooltip."""

import re

import pytest
from django.conf import settings as django_settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from funding.models import CERTAINTY_HELP, Certainty

pytestmark = pytest.mark.django_db


def _funders_page(client, world, language: str = "en") -> str:
    client.force_login(world.secretary)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("funding:funder-list"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_legend_explains_every_mark_in_plain_words(client, world):
    text = _funders_page(client, world)
    legend = text[text.index('id="certainty-legend"') :]
    legend = legend[: legend.index("</div>")]
    assert "rely on a C; check an S when it matters; check a G or a ! against the funder" in legend
    assert (
        "Our inference from the rules, not yet confirmed by an official notice: check before relying on it." in legend
    )
    assert "From a secondary source, such as a university&#x27;s page or a news item" in legend
    assert "The sources disagree: each figure" in legend and "Confirmed: an official notice" in legend
    assert "design inference" not in text  # the words the office did not understand


def test_each_mark_shows_its_words_and_explains_itself_as_a_tooltip(client, world):
    text = _funders_page(client, world)
    marks = re.findall(
        r'<span class="badge badge--(\w+)" title="([^"]+)"><span class="badge__mark">([^<]+)</span> · ([^<]+)</span>',
        text,
    )
    assert {mark for _, _, mark, _ in marks} == {"C", "S", "G", "!"}  # amounts, notes and levels
    for _, title, mark, words in marks:
        mark = mark.replace("&#x27;", "'")
        assert title == str(CERTAINTY_HELP[mark]).replace("'", "&#x27;") and words == str(Certainty(mark).label)
    # The level notes' marks (CPSF's "[!]", NSFC's "[G]") are marks too, not bracketed letters.
    assert "[G]" not in text and "[!]" not in text and "our inference" in text


def test_a_chinese_page_keeps_the_marks_and_their_explanations(client, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    text = _funders_page(client, world, "zh-hans")
    assert 'id="certainty-legend"' in text and text.count('class="badge__mark"') >= 20
    assert "[!] 通常计为省部级" not in text and "通常计为省部级" in text


@pytest.mark.parametrize("code", ["C", "S", "G", "!"])
def test_the_certainty_tag_renders_a_self_explaining_badge(code):
    with translation.override("en"):
        html = Template("{% load amounts %}{% certainty code %}").render(Context({"code": code}))
    assert f'<span class="badge__mark">{code}</span>' in html
    assert str(Certainty(code).label) in html and str(CERTAINTY_HELP[code]).replace("'", "&#x27;") in html


def test_an_unknown_mark_is_shown_as_it_is():
    assert Template("{% load amounts %}{% certainty 'L' %}").render(Context()) == "L"
    assert (
        Template("{% load amounts %}{% marked_note text %}").render(Context({"text": "<b>x</b>"}))
        == "&lt;b&gt;x&lt;/b&gt;"
    )
