"""Amounts as the institution chose to write them (issue 12, part 4): 80,000 yuan or 8万元, one choice
for both languages, nothing rounded away; the choice is the office administrators' alone, and each
change leaves an audit event. Exports keep plain numbers."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.events import Event
from audit.models import AuditEvent
from core.errors import DomainError
from funding.amounts import format_amount
from funding.models import AmountStyle, FundingRules
from funding.services import amount_style_save, funding_rules_for
from tests.factories import World
from tests.funding.helpers import programme, record

pytestmark = pytest.mark.django_db

GROUPED, WAN = AmountStyle.GROUPED, AmountStyle.WAN


@pytest.mark.parametrize(
    ("value", "style", "english", "chinese"),
    [
        (80000, GROUPED, "80,000 yuan", "80,000元"),
        (Decimal("120000.00"), GROUPED, "120,000 yuan", "120,000元"),
        (Decimal("80000.50"), GROUPED, "80,000.50 yuan", "80,000.50元"),
        (1234567, GROUPED, "1,234,567 yuan", "1,234,567元"),
        (999, GROUPED, "999 yuan", "999元"),
        (0, GROUPED, "0 yuan", "0元"),
        (80000, WAN, "8 wan yuan", "8万元"),
        (Decimal("80000.00"), WAN, "8 wan yuan", "8万元"),
        (85000, WAN, "8.5 wan yuan", "8.5万元"),
        (1234567, WAN, "123.4567 wan yuan", "123.4567万元"),
        (Decimal("1234567.89"), WAN, "123.456789 wan yuan", "123.456789万元"),  # the fen are kept
        (10000, WAN, "1 wan yuan", "1万元"),
        (9999, WAN, "9999 yuan", "9999元"),  # below 10,000: plain digits
        (Decimal("9999.50"), WAN, "9999.50 yuan", "9999.50元"),
        (0, WAN, "0 yuan", "0元"),
        (123456789, WAN, "12345.6789 wan yuan", "12345.6789万元"),
        ("300000", WAN, "30 wan yuan", "30万元"),
        (None, GROUPED, "—", "—"),
        (None, WAN, "—", "—"),
        ("", WAN, "—", "—"),
        ("  ", GROUPED, "—", "—"),
        ("not a number", WAN, "not a number", "not a number"),
    ],
)
def test_an_amount_is_written_in_the_chosen_style_in_both_languages(value, style, english, chinese):
    assert format_amount(value, style, "en") == english
    assert format_amount(value, style, "zh-hans") == chinese


def test_an_institution_writes_grouped_digits_until_it_chooses(world):
    assert funding_rules_for(world.institution).amount_style == GROUPED


def _page(client: Client, world: World, persona: str, url: str, language: str) -> str:
    client.force_login(world.personas()[persona])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_funding_pages_write_amounts_the_institutions_way(client, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    project = record(world, "82401234", programme_ref=programme("NSFC", "young-c"), amount=300000)
    funders, projects = reverse("funding:funder-list"), reverse("funding:project-list")
    detail = reverse("funding:project-detail", kwargs={"pk": project.pk})
    postdoc = reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})

    assert "120,000元" in _page(client, world, "admin", funders, "zh-hans")
    assert "300,000 yuan" in _page(client, world, "admin", projects, "en")

    amount_style_save(institution=world.institution, style=WAN, by=world.admin)
    assert "12万元" in _page(client, world, "admin", funders, "zh-hans")
    assert "12 wan yuan" in _page(client, world, "admin", funders, "en")
    assert "30万元" in _page(client, world, "admin", projects, "zh-hans")
    assert "30 wan yuan" in _page(client, world, "admin", detail, "en")
    assert "30万元" in _page(client, world, "secretary", postdoc, "zh-hans")  # the postdoc's Projects card
    # Another institution's pages keep their own way.
    assert "120,000 yuan" in _page(client, world, "outsider", funders, "en")


def test_exports_keep_plain_numbers(client, world):
    record(world, "82401234", programme_ref=programme("NSFC", "young-c"), amount=300000)
    amount_style_save(institution=world.institution, style=WAN, by=world.admin)
    client.force_login(world.admin)
    response = client.get(reverse("funding:project-export", kwargs={"fmt": "csv"}))
    assert response.status_code == 200
    text = (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else response.content.decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(text)))
    amounts = [row[rows[0].index("amount")] for row in rows[1:]]
    assert amounts and all("万" not in a and "yuan" not in a for a in amounts)
    assert Decimal(amounts[0].replace(",", "")) == Decimal(300000)


def test_the_office_administrator_changes_the_style_and_it_is_audited(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("funding:rules")).content.decode()
    assert 'action="/funding/rules/amounts/"' in page and 'value="wan"' in page
    response = client.post(reverse("funding:amount-style"), {"amount_style": "wan"})
    assert response.status_code == 302 and response["Location"] == reverse("funding:rules")
    assert funding_rules_for(world.institution).amount_style == WAN
    event = AuditEvent.objects.get(event="amount_style.saved")
    assert event.actor == world.admin and event.institution_id == world.institution.pk
    assert event.before is None and event.after == {"amount_style": "wan"}
    assert event.event == Event.AMOUNT_STYLE_SAVED  # a member: it has its label
    # Back again: the event says from what to what.
    amount_style_save(institution=world.institution, style=GROUPED, by=world.admin)
    last = AuditEvent.objects.filter(event="amount_style.saved").order_by("-pk").first()
    assert last is not None and (last.before, last.after) == ({"amount_style": "wan"}, {"amount_style": "grouped"})
    # The change is in the page's history.
    assert "Way of writing amounts changed" in client.get(reverse("funding:rules")).content.decode()


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership"])
def test_no_one_else_changes_the_style(client, world, persona):
    user = world.personas()[persona]
    client.force_login(user)
    assert client.post(reverse("funding:amount-style"), {"amount_style": "wan"}).status_code == 403
    assert client.get(reverse("funding:rules")).status_code == 403
    with pytest.raises(DomainError):
        amount_style_save(institution=world.institution, style=WAN, by=user)
    assert not FundingRules.objects.filter(institution=world.institution).exists()
    assert not AuditEvent.objects.filter(event="amount_style.saved").exists()


def test_another_institutions_administrator_changes_only_their_own(client, world):
    with pytest.raises(DomainError):
        amount_style_save(institution=world.institution, style=WAN, by=world.outsider)
    client.force_login(world.outsider)
    assert client.post(reverse("funding:amount-style"), {"amount_style": "wan"}).status_code == 302
    assert funding_rules_for(world.institution).amount_style == GROUPED
    assert funding_rules_for(world.outsider.institution_id).amount_style == WAN


def test_a_style_that_is_none_of_the_two_is_refused(client, world):
    with pytest.raises(DomainError, match="grouped digits or 万"):
        amount_style_save(institution=world.institution, style="lakh", by=world.admin)
    client.force_login(world.admin)
    response = client.post(reverse("funding:amount-style"), {"amount_style": "lakh"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not AuditEvent.objects.filter(event="amount_style.saved").exists()


def test_saving_the_rules_keeps_the_style(client, world):
    amount_style_save(institution=world.institution, style=WAN, by=world.admin)
    client.force_login(world.admin)
    data = {"once_per_station": "warn", "apply_window": "warn", "extension_commitment": "off"}
    assert client.post(reverse("funding:rules"), data).status_code == 302
    rules = funding_rules_for(world.institution)
    assert (rules.amount_style, rules.once_per_station) == (WAN, "warn")


def test_one_query_for_the_style_however_many_amounts(client, world):
    for number in range(5):
        record(world, f"P{number}", funder="某市科委", level_override="municipal", amount=10000 * (number + 1))
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("funding:project-list")).status_code == 200
    assert sum("amount_style" in q["sql"] for q in queries.captured_queries) == 1
