"""Levels the institution's way: the mapping, the programme's rule over the funder's, a project's own
level over both; a change of the mapping moves the projects, the figures and leaves an audit event."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from core.errors import DomainError
from funding.models import Level, LevelRule, Project
from funding.services import (
    funder_save,
    level_change_preview,
    level_rule_remove,
    level_rule_save,
    level_rules_default,
    project_update,
    resolve_level,
)
from reports.selectors import headline_figures
from tests.funding.helpers import apply, levels_of, programme, record, shipped, written

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 30)


def by_level(world):
    return headline_figures(institution_id=world.institution.pk, as_of=AS_OF, years=3)["projects_by_level"]


def rule(world, code):
    return LevelRule.objects.get(institution=world.institution, funder__code=code, programme__isnull=True)


def test_a_project_without_a_level_counts_at_the_level_the_mapping_gives(world):
    nsfc = record(world, "N1", funder="国家自然科学基金", programme="青年科学基金项目")
    cpsf = record(world, "C1", funder="中国博士后科学基金会", programme="面上资助 第70批 一等")
    assert (nsfc.funder_ref, nsfc.programme_ref) == (shipped("NSFC"), programme("NSFC", "young-c"))
    assert levels_of(nsfc, cpsf) == [("national", ""), ("provincial", "")]
    assert by_level(world) == {"national": 1, "provincial": 1, "municipal": 0, "university": 0}


def test_a_given_level_is_kept_as_the_projects_own_only_where_the_mapping_says_otherwise(world):
    follows = record(world, "C1", funder="CPSF", level=Level.PROVINCIAL)
    own = record(world, "C2", funder="CPSF", level=Level.NATIONAL)
    assert levels_of(follows, own) == [("provincial", ""), ("national", "national")]


def test_a_projects_own_level_wins_over_the_mapping_and_survives_its_changes(world):
    own = record(world, "N1", funder="NSFC", level_override=Level.UNIVERSITY)
    follows = record(world, "N2", funder="NSFC")
    level_rule_save(institution=world.institution, funder=shipped("NSFC"), level=Level.PROVINCIAL, by=world.admin)
    assert levels_of(own, follows) == [("university", "university"), ("provincial", "")]
    assert resolve_level(world.institution.pk, shipped("NSFC"), None, "municipal") == "municipal"


def test_a_programmes_rule_beats_its_funders(world):
    special = record(world, "T1", funder="CPSF", programme="特别资助（站中） 第14批")
    general = record(world, "M1", funder="CPSF", programme="面上资助")
    level_rule_save(
        institution=world.institution,
        funder=shipped("CPSF"),
        programme=programme("CPSF", "special-in"),
        level=Level.NATIONAL,
        by=world.admin,
    )
    assert levels_of(special, general) == [("national", ""), ("provincial", "")]
    level_rule_save(institution=world.institution, funder=shipped("CPSF"), level=Level.MUNICIPAL, by=world.admin)
    assert levels_of(special, general) == [("national", ""), ("municipal", "")]
    institution = world.institution.pk
    assert resolve_level(institution, shipped("CPSF"), programme("CPSF", "special-in"), "") == "national"
    assert resolve_level(institution, shipped("CPSF"), programme("CPSF", "general"), "") == "municipal"
    assert resolve_level(institution, None, programme("CPSF", "general"), "") == "municipal"
    assert resolve_level(institution, None, None, "") is None


def test_a_change_of_the_mapping_changes_the_figures_and_says_who_did_it_and_when(world):
    for number in ("C1", "C2", "C3"):
        record(world, number, funder="中国博士后科学基金会")
    pending = apply(world, "A1", funder="中国博士后科学基金会", programme="特别资助（站中）")
    assert by_level(world) == {"national": 0, "provincial": 3, "municipal": 0, "university": 0}
    preview = level_change_preview(institution=world.institution, funder=shipped("CPSF"), level=Level.NATIONAL)
    assert preview == {"national": 3, "provincial": -3, "municipal": 0, "university": 0}
    assert by_level(world)["provincial"] == 3  # a preview writes nothing
    started = dt.datetime.now(tz=dt.UTC)
    level_rule_save(institution=world.institution, funder=shipped("CPSF"), level=Level.NATIONAL, by=world.admin)
    assert by_level(world) == {"national": 3, "provincial": 0, "municipal": 0, "university": 0}
    assert headline_figures(institution_id=world.institution.pk, as_of=AS_OF, years=3)["projects"] == 3
    assert levels_of(pending) == [("national", "")]  # the application moves too, though it counts nowhere
    event = AuditEvent.objects.get(event="level_rule.saved")
    assert event.actor == world.admin and event.occurred_at >= started
    assert event.before["level"] == "provincial" and event.after["level"] == "national"
    assert event.after["projects_moved"] == [{"from": "provincial", "to": "national", "projects": 4}]
    assert event.note == "4 project(s) moved from provincial or ministerial (省部级) to national (国家级)."
    assert event.target_label.startswith("中国博士后科学基金会")


def test_saving_the_same_level_moves_nothing(world):
    record(world, "C1", funder="CPSF")
    level_rule_save(institution=world.institution, funder=shipped("CPSF"), level=Level.PROVINCIAL, by=world.admin)
    event = AuditEvent.objects.get(event="level_rule.saved")
    assert event.after["projects_moved"] == [] and event.note == "No project changed its level."


def test_removing_a_rule_that_would_leave_projects_without_a_level_is_refused(world):
    project = record(world, "N1", funder="NSFC")
    nsfc = rule(world, "NSFC")
    assert level_change_preview(institution=world.institution, funder=shipped("NSFC"), level="")["without_level"] == 1
    before = written()
    with pytest.raises(DomainError, match="1 project\\(s\\) would be left without a level"):
        level_rule_remove(rule=nsfc, by=world.admin)
    assert written() == before and LevelRule.objects.filter(pk=nsfc.pk).exists()
    # With a level of its own the project no longer needs the rule.
    project_update(project=project, level_override=Level.NATIONAL, by=world.admin)
    level_rule_remove(rule=nsfc, by=world.admin)
    assert not LevelRule.objects.filter(pk=nsfc.pk).exists()
    assert AuditEvent.objects.get(event="level_rule.removed").before["level"] == "national"


def test_removing_a_programmes_rule_falls_back_to_the_funders(world):
    special = record(world, "T1", funder="CPSF", programme="特别资助（站中）")
    programme_rule = level_rule_save(
        institution=world.institution,
        funder=shipped("CPSF"),
        programme=programme("CPSF", "special-in"),
        level=Level.NATIONAL,
        by=world.admin,
    )
    preview = level_change_preview(
        institution=world.institution, funder=shipped("CPSF"), programme=programme("CPSF", "special-in"), level=""
    )
    assert preview == {"national": -1, "provincial": 1, "municipal": 0, "university": 0, "without_level": 0}
    level_rule_remove(rule=programme_rule, by=world.admin)
    assert levels_of(special) == [("provincial", "")]
    assert AuditEvent.objects.get(event="level_rule.removed").after["projects_moved"] == [
        {"from": "national", "to": "provincial", "projects": 1}
    ]


def test_a_project_needs_a_level_from_somewhere(world):
    before = written()
    with pytest.raises(DomainError, match="not in the catalogue of funders") as unknown:
        record(world, "X1", funder="某某基金会")
    assert unknown.value.field == "level"
    level_rule_remove(rule=rule(world, "CQ-EDU"), by=world.admin)
    before = written()
    with pytest.raises(DomainError, match="mapping gives 重庆市教育委员会 no level"):
        record(world, "E1", funder="重庆市教委")
    assert written() == before
    assert record(world, "E1", funder="重庆市教委", level=Level.MUNICIPAL).level_override == "municipal"


def test_an_own_funder_is_mapped_like_a_shipped_one(world):
    fund = funder_save(
        institution=world.institution, code="FUND", name_zh="示例医科大学基金", kind="university", by=world.admin
    )
    level_rule_save(institution=world.institution, funder=fund, level=Level.UNIVERSITY, by=world.admin)
    assert levels_of(record(world, "U1", funder="示例医科大学基金")) == [("university", "")]


def test_only_the_office_changes_the_mapping_and_only_with_a_level(world):
    cpsf, nsfc = shipped("CPSF"), shipped("NSFC")
    before = written()
    for user in (world.secretary, world.leadership, world.supervisor_user, world.outsider):
        with pytest.raises(DomainError, match="Only an office administrator"):
            level_rule_save(institution=world.institution, funder=cpsf, level=Level.NATIONAL, by=user)
        with pytest.raises(DomainError, match="Only an office administrator"):
            level_rule_remove(rule=rule(world, "CPSF"), by=user)
    with pytest.raises(DomainError, match="Choose a level"):
        level_rule_save(institution=world.institution, funder=cpsf, level="county", by=world.admin)
    with pytest.raises(DomainError, match="not a programme of"):
        level_rule_save(
            institution=world.institution,
            funder=nsfc,
            programme=programme("CPSF", "general"),
            level="national",
            by=world.admin,
        )
    theirs = funder_save(
        institution=world.outsider.institution, code="THEIRS", name_zh="他校基金", kind="university", by=world.outsider
    )
    before = written()
    with pytest.raises(DomainError, match="another institution"):
        level_rule_save(institution=world.institution, funder=theirs, level="university", by=world.admin)
    assert written() == before


def test_correcting_a_project_recomputes_its_level(world):
    project = record(world, "P1", funder="CPSF")
    project = project_update(project=project, funder="国家自然科学基金委员会", by=world.admin)
    assert (project.funder_ref, levels_of(project)) == (shipped("NSFC"), [("national", "")])
    project = project_update(project=project, level_override=Level.MUNICIPAL, by=world.admin)
    assert levels_of(project) == [("municipal", "municipal")]
    project = project_update(project=project, level_override="", by=world.admin)
    assert levels_of(project) == [("national", "")]
    event = AuditEvent.objects.filter(event="project.changed").order_by("pk").first()
    assert event.before == {"funder": "CPSF", "funder_ref": shipped("CPSF").pk, "level": "provincial"}
    assert event.after["level"] == "national"
    count = AuditEvent.objects.count()
    project_update(project=project, title=project.title, by=world.admin)  # no change, no event
    assert AuditEvent.objects.count() == count
    assert Project.objects.get(pk=project.pk).level == "national"


def test_the_levels_page_tells_a_removed_rule_and_the_defaults_given(client, world):
    level_rule_remove(rule=rule(world, "NSFC"), by=world.admin)
    level_rules_default(institution=world.institution, by=world.admin)
    removed = AuditEvent.objects.get(event="level_rule.removed")
    client.force_login(world.admin)
    page = client.get(reverse("funding:level-list")).content.decode()
    assert f"Removed: {escape(removed.target_label)}" in page
    assert "The default mapping was given" in page
