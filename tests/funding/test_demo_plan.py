"""The demo's projects name the catalogue's funders and programmes, and the default mapping (with the
demo's own funders) gives each the level of its plan: no demo project needs a level of its own, and
the story's 1,263 projects keep their levels."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from audit.models import AuditEvent
from catalogue.models import Institution
from core.dates import add_months
from demo.load import OWN_FUNDERS, _period
from demo.story.build import build_plan
from demo.story.plan import database_digest
from demo.story.reference import DEMO_CODE, STORY_AS_OF, STORY_WINDOW, STORY_YEARS
from demo.story.research import APPLICATIONS_KEPT_MONTHS, JOURNALS, cn_patent_check_char, demo_postdoc
from funding.figures import success_rates
from funding.models import Project
from funding.shipped import default_levels, shipped_funders
from outputs import identifiers
from outputs.models import Output
from reports.selectors import headline_figures


def test_every_demo_project_takes_its_level_from_the_mapping():
    plan = build_plan()
    levels = default_levels() | {code: level for code, _zh, _en, _kind, level, _p in OWN_FUNDERS}
    programmes = {(f["code"], p["code"]) for f in shipped_funders() for p in f["programmes"]}
    programmes |= {(code, p) for code, _zh, _en, _kind, _level, own in OWN_FUNDERS for p, _name in own}
    for _appointment, project in plan.projects:
        assert levels[project.funder_code] == project.level, project
        assert not project.programme_code or (project.funder_code, project.programme_code) in programmes, project
    start, end = STORY_WINDOW
    story = Counter(p.level for _a, p in plan.projects if start < p.awarded_on <= end)
    assert sum(story.values()) == 1263
    # A medical university: mostly its own and provincial funding, a good share national.
    assert story["university"] > story["provincial"] > story["national"] > story["municipal"] > 50
    assert all(p.grade in ("一等", "二等") and p.batch.startswith("第") for _a, p in plan.projects if p.kind == "cpsf")
    nsfc = [(a, p) for a, p in plan.projects if p.kind == "nsfc"]
    periods = [_period(a, p) for a, p in nsfc]
    assert all(
        start == dt.date(p.awarded_on.year + 1, 1, 1) for (start, _e, _c), (_a, p) in zip(periods, nsfc, strict=True)
    )
    assert any(commitment for _s, _e, commitment in periods)


def test_the_demo_keeps_a_years_applications_and_some_research_outputs_without_moving_a_figure():
    plan = build_plan()
    # The story's figures, by level too, are those of the plan without them.
    start, end = STORY_WINDOW
    story = Counter(p.level for _a, p in plan.projects if start < p.awarded_on <= end)
    assert dict(story) == {"national": 159, "provincial": 441, "municipal": 93, "university": 570}
    assert (plan.figures()["recruited"], plan.figures()["recruited_still_in_station"]) == (642, 632)

    applications = [(a, x) for a in plan.appointments for x in a.applications]
    rejected = [x for _a, x in applications if x.rejected_on is not None]
    pending = [x for _a, x in applications if x.rejected_on is None]
    assert len(rejected) > 100 and pending, "applications not funded and waiting for a decision"
    kept_from = add_months(plan.today, -APPLICATIONS_KEPT_MONTHS)
    assert all(kept_from <= x.applied_on <= plan.today for _a, x in applications)
    assert all(x.rejected_on is None or x.rejected_on > x.applied_on for _a, x in applications)
    # Every application is made in station, and the awards of the same rounds carry their date.
    assert all(a.in_station_on(x.applied_on) for a, x in applications)
    funded = [p for _a, p in plan.projects if p.applied_on is not None]
    assert {p.kind for p in funded} == {x.kind for x in rejected} == {"cpsf", "nsfc", "cqnsf"}
    assert all(p.applied_on < p.awarded_on for p in funded)
    for kind in ("cpsf", "nsfc", "cqnsf"):
        awarded = sum(p.kind == kind for p in funded)
        decided = awarded + sum(x.kind == kind for x in rejected)
        assert 0.25 < awarded / decided < 0.7, kind  # plausible success rates
    # 面上 once per station: nobody with an award applies again.
    holders = {a.person.key for a, p in plan.projects if p.kind == "cpsf"}
    assert not [x for a, x in applications if x.kind == "cpsf" and a.person.key in holders]
    numbers = [x.number for _a, x in applications] + [p.number for _a, p in plan.projects]
    assert len(numbers) == len(set(numbers))
    # A completed project ended with its funding period.
    completed = [p for _a, p in plan.projects if p.status == "completed"]
    assert completed and all(p.ended_on is not None and p.awarded_on < p.ended_on <= plan.today for p in completed)


def test_the_demos_research_outputs_have_valid_identifiers():
    plan = build_plan()
    outputs = [(a, o) for a in plan.appointments for o in a.outputs]
    papers = [o for _a, o in outputs if o.kind == "paper"]
    patents = [o for _a, o in outputs if o.kind == "patent"]
    assert 100 <= len(papers) <= 400 and 5 <= len(patents) <= 40
    for paper in papers:
        assert identifiers.clean_doi(paper.doi) == paper.doi.lower() and paper.doi.startswith("10.5555/")
        assert identifiers.clean_issn(paper.issn) == paper.issn
        assert paper.authors[paper.author_position - 1]
    for _key, (_name, issn, _stem, _chinese) in JOURNALS.items():
        assert identifiers.clean_issn(issn) == issn
    for patent in patents:
        digits, check = patent.number.removeprefix("ZL").split(".")
        assert len(digits) == 12 and digits[4] == "1" and check == cn_patent_check_char(digits)
        assert patent.granted_on is None or patent.granted_on > patent.published_on
    # The same person has no output twice (by DOI or title), as the service requires.
    seen: dict[int, set[str]] = {}
    for a, o in outputs:
        keys = seen.setdefault(a.person.key, set())
        for key in (o.doi, identifiers.normalise_title(o.title)):
            assert not key or key not in keys
            keys.add(key)
    # The demo's postdoc account has some, in station.
    mine = demo_postdoc(plan)
    assert len(mine.outputs) >= 4 and all(mine.in_station_on(o.published_on) for o in mine.outputs)


@pytest.mark.django_db
def test_the_loaded_demo_has_its_applications_and_outputs_through_the_services_and_the_same_figures():
    """The load at an earlier today (as tests/demo/test_demo.py does, about 60 % of the records)."""
    today = dt.date(2024, 6, 1)
    call_command("load_demo", "--today", today.isoformat(), stdout=StringIO())
    plan = build_plan(today=today)
    institution = Institution.objects.get(code=DEMO_CODE)
    figures = headline_figures(institution_id=institution.pk, as_of=STORY_AS_OF, years=STORY_YEARS)
    assert (figures["recruited"], figures["recruited_still_in_station"], figures["projects"]) == (642, 632, 1263)
    # The plan cut at an earlier today has its own mix of levels (at the default today: 159, 441, 93, 570).
    start, end = STORY_WINDOW
    levels = Counter(p.level for _a, p in plan.projects if start < p.awarded_on <= end)
    assert figures["projects_by_level"] == dict(levels)
    assert figures["coverage"]["with_station"] == figures["coverage"]["doctoral_disciplines"] == 8

    projects = Project.objects.filter(institution=institution)
    planned = [x for a in plan.appointments for x in a.applications]
    assert projects.filter(status=Project.Status.REJECTED).count() == sum(x.rejected_on is not None for x in planned)
    assert projects.filter(status=Project.Status.APPLIED).count() == sum(x.rejected_on is None for x in planned) > 0
    events = Counter(AuditEvent.objects.filter(event__startswith="project.").values_list("event", flat=True))
    assert events["project.applied"] == len(planned) and events["project.rejected"] > 0
    assert not projects.filter(status=Project.Status.COMPLETED, ended_on__isnull=True).exists()
    rates = {rate.label.split(" · ")[0]: rate for rate in success_rates(projects)}
    assert rates["CPSF"].awarded and rates["CPSF"].decided > rates["CPSF"].awarded

    outputs = Output.objects.filter(institution=institution)
    assert outputs.count() == sum(len(a.outputs) for a in plan.appointments)
    assert outputs.filter(kind=Output.Kind.PATENT).exists()
    assert {Output.Phase.IN_STATION, Output.Phase.BEFORE_ENTRY} <= set(outputs.values_list("phase", flat=True))
    assert AuditEvent.objects.filter(event="output.recorded").count() == outputs.count()
    assert database_digest(institution) == plan.digest()
    postdoc = User.objects.get(username="postdoc")
    assert outputs.filter(person__user=postdoc).count() >= 4
