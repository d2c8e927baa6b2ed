"""The shipped catalogue of funders, programmes and amounts (funding/data/funders.json), the default
level mapping every institution starts with, and the institution's own funders."""

import datetime as dt
import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from audit.models import AuditEvent
from catalogue.models import Institution
from catalogue.services import reference_save
from core.errors import DomainError
from funding.models import Funder, GradeAmount, Level, LevelRule, Programme
from funding.services import funder_save, grade_amount_save, level_rules_default, programme_save
from funding.shipped import CATALOGUE, default_levels, load_catalogue
from ops.institutions import institution_set_up
from tests.funding.helpers import programme, shipped, written

pytestmark = pytest.mark.django_db


def test_every_shipped_amount_has_its_source_and_certainty():
    amounts = GradeAmount.objects.filter(programme__funder__institution__isnull=True)
    assert amounts.count() >= 20
    assert all(a.source.startswith("http") and a.certainty in "CSG!" for a in amounts)
    general = programme("CPSF", "general")
    assert (general.once_per_station, general.apply_within_months) == (True, 18)
    natural_2020 = {
        (a.grade, a.amount) for a in general.amounts.filter(year_from=2020, field=GradeAmount.Field.NATURAL)
    }
    assert natural_2020 == {("一等", Decimal(120000)), ("二等", Decimal(80000))}
    social_2020 = {(a.grade, a.amount) for a in general.amounts.filter(year_from=2020, field="social")}
    assert social_2020 == {("一等", Decimal(80000)), ("二等", Decimal(50000))}
    assert {(a.grade, a.amount) for a in general.amounts.filter(year_from=2015)} == {
        ("一等", Decimal(80000)),
        ("二等", Decimal(50000)),
    }
    # The two translated copies of the 2007 rules disagree: both figures are shipped, marked "!".
    disputed = general.amounts.filter(year_from=2007)
    assert {a.certainty for a in disputed} == {"!"}
    assert {a.amount for a in disputed.filter(grade="二等")} == {Decimal(50000), Decimal(30000)}
    assert len({a.source for a in disputed}) == 2


def test_the_catalogue_has_the_programmes_of_the_facts():
    expected = {
        ("CPSF", "general"),
        ("CPSF", "special-pre"),
        ("CPSF", "special-in"),
        ("CPSF", "monograph"),
        ("NPMC", "boxin"),
        ("NPMC", "intl-intro"),
        ("NPMC", "intl-dispatch"),
        ("NPMC", "intl-academic"),
        ("NSFC", "young-c"),
        ("CQ-HRSS", "stay"),
        ("CQ-STB", "cqnsf-postdoc"),
    }
    found = set(Programme.objects.filter(funder__institution__isnull=True).values_list("funder__code", "code"))
    assert expected <= found
    assert programme("NSFC", "young-c").needs_extension_commitment
    assert programme("NPMC", "boxin").amounts.get(certainty="C").amount == 600000
    assert programme("CPSF", "special-pre").amounts.get().amount == 180000
    # The Chongqing NSF's postdoc projects: no amounts were found, so none are shipped.
    assert not programme("CQ-STB", "cqnsf-postdoc").amounts.exists()
    assert "not found" in next(
        p["note"]
        for f in json.loads(CATALOGUE.read_text())["funders"]
        for p in f["programmes"]
        if p["code"] == "cqnsf-postdoc"
    )
    assert {"CQ-HEALTH", "CQ-EDU"} <= set(
        Funder.objects.filter(institution__isnull=True).values_list("code", flat=True)
    )
    assert "中国博士后科学基金" in shipped("CPSF").aliases.splitlines()
    assert "NSFC" in shipped("NSFC").aliases.splitlines()


def test_loading_again_adds_nothing():
    migration = importlib.import_module("funding.migrations.0003_ship_funders_and_default_levels")
    before = (Funder.objects.count(), Programme.objects.count(), GradeAmount.objects.count())
    assert load_catalogue(Funder, Programme, GradeAmount) == {"funders": 0, "programmes": 0, "amounts": 0}
    migration.forwards(django_apps, None)
    assert (Funder.objects.count(), Programme.objects.count(), GradeAmount.objects.count()) == before


def test_the_migration_keeps_the_level_of_projects_recorded_before_levels_were_data(world):
    """A project of the old shape (text only, a level) is linked to the catalogue and keeps its level:
    as the mapping's where it agrees, as its own where not or where the funder is unknown."""
    from funding.models import Project

    def old(number, funder, programme_text, level):
        return Project.objects.create(
            institution=world.institution,
            holder=world.appointment,
            project_no=number,
            title="旧",
            funder=funder,
            programme=programme_text,
            level=level,
            awarded_on=dt.date(2024, 6, 1),
        )

    agrees = old("O1", "中国博士后科学基金会", "面上资助 第57批 一等", Level.PROVINCIAL)
    differs = old("O2", "CPSF", "", Level.NATIONAL)
    unknown = old("O3", "某某基金会", "", Level.MUNICIPAL)
    importlib.import_module("funding.migrations.0003_ship_funders_and_default_levels").forwards(django_apps, None)
    rows = {
        p.project_no: (p.funder_ref_id, p.programme_ref_id, p.level, p.level_override)
        for p in Project.objects.filter(pk__in=[agrees.pk, differs.pk, unknown.pk])
    }
    cpsf = shipped("CPSF").pk
    assert rows["O1"] == (cpsf, programme("CPSF", "general").pk, "provincial", "")
    assert rows["O2"] == (cpsf, None, "national", "national")
    assert rows["O3"] == (None, None, "municipal", "municipal")


def test_a_new_institution_starts_with_the_typical_mapping(world):
    rules = {
        (r.funder.code, r.level)
        for r in LevelRule.objects.filter(institution=world.institution, programme__isnull=True).select_related(
            "funder"
        )
    }
    assert rules == set(default_levels().items())
    assert dict(rules)["NSFC"] == Level.NATIONAL and dict(rules)["NPMC"] == Level.NATIONAL
    assert dict(rules)["CPSF"] == Level.PROVINCIAL and dict(rules)["CQ-STB"] == Level.PROVINCIAL
    assert dict(rules)["CQ-HRSS"] == Level.PROVINCIAL and dict(rules)["CQ-HEALTH"] == Level.MUNICIPAL
    event = AuditEvent.objects.get(event="level_rules.defaulted", institution=world.institution)
    assert event.actor.username == "admin-U1" and len(event.after["rules"]) == len(rules)
    # Asking again changes nothing and writes nothing.
    count = AuditEvent.objects.count()
    assert level_rules_default(institution=world.institution, by=world.admin) == []
    assert AuditEvent.objects.count() == count


def test_an_institution_added_in_the_admin_gets_the_mapping_too(client, django_user_model):
    root = django_user_model.objects.create_superuser(username="root", password="x")
    client.force_login(root)
    response = client.post(
        "/admin/catalogue/institution/add/", {"code": "U9", "name_zh": "第九大学", "kind": "university"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    institution = Institution.objects.get(code="U9")
    assert LevelRule.objects.filter(institution=institution).count() == len(default_levels())
    assert AuditEvent.objects.filter(event="level_rules.defaulted", institution=institution).exists()


def test_a_reference_save_of_an_institution_is_only_that(django_user_model):
    """catalogue knows nothing of funding: the mapping comes with ops.institutions, not reference_save."""
    root = django_user_model.objects.create_superuser(username="root", password="x")
    institution = reference_save(instance=Institution(code="U8", name_zh="第八大学", kind="university"), by=root)
    assert not LevelRule.objects.filter(institution=institution).exists()


def test_only_the_office_of_the_institution_sets_the_default_mapping(world):
    other, _admin = institution_set_up(
        code="U7", name_zh="第七大学", admin_username="admin-U7", admin_password="pw-admin-7"
    )
    LevelRule.objects.filter(institution=other).delete()
    for user in (world.admin, world.secretary, world.leadership):
        with pytest.raises(DomainError, match="Only an office administrator"):
            level_rules_default(institution=other, by=user)
    assert not LevelRule.objects.filter(institution=other).exists()


def test_the_shipped_catalogue_is_read_only(world):
    before = written()
    cpsf = shipped("CPSF")
    with pytest.raises(DomainError, match="shipped catalogue"):
        funder_save(institution=world.institution, funder=cpsf, name_zh="改名", by=world.admin)
    with pytest.raises(DomainError, match="shipped catalogue"):
        programme_save(funder=cpsf, code="new", name_zh="新项目", by=world.admin)
    with pytest.raises(DomainError, match="shipped catalogue"):
        grade_amount_save(
            programme=programme("CPSF", "general"), amount=1, year_from=2024, certainty="G", by=world.admin
        )
    with pytest.raises(DomainError, match="code of a funder of the shipped catalogue"):
        funder_save(institution=world.institution, code="CPSF", name_zh="假的", kind="other", by=world.admin)
    assert written() == before
    assert shipped("CPSF").name_zh == "中国博士后科学基金会"


def test_an_institution_keeps_its_own_funders_programmes_and_amounts(world):
    fund = funder_save(
        institution=world.institution,
        code="U1-FUND",
        name_zh="示例医科大学博士后基金",
        kind="university",
        by=world.admin,
    )
    startup = programme_save(funder=fund, code="startup", name_zh="科研启动资助", by=world.admin)
    amount = grade_amount_save(
        programme=startup, amount=50000, year_from=2021, certainty="C", source="https://example.edu/a", by=world.admin
    )
    assert (fund.institution, startup.funder, amount.amount) == (world.institution, fund, 50000)
    fund = funder_save(institution=world.institution, funder=fund, aliases="示例基金", by=world.admin)
    assert fund.aliases == "示例基金"
    events = list(AuditEvent.objects.filter(event__in=["funder.created", "funder.changed"]).order_by("pk"))
    assert [e.event for e in events] == ["funder.created", "funder.changed"]
    assert events[1].before["aliases"] == "" and events[1].after["aliases"] == "示例基金"
    assert AuditEvent.objects.filter(event="programme.created").count() == 1
    assert AuditEvent.objects.filter(event="gradeamount.created").count() == 1


def test_bad_catalogue_input_is_refused_whole(world):
    fund = funder_save(institution=world.institution, code="OWN", name_zh="自有基金", kind="university", by=world.admin)
    startup = programme_save(funder=fund, code="startup", name_zh="启动", by=world.admin)
    before = written()
    with pytest.raises(DomainError):
        grade_amount_save(programme=startup, amount=-1, year_from=2021, certainty="C", by=world.admin)
    with pytest.raises(DomainError):
        grade_amount_save(programme=startup, amount=1, year_from=2021, year_to=2020, certainty="C", by=world.admin)
    with pytest.raises(DomainError) as refused:
        funder_save(institution=world.institution, code="OWN", name_zh="重复", kind="university", by=world.admin)
    assert refused.value.field in (None, "code", "institution")
    with pytest.raises(DomainError, match="Only an office administrator"):
        funder_save(institution=world.institution, code="X", name_zh="秘书的", kind="other", by=world.secretary)
    with pytest.raises(DomainError, match="Only an office administrator"):
        funder_save(institution=world.institution, funder=Funder.objects.get(code="OWN"), by=world.outsider)
    with pytest.raises(DomainError, match="another institution"):
        funder_save(institution=world.outsider.institution, funder=Funder.objects.get(code="OWN"), by=world.outsider)
    assert written() == before
