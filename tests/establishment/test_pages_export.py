"""The list's export: the applications its filters select, every page, as .xlsx or .csv, for those
who read the list (administrators and leadership); the same rows as the workbook's sheet."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from establishment.sheet_columns import APPLICATIONS_SHEET
from tests.establishment.conftest import Setup
from tests.establishment.test_pages import PERSONAS, _more_applications

pytestmark = pytest.mark.django_db


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_export_answers_as_the_list_does(signed_in, setup: Setup, persona: str) -> None:
    response = signed_in(persona).get(reverse("establishment:application-export", args=["csv"]))
    if persona in ("secretary", "supervisor", "postdoc"):
        assert response.status_code == 403
        return
    rows = csv_rows(response)
    assert rows[0] == [column.key for column in APPLICATIONS_SHEET.columns]
    expected = [] if persona == "outsider" else [setup.discipline.code]  # the outsider's institution has none
    assert [row[2] for row in rows[1:]] == expected


def test_the_export_follows_the_filters_and_has_every_page(signed_in, setup: Setup, settings) -> None:  # type: ignore[no-untyped-def]
    _more_applications(setup)
    settings.PAGE_SIZE = 1
    client = signed_in("admin")
    everything = csv_rows(client.get(reverse("establishment:application-export", args=["csv"]), {"page": 2}))
    assert [row[2] for row in everything[1:]] == ["1001", "1007", "1003"]
    withdrawn = csv_rows(client.get(reverse("establishment:application-export", args=["csv"]), {"status": "withdrawn"}))
    assert [row[2] for row in withdrawn[1:]] == ["1003"]


def test_the_workbook_carries_the_team_the_documents_count_and_the_state(signed_in, setup: Setup) -> None:
    response = signed_in("admin").get(reverse("establishment:application-export", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header, row = list(workbook["Applications"].iter_rows(values_only=True))
    values = dict(zip(header, row, strict=False))
    assert values["applicants"] == ";".join(sorted(s.staff_no for s in setup.applicants))
    assert values["enrolled_phd_students"] == 12
    assert (values["facilities_attested"], values["status"], values["documents"]) == ("yes", "draft", 0)
    assert values["notice_no"] == "人社部函〔2023〕47号"


def test_an_unknown_format_is_404(signed_in, setup: Setup) -> None:
    assert signed_in("admin").get(reverse("establishment:application-export", args=["pdf"])).status_code == 404
