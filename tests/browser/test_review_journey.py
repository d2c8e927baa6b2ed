"""A review in real Chromium: an external expert scores through their signed link without an
account, then the office administrator closes the review and records the decision, which appears
on the postdoc's page as the mid-term assessment."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from appointments.models import Assessment
from reviews import services
from reviews.links import link_token
from reviews.models import Kind, Member, Review
from tests.factories import make_world
from tests.reviews.conftest import make_pool

pytestmark = pytest.mark.browser


@pytest.fixture
def review_live(transactional_db):  # type: ignore[no-untyped-def]
    """A mid-term review, open, whose panel has scored but for one external expert."""
    world = make_world()
    make_pool(world)
    review = services.review_create(
        kind=Kind.MIDTERM,
        subject=world.appointment,
        deadline=timezone.localdate() + dt.timedelta(days=14),
        by=world.admin,
    )
    services.panel_draw(review=review, seed=11, by=world.admin)
    services.review_open(review=review, by=world.admin)
    members = list(review.members.select_related("expert", "review__form").order_by("pk"))
    external = next(m for m in members if m.expert.is_external)
    criteria = list(review.form.criteria.order_by("position"))
    for member in members:
        if member != external:
            services.scores_submit(
                member=member,
                values={c.pk: c.scale_max * 8 // 10 for c in criteria},
                overall="good",
                comments="",
                by=services.ExpertActor(member),
            )
    return world, review, external, criteria


def sign_in(page, username, password):  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login/" not in page.url, "sign-in failed"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshots for a person to look at, when SCREENSHOTS_DIR names a directory."""
    directory = os.environ.get("SCREENSHOTS_DIR")
    if directory:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def test_an_external_expert_scores_by_link_and_the_office_decides(page, review_live):  # type: ignore[no-untyped-def]
    world, review, external, criteria = review_live

    # The expert has no account: the link alone opens their scoring page, without the office's menu.
    page.goto(f"/reviews/link/{link_token(external)}/")
    assert page.locator("html").get_attribute("lang").lower() == "zh-hans"
    assert page.locator(".mainnav").count() == 0
    assert page.locator("form.langswitch").count() == 1
    assert "陈博士" in page.locator("main").inner_text()
    shot(page, "link-zh")
    for criterion, value in zip(criteria, ("9", "8.5", "4"), strict=True):
        page.fill(f"#scoring input[name=c{criterion.pk}]", value)
    page.select_option("#scoring select[name=overall]", "excellent")
    page.fill("#scoring textarea[name=comments]", "研究进展扎实，建议继续深入。")
    page.click("#scoring button[type=submit]")
    page.wait_for_selector("#submitted")
    confirmation = page.locator("#scoring").inner_text()
    assert "8.5" in confirmation and "研究进展扎实" in confirmation
    assert page.locator("#scoring input").count() == 0  # read-only now
    shot(page, "link-submitted-zh")
    page.click("form.langswitch button[value=en]")
    page.wait_for_load_state()
    assert "Your scores were submitted" in page.locator("#scoring").inner_text()
    shot(page, "link-submitted-en")
    external.refresh_from_db()
    assert external.status == Member.Status.SUBMITTED

    # The office administrator closes the review and records the decision.
    sign_in(page, "admin-U1", "pw-admin-123")
    page.goto(f"/reviews/{review.pk}/")
    assert external.expert.name in page.locator("#review-panel").inner_text()
    shot(page, "review-open-en")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang").lower() == "zh-hans"
    shot(page, "review-open-zh")
    page.click(f"a[href$='/reviews/{review.pk}/close/']")
    page.wait_for_selector("#action-panel form")
    with page.expect_navigation():
        page.click("#action-panel form button[type=submit]")
    page.click(f"a[href$='/reviews/{review.pk}/decide/']")
    page.wait_for_selector("#action-panel select[name=decision]")
    assert page.input_value("#action-panel select[name=decision]") == "good"  # suggested by the scores
    page.fill("#action-panel textarea[name=reason]", "按计划推进，中期考核良好。")
    with page.expect_navigation():
        page.click("#action-panel form button[type=submit]")
    page.wait_for_selector("#decision")
    assert "按计划推进" in page.locator("#decision").inner_text()
    shot(page, "review-decided")
    review.refresh_from_db()
    assert review.status == Review.Status.DECIDED

    # The postdoc's page shows the assessment the decision recorded.
    page.goto(f"/postdocs/{world.appointment.pk}/")
    row = page.locator("main tr", has_text="按计划推进")  # the decision's reason, as the assessment's comments
    assert "中期考核" in row.inner_text() and "良好" in row.inner_text()
    assert Assessment.objects.filter(appointment=world.appointment, kind="midterm", grade="good").count() == 1
