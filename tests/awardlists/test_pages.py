"""The award-list pages: who gets which answer on each, the upload, the review's choices through
htmx, the check and the confirmation."""

import datetime as dt

import pytest
from django.urls import reverse

from awardlists.models import AwardList, AwardListRow, HostName
from funding.models import Project
from funding.services import funding_rules_save, project_record
from tests.awardlists.conftest import Lists, row, upload, upload_file, xlsx_bytes

HTMX = {"HX-Request": "true"}
PERSONAS = ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"]
SECTION_PAGES = ["awardlists:list", "awardlists:new", "awardlists:names"]
RECORD_PAGES = ["awardlists:detail", "awardlists:check"]
# Sections: office administrators (the outsider administers another institution); others 403.
SECTION = {"admin": 200, "outsider": 200}
# One list of the world's institution: its administrators; the outsider 404; others 403.
RECORD = {"admin": 200, "outsider": 404}

ROWS = [
    row(1, "陈晓东", "BH-CXD-01"),
    row(2, "陳曉東", "", "710"),
    row(3, "林黛玉", "", "0710"),
    row(4, "贾宝玉", "X1", "0710", host="另一所大学"),
]


@pytest.fixture
def award_list(lists: Lists) -> AwardList:
    return upload(lists, ROWS[:1] + ROWS[2:])


@pytest.mark.parametrize("url_name", SECTION_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", SECTION_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_section_pages_answer_each_persona(signed_in, lists, persona, url_name, headers):
    response = signed_in(persona).get(reverse(url_name), headers=headers)
    assert response.status_code == SECTION.get(persona, 403)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", RECORD_PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_a_lists_pages_answer_each_persona(signed_in, award_list, persona, url_name, headers):
    response = signed_in(persona).get(reverse(url_name, kwargs={"pk": award_list.pk}), headers=headers)
    assert response.status_code == RECORD.get(persona, 403)


@pytest.mark.parametrize(("persona", "expected"), [("secretary", 403), ("leadership", 403), ("outsider", 404)])
def test_posting_without_the_right_writes_nothing(signed_in, lists, award_list, persona, expected):
    client = signed_in(persona)
    exact = award_list.rows.get(outcome=AwardListRow.Outcome.EXACT)
    kwargs = {"pk": award_list.pk}
    posts = [
        (reverse("awardlists:confirm", kwargs=kwargs), {}),
        (reverse("awardlists:discard", kwargs=kwargs), {}),
        (reverse("awardlists:row-choose", kwargs={**kwargs, "row_pk": exact.pk}), {"appointment": "skip"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == expected
    award_list.refresh_from_db()
    exact.refresh_from_db()
    assert award_list.status == AwardList.Status.CHECKED and exact.decision == AwardListRow.Decision.ACCEPT
    assert not Project.objects.filter(holder=lists.chen).exists()


def test_the_outsider_lists_none_of_the_institutions_lists(signed_in, award_list):
    response = signed_in("outsider").get(reverse("awardlists:list"))
    assert award_list.batch not in response.content.decode()
    assert signed_in("admin").get(reverse("awardlists:list")).content.decode().count(award_list.batch) >= 1


def test_the_list_filters_by_status(signed_in, lists, award_list):
    client = signed_in("admin")
    assert "第69批" in client.get(reverse("awardlists:list"), {"status": "checked"}).content.decode()
    assert "第69批" not in client.get(reverse("awardlists:list"), {"status": "confirmed"}).content.decode()


def test_an_upload_through_the_page_leads_to_its_review(signed_in, lists):
    response = signed_in("admin").post(
        reverse("awardlists:new"),
        {
            "programme": lists.programme.pk,
            "batch": "第69批",
            "awarded_on": "2025-06-30",
            "file": upload_file("第69批.xlsx", xlsx_bytes(ROWS)),
        },
    )
    award_list = AwardList.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "awardlists:detail", kwargs={"pk": award_list.pk}
    )
    page = signed_in("admin").get(response["Location"]).content.decode()
    for text in ("陈晓东", "陳曉東", "林黛玉", "另一所大学", "BH-CXD-01"):
        assert text in page
    assert "贾宝玉" not in page  # other institutions' rows are only counted


def test_a_refused_upload_shows_its_sentences_and_stores_nothing(signed_in, lists):
    content = xlsx_bytes([[1, "重庆", "陈晓东", "BH-CXD-01"]], header=["序号", "省份", "姓名", "博士后编号"])
    response = signed_in("admin").post(
        reverse("awardlists:new"),
        {
            "programme": lists.programme.pk,
            "batch": "第69批",
            "awarded_on": "2025-06-30",
            "file": upload_file("a.xlsx", content),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The required column 设站单位名称 (institution) is missing" in page
    assert "The required column 一级学科 (discipline) is missing" in page
    assert AwardList.objects.count() == 0 and AwardListRow.objects.count() == 0


def test_the_review_chooses_a_candidate_and_skips_through_htmx(signed_in, lists):
    award_list = upload(lists, ROWS[1:2] + ROWS[:1] + ROWS[2:3])
    uncertain = award_list.rows.get(outcome=AwardListRow.Outcome.UNCERTAIN)
    url = reverse("awardlists:row-choose", kwargs={"pk": award_list.pk, "row_pk": uncertain.pk})
    client = signed_in("admin")
    page = client.get(reverse("awardlists:detail", kwargs={"pk": award_list.pk})).content.decode()
    assert f'value="{lists.chen.pk}"' in page and "BH-CXD-01" in page  # the candidate, with their number
    # 陈晓东 is already the postdoc of the exact row: refused, with the sentence in the row.
    response = client.post(url, {"appointment": lists.chen.pk}, headers=HTMX)
    assert response.status_code == 200 and "already the postdoc of row 4" in response.content.decode()
    assert "HX-Trigger" not in response
    response = client.post(url, {"appointment": "skip"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "awardlist-changed"
    assert 'id="row-' in response.content.decode() and "<html" not in response.content.decode()
    uncertain.refresh_from_db()
    assert uncertain.decision == AwardListRow.Decision.SKIP
    # A postdoc who is no candidate of the row is refused.
    client.post(url, {"appointment": lists.wang.pk}, headers=HTMX)
    uncertain.refresh_from_db()
    assert uncertain.decision == AwardListRow.Decision.SKIP and uncertain.appointment_id is None


def test_the_check_and_the_confirmation(signed_in, lists, award_list):
    client = signed_in("admin")
    check = client.get(reverse("awardlists:check", kwargs={"pk": award_list.pk}), headers=HTMX).content.decode()
    assert "Confirm 1 award" in check and "120,000 yuan in all" in check
    response = client.post(reverse("awardlists:confirm", kwargs={"pk": award_list.pk}), headers=HTMX)
    assert response["HX-Redirect"] == reverse("awardlists:detail", kwargs={"pk": award_list.pk})
    (project,) = Project.objects.filter(holder=lists.chen)
    assert project.batch == "第69批"
    page = client.get(response["HX-Redirect"]).content.decode()
    assert project.project_no in page and "Check and confirm" not in page


def test_a_warning_is_acknowledged_on_the_page(signed_in, lists, award_list):
    funding_rules_save(institution=lists.world.institution, once_per_station="warn", by=lists.admin)
    project_record(
        holder=lists.chen,
        project_no="2024M700001",
        title="第68批面上资助",
        awarded_on=dt.date(2024, 12, 1),
        programme_ref=lists.programme,
        batch="第68批",
        by=lists.admin,
    )
    client = signed_in("admin")
    url = reverse("awardlists:confirm", kwargs={"pk": award_list.pk})
    check = client.get(reverse("awardlists:check", kwargs={"pk": award_list.pk})).content.decode()
    assert "once per station" in check and 'name="acknowledged"' in check
    response = client.post(url, headers=HTMX)
    assert response.status_code == 200 and "Acknowledge the warnings" in response.content.decode()
    assert not Project.objects.filter(batch="第69批").exists()
    response = client.post(url, {"acknowledged": "on"}, headers=HTMX)
    assert "HX-Redirect" in response
    assert Project.objects.filter(batch="第69批", holder=lists.chen).exists()


def test_discarding_a_list(signed_in, award_list):
    response = signed_in("admin").post(reverse("awardlists:discard", kwargs={"pk": award_list.pk}))
    assert response.status_code == 302
    award_list.refresh_from_db()
    assert award_list.status == AwardList.Status.DISCARDED


def test_names_of_the_institution_are_added_and_removed(signed_in, lists):
    client = signed_in("admin")
    response = client.post(reverse("awardlists:names"), {"name": "示例医大"})
    assert response.status_code == 302
    host_name = HostName.objects.get()
    assert host_name.name == "示例医大"
    assert signed_in("outsider").post(reverse("awardlists:name-remove", kwargs={"pk": host_name.pk})).status_code == 404
    client = signed_in("admin")
    assert client.post(reverse("awardlists:name-remove", kwargs={"pk": host_name.pk})).status_code == 302
    assert not HostName.objects.exists()
