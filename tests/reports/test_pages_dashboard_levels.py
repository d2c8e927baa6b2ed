"""The dashboard shows the window's projects by level and the research outputs dated in it, over
the postdocs the user's figures cover: the whole institution for leadership and the office, her
station for a secretary."""

import datetime as dt
import re

import pytest

from funding.models import Level
from funding.services import project_apply, project_record
from outputs.services import output_record

pytestmark = pytest.mark.django_db

URL = "/?as_of=2025-06-30&years=3"


def award(world, number, funder, holder, awarded_on=dt.date(2024, 9, 1), **details):
    return project_record(
        holder=holder, project_no=number, title="课题", funder=funder, awarded_on=awarded_on, by=world.admin, **details
    )


def paper(world, holder, title, on, doi=""):
    return output_record(
        appointment=holder,
        by=world.admin,
        kind="paper",
        title=title,
        published_on=on,
        authors="陈博士\n李导师",
        author_position=1,
        doi=doi,
    )


@pytest.fixture
def funded(world):
    award(world, "N1", "国家自然科学基金", world.appointment)
    award(world, "C1", "中国博士后科学基金会", world.appointment)
    award(world, "C2", "中国博士后科学基金会", world.other_appointment)
    award(world, "C3", "中国博士后科学基金会", world.other_appointment)
    award(world, "U1", "示例医科大学", world.other_appointment, level=Level.UNIVERSITY)
    award(world, "LATE", "国家自然科学基金", world.appointment, awarded_on=dt.date(2025, 7, 2))  # after the window
    project_apply(
        holder=world.appointment,
        project_no="A1",
        title="申请",
        funder="国家自然科学基金",
        applied_on=dt.date(2025, 3, 1),
        by=world.admin,
    )  # an application counts nowhere
    paper(world, world.appointment, "A paper in station", dt.date(2025, 1, 10))
    paper(world, world.appointment, "A paper before entry", dt.date(2023, 5, 10))
    paper(world, world.other_appointment, "Another station's paper", dt.date(2024, 11, 1))
    paper(world, world.other_appointment, "A paper after the window", dt.date(2025, 7, 10))
    return world


def levels(html: str) -> dict[str, int]:
    return {level: int(n) for level, n in re.findall(r'data-level="(\w+)">(\d+)<', html)}


def outputs_in_station(html: str) -> int:
    match = re.search(r"Research outputs in station, dated in the window</dt>\s*<dd>(\d+)</dd>", html)
    assert match, "the outputs figure is shown"
    return int(match.group(1))


@pytest.mark.parametrize("persona", ["admin", "leadership"])
def test_the_institution_sees_every_level_of_its_projects(client, funded, persona):
    client.force_login(funded.personas()[persona])
    html = client.get(URL).content.decode()
    assert levels(html) == {"national": 1, "provincial": 3, "municipal": 0, "university": 1}
    assert "Projects awarded in the window, by level" in html
    assert outputs_in_station(html) == 2
    assert "1 more from before entry" in html
    # The kinds break down the outputs made in station, not those from before entry too.
    assert "Paper 2" in html and "Paper 3" not in html


def test_a_secretary_sees_the_levels_of_her_station_only(client, funded):
    client.force_login(funded.secretary)
    html = client.get(URL).content.decode()
    assert levels(html) == {"national": 1, "provincial": 1, "municipal": 0, "university": 0}
    assert outputs_in_station(html) == 1


def test_the_levels_follow_the_date_and_window_in_the_htmx_partial(client, funded):
    client.force_login(funded.admin)
    response = client.get("/?as_of=2025-07-31&years=1", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="projects-by-level"' in html
    # (2024-07-31, 2025-07-31]: the late award is in, the paper before entry still out.
    assert levels(html) == {"national": 2, "provincial": 3, "municipal": 0, "university": 1}
    assert outputs_in_station(html) == 3


def test_the_levels_are_labelled_in_chinese(client, funded):
    client.force_login(funded.leadership)
    html = client.get(URL, headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "国家级" in html and "校级" in html
