"""The establishment pages: who gets which answer on each, the list's filters, and the steps
through the pages, with refusals shown and nothing written."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from catalogue.models import Discipline
from establishment import services
from establishment.models import Application, Document, Round
from stations.models import Station
from tests.clients import PERSONAS
from tests.establishment.conftest import Setup, fresh, pdf, today

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
Status = Application.Status
ROLES_WITHOUT_ACCESS = ["secretary", "supervisor", "postdoc"]

# Pages of the institution: administrators and leadership read; the outsider sees their own (empty) institution.
SECTION_PAGES = {
    "establishment:application-list": {"admin": 200, "leadership": 200, "outsider": 200},
    "establishment:round-list": {"admin": 200, "leadership": 200, "outsider": 200},
    "establishment:round-new": {"admin": 200, "leadership": 403, "outsider": 200},
    "establishment:application-new": {"admin": 200, "leadership": 403, "outsider": 200},
}
# Pages of one record of the world's institution: the outsider gets 404.
READ = {"admin": 200, "leadership": 200, "outsider": 404}
MANAGE = {"admin": 200, "leadership": 403, "outsider": 404}
RECORD_PAGES = {
    "establishment:application-detail": READ,
    "establishment:application-checklist": READ,
    "establishment:application-edit": MANAGE,
    "establishment:application-start-review": MANAGE,
    "establishment:application-submit": MANAGE,
    "establishment:application-decide": MANAGE,
    "establishment:application-withdraw": MANAGE,
}


def _expected(table: dict[str, int], persona: str) -> int:
    return table.get(persona, 403)


@pytest.mark.parametrize("url_name", [*SECTION_PAGES, *RECORD_PAGES, "establishment:round-edit"])
def test_anonymous_visitors_are_sent_to_sign_in(client, setup, url_name):
    kwargs = (
        {} if url_name in SECTION_PAGES else {"pk": setup.round.pk if "round" in url_name else setup.application.pk}
    )
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", SECTION_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_section_pages_answer_each_persona(signed_in, setup, persona, url_name, headers):
    response = signed_in(persona).get(reverse(url_name), headers=headers)
    assert response.status_code == _expected(SECTION_PAGES[url_name], persona)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", RECORD_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_an_applications_pages_answer_each_persona(signed_in, setup, persona, url_name, headers):
    response = signed_in(persona).get(reverse(url_name, kwargs={"pk": setup.application.pk}), headers=headers)
    expected = _expected(RECORD_PAGES[url_name], persona)
    if url_name == "establishment:application-edit" and expected == 200:
        expected = 200  # a draft: the form
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_rounds_page_answers_each_persona(signed_in, setup, persona):
    response = signed_in(persona).get(reverse("establishment:round-edit", kwargs={"pk": setup.round.pk}))
    assert response.status_code == _expected(MANAGE, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_documents_pages_answer_each_persona(signed_in, setup, persona):
    document = services.document_add(
        application=setup.application, kind=Document.Kind.SUPPORTING, upload=pdf(), by=setup.world.admin
    )
    kwargs = {"pk": setup.application.pk, "document_pk": document.pk}
    client = signed_in(persona)
    download = client.get(reverse("establishment:document-download", kwargs=kwargs))
    assert download.status_code == _expected(READ, persona)
    if download.status_code == 200:
        # Consumed, not closed: closing a streamed response again sends request_finished, which
        # closes the database connection the PostgreSQL run's next query needs.
        assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert client.get(reverse("establishment:document-remove", kwargs=kwargs)).status_code == _expected(MANAGE, persona)


def test_an_unknown_application_is_404(signed_in, setup):
    assert signed_in("admin").get(reverse("establishment:application-detail", kwargs={"pk": 999999})).status_code == 404


@pytest.mark.parametrize(("persona", "expected"), [("leadership", 403), ("secretary", 403), ("outsider", 404)])
@pytest.mark.parametrize("url_name", ["establishment:application-withdraw", "establishment:application-start-review"])
def test_a_step_posted_without_the_right_writes_nothing(signed_in, setup, persona, expected, url_name):
    client = signed_in(persona)  # signing in is audited: count after it
    events = AuditEvent.objects.count()
    response = client.post(reverse(url_name, kwargs={"pk": setup.application.pk}), {"reason": "x", "confirm": "on"})
    assert response.status_code == expected
    assert fresh(setup.application).status == Status.DRAFT and AuditEvent.objects.count() == events


@pytest.mark.parametrize(("persona", "expected"), [("leadership", 403), ("postdoc", 403), ("outsider", 404)])
def test_an_upload_without_the_right_writes_nothing(signed_in, setup, persona, expected):
    url = reverse("establishment:document-upload", kwargs={"pk": setup.application.pk})
    response = signed_in(persona).post(url, {"kind": Document.Kind.SUPPORTING, "file": pdf()})
    assert response.status_code == expected and not Document.objects.exists()


def test_the_outsider_lists_none_of_the_institutions_applications_or_rounds(signed_in, setup):
    client = signed_in("outsider")
    listed = client.get(reverse("establishment:application-list"))
    assert list(listed.context["page_obj"]) == []
    assert "No station applications yet." in listed.content.decode()
    assert list(client.get(reverse("establishment:round-list")).context["page_obj"]) == []


# ---------------------------------------------------------------------------------------------
# The list


def _more_applications(setup: Setup) -> list[Application]:
    older = services.round_save(
        institution=setup.world.institution, year=2023, internal_deadline=dt.date(2023, 6, 28), by=setup.world.admin
    )
    stomatology = services.application_create(
        round=older, discipline=Discipline.objects.get(code="1003"), unit=setup.unit, by=setup.world.admin
    )
    services.application_withdraw(application=stomatology, reason="条件不足", by=setup.world.admin)
    pharmacy = services.application_create(
        round=setup.round, discipline=Discipline.objects.get(code="1007"), unit=setup.unit, by=setup.world.admin
    )
    return [stomatology, pharmacy]


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("establishment:application-list"), params)
    assert response.status_code == 200
    return [application.discipline.code for application in response.context["page_obj"]]


def test_the_list_filters_by_round_status_and_discipline(signed_in, setup):
    _more_applications(setup)
    client = signed_in("admin")
    assert _listed(client) == ["1001", "1007", "1003"]
    older = Round.objects.get(year=2023)
    assert _listed(client, round=older.pk) == ["1003"]
    assert _listed(client, status="withdrawn") == ["1003"]
    assert _listed(client, status="draft", round=setup.round.pk) == ["1001", "1007"]
    assert _listed(client, q="100") == ["1001", "1007", "1003"]
    assert _listed(client, q="药") == ["1007"]
    assert _listed(client, q="Stomatology") == ["1003"]


def test_the_list_says_when_nothing_matches(signed_in, setup):
    page = signed_in("admin").get(reverse("establishment:application-list"), {"q": "无此学科"}).content.decode()
    assert "No applications match." in page and "Clear the filters" in page


def test_the_empty_list_invites_to_open_a_round_first(signed_in, world):
    page = signed_in("admin").get(reverse("establishment:application-list")).content.decode()
    assert "No station applications yet." in page
    assert reverse("establishment:round-new") in page


def test_the_list_pages_and_its_partial_is_the_rows(signed_in, setup, settings):
    settings.PAGE_SIZE = 2
    _more_applications(setup)
    client = signed_in("admin")
    first = client.get(reverse("establishment:application-list"))
    assert len(first.context["page_obj"]) == 2 and first.context["page_obj"].paginator.num_pages == 2
    second = client.get(reverse("establishment:application-list"), {"page": 2}, headers=HTMX)
    page = second.content.decode()
    assert "<html" not in page and 'id="rows"' in page
    assert [a.discipline.code for a in second.context["page_obj"]] == ["1003"]


def test_the_list_takes_as_many_queries_for_many_applications(signed_in, setup, django_assert_max_num_queries):
    client = signed_in("admin")
    with django_assert_max_num_queries(12):
        client.get(reverse("establishment:application-list"))
    _more_applications(setup)
    with django_assert_max_num_queries(12):
        client.get(reverse("establishment:application-list"))


def test_leadership_reads_the_list_without_the_new_button(signed_in, setup):
    page = signed_in("leadership").get(reverse("establishment:application-list")).content.decode()
    assert "1001" in page and reverse("establishment:application-new") not in page


# ---------------------------------------------------------------------------------------------
# Rounds and applications through the pages


def test_a_round_is_opened_on_the_page(signed_in, world):
    response = signed_in("admin").post(
        reverse("establishment:round-new"),
        {
            "year": 2023,
            "notice_no": "人社部函〔2023〕47号",
            "internal_deadline": "2023-06-28",
            "submission_deadline": "2023-07-15",
            "min_doctoral_supervisors": 3,
            "min_projects": 1,
            "project_years": 5,
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("establishment:round-list")
    assert Round.objects.get(institution=world.institution).notice_no == "人社部函〔2023〕47号"


def test_a_refused_round_keeps_the_input_and_names_the_field(signed_in, setup):
    response = signed_in("admin").post(
        reverse("establishment:round-edit", kwargs={"pk": setup.round.pk}),
        {
            "year": setup.round.year,
            "internal_deadline": "2026-06-28",
            "submission_deadline": "2026-01-01",
            "min_doctoral_supervisors": 3,
            "min_projects": 1,
            "project_years": 5,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["submission_deadline"] == ["The submission deadline cannot be before the internal deadline."]
    assert 'value="2026-01-01"' in response.content.decode()
    assert Round.objects.get(pk=setup.round.pk).submission_deadline is None


def test_an_application_is_started_on_the_page(signed_in, setup):
    response = signed_in("admin").post(
        reverse("establishment:application-new"),
        {
            "round": setup.round.pk,
            "discipline": Discipline.objects.get(code="1003").pk,
            "unit": setup.unit.pk,
            "applicants": [s.pk for s in setup.applicants],
            "enrolled_phd_students": 8,
            "facilities": "口腔医学实验室",
            "facilities_attested": "on",
        },
    )
    application = Application.objects.get(discipline__code="1003")
    assert response.status_code == 302
    assert response["Location"] == reverse("establishment:application-detail", kwargs={"pk": application.pk})
    assert application.applicants.count() == 3 and application.created_by == setup.world.admin


def test_an_application_for_a_discipline_with_a_station_is_refused_next_to_the_discipline(signed_in, setup):
    response = signed_in("admin").post(
        reverse("establishment:application-new"),
        {
            "round": setup.round.pk,
            "discipline": Discipline.objects.get(code="1002").pk,
            "unit": setup.unit.pk,
            "enrolled_phd_students": 8,
        },
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["discipline"]
    assert "already has a mobile station" in error
    assert Application.objects.count() == 1


def test_a_draft_is_changed_on_the_page(signed_in, setup):
    url = reverse("establishment:application-edit", kwargs={"pk": setup.application.pk})
    client = signed_in("admin")
    form = client.get(url).content.decode()
    assert 'value="12"' in form
    response = client.post(
        url,
        {
            "discipline": setup.discipline.pk,
            "unit": setup.unit.pk,
            "applicants": [s.pk for s in setup.applicants],
            "enrolled_phd_students": 20,
            "facilities": "新的描述",
        },
    )
    assert response.status_code == 302
    application = fresh(setup.application)
    assert application.enrolled_phd_students == 20 and not application.facilities_attested


def test_only_a_draft_opens_its_form(signed_in, setup):
    services.application_review_start(application=setup.application, by=setup.world.admin)
    response = signed_in("admin").get(reverse("establishment:application-edit", kwargs={"pk": setup.application.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("establishment:application-detail", kwargs={"pk": setup.application.pk})


# ---------------------------------------------------------------------------------------------
# One application's page


def test_the_page_shows_the_checklist_documents_steps_and_timeline(signed_in, setup):
    services.document_add(
        application=setup.application, kind=Document.Kind.APPLICATION_FORM, upload=pdf(), by=setup.world.admin
    )
    page = signed_in("admin").get(reverse("establishment:application-detail", kwargs={"pk": setup.application.pk}))
    text = page.content.decode()
    assert "Eligibility checklist" in text and "every condition is met" in text
    assert "3 of the applicants are doctoral supervisors; the round asks for at least 3." in text
    assert "申请书.pdf" in text and "Upload" in text
    assert "Send to the internal expert review" in text and "Withdraw" in text
    assert "Establishment application started" in text and "Document added" in text  # the timeline's words
    assert [s["name"] for s in page.context["steps"]] == ["start-review", "withdraw"]


def test_leadership_reads_the_page_without_steps_or_upload(signed_in, setup):
    page = signed_in("leadership").get(reverse("establishment:application-detail", kwargs={"pk": setup.application.pk}))
    assert page.context["steps"] == [] and page.context["document_form"] is None
    assert "Eligibility checklist" in page.content.decode()
    assert "Change the details" not in page.content.decode()


def test_an_application_in_internal_review_offers_the_office_to_start_its_review(signed_in, setup):
    services.application_review_start(application=setup.application, by=setup.world.admin)
    url = reverse("establishment:application-detail", kwargs={"pk": setup.application.pk})
    start = f"{reverse('reviews:new')}?application={setup.application.pk}"
    assert start in signed_in("admin").get(url).content.decode()
    assert start not in signed_in("leadership").get(url).content.decode()


def test_the_checklist_partial_computes_for_the_day_asked(signed_in, setup):
    url = reverse("establishment:application-checklist", kwargs={"pk": setup.application.pk})
    response = signed_in("admin").get(url, {"on": "2009-06-01"}, headers=HTMX)
    text = response.content.decode()
    assert "<html" not in text and 'id="checklist"' in text
    assert "no doctoral degree-granting rights in 1001 Basic Medicine on June 1, 2009." in text
    assert "Computed from the records on June 1, 2009." in text
    assert not response.context["checklist"].met


def test_the_checklist_without_htmx_is_the_whole_page(signed_in, setup):
    response = signed_in("admin").get(
        reverse("establishment:application-checklist", kwargs={"pk": setup.application.pk}), {"on": "2009-06-01"}
    )
    assert "<html" in response.content.decode() and not response.context["checklist"].met


def test_an_unmet_checklist_is_named_when_the_review_is_asked_for(signed_in, setup):
    services.application_update(application=setup.application, enrolled_phd_students=0, by=setup.world.admin)
    url = reverse("establishment:application-start-review", kwargs={"pk": setup.application.pk})
    client = signed_in("admin")  # signing in is audited: count after it
    events = AuditEvent.objects.count()
    response = client.post(url, {}, headers=HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert "The checklist has unmet items: Doctoral rights and enrolled PhD students:" in text
    assert "no PhD students are enrolled" in text
    assert fresh(setup.application).status == Status.DRAFT and AuditEvent.objects.count() == events


def test_a_decision_needs_its_confirmation(signed_in, setup):
    by = setup.world.admin
    application = services.application_review_start(application=setup.application, by=by)
    application = services.application_review_record(application=application, supported=True, by=by)
    services.application_submit(application=application, on=today(), by=by)
    url = reverse("establishment:application-decide", kwargs={"pk": setup.application.pk})
    response = signed_in("admin").post(url, {"decision": "rejected", "on": today().isoformat()})
    assert response.status_code == 200 and "Tick the box to confirm this step." in response.content.decode()
    assert fresh(setup.application).status == Status.SUBMITTED


def test_the_whole_application_through_the_pages_sets_up_the_station(signed_in, setup):
    client = signed_in("admin")
    pk = setup.application.pk

    def step(name: str, data: dict[str, str]) -> None:
        response = client.post(reverse(f"establishment:application-{name}", kwargs={"pk": pk}), data)
        assert response.status_code == 302, response.content.decode()

    step("start-review", {})
    # The review engine decides the internal expert demonstration.
    services.application_review_record(application=fresh(setup.application), supported=True, by=setup.world.admin)
    detail = client.get(reverse("establishment:application-detail", kwargs={"pk": pk}))
    assert "Record the submission" in detail.content.decode()
    step("submit", {"on": today().isoformat()})
    form = client.get(reverse("establishment:application-decide", kwargs={"pk": pk})).content.decode()
    assert 'value="S1001"' in form and "基础医学博士后科研流动站" in form  # proposed from the discipline
    step(
        "decide",
        {
            "decision": "approved",
            "on": today().isoformat(),
            "approval_no": "人社部函〔2026〕172号",
            "station_code": "S1001",
            "name_zh": "基础医学博士后科研流动站",
            "name_en": "Postdoctoral Research Station of Basic Medicine",
            "confirm": "on",
        },
    )
    application = fresh(setup.application)
    assert application.status == Status.APPROVED
    station = Station.objects.get(institution=setup.world.institution, code="S1001")
    assert application.station == station
    page = client.get(reverse("establishment:application-detail", kwargs={"pk": pk})).content.decode()
    assert reverse("station-detail", args=[station.pk]) in page
    assert "Application approved" in page and "Internal expert review: supported" in page


def test_a_withdrawal_on_the_page_needs_its_reason_and_confirmation(signed_in, setup):
    url = reverse("establishment:application-withdraw", kwargs={"pk": setup.application.pk})
    client = signed_in("admin")
    response = client.post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(url, {"reason": "学科规划调整", "confirm": "on"})
    assert response.status_code == 302 and fresh(setup.application).status == Status.WITHDRAWN


def test_a_step_that_is_not_open_says_so(signed_in, setup):
    response = signed_in("admin").get(reverse("establishment:application-decide", kwargs={"pk": setup.application.pk}))
    assert "This step is not open for the application in its present status (draft)." in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The admin and the other language


@pytest.mark.parametrize(("persona", "expected"), [("admin", 200), ("leadership", 403), ("secretary", 403)])
@pytest.mark.parametrize("model", ["round", "application", "document"])
def test_the_admin_shows_the_records_to_office_administrators_only(client, setup, persona, expected, model):
    user = setup.world.personas()[persona]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    assert client.get(reverse(f"admin:establishment_{model}_changelist")).status_code == expected


def test_the_admin_adds_and_changes_nothing(client, setup):
    user = setup.world.admin
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    assert client.get(reverse("admin:establishment_application_add")).status_code == 403
    page = client.get(reverse("admin:establishment_application_change", args=[setup.application.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize(
    "url_name", ["establishment:application-list", "establishment:round-list", "establishment:application-new"]
)
def test_the_pages_render_in_chinese(signed_in, setup, settings, url_name):
    client = signed_in("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse(url_name))
    assert response.status_code == 200 and 'lang="zh-Hans"' in response.content.decode()


def test_an_applications_page_renders_in_chinese(signed_in, setup, settings):
    services.document_add(
        application=setup.application, kind=Document.Kind.APPLICATION_FORM, upload=pdf(), by=setup.world.admin
    )
    client = signed_in("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("establishment:application-detail", kwargs={"pk": setup.application.pk}))
    text = page.content.decode()
    assert page.status_code == 200 and "2010年1月1日" in text  # the checklist's dates in the page's language
