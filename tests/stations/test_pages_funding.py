"""A station's page shows its postdocs' projects by level and status, the success rate of each
programme's applications and the research outputs in station and before entry, each count a link
to the list it counts, within the user's scope, in a number of queries that does not grow with
the station's postdocs."""

import datetime as dt
import re

import pytest

from funding.services import project_apply, project_record, project_reject
from outputs.services import output_record
from tests.clients import count_queries
from tests.factories import make_appointment

pytestmark = pytest.mark.django_db


def award(world, holder, number, funder, **details):
    details.setdefault("awarded_on", dt.date(2024, 9, 1))
    return project_record(holder=holder, project_no=number, title="课题", funder=funder, by=world.admin, **details)


def apply(world, holder, number, programme="面上资助", on=dt.date(2024, 9, 1)):
    return project_apply(
        holder=holder,
        project_no=number,
        title="申请",
        funder="中国博士后科学基金会",
        programme=programme,
        applied_on=on,
        by=world.admin,
    )


def paper(world, holder, title, on):
    return output_record(
        appointment=holder,
        by=world.admin,
        kind="paper",
        title=title,
        published_on=on,
        authors="陈博士\n李导师",
        author_position=1,
    )


@pytest.fixture
def funded(world):
    station_postdoc = world.appointment
    # A supervisor of another station supervises here only with a recorded exception (decision 0018).
    second = make_appointment(
        world.station, world.other_supervisor, world.admin, entry_date=dt.date(2024, 1, 5), exception_reason="跨站指导"
    )
    award(world, station_postdoc, "N1", "国家自然科学基金")
    award(world, station_postdoc, "C1", "中国博士后科学基金会", programme="面上资助", applied_on=dt.date(2024, 6, 1))
    reject = apply(world, second, "A1")
    project_reject(project=reject, on=dt.date(2024, 11, 20), by=world.admin)
    apply(world, second, "A2", programme="特别资助（站中）", on=dt.date(2025, 3, 1))  # waits for its decision
    award(world, second, "H1", "重庆市卫生健康委员会")
    award(world, world.other_appointment, "X1", "国家自然科学基金")  # another station's
    paper(world, station_postdoc, "In station", dt.date(2024, 10, 1))
    paper(world, station_postdoc, "From the PhD", dt.date(2023, 5, 1))
    paper(world, second, "The second postdoc's paper", dt.date(2024, 12, 1))
    paper(world, world.other_appointment, "Elsewhere", dt.date(2024, 12, 1))
    world.second = second
    return world


def cell(html: str, href_params: str) -> str | None:
    """The count a link with these filters shows."""
    match = re.search(r'href="/projects/\?' + re.escape(href_params) + r'">(\d+)</a>', html)
    return match.group(1) if match else None


def table_rows(html: str, heading: str) -> list[list[str]]:
    """The cells' text of the table whose head has `heading`."""
    start = html.index(heading)
    table = html[start : html.index("</table>", start)]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def card(html: str) -> str:
    start = html.index('id="funding"')
    return html[start : html.index("</section>", start)]


def test_the_office_sees_the_stations_projects_by_level_and_status_with_links(client, funded):
    client.force_login(funded.admin)
    html = card(client.get(f"/stations/{funded.station.pk}/?tab=funding").content.decode())
    pk = funded.station.pk
    assert cell(html, f"station={pk}&amp;level=national&amp;status=awarded") == "1"
    assert cell(html, f"station={pk}&amp;level=provincial&amp;status=awarded") == "1"
    assert cell(html, f"station={pk}&amp;level=provincial&amp;status=rejected") == "1"
    assert cell(html, f"station={pk}&amp;level=provincial&amp;status=applied") == "1"
    assert cell(html, f"station={pk}&amp;level=municipal&amp;status=awarded") == "1"
    assert cell(html, f"station={pk}&amp;status=awarded") == "3"  # not the other station's X1
    # Per programme: 面上 one awarded of two decided (50 %); 特别资助 one waiting.
    rates = {row[0]: row[1:] for row in table_rows(html, "Success rate") if len(row) == 6}
    general = next(v for k, v in rates.items() if k.startswith("CPSF") and "eneral" in k)
    special = next(v for k, v in rates.items() if k.startswith("CPSF") and "pecial" in k)
    assert general == ["2", "1", "1", "0", "50%"]
    assert special == ["1", "0", "0", "1", "—"]
    # Outputs: two in station, one before entry, linking to the outputs list's filters.
    assert re.search(rf'href="/outputs/\?station={pk}&amp;phase=in_station">2</a>', html)
    assert re.search(rf'href="/outputs/\?station={pk}&amp;phase=before_entry">1</a>', html)


def test_the_links_select_what_they_count(client, funded):
    client.force_login(funded.admin)
    pk = funded.station.pk
    listed = client.get(f"/projects/?station={pk}&level=provincial&status=rejected").content.decode()
    # The codes are matched as link texts: a bare "C1" can turn up in the page's CSRF token.
    assert ">A1</a>" in listed and ">C1</a>" not in listed and ">X1</a>" not in listed
    outputs = client.get(f"/outputs/?station={pk}&phase=in_station").content.decode()
    assert "In station" in outputs and "From the PhD" not in outputs and "Elsewhere" not in outputs


def test_a_supervisor_sees_the_figures_of_her_own_postdocs_only(client, funded):
    client.force_login(funded.supervisor_user)  # supervises the first postdoc, not the second
    html = card(client.get(f"/stations/{funded.station.pk}/?tab=funding").content.decode())
    pk = funded.station.pk
    assert cell(html, f"station={pk}&amp;status=awarded") == "2"
    assert cell(html, f"station={pk}&amp;level=provincial&amp;status=rejected") is None
    assert "特别资助" not in html
    assert re.search(rf'href="/outputs/\?station={pk}&amp;phase=in_station">1</a>', html)


def test_a_station_outside_the_scope_is_not_found(client, funded):
    client.force_login(funded.secretary)
    assert client.get(f"/stations/{funded.other_station.pk}/").status_code == 404


def test_the_card_is_in_chinese(client, funded):
    client.force_login(funded.leadership)
    html = client.get(
        f"/stations/{funded.station.pk}/?tab=funding", headers={"Accept-Language": "zh-hans"}
    ).content.decode()
    assert "国家级" in html and "省部级" in html


def add_funded_postdocs(world, count, start):
    for index in range(count):
        holder = make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2024, 2, 1))
        award(world, holder, f"P{start + index}", "国家自然科学基金")
        apply(world, holder, f"Q{start + index}")
        paper(world, holder, f"Paper {start + index}", dt.date(2024, 10, 1))


@pytest.mark.parametrize("persona", ["admin", "secretary", "supervisor"])
def test_the_number_of_queries_does_not_grow_with_the_postdocs(client, funded, persona):
    client.force_login(funded.personas()[persona])
    url = f"/stations/{funded.station.pk}/?tab=funding"
    add_funded_postdocs(funded, 2, 100)
    few = count_queries(client, url)
    add_funded_postdocs(funded, 6, 200)
    assert count_queries(client, url) == few
