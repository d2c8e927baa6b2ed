"""Writes through the funding pages: a project's life (apply → award → complete) with its audit, a
rule's warning acknowledged on the page, a refusal that keeps the input and names the field, the
termination's confirmation, the level mapping changed through its preview, the funding rules and
the institution's own funders."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from funding.models import Funder, FundingRules, LevelRule, Project, RuleMode
from funding.reference_views import counted_by_level
from funding.services import funding_rules_save
from reports.selectors import headline_figures
from tests.funding.helpers import programme, record, shipped, written
from tests.funding.test_pages import HTMX, Funded, funded_fixture, signed_in_fixture

__all__ = ["funded_fixture", "signed_in_fixture"]  # the fixtures `funded` and `signed_in`

pytestmark = pytest.mark.django_db


def _events(project: Project) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type="funding.project", target_id=str(project.pk)).order_by("pk"))


# ---------------------------------------------------------------------------------------------
# A project's life


def test_a_project_goes_from_application_to_completion_on_the_pages(signed_in, world):
    client = signed_in("secretary")
    appointment = world.appointment
    response = client.post(
        reverse("funding:project-apply", kwargs={"pk": appointment.pk}),
        {
            "project_no": "2024-NSFC-A",
            "title": "肝纤维化的免疫机制",
            "programme_ref": programme("NSFC", "young-c").pk,
            "applied_on": "2024-03-10",
            "role": "pi",
            "amount": "300000",
            "period_start": "2025-01-01",
            "period_end": "2027-12-31",
            "extension_commitment_until": "2027-12-31",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("postdoc-detail", kwargs={"pk": appointment.pk})
    project = Project.objects.get(project_no="2024-NSFC-A")
    assert (project.status, project.level, project.funder_ref, project.created_by) == (
        "applied",
        "national",
        shipped("NSFC"),
        world.secretary,
    )

    def figures() -> int:
        return headline_figures(institution_id=world.institution.pk, as_of=dt.date(2025, 6, 30), years=3)["projects"]

    assert figures() == 0
    award = reverse("funding:project-award", kwargs={"pk": project.pk})
    form = client.get(award, headers=HTMX).content.decode()
    assert "<html" not in form and 'value="300000.00"' in form
    response = client.post(
        award, {"awarded_on": "2024-08-25", "project_no": "82401234", "amount": "300000", "grade": "C类"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.project_no, project.awarded_on) == ("awarded", "82401234", dt.date(2024, 8, 25))
    assert figures() == 1
    page = client.get(reverse("postdoc-detail", kwargs={"pk": appointment.pk}))
    steps = {row["project"].pk: [s["name"] for s in row["steps"]] for row in page.context["project_rows"]}
    assert steps[project.pk] == ["complete", "terminate", "edit"]
    response = client.post(
        reverse("funding:project-complete", kwargs={"pk": project.pk}), {"on": "2026-10-01"}, headers=HTMX
    )
    assert response.status_code == 200 and response["HX-Redirect"] == reverse(
        "postdoc-detail", kwargs={"pk": appointment.pk}
    )
    project.refresh_from_db()
    assert (project.status, project.ended_on) == ("completed", dt.date(2026, 10, 1))
    assert figures() == 1
    events = _events(project)
    assert [e.event for e in events] == ["project.applied", "project.awarded", "project.completed"]
    assert {e.actor for e in events} == {world.secretary}
    detail = client.get(reverse("funding:project-detail", kwargs={"pk": project.pk}))
    assert len(detail.context["timeline"]) == 3 and detail.context["steps"][0]["name"] == "edit"


def test_an_application_not_funded_is_recorded_and_never_counted(signed_in, funded: Funded):
    client = signed_in("admin")
    response = client.post(reverse("funding:project-reject", kwargs={"pk": funded.applied.pk}), {"on": "2024-11-30"})
    assert response.status_code == 302
    project = Project.objects.get(pk=funded.applied.pk)
    assert (project.status, project.rejected_on, project.awarded_on) == ("rejected", dt.date(2024, 11, 30), None)
    assert client.get(reverse("funding:project-award", kwargs={"pk": project.pk})).context["available"] is False


def test_a_step_not_open_in_the_status_is_refused_with_the_services_sentence(signed_in, funded: Funded):
    client = signed_in("admin")  # signing in is audited: count after it
    before = written()
    response = client.post(
        reverse("funding:project-award", kwargs={"pk": funded.awarded.pk}), {"awarded_on": "2024-09-01"}
    )
    assert response.status_code == 200
    assert "Only an application can be awarded" in response.content.decode()
    assert written() == before


def test_a_termination_needs_its_confirmation_and_keeps_its_reason(signed_in, funded: Funded):
    client = signed_in("admin")
    url = reverse("funding:project-terminate", kwargs={"pk": funded.awarded.pk})
    before = written()
    response = client.post(url, {"on": "2025-06-01", "reason": "研究方向调整"})
    assert response.status_code == 200 and "Tick the box to confirm the termination." in response.content.decode()
    assert written() == before and 'value="2025-06-01"' in response.content.decode()
    response = client.post(url, {"on": "2025-06-01", "reason": "研究方向调整", "confirm": "on"})
    assert response.status_code == 302
    project = Project.objects.get(pk=funded.awarded.pk)
    assert (project.status, project.ended_on) == ("terminated", dt.date(2025, 6, 1))
    assert _events(project)[-1].note == "研究方向调整"


def test_a_project_is_corrected_on_its_edit_page_and_only_the_change_is_audited(signed_in, funded: Funded):
    client = signed_in("admin")
    url = reverse("funding:project-edit", kwargs={"pk": funded.awarded.pk})
    form = client.get(url).content.decode()
    assert 'value="肝纤维化机制研究"' in form
    data = {
        "project_no": "82401234",
        "title": "肝纤维化机制研究（修订）",
        "funder_ref": shipped("NSFC").pk,
        "funder": funded.awarded.funder,
        "programme_ref": programme("NSFC", "young-c").pk,
        "programme": funded.awarded.programme,
        "grade": "C类",
        "batch": "2024",
        "role": "pi",
        "amount": "300000.00",
        "level_override": "",
        "period_start": "2025-01-01",
        "period_end": "2027-12-31",
        "extension_commitment_until": "",
    }
    assert client.post(url, data).status_code == 302
    event = _events(funded.awarded)[-1]
    assert event.event == "project.changed"
    assert event.after == {"title": "肝纤维化机制研究（修订）"}


# ---------------------------------------------------------------------------------------------
# Rules: a warning acknowledged, a refusal


def _late_application(programme_pk: int, **extra: str) -> dict[str, str | int]:
    # The world's postdoc entered on 2024-03-01: the CPSF general grant takes applications until 2025-09-01.
    return {
        "project_no": "CPSF-LATE",
        "title": "迟到的申请",
        "programme_ref": programme_pk,
        "applied_on": "2025-10-15",
        "role": "pi",
        **extra,
    }


def test_a_warning_is_shown_and_the_application_is_recorded_once_acknowledged(signed_in, world):
    client = signed_in("admin")
    url = reverse("funding:project-apply", kwargs={"pk": world.appointment.pk})
    general = programme("CPSF", "general").pk
    before = written()
    response = client.post(url, _late_application(general), headers=HTMX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert "Applications to 面上资助 are made within 18 months of entry: by 2025-09-01" in text
    assert "I have read this; record anyway" in text and 'value="迟到的申请"' in text
    assert response.context["warning"] and written() == before
    response = client.post(url, _late_application(general, acknowledged="on"))
    assert response.status_code == 302
    project = Project.objects.get(project_no="CPSF-LATE")
    (event,) = _events(project)
    assert event.event == "project.applied"
    assert event.note.startswith("Acknowledged warning: Applications to 面上资助 are made within 18 months")


def test_a_refusal_keeps_the_input_and_names_the_field(signed_in, world):
    client = signed_in("admin")
    before = written()
    response = client.post(
        reverse("funding:project-apply", kwargs={"pk": world.appointment.pk}),
        {
            "project_no": "NSFC-NOCOMMIT",
            "title": "没有延期承诺的申请",
            "programme_ref": programme("NSFC", "young-c").pk,
            "applied_on": "2024-03-10",
            "role": "pi",
            "period_end": "2028-12-31",
            "acknowledged": "on",  # acknowledging does not lift a refusal
        },
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["extension_commitment_until"]
    assert "needs the office's commitment to extend the appointment" in error
    text = response.content.decode()
    assert 'value="没有延期承诺的申请"' in text and 'value="2028-12-31"' in text
    assert written() == before


def test_a_refusal_of_the_record_form_names_the_number_already_taken(signed_in, funded: Funded):
    response = signed_in("admin").post(
        reverse("funding:project-record", kwargs={"pk": funded.world.appointment.pk}),
        {
            "project_no": "82401234",
            "title": "重复",
            "funder": "某基金会",
            "level_override": "municipal",
            "awarded_on": "2024-10-01",
            "role": "pi",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["project_no"] == ["Project number 82401234 is already recorded."]


def test_an_award_recorded_directly_takes_its_level_from_the_mapping_or_the_one_given(signed_in, world):
    client = signed_in("admin")
    url = reverse("funding:project-record", kwargs={"pk": world.appointment.pk})
    common = {"title": "课题", "awarded_on": "2024-10-01", "role": "participant", "grade": "一等", "batch": "第76批"}
    assert client.post(url, {**common, "project_no": "R-1", "funder_ref": shipped("CPSF").pk}).status_code == 302
    assert client.post(url, {**common, "project_no": "R-2", "funder": "某市科协", "level_override": "municipal"})
    unknown = client.post(url, {**common, "project_no": "R-3", "funder": "某市科协"})
    assert unknown.status_code == 200 and "give the level" in unknown.content.decode()
    assert list(Project.objects.order_by("project_no").values_list("project_no", "level", "level_override")) == [
        ("R-1", "provincial", ""),
        ("R-2", "municipal", "municipal"),
    ]


def test_a_form_without_a_funder_asks_for_one(signed_in, world):
    response = signed_in("admin").post(
        reverse("funding:project-apply", kwargs={"pk": world.appointment.pk}),
        {"project_no": "X", "title": "X", "applied_on": "2024-05-01", "role": "pi"},
    )
    assert "funder_ref" in response.context["form"].errors


# ---------------------------------------------------------------------------------------------
# The level mapping


def test_a_level_change_shows_its_preview_then_changes_the_figures(signed_in, funded: Funded):
    world = funded.world
    record(world, "CQ-1", programme_ref=programme("CPSF", "special-pre"), awarded_on=dt.date(2024, 10, 1))
    client = signed_in("admin")
    assert counted_by_level(world.institution.pk) == {"national": 1, "provincial": 2, "municipal": 0, "university": 0}
    url = reverse("funding:level-change")
    query = {"funder": shipped("CPSF").pk, "level": "national"}
    preview = client.get(url, query, headers=HTMX)
    text = preview.content.decode()
    assert "<html" not in text and 'id="level-preview"' in text
    rows = {row.level: (row.before, row.change, row.after) for row in preview.context["preview"]}
    assert rows["provincial"] == (2, -2, 0) and rows["national"] == (1, 2, 3)
    assert "2 awarded projects move from provincial or ministerial (省部级) to national (国家级)." in text
    assert "2 awarded projects move to another level." in text  # and the two applications, uncounted
    assert not LevelRule.objects.filter(funder=shipped("CPSF"), level="national").exists()
    unconfirmed = client.post(url, query)
    assert unconfirmed.status_code == 200 and "Tick the box to confirm the change." in unconfirmed.content.decode()
    assert counted_by_level(world.institution.pk)["national"] == 1
    response = client.post(url, {**query, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("funding:level-list")
    assert counted_by_level(world.institution.pk) == {"national": 3, "provincial": 0, "municipal": 0, "university": 0}
    figures = headline_figures(institution_id=world.institution.pk, as_of=dt.date(2025, 6, 30), years=3)
    assert figures["projects_by_level"]["national"] == 3
    mapping = client.get(reverse("funding:level-list"))
    change = mapping.context["changes"][0]  # the latest; the default mapping's came with the institution
    assert change.actor == world.admin and change.event == "level_rule.saved"
    page = mapping.content.decode()
    assert "4 project(s) moved from provincial or ministerial (省部级) to national (国家级)." in page
    assert "admin-U1" in page


def test_a_programme_follows_its_funder_again_when_its_rule_is_removed(signed_in, funded: Funded):
    from funding.services import level_rule_save

    general = programme("CPSF", "general")
    level_rule_save(
        institution=funded.world.institution,
        funder=shipped("CPSF"),
        programme=general,
        level="national",
        by=funded.world.admin,
    )
    client = signed_in("admin")
    query = {"funder": shipped("CPSF").pk, "programme": general.pk, "level": ""}
    preview = client.get(reverse("funding:level-change"), query)
    assert (
        "New: the funder&#x27;s level" in preview.content.decode()
        or "New: the funder's level" in preview.content.decode()
    )
    assert preview.context["stranded"] == 0
    assert client.post(reverse("funding:level-change"), {**query, "confirm": "on"}).status_code == 302
    assert not LevelRule.objects.filter(programme=general).exists()
    assert Project.objects.get(pk=funded.applied.pk).level == "provincial"


def test_removing_a_funders_rule_that_would_strand_projects_offers_no_confirmation(signed_in, funded: Funded):
    client = signed_in("admin")
    query = {"funder": shipped("NSFC").pk, "level": ""}
    preview = client.get(reverse("funding:level-change"), query)
    assert preview.context["stranded"] == 1
    assert "would be left without a level" in preview.content.decode()
    assert "Save and recount" not in preview.content.decode()
    before = written()
    response = client.post(reverse("funding:level-change"), {**query, "confirm": "on"})
    assert response.status_code == 200 and written() == before


def test_leadership_cannot_change_the_mapping(signed_in, funded: Funded):
    client = signed_in("leadership")  # signing in is audited: count after it
    before = written()
    response = client.post(
        reverse("funding:level-change"), {"funder": shipped("CPSF").pk, "level": "national", "confirm": "on"}
    )
    assert response.status_code == 403 and written() == before


def test_a_programme_of_another_funder_is_refused(signed_in, funded: Funded):
    response = signed_in("admin").get(
        reverse("funding:level-change"),
        {"funder": shipped("NSFC").pk, "programme": programme("CPSF", "general").pk, "level": "national"},
    )
    assert response.status_code == 200 and "The programme is not one of the funder&#x27;s." in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The funding rules


def test_the_rules_page_changes_a_warning_into_a_refusal(signed_in, world):
    client = signed_in("admin")
    page = client.get(reverse("funding:rules"))
    assert page.context["form"].initial == {
        "once_per_station": "refuse",
        "apply_window": "warn",
        "extension_commitment": "refuse",
    }
    response = client.post(
        reverse("funding:rules"), {"once_per_station": "warn", "apply_window": "refuse", "extension_commitment": "off"}
    )
    assert response.status_code == 302
    rules = FundingRules.objects.get(institution=world.institution)
    assert (rules.once_per_station, rules.apply_window, rules.extension_commitment) == ("warn", "refuse", "off")
    assert "a refusal" in client.get(reverse("funding:rules")).content.decode()
    refused = client.post(
        reverse("funding:project-apply", kwargs={"pk": world.appointment.pk}),
        _late_application(programme("CPSF", "general").pk, acknowledged="on"),
    )
    assert refused.status_code == 200 and "applied_on" in refused.context["form"].errors
    assert not Project.objects.filter(project_no="CPSF-LATE").exists()


def test_a_rule_switched_off_is_not_asked(signed_in, world):
    funding_rules_save(institution=world.institution, apply_window=RuleMode.OFF, by=world.admin)
    response = signed_in("secretary").post(
        reverse("funding:project-apply", kwargs={"pk": world.appointment.pk}),
        _late_application(programme("CPSF", "general").pk),
    )
    assert response.status_code == 302


def test_a_bad_mode_is_refused_on_the_rules_page(signed_in, world):
    response = signed_in("admin").post(
        reverse("funding:rules"),
        {"once_per_station": "sometimes", "apply_window": "warn", "extension_commitment": "off"},
    )
    assert response.status_code == 200 and "once_per_station" in response.context["form"].errors
    assert not FundingRules.objects.filter(institution=world.institution).exists()


# ---------------------------------------------------------------------------------------------
# The institution's own funders


def test_an_own_funder_programme_and_amount_are_added_on_the_pages(signed_in, world):
    client = signed_in("admin")
    response = client.post(
        reverse("funding:funder-new"),
        {"code": "YZ-FUND", "name_zh": "渝州医科大学博士后基金", "kind": "university", "aliases": "校博士后基金"},
    )
    assert response.status_code == 302
    funder = Funder.objects.get(institution=world.institution, code="YZ-FUND")
    response = client.post(
        reverse("funding:programme-new", kwargs={"pk": funder.pk}),
        {"code": "start", "name_zh": "启动资助", "once_per_station": "on", "apply_within_months": "12"},
    )
    assert response.status_code == 302
    start = funder.programmes.get()
    assert start.once_per_station and start.apply_within_months == 12
    response = client.post(
        reverse("funding:amount-new", kwargs={"pk": start.pk}),
        {"grade": "", "field": "", "amount": "50000", "year_from": "2024", "certainty": "C"},
    )
    assert response.status_code == 302
    page = client.get(reverse("funding:funder-list")).content.decode()
    assert "渝州医科大学博士后基金" in page and "50,000" in page and "from 2024" in page
    assert reverse("funding:funder-edit", kwargs={"pk": funder.pk}) in page


def test_an_own_funder_with_a_catalogue_code_is_refused_next_to_the_code(signed_in, world):
    client = signed_in("admin")  # signing in is audited: count after it
    before = written()
    response = client.post(
        reverse("funding:funder-new"), {"code": "CPSF", "name_zh": "我校的基金", "kind": "university"}
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["code"]
    assert "CPSF is the code of a funder of the shipped catalogue" in error
    assert 'value="我校的基金"' in response.content.decode() and written() == before
