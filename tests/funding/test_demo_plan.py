"""The demo's projects name the catalogue's funders and programmes, and the default mapping (with the
demo's own funders) gives each the level of its plan: no demo project needs a level of its own, and
the story's 1,263 projects keep their levels."""

import datetime as dt
from collections import Counter

from core import demo
from funding.catalogue import default_levels, shipped_funders


def test_every_demo_project_takes_its_level_from_the_mapping():
    plan = demo.build_plan()
    levels = default_levels() | {code: level for code, _zh, _en, _kind, level, _p in demo.OWN_FUNDERS}
    programmes = {(f["code"], p["code"]) for f in shipped_funders() for p in f["programmes"]}
    programmes |= {(code, p) for code, _zh, _en, _kind, _level, own in demo.OWN_FUNDERS for p, _name in own}
    for _appointment, project in plan.projects:
        assert levels[project.funder_code] == project.level, project
        assert not project.programme_code or (project.funder_code, project.programme_code) in programmes, project
    start, end = demo.STORY_WINDOW
    story = Counter(p.level for _a, p in plan.projects if start < p.awarded_on <= end)
    assert sum(story.values()) == 1263
    # A medical university: mostly its own and provincial funding, a good share national.
    assert story["university"] > story["provincial"] > story["national"] > story["municipal"] > 50
    assert all(p.grade in ("一等", "二等") and p.batch.startswith("第") for _a, p in plan.projects if p.kind == "cpsf")
    nsfc = [(a, p) for a, p in plan.projects if p.kind == "nsfc"]
    periods = [demo._period(a, p) for a, p in nsfc]
    assert all(
        start == dt.date(p.awarded_on.year + 1, 1, 1) for (start, _e, _c), (_a, p) in zip(periods, nsfc, strict=True)
    )
    assert any(commitment for _s, _e, commitment in periods)
