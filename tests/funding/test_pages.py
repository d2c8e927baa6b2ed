"""The funding pages: who gets which answer on each (six personas, in and out of scope), the
projects list's search, filters, success rates and exports, and the postdoc's Projects card.

The writes through the pages (a project's life, warnings, refusals, the level mapping, the rules)
are in test_pages_writes.py."""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import Funder, Project
from funding.services import funder_save, programme_save
from funding.views import PROJECTS_LIST_SHEET
from tests.clients import PERSONAS
from tests.factories import World, make_appointment, make_person
from tests.funding.helpers import apply, programme, record, shipped

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@dataclass
class Funded:
    """Projects around the world: three of the secretary's station's postdoc (`world.appointment`,
    held by the `postdoc` persona and supervised by the `supervisor` one), one of a postdoc in the
    other station, one of the other institution, and a funder of the institution's own."""

    world: World
    applied: Project  # CPSF 面上资助, an application waiting for its decision
    awarded: Project  # NSFC 青年 C, awarded 2024
    rejected: Project  # CPSF 面上资助, not funded
    other: Project  # in the other station (outside the secretary's, supervisor's and postdoc's scope)
    outside: Project  # of the other institution
    own: Funder  # the world institution's own funder


@pytest.fixture(name="funded")
def funded_fixture(world: World) -> Funded:
    from funding.services import project_reject

    applied = apply(
        world,
        "CPSF-A-1",
        title="细胞信号转导",
        programme_ref=programme("CPSF", "general"),
        applied_on=dt.date(2024, 6, 1),
    )
    awarded = record(
        world,
        "82401234",
        title="肝纤维化机制研究",
        programme_ref=programme("NSFC", "young-c"),
        awarded_on=dt.date(2024, 8, 25),
        amount=300000,
        grade="C类",
        batch="2024",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2027, 12, 31),
    )
    rejected = apply(
        world,
        "CPSF-A-0",
        title="早先的申请",
        programme_ref=programme("CPSF", "general"),
        applied_on=dt.date(2024, 4, 1),
    )
    project_reject(project=rejected, on=dt.date(2024, 5, 20), by=world.admin)
    other = record(
        world,
        "2024T-OTHER",
        holder=world.other_appointment,
        title="另一站的课题",
        programme_ref=programme("CPSF", "special-in"),
        awarded_on=dt.date(2025, 3, 1),
        role=Project.Role.PARTICIPANT,
    )
    outside = record(
        world,
        "OUT-1",
        holder=world.outside_appointment,
        title="外校课题",
        funder_ref=shipped("NSFC"),
        awarded_on=dt.date(2024, 9, 1),
        by=world.outsider,
    )
    own = funder_save(
        institution=world.institution, code="YZ-FUND", name_zh="校博士后基金", kind="university", by=world.admin
    )
    programme_save(funder=own, code="start", name_zh="启动资助", by=world.admin)
    return Funded(world, applied, awarded, Project.objects.get(pk=rejected.pk), other, outside, own)


@pytest.fixture(name="signed_in")
def signed_in_fixture(client: Client, world: World) -> Callable[[str], Client]:
    def sign_in(persona: str) -> Client:
        client.force_login(world.personas()[persona])
        return client

    return sign_in


# ---------------------------------------------------------------------------------------------
# Who gets which answer


ALL = dict.fromkeys(PERSONAS, 200)
OFFICE = {"admin": 200, "outsider": 200}  # an administrator, of whichever institution
READERS = {"admin": 200, "leadership": 200, "outsider": 200}
# One record of the world: who sees it, who may write to it.
IN_SCOPE_READ = {"admin": 200, "secretary": 200, "supervisor": 200, "postdoc": 200, "leadership": 200}
IN_SCOPE_WRITE = {"admin": 200, "secretary": 200, "supervisor": 403, "postdoc": 403, "leadership": 403}
OTHER_STATION_READ = {"admin": 200, "leadership": 200}
OTHER_STATION_WRITE = {"admin": 200, "leadership": 403}
OWN_FUNDER_WRITE = {"admin": 200, "secretary": 403, "supervisor": 403, "postdoc": 403, "leadership": 403}


def _expected(table: dict[str, int], persona: str, default: int = 404) -> int:
    return table.get(persona, default)


SECTION_PAGES: dict[str, tuple[dict[str, int], int]] = {
    "funding:project-list": (ALL, 403),
    "funding:funder-list": (ALL, 403),
    "funding:funder-new": (OFFICE, 403),
    "funding:level-list": (READERS, 403),
    "funding:rules": (OFFICE, 403),
}


def _get(client: Client, url: str, headers: dict[str, str] | None = None) -> int:
    response = client.get(url, headers=headers or {})
    return response.status_code


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", SECTION_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_section_pages_answer_each_persona(signed_in, funded, persona, url_name, headers):
    table, default = SECTION_PAGES[url_name]
    assert _get(signed_in(persona), reverse(url_name), headers) == _expected(table, persona, default)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_everyone_who_sees_postdocs_may_export_the_projects_they_see(signed_in, funded, persona, fmt):
    response = signed_in(persona).get(reverse("funding:project-export", args=[fmt]))
    assert response.status_code == 200
    b"".join(response.streaming_content)


PROJECT_PAGES = ["funding:project-detail"]
STEP_PAGES = ["funding:project-edit", "funding:project-award", "funding:project-reject"]
AWARDED_STEPS = ["funding:project-complete", "funding:project-terminate"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_a_projects_pages_answer_each_persona_in_scope(signed_in, funded, persona, headers):
    client = signed_in(persona)
    detail = reverse("funding:project-detail", kwargs={"pk": funded.applied.pk})
    assert _get(client, detail, headers) == _expected(IN_SCOPE_READ, persona)
    for name in STEP_PAGES:
        url = reverse(name, kwargs={"pk": funded.applied.pk})
        assert _get(client, url, headers) == _expected(IN_SCOPE_WRITE, persona), name
    for name in AWARDED_STEPS:
        url = reverse(name, kwargs={"pk": funded.awarded.pk})
        assert _get(client, url, headers) == _expected(IN_SCOPE_WRITE, persona), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_project_of_another_station_is_not_found_by_those_who_do_not_see_its_postdoc(signed_in, funded, persona):
    client = signed_in(persona)
    assert _get(client, reverse("funding:project-detail", kwargs={"pk": funded.other.pk})) == _expected(
        OTHER_STATION_READ, persona
    )
    for name in ["funding:project-edit", *AWARDED_STEPS]:
        url = reverse(name, kwargs={"pk": funded.other.pk})
        assert _get(client, url) == _expected(OTHER_STATION_WRITE, persona), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_project_of_another_institution_is_not_found(signed_in, funded, persona):
    expected = 200 if persona == "outsider" else 404
    assert _get(signed_in(persona), reverse("funding:project-detail", kwargs={"pk": funded.outside.pk})) == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", ["apply", "record"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_new_project_forms_answer_each_persona(signed_in, funded, persona, kind, headers):
    client = signed_in(persona)
    mine = reverse(f"funding:project-{kind}", kwargs={"pk": funded.world.appointment.pk})
    assert _get(client, mine, headers) == _expected(IN_SCOPE_WRITE, persona)
    other = reverse(f"funding:project-{kind}", kwargs={"pk": funded.world.other_appointment.pk})
    assert _get(client, other, headers) == _expected(OTHER_STATION_WRITE, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_institutions_own_funders_are_kept_by_its_office(signed_in, funded, persona):
    client = signed_in(persona)
    own_programme = funded.own.programmes.get()
    for url in [
        reverse("funding:funder-edit", kwargs={"pk": funded.own.pk}),
        reverse("funding:programme-new", kwargs={"pk": funded.own.pk}),
        reverse("funding:programme-edit", kwargs={"pk": own_programme.pk}),
        reverse("funding:amount-new", kwargs={"pk": own_programme.pk}),
    ]:
        assert _get(client, url) == _expected(OWN_FUNDER_WRITE, persona), url


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_shipped_catalogue_is_read_only_for_everyone(signed_in, funded, persona):
    client = signed_in(persona)
    cpsf = shipped("CPSF")
    general = programme("CPSF", "general")
    amount = general.amounts.first()
    assert amount is not None
    for url in [
        reverse("funding:funder-edit", kwargs={"pk": cpsf.pk}),
        reverse("funding:programme-new", kwargs={"pk": cpsf.pk}),
        reverse("funding:programme-edit", kwargs={"pk": general.pk}),
        reverse("funding:amount-edit", kwargs={"pk": amount.pk}),
    ]:
        assert _get(client, url) == 403, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_level_change_page_is_the_office_administrators(signed_in, funded, persona):
    client = signed_in(persona)
    shipped_url = reverse("funding:level-change") + f"?funder={shipped('CPSF').pk}&level=national"
    assert _get(client, shipped_url) == _expected(OFFICE, persona, 403)
    own_url = reverse("funding:level-change") + f"?funder={funded.own.pk}&level=university"
    assert _get(client, own_url) == {"admin": 200, "outsider": 404}.get(persona, 403)


@pytest.mark.parametrize(
    "url_name", ["funding:project-list", "funding:funder-list", "funding:level-list", "funding:rules"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, funded, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("persona", "expected"), [("supervisor", 403), ("postdoc", 403), ("outsider", 404)])
def test_a_step_posted_without_the_right_writes_nothing(signed_in, funded, persona, expected):
    url = reverse("funding:project-award", kwargs={"pk": funded.applied.pk})
    response = signed_in(persona).post(url, {"awarded_on": "2024-09-01"})
    assert response.status_code == expected
    assert Project.objects.get(pk=funded.applied.pk).status == Project.Status.APPLIED


# ---------------------------------------------------------------------------------------------
# The projects list


def _listed(client: Client, **params: Any) -> list[str]:
    response = client.get(reverse("funding:project-list"), params)
    assert response.status_code == 200
    return sorted(project.project_no for project in response.context["page_obj"])


def test_each_persona_lists_the_projects_of_the_postdocs_they_see(signed_in, funded):
    mine = ["82401234", "CPSF-A-0", "CPSF-A-1"]
    assert _listed(signed_in("admin")) == sorted([*mine, "2024T-OTHER"])
    assert _listed(signed_in("leadership")) == sorted([*mine, "2024T-OTHER"])
    assert _listed(signed_in("secretary")) == mine
    assert _listed(signed_in("supervisor")) == mine
    assert _listed(signed_in("postdoc")) == mine
    assert _listed(signed_in("outsider")) == ["OUT-1"]


def test_the_list_searches_numbers_titles_funders_and_postdocs(signed_in, funded):
    client = signed_in("admin")
    assert _listed(client, q="8240") == ["82401234"]
    assert _listed(client, q="肝纤维化") == ["82401234"]
    assert _listed(client, q="国家自然科学基金") == ["82401234"]
    assert _listed(client, q="面上") == ["CPSF-A-0", "CPSF-A-1"]
    assert _listed(client, q="周博士") == ["2024T-OTHER"]
    assert _listed(client, q=funded.world.appointment.postdoc_no) == ["82401234", "CPSF-A-0", "CPSF-A-1"]


def test_the_list_filters_by_status_level_funder_programme_station_year_and_role(signed_in, funded):
    client = signed_in("admin")
    world = funded.world
    assert _listed(client, status="applied") == ["CPSF-A-1"]
    assert _listed(client, status="rejected") == ["CPSF-A-0"]
    assert _listed(client, level="national") == ["82401234"]
    assert _listed(client, level="provincial") == ["2024T-OTHER", "CPSF-A-0", "CPSF-A-1"]
    assert _listed(client, funder=shipped("CPSF").pk) == ["2024T-OTHER", "CPSF-A-0", "CPSF-A-1"]
    assert _listed(client, programme=programme("CPSF", "general").pk) == ["CPSF-A-0", "CPSF-A-1"]
    assert _listed(client, station=world.other_station.pk) == ["2024T-OTHER"]
    assert _listed(client, year=2025) == ["2024T-OTHER"]
    assert _listed(client, year=2024, level="national") == ["82401234"]
    assert _listed(client, role="participant") == ["2024T-OTHER"]


def test_the_secretary_cannot_filter_to_another_station(signed_in, funded):
    response = signed_in("secretary").get(reverse("funding:project-list"), {"station": funded.world.other_station.pk})
    assert "station" in response.context["form"].errors
    # The invalid filter is left out: the secretary's own projects, never the other station's.
    assert "2024T-OTHER" not in response.content.decode()


def test_the_list_shows_the_success_rate_per_programme_of_the_filtered_set(signed_in, funded):
    apply(funded.world, "CPSF-A-2", programme_ref=programme("CPSF", "general"), applied_on=dt.date(2024, 7, 1))
    from funding.services import project_award

    project_award(project=funded.applied, awarded_on=dt.date(2024, 11, 1), by=funded.world.admin)
    client = signed_in("admin")
    response = client.get(reverse("funding:project-list"))
    rates = {rate.label: rate for rate in response.context["rates"]}
    general = rates["CPSF · General Program"]
    assert (general.awarded, general.decided, general.pending, general.percent) == (1, 2, 1, 50)
    # The NSFC project was recorded as an award, without its application: not an application.
    assert not any(label.startswith("NSFC") for label in rates)
    assert "50%" in response.content.decode() and "1 of 2" in response.content.decode()
    filtered = client.get(reverse("funding:project-list"), {"status": "rejected"})
    (only,) = filtered.context["rates"]
    assert (only.awarded, only.decided, only.percent) == (0, 1, 0)


def test_the_list_says_when_nothing_matches_and_when_nothing_is_recorded(signed_in, funded):
    page = signed_in("admin").get(reverse("funding:project-list"), {"q": "无此项目"}).content.decode()
    assert "No projects match." in page and "Clear the filters" in page
    Project.objects.filter(institution=funded.world.institution).delete()
    empty = signed_in("admin").get(reverse("funding:project-list")).content.decode()
    assert "No projects recorded yet." in empty


def test_the_list_pages_and_its_partial_is_the_rows(signed_in, funded, settings):
    settings.PAGE_SIZE = 2
    client = signed_in("admin")
    first = client.get(reverse("funding:project-list"))
    assert first.context["page_obj"].paginator.num_pages == 2
    second = client.get(reverse("funding:project-list"), {"page": 2}, headers=HTMX)
    text = second.content.decode()
    assert "<html" not in text and 'id="rows"' in text
    assert len(second.context["page_obj"]) == 2


def _add_projects(world: World, count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        holder = make_appointment(
            world.station if index % 2 else world.other_station,
            world.supervisor if index % 2 else world.other_supervisor,
            world.admin,
            person=make_person(world.institution, world.admin),
            entry_date=dt.date(2023, 3, 1),
        )
        apply(
            world,
            f"MORE-{index}",
            holder=holder,
            programme_ref=programme("CPSF", "general"),
            applied_on=dt.date(2023, 6, 1),
        )
        record(
            world,
            f"MORE-R-{index}",
            holder=holder,
            funder_ref=shipped("CQ-HEALTH"),
            level="municipal",
            awarded_on=dt.date(2024, 1, 1),
        )


def _queries(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["admin", "secretary"])
def test_the_list_reads_as_much_for_one_project_as_for_many(signed_in, world, persona):
    _add_projects(world, 1, start=1)  # one row in the secretary's station, for each filter
    client = signed_in(persona)
    url = reverse("funding:project-list")
    few = _queries(client, url), _queries(client, url + "?q=MORE&status=applied")
    assert len(client.get(url + "?q=MORE&status=applied").context["page_obj"]) == 1
    _add_projects(world, 12, start=2)
    assert (_queries(client, url), _queries(client, url + "?q=MORE&status=applied")) == few


def test_the_postdocs_card_reads_as_much_for_one_project_as_for_many(signed_in, world):
    record(world, "ONE", funder_ref=shipped("NSFC"), awarded_on=dt.date(2024, 9, 1))
    # One of each kind first: the timeline names each kind of record its events link to (funder,
    # programme) in one query, so the count may grow with the kinds, never with the projects.
    apply(world, "A-first", programme_ref=programme("CPSF", "special-in"), applied_on=dt.date(2024, 6, 1))
    record(world, "R-first", programme_ref=programme("CQ-STB", "cqnsf-postdoc"), awarded_on=dt.date(2024, 9, 1))
    client = signed_in("secretary")
    url = reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})
    before = _queries(client, url)
    for index in range(6):
        apply(world, f"A-{index}", programme_ref=programme("CPSF", "special-in"), applied_on=dt.date(2024, 6, 1))
        record(world, f"R-{index}", programme_ref=programme("CQ-STB", "cqnsf-postdoc"), awarded_on=dt.date(2024, 9, 1))
    after = _queries(client, url)
    # The timeline shows each project's events (one query however many); the card adds none.
    assert after == before


# ---------------------------------------------------------------------------------------------
# Exports


def _body(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_export_has_every_page_the_filters_select_as_xlsx(signed_in, funded, settings):
    settings.PAGE_SIZE = 1
    response = signed_in("admin").get(reverse("funding:project-export", args=["xlsx"]), {"level": "provincial"})
    workbook = load_workbook(io.BytesIO(_body(response)))
    (sheet,) = workbook.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "ProjectsList"
    assert list(rows[0]) == [column.key for column in PROJECTS_LIST_SHEET.columns]
    numbers = sorted(row[0] for row in rows[1:])
    assert numbers == ["2024T-OTHER", "CPSF-A-0", "CPSF-A-1"]
    other = next(row for row in rows[1:] if row[0] == "2024T-OTHER")
    header = list(rows[0])
    assert other[header.index("programme_code")] == "special-in"
    assert other[header.index("role")] == "participant"
    assert other[header.index("awarded_on")] == dt.datetime(2025, 3, 1)


def test_the_export_as_csv_is_within_the_users_scope(signed_in, funded):
    response = signed_in("secretary").get(reverse("funding:project-export", args=["csv"]), {"status": ""})
    assert response["Content-Disposition"].endswith('.csv"')
    records = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert records[0][0] == "project_no"
    assert sorted(r[0] for r in records[1:]) == ["82401234", "CPSF-A-0", "CPSF-A-1"]  # never the other station's


def test_an_unknown_export_format_is_404(signed_in, funded):
    assert signed_in("admin").get(reverse("funding:project-export", args=["pdf"])).status_code == 404


# ---------------------------------------------------------------------------------------------
# The postdoc's Projects card, and a project's page


def test_the_card_shows_each_projects_status_level_programme_grade_batch_amount_period_and_role(signed_in, funded):
    page = signed_in("secretary").get(reverse("postdoc-detail", kwargs={"pk": funded.world.appointment.pk}))
    text = page.content.decode()
    card = text[text.index('id="projects"') :]
    assert "82401234" in card and "肝纤维化机制研究" in card and "青年科学基金项目（C类）" in card
    assert "awarded, in progress" in card and "national (国家级)" in card and "C类" in card
    assert "300,000" in card and "Jan. 1, 2025" in card and "Dec. 31, 2027" in card
    assert "principal investigator" in card and "not funded" in card
    assert "Record an application" in card and "Record an award" in card
    steps = {row["project"].project_no: [s["name"] for s in row["steps"]] for row in page.context["project_rows"]}
    assert steps == {
        "CPSF-A-1": ["award", "reject", "edit"],
        "82401234": ["complete", "terminate", "edit"],
        "CPSF-A-0": ["edit"],
    }


def test_a_given_level_is_marked_on_the_card(signed_in, funded):
    from funding.services import project_update

    project_update(project=funded.awarded, level_override="provincial", by=funded.world.admin)
    text = (
        signed_in("admin").get(reverse("postdoc-detail", kwargs={"pk": funded.world.appointment.pk})).content.decode()
    )
    card = text[text.index('id="projects"') :]
    assert "provincial or ministerial (省部级)" in card and ">given</span>" in card


@pytest.mark.parametrize("persona", ["supervisor", "postdoc", "leadership"])
def test_readers_see_the_card_without_actions(signed_in, funded, persona):
    page = signed_in(persona).get(reverse("postdoc-detail", kwargs={"pk": funded.world.appointment.pk}))
    assert page.status_code == 200
    assert not page.context["can_record_projects"]
    assert all(row["steps"] == [] for row in page.context["project_rows"])
    text = page.content.decode()
    assert "82401234" in text and "Record an application" not in text


def test_a_projects_page_shows_its_facts_and_steps(signed_in, funded):
    response = signed_in("admin").get(reverse("funding:project-detail", kwargs={"pk": funded.awarded.pk}))
    text = response.content.decode()
    assert "肝纤维化机制研究" in text and "NSFC" in text and "Aug. 25, 2024" in text
    assert [s["name"] for s in response.context["steps"]] == ["complete", "terminate", "edit"]
    assert len(response.context["timeline"]) == 1


def test_leadership_reads_a_project_without_steps(signed_in, funded):
    response = signed_in("leadership").get(reverse("funding:project-detail", kwargs={"pk": funded.awarded.pk}))
    assert response.context["steps"] == []


# ---------------------------------------------------------------------------------------------
# Funders and the mapping, read


def test_the_funders_page_shows_the_catalogue_with_amounts_sources_and_certainty(signed_in, funded):
    response = signed_in("postdoc").get(reverse("funding:funder-list"))
    text = response.content.decode()
    assert "中国博士后科学基金会" in text and "面上资助" in text
    assert "120,000" in text and "2015–2019" in text and "https://rsc.cqmu.edu.cn/info/1032/2249.htm" in text
    assert "sources disagree" in text and ">!</span>" in text
    assert "校博士后基金" in text  # the institution's own
    assert "Add a funder" not in text and reverse("funding:funder-edit", kwargs={"pk": funded.own.pk}) not in text


def test_the_outsider_sees_the_catalogue_but_not_the_institutions_own_funders(signed_in, funded):
    text = signed_in("outsider").get(reverse("funding:funder-list")).content.decode()
    assert "中国博士后科学基金会" in text and "校博士后基金" not in text
    assert _get(signed_in("outsider"), reverse("funding:funder-edit", kwargs={"pk": funded.own.pk})) == 404


def test_the_mapping_shows_every_funder_and_what_programmes_inherit(signed_in, funded):
    response = signed_in("leadership").get(reverse("funding:level-list"))
    rows = {row["funder"].code: row for row in response.context["rows"]}
    assert rows["CPSF"]["level"] == "provincial" and rows["NSFC"]["level"] == "national"
    general = next(item for item in rows["CPSF"]["programmes"] if item["programme"].code == "general")
    assert general["inherited"] and general["level"] == "provincial"
    assert rows["YZ-FUND"]["rule"] is None  # the own funder has no level yet
    assert {level: n for level, _label, n in response.context["by_level"]} == {
        "national": 1,
        "provincial": 1,
        "municipal": 0,
        "university": 0,
    }
    text = response.content.decode()
    assert "no level" in text and "(the funder's)" in text
    assert not response.context["can_change"] and "Change…" not in text


def test_readers_of_the_mapping_see_nothing_of_another_institution(signed_in, funded):
    response = signed_in("outsider").get(reverse("funding:level-list"))
    codes = {row["funder"].code for row in response.context["rows"]}
    assert "YZ-FUND" not in codes and "CPSF" in codes
