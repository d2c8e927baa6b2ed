"""The expert's side: the signed link an external expert scores through without an account (and
the same page for an expert with one, under "My reviews"), what it hides in a blind review, and
the sentence — with no data — of a link that is invalid, expired or withdrawn."""

import datetime as dt
import html as markup
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reviews import services
from reviews.links import link_token
from reviews.models import Form, Member, Relation, Review
from tests.factories import World
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def html(response: Any) -> str:
    return markup.unescape(response.content.decode())


def open_review(review: Review, world: World) -> Review:
    services.panel_draw(review=review, seed=3, by=world.admin)
    return services.review_open(review=review, by=world.admin)


def first_member(review: Review) -> Member:
    return review.members.select_related("expert", "review__form").order_by("pk").first()  # type: ignore[return-value]


def link(member: Member) -> str:
    return reverse("reviews:link", args=[link_token(member)])


def scores(review: Review, values: tuple[Any, Any, Any] = ("8", "7.5", "4")) -> dict[str, Any]:
    criteria = list(review.form.criteria.order_by("position"))
    return {f"c{c.pk}": v for c, v in zip(criteria, values, strict=True)}


@pytest.fixture
def member(world: World, midterm: Review) -> Member:
    return first_member(open_review(midterm, world))


def test_the_link_works_without_signing_in(client, member):
    response = client.get(link(member))
    text = html(response)
    assert response.status_code == 200
    assert "Progress" in text and "Submit my scores" in text  # the criteria, in the page's language
    assert "陈博士" in text  # not blind: the expert sees whom they review
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    # No office navigation for a visitor without an account; the language switch is there.
    assert 'class="mainnav"' not in text and "Sign out" not in text
    assert 'class="langswitch"' in text


def test_the_link_page_shows_no_office_navigation_even_to_a_signed_in_user(client, world, member):
    client.force_login(world.admin)
    text = html(client.get(link(member)))
    assert 'class="mainnav"' not in text and "Sign out" not in text


def test_an_expert_scores_through_the_link(client, world, member):
    url = link(member)
    response = client.post(url, {**scores(member.review), "overall": "good", "comments": "扎实"})
    assert response.status_code == 302 and response["Location"] == url
    member.refresh_from_db()
    assert member.status == Member.Status.SUBMITTED and member.overall == "good"
    assert sorted(str(s.value) for s in member.scores.all()) == ["4.00", "7.50", "8.00"]
    event = AuditEvent.objects.get(event="review.scores_submitted", target_id=str(member.pk))
    assert event.actor is None and member.expert.name in event.actor_label

    confirmation = html(client.get(url))
    assert "Your scores were submitted on" in confirmation and "they are final" in confirmation
    assert "7.5" in confirmation and "扎实" in confirmation and "good (良好)" in confirmation
    assert "Submit my scores" not in confirmation and "<input" not in confirmation.split('id="scoring"')[1]
    # A second submission is refused by the service.
    again = client.post(url, {**scores(member.review), "overall": "pass"})
    assert "These scores have already been submitted." in html(again)


def test_a_refused_score_keeps_the_input_and_shows_the_sentence(client, member):
    data = {**scores(member.review, ("8", "12", "4")), "overall": "good", "comments": "意见"}
    response = client.post(link(member), data, headers={"HX-Request": "true"})
    text = html(response)
    assert response.status_code == 200
    assert "The score for “Outputs” must be between 0 and 10." in text
    assert 'value="12"' in text and 'value="8"' in text and "意见" in text
    member.refresh_from_db()
    assert member.status == Member.Status.INVITED


def test_a_missing_score_names_the_criterion(client, member):
    data = {**scores(member.review, ("8", "", "4")), "overall": "good"}
    assert "“Outputs” has no score" in html(client.post(link(member), data))


def test_an_expired_link_is_refused_with_the_sentence_and_no_data(client, world, member):
    url = link(member)
    Review.objects.filter(pk=member.review_id).update(deadline=TODAY() - dt.timedelta(days=30))
    response = client.get(url)
    text = html(response)
    assert response.status_code == 410
    assert "This review link expired on" in text
    assert "Progress" not in text and "陈博士" not in text and member.expert.name not in text
    assert client.post(url, {**scores(member.review), "overall": "good"}).status_code == 410
    member.refresh_from_db()
    assert member.status == Member.Status.INVITED


def test_a_link_is_withdrawn_when_the_expert_declines_through_it(client, world, member):
    url = link(member)
    decline = reverse("reviews:link-decline", args=[link_token(member)])
    assert "Decline this review" in html(client.get(decline))
    response = client.post(decline, {"reason": "", "conflict": "on"})
    assert "Say why the expert declines." in html(response)  # the service's sentence
    response = client.post(decline, {"reason": "与该博士后合作过", "conflict": "on"})
    assert response.status_code == 200
    assert "Your link no longer works" in html(response)
    member.refresh_from_db()
    assert member.status == Member.Status.DECLINED
    relation = Relation.objects.get(expert=member.expert)
    assert relation.kind == Relation.Kind.DECLARED and relation.person == world.appointment.person

    refused = client.get(url)
    assert refused.status_code == 410
    assert "This review link has been withdrawn." in html(refused)
    assert "Progress" not in html(refused)


def test_a_link_withdrawn_by_the_office_is_refused(client, world, member):
    url = link(member)
    services.member_decline(member=member, reason="出国", by=world.admin)
    assert client.get(url).status_code == 410


@pytest.mark.parametrize("token", ["nonsense", "eyJtIjoxfQ:1abc:deadbeef"])
def test_an_invalid_link_is_forbidden(client, world, token):
    response = client.get(reverse("reviews:link", args=[token]))
    assert response.status_code == 403
    assert "This review link is not valid." in html(response)


def test_a_link_before_the_review_opens_is_refused(client, world, midterm):
    services.panel_draw(review=midterm, seed=3, by=world.admin)
    response = client.get(link(first_member(midterm)))
    assert response.status_code == 403 and "This review has not opened yet." in html(response)


def test_a_closed_review_shows_the_submitted_scores_and_refuses_the_others(client, world, midterm):
    open_review(midterm, world)
    members = list(midterm.members.select_related("expert", "review__form").order_by("pk"))
    client.post(link(members[0]), {**scores(midterm), "overall": "excellent"})
    services.review_close(review=midterm, note="其余专家未评", by=world.admin)
    assert "Your scores were submitted on" in html(client.get(link(members[0])))
    response = client.get(link(members[1]))
    assert response.status_code == 410 and "This review is closed." in html(response)


def test_a_blind_review_hides_the_subject_and_the_fellow_members(client, world, midterm, pool: Pool):
    Review.objects.filter(pk=midterm.pk).update(blind=True)
    Form.objects.filter(pk=pool.form.pk).update(hides_subject=True)
    member = first_member(open_review(midterm, world))
    fellows = [m.expert.name for m in midterm.members.select_related("expert") if m.pk != member.pk]
    text = html(client.get(link(member)))
    assert "陈博士" not in text and world.appointment.postdoc_no not in text and midterm.title not in text
    assert "Who is under review is not shown to the experts." in text
    assert "mid-term assessment" in text.lower() and "1002" in text  # the kind and the discipline
    assert not any(name in text for name in fellows)
    assert "the other members are not shown until the review closes" in text


def test_an_open_review_that_is_not_blind_shows_the_fellow_members(client, world, member):
    fellows = [m.expert.name for m in member.review.members.select_related("expert") if m.pk != member.pk]
    text = html(client.get(link(member)))
    assert all(name in text for name in fellows)


def test_the_link_page_speaks_chinese(client, member, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.cookies["django_language"] = "zh-hans"
    text = html(client.get(link(member), headers={"Accept-Language": "zh-hans"}))
    assert '<html lang="zh-Hans">' in text and "中期考核" in text and "研究进展" in text and "中文" in text


# ---- an expert with an account: "My reviews" -------------------------------------------------


@pytest.fixture
def expert_user(world: World, member: Member) -> Any:
    user = get_user_model().objects.create_user(username="expert", password="pw-expert-123")
    services.expert_save(institution=world.institution, by=world.admin, expert=member.expert, user=user)
    return user


def test_a_signed_in_expert_scores_from_my_reviews(client, member, expert_user):
    client.force_login(expert_user)
    listed = html(client.get(reverse("reviews:assignments")))
    assert member.review.title in listed and "to score" in listed
    url = reverse("reviews:assignment", args=[member.pk])
    page = html(client.get(url))
    assert "Progress" in page and 'class="mainnav"' in page  # the signed-in page keeps the site's navigation
    response = client.post(url, {**scores(member.review), "overall": "good", "comments": ""})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.SUBMITTED
    event = AuditEvent.objects.get(event="review.scores_submitted", target_id=str(member.pk))
    assert event.actor == expert_user
    assert "Your scores were submitted on" in html(client.get(url))


def test_a_signed_in_expert_declines_with_a_conflict(client, world, member, expert_user):
    client.force_login(expert_user)
    url = reverse("reviews:assignment-decline", args=[member.pk])
    response = client.post(url, {"reason": "同一课题组", "conflict": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.DECLINED
    assert Relation.objects.filter(expert=member.expert, declared_by="expert").exists()
    assert "You declined this review: 同一课题组" in html(client.get(reverse("reviews:assignment", args=[member.pk])))
