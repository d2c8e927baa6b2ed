"""The office's review pages: who gets which answer on every page, partial, step and export; the
conflict rule (no reviewer's name or score for anyone who may not see the panel, a conflicted
administrator included); the steps from a new review to its decision; the pool and the rules."""

import csv
import datetime as dt
import html as markup
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appointments.models import Assessment
from audit.models import AuditEvent
from reviews import services
from reviews.access import panel_review_ids, sees_panel
from reviews.models import Expert, Form, Kind, KindRules, Member, Relation, Review
from reviews.services import ExpertActor
from reviews.sheet_columns import REVIEWS_PANEL_SHEET, REVIEWS_SHEET
from tests.clients import PERSONAS
from tests.factories import World
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TODAY = timezone.localdate


# ---- reviews at each stage ----------------------------------------------------------------------


def drawn(review: Review, world: World) -> Review:
    services.panel_draw(review=review, seed=7, by=world.admin)
    return review


def opened(review: Review, world: World) -> Review:
    drawn(review, world)
    return services.review_open(review=review, by=world.admin)


def submit(member: Member, values: tuple[int, int, int] = (8, 7, 4), overall: str = "good") -> Member:
    criteria = list(member.review.form.criteria.all())
    return services.scores_submit(
        member=member,
        values={c.pk: v for c, v in zip(criteria, values, strict=True)},
        overall=overall,
        comments="进展顺利",
        by=ExpertActor(member),
    )


def seated(review: Review) -> list[Member]:
    return [m for m in review.members.select_related("expert", "review__form").order_by("pk") if m.counts]


def scored(review: Review, world: World, count: int | None = None) -> Review:
    opened(review, world)
    members = seated(review)
    for member in members[: len(members) if count is None else count]:
        submit(member)
    return review


def closed(review: Review, world: World) -> Review:
    scored(review, world)
    return services.review_close(review=review, by=world.admin)


def panel_names(review: Review) -> list[str]:
    return [m.expert.name for m in review.members.select_related("expert")]


def conflict_admin(world: World, pool: Pool) -> None:
    """The administrator is also the expert who works in the postdoc's college (a conflict)."""
    services.expert_save(institution=world.institution, by=world.admin, expert=pool.same_unit, user=world.admin)


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def html(response: Any) -> str:
    """The page's text with its entities resolved (an apostrophe is &#x27; in the markup)."""
    return markup.unescape(response.content.decode())


REVIEW_STEPS = ["add", "draw", "open", "close", "decide"]
MEMBER_STEPS = ["remove", "decline", "replace"]
PARTS = ["panel", "outcome"]


# ---- who gets which answer ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_list_answers_every_persona_within_their_scope(signed_in, world, midterm, persona, headers):
    response = signed_in(persona).get(reverse("reviews:list"), headers=headers)
    assert response.status_code == 200
    listed = [row["review"].pk for row in response.context["rows"]]
    assert listed == ([] if persona == "outsider" else [midterm.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, world, midterm):
    for url in [
        reverse("reviews:list"),
        reverse("reviews:detail", args=[midterm.pk]),
        reverse("reviews:close", args=[midterm.pk]),
        reverse("reviews:expert-list"),
        reverse("reviews:rules"),
        reverse("reviews:assignments"),
        reverse("reviews:export", args=["csv"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 200), ("supervisor", 200), ("postdoc", 200), ("leadership", 200), ("outsider", 404)],
)
@pytest.mark.parametrize("part", [None, *PARTS])
def test_the_review_page_and_its_partials_by_persona(signed_in, world, midterm, persona, expected, part):
    url = reverse("reviews:detail", args=[midterm.pk]) + (f"?part={part}" if part else "")
    response = signed_in(persona).get(url, headers=HTMX if part else {})
    assert response.status_code == expected


def test_an_unknown_review_is_404(signed_in, world):
    assert signed_in("admin").get(reverse("reviews:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 200), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 404)],
)
@pytest.mark.parametrize("step", REVIEW_STEPS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_step_forms_open_only_for_those_who_run_the_review(signed_in, world, midterm, persona, expected, step, headers):
    url = reverse(f"reviews:{step}", args=[midterm.pk])
    assert signed_in(persona).get(url, headers=headers).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 200), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 404)],
)
@pytest.mark.parametrize("step", MEMBER_STEPS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_member_step_forms_open_only_for_those_who_run_the_review(
    signed_in, world, midterm, persona, expected, step, headers
):
    member = drawn(midterm, world).members.first()
    url = reverse(f"reviews:member-{step}", args=[midterm.pk, member.pk])
    assert signed_in(persona).get(url, headers=headers).status_code == expected


def test_a_member_of_another_review_is_404(signed_in, world, midterm, pool):
    other = services.review_create(
        kind=Kind.MIDTERM, subject=world.other_appointment, deadline=TODAY() + dt.timedelta(days=9), by=world.admin
    )
    member = services.member_add(review=other, expert=pool.external[0], by=world.admin)
    url = reverse("reviews:member-remove", args=[midterm.pk, member.pk])
    assert signed_in("admin").get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 200), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 404)],
)
@pytest.mark.parametrize("step", REVIEW_STEPS)
def test_step_posts_are_refused_to_those_who_do_not_run_the_review(signed_in, world, midterm, persona, expected, step):
    response = signed_in(persona).post(reverse(f"reviews:{step}", args=[midterm.pk]), {"seed": "3"})
    # Those who run it: the draw is done, the other steps are refused by the service or the form.
    assert response.status_code == (302 if step == "draw" and expected == 200 else expected)
    midterm.refresh_from_db()
    assert midterm.status == Review.Status.DRAFT
    if expected != 200:
        assert not midterm.members.exists()


@pytest.mark.parametrize(
    ("persona", "own", "other"),
    [
        ("admin", 200, 200),
        ("secretary", 200, 404),
        ("supervisor", 403, 404),
        ("postdoc", 403, 404),
        ("leadership", 403, 403),
        ("outsider", 404, 404),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_new_review_page_by_persona(signed_in, world, pool, persona, own, other, headers):
    client = signed_in(persona)
    url = reverse("reviews:new")
    assert client.get(f"{url}?appointment={world.appointment.pk}", headers=headers).status_code == own
    assert client.get(f"{url}?appointment={world.other_appointment.pk}", headers=headers).status_code == other


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 403), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 404)],
)
def test_a_station_evaluation_review_is_started_by_an_administrator(signed_in, world, pool, persona, expected):
    from establishment.evaluation_services import evaluation_create

    evaluation = evaluation_create(
        station=world.station,
        cycle=2025,
        kind="comprehensive",
        period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2024, 12, 31),
        by=world.admin,
    )
    url = f"{reverse('reviews:new')}?evaluation={evaluation.pk}"
    client = signed_in(persona)
    response = client.get(url)
    assert response.status_code == expected
    if expected != 200:
        return
    assert [k for k, _label in response.context["form"].fields["kind"].choices] == ["station_evaluation"]
    deadline = (TODAY() + dt.timedelta(days=30)).isoformat()
    response = client.post(url, {"kind": "station_evaluation", "deadline": deadline, "form": pool.form.pk})
    review = Review.objects.get(evaluation=evaluation)
    assert response["Location"] == reverse("reviews:detail", args=[review.pk])
    assert reverse("station-evaluation-detail", args=[evaluation.pk]) in html(client.get(response["Location"]))


def test_new_review_without_a_subject_is_404(signed_in, world):
    assert signed_in("admin").get(reverse("reviews:new")).status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 403), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 200)],
)
@pytest.mark.parametrize("url_name", ["reviews:expert-list", "reviews:expert-new", "reviews:rules", "reviews:form-new"])
def test_pool_and_rules_pages_are_for_office_administrators(signed_in, world, pool, persona, expected, url_name):
    assert signed_in(persona).get(reverse(url_name)).status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("secretary", 403), ("supervisor", 403), ("postdoc", 403), ("leadership", 403), ("outsider", 404)],
)
@pytest.mark.parametrize(
    "url_name", ["reviews:expert-detail", "reviews:expert-edit", "reviews:expert-relation", "reviews:rules-edit"]
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_an_expert_and_a_kinds_rules_by_persona(signed_in, world, pool, persona, expected, url_name, headers):
    args = ["midterm"] if url_name == "reviews:rules-edit" else [pool.external[0].pk]
    response = signed_in(persona).get(reverse(url_name, args=args), headers=headers)
    # The outsider administers another institution: its own rules page for a kind is theirs.
    assert response.status_code == (200 if url_name == "reviews:rules-edit" and persona == "outsider" else expected)


@pytest.mark.parametrize("persona", PERSONAS)
def test_my_reviews_answers_every_signed_in_persona(signed_in, persona):
    response = signed_in(persona).get(reverse("reviews:assignments"))
    assert response.status_code == 200
    assert "You are not on any review panel." in html(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_another_experts_assignment_is_404(signed_in, world, midterm, persona):
    member = opened(midterm, world).members.first()
    assert signed_in(persona).get(reverse("reviews:assignment", args=[member.pk])).status_code == 404
    assert signed_in(persona).get(reverse("reviews:assignment-decline", args=[member.pk])).status_code == 404


# ---- the panel is seen only by those who may see it ---------------------------------------------

PANEL_SEERS = {"admin", "secretary", "leadership"}


@pytest.mark.parametrize("persona", ["admin", "secretary", "supervisor", "postdoc", "leadership"])
def test_only_those_who_see_panels_see_names_and_scores(signed_in, world, midterm, persona):
    scored(midterm, world, count=2)
    client = signed_in(persona)
    names = panel_names(midterm)
    page = html(client.get(reverse("reviews:detail", args=[midterm.pk])))
    partials = [
        html(client.get(reverse("reviews:detail", args=[midterm.pk]) + f"?part={part}", headers=HTMX)) for part in PARTS
    ]
    for text in [page, *partials]:
        if persona in PANEL_SEERS:
            assert all(name in text for name in names[:2])
        else:
            assert not any(name in text for name in names)
            assert "Your role does not see review panels" in text
    if persona in PANEL_SEERS:
        assert "Weighted score (of 100)" in page and "76.7" in page  # (8/10·3 + 7/10·2 + 4/5·1) / 6 of 100
    else:
        assert "Weighted score" not in page and "76.7" not in page


def test_the_postdoc_and_the_supervisor_see_the_status_and_the_decision(signed_in, world, midterm):
    closed(midterm, world)
    services.review_decide(
        review=midterm, decision="good", reason="按期完成", minutes="会议纪要：外部0发言", by=world.admin
    )
    for persona in ("postdoc", "supervisor"):
        page = html(signed_in(persona).get(reverse("reviews:detail", args=[midterm.pk])))
        assert "decided" in page and "good (良好)" in page and "按期完成" in page
        assert "会议纪要" not in page and "Panel rules" not in page and "Timeline" not in page
        assert not any(name in page for name in panel_names(midterm))


def test_a_conflicted_administrator_sees_no_names_or_scores_anywhere(signed_in, world, midterm, pool):
    scored(midterm, world, count=2)
    conflict_admin(world, pool)
    assert not sees_panel(world.admin, midterm)
    client = signed_in("admin")
    names = panel_names(midterm)
    texts = [html(client.get(reverse("reviews:detail", args=[midterm.pk])))] + [
        html(client.get(reverse("reviews:detail", args=[midterm.pk]) + f"?part={part}", headers=HTMX)) for part in PARTS
    ]
    for text in texts:
        assert not any(name in text for name in names)
        assert "76.7" not in text
        assert "you have a conflict in this review (works in the subject's unit)" in text
    rows = csv_rows(client.get(reverse("reviews:export", args=["csv"])))
    exported = "\n".join(",".join(row) for row in rows)
    assert not any(name in exported for name in names)
    assert rows[0] == [c.key for c in REVIEWS_SHEET.columns]  # no reviewer columns at all
    workbook = load_workbook(io.BytesIO(body(client.get(reverse("reviews:export", args=["xlsx"])))))
    cells = " ".join(str(v) for row in workbook.active.iter_rows(values_only=True) for v in row)
    assert not any(name in cells for name in names)
    # The list shows no scoring progress for it either.
    listed = html(client.get(reverse("reviews:list")))
    assert "2 / 5" not in listed


def test_a_conflicted_administrator_does_not_run_the_review(signed_in, world, midterm, pool):
    member = drawn(midterm, world).members.first()
    conflict_admin(world, pool)
    client = signed_in("admin")
    for url in [reverse(f"reviews:{step}", args=[midterm.pk]) for step in REVIEW_STEPS] + [
        reverse(f"reviews:member-{step}", args=[midterm.pk, member.pk]) for step in MEMBER_STEPS
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        text = html(response)
        assert "you have a conflict in this review" in text
        assert member.expert.name not in text
    assert client.post(reverse("reviews:open", args=[midterm.pk])).status_code == 403
    midterm.refresh_from_db()
    assert midterm.status == Review.Status.DRAFT
    # ... and the expert pool's page of a panel member does not name the panel.
    page = html(client.get(reverse("reviews:expert-detail", args=[member.expert.pk])))
    assert midterm.title not in page


def test_the_lists_panel_rule_is_sees_panel(world, midterm, pool):
    reviews = [midterm]
    for user in world.personas().values():
        assert (midterm.pk in panel_review_ids(user, reviews)) == sees_panel(user, midterm)
    conflict_admin(world, pool)
    assert panel_review_ids(world.admin, reviews) == set()


# ---- the export ---------------------------------------------------------------------------------


def test_the_export_has_the_panel_for_those_who_see_it(signed_in, world, midterm):
    scored(midterm, world, count=2)
    names = panel_names(midterm)
    rows = csv_rows(signed_in("admin").get(reverse("reviews:export", args=["csv"])))
    assert rows[0] == [c.key for c in REVIEWS_PANEL_SHEET.columns]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["id"] == str(midterm.pk) and record["kind"] == "midterm" and record["status"] == "open"
    assert record["postdoc_name"] == "陈博士" and record["panel_size"] == "5" and record["submitted"] == "2"
    assert all(name in record["reviewers"] for name in names)
    assert record["mean"] == "76.7" and record["suggested"] == "good"


@pytest.mark.parametrize("persona", ["supervisor", "postdoc"])
def test_the_export_has_no_reviewer_columns_for_those_who_do_not_see_panels(signed_in, world, midterm, persona):
    scored(midterm, world, count=2)
    rows = csv_rows(signed_in(persona).get(reverse("reviews:export", args=["csv"])))
    assert rows[0] == [c.key for c in REVIEWS_SHEET.columns]
    assert [row[0] for row in rows[1:]] == [str(midterm.pk)]
    assert not any(name in ",".join(rows[1]) for name in panel_names(midterm))


def test_the_export_follows_the_filters_and_the_scope(signed_in, world, midterm, pool):
    other = services.review_create(
        kind=Kind.MIDTERM, subject=world.other_appointment, deadline=TODAY() + dt.timedelta(days=60), by=world.admin
    )
    admin = signed_in("admin")
    ids = [row[0] for row in csv_rows(admin.get(reverse("reviews:export", args=["csv"])))[1:]]
    assert ids == [str(other.pk), str(midterm.pk)]  # latest deadline first
    ids = [row[0] for row in csv_rows(admin.get(reverse("reviews:export", args=["csv"]), {"q": "陈博士"}))[1:]]
    assert ids == [str(midterm.pk)]
    secretary = signed_in("secretary")
    ids = [row[0] for row in csv_rows(secretary.get(reverse("reviews:export", args=["csv"])))[1:]]
    assert ids == [str(midterm.pk)]
    workbook = load_workbook(io.BytesIO(body(secretary.get(reverse("reviews:export", args=["xlsx"])))))
    assert [row[0] for row in workbook["Reviews"].iter_rows(min_row=2, values_only=True)] == [midterm.pk]
    assert signed_in("outsider").get(reverse("reviews:export", args=["pdf"])).status_code == 404


# ---- the list's filters -------------------------------------------------------------------------


def test_the_list_filters_and_pages(signed_in, world, midterm, settings):
    settings.PAGE_SIZE = 1
    annual = services.review_create(
        kind=Kind.ANNUAL,
        subject=world.other_appointment,
        deadline=TODAY() + dt.timedelta(days=40),
        form=midterm.form,
        by=world.admin,
    )
    client = signed_in("admin")

    def listed(**params: str) -> list[int]:
        response = client.get(reverse("reviews:list"), params)
        return [r.pk for r in response.context["page_obj"].paginator.object_list]

    assert listed() == [annual.pk, midterm.pk]
    assert listed(kind="annual") == [annual.pk]
    assert listed(status="open") == []
    assert listed(q="周博士") == [annual.pk]
    assert listed(q=world.appointment.postdoc_no) == [midterm.pk]
    assert listed(deadline_to=(TODAY() + dt.timedelta(days=20)).isoformat()) == [midterm.pk]
    assert listed(deadline_from=(TODAY() + dt.timedelta(days=20)).isoformat()) == [annual.pk]
    page = html(client.get(reverse("reviews:list"), {"page": "2"}))
    assert midterm.title in page and annual.title not in page and 'rel="prev"' in page
    empty = html(client.get(reverse("reviews:list"), {"kind": "exit"}))
    assert "No reviews match these filters." in empty


def test_the_list_takes_the_same_queries_for_more_reviews(signed_in, world, midterm, pool):
    scored(midterm, world, count=1)
    client = signed_in("admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reviews:list")).status_code == 200
        return len(queries)

    before = count()
    for days in (20, 30):
        services.review_create(
            kind=Kind.MIDTERM,
            subject=world.other_appointment,
            deadline=TODAY() + dt.timedelta(days=days),
            by=world.admin,
        )
    assert count() == before


# ---- from a new review to its decision, through the pages -------------------------------------


def test_an_administrator_runs_a_review_through_the_pages(signed_in, world, pool):
    client = signed_in("admin")
    url = f"{reverse('reviews:new')}?appointment={world.appointment.pk}"
    deadline = (TODAY() + dt.timedelta(days=21)).isoformat()
    response = client.post(url, {"kind": "midterm", "deadline": deadline, "min_size": "3", "blind": "yes"})
    assert response.status_code == 302
    review = Review.objects.get(appointment=world.appointment)
    assert response["Location"] == reverse("reviews:detail", args=[review.pk])
    assert (review.min_size, review.min_external_percent, review.blind) == (3, 40, True)

    # Hand-picked: the picker offers the subject's discipline only, and marks a conflict.
    form = client.get(reverse("reviews:add", args=[review.pk]), headers=HTMX)
    offered = {e.pk for e in form.context["form"].fields["expert"].queryset}
    assert pool.other_discipline.pk not in offered and pool.external[0].pk in offered
    assert "conflict: works in the subject's unit" in html(form)
    assert client.post(reverse("reviews:add", args=[review.pk]), {"expert": pool.external[0].pk}).status_code == 302
    # The draw fills the panel with the seed given.
    assert client.post(reverse("reviews:draw", args=[review.pk]), {"seed": "42"}).status_code == 302
    review.refresh_from_db()
    assert review.seed == 42 and len(seated(review)) == 3

    page = html(client.get(reverse("reviews:detail", args=[review.pk])))
    assert "The panel meets every rule: the review can open." in page
    assert client.post(reverse("reviews:open", args=[review.pk]), headers=HTMX)["HX-Redirect"] == reverse(
        "reviews:detail", args=[review.pk]
    )
    review.refresh_from_db()
    assert review.status == Review.Status.OPEN
    members = seated(review)
    submit(members[0], (9, 9, 5), "excellent")
    submit(members[1], (8, 8, 4), "good")

    # Closing early asks for a reason and a confirmation.
    response = client.post(reverse("reviews:close", args=[review.pk]), {"note": "一位专家出差"})
    assert response.status_code == 200
    assert "Tick the box to close the review without every expert" in html(response)
    response = client.post(reverse("reviews:close", args=[review.pk]), {"note": "一位专家出差", "confirm": "on"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Review.Status.CLOSED

    decide = client.get(reverse("reviews:decide", args=[review.pk]))
    assert decide.context["form"].initial["decision"] == "good"  # the suggestion, from the mean of 91.7 and 80
    response = client.post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision": "excellent", "reason": "成果突出", "minutes": "三位专家一致"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Review.Status.DECIDED and review.decided_by == world.admin
    assessment = Assessment.objects.get(appointment=world.appointment, kind="midterm")
    assert assessment.grade == "excellent"
    postdoc_page = html(client.get(reverse("postdoc-detail", args=[world.appointment.pk])))
    assert "excellent" in postdoc_page.lower() and "成果突出" in postdoc_page


def test_remove_asks_for_confirmation(signed_in, world, midterm):
    member = drawn(midterm, world).members.first()
    client = signed_in("secretary")
    url = reverse("reviews:member-remove", args=[midterm.pk, member.pk])
    response = client.post(url, {}, headers=HTMX)
    assert response.status_code == 200 and "Tick the box to confirm this step." in html(response)
    assert Member.objects.filter(pk=member.pk).exists()
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not Member.objects.filter(pk=member.pk).exists()


def test_decline_and_replace_keep_the_panel_full(signed_in, world, midterm):
    opened(midterm, world)
    member = seated(midterm)[0]
    client = signed_in("admin")
    decline = reverse("reviews:member-decline", args=[midterm.pk, member.pk])
    response = client.post(decline, {"reason": ""})
    assert response.status_code == 200 and "Say why the expert declines." in html(response)
    assert client.post(decline, {"reason": "出国访问", "conflict": ""}).status_code == 302
    page = html(client.get(reverse("reviews:detail", args=[midterm.pk])))
    replace = reverse("reviews:member-replace", args=[midterm.pk, member.pk])
    assert replace in page and "出国访问" in page
    assert client.post(replace).status_code == 302
    assert len(seated(midterm)) == 5
    assert Member.objects.get(replaces=member).source == Member.Source.REPLACEMENT


def test_open_shows_the_problems_and_refuses_while_any_exist(signed_in, world, midterm, pool):
    services.member_add(review=midterm, expert=pool.internal[0], by=world.admin)
    client = signed_in("admin")
    form = html(client.get(reverse("reviews:open", args=[midterm.pk]), headers=HTMX))
    assert "The panel has 1 members; the rules ask for at least 5." in form
    response = client.post(reverse("reviews:open", args=[midterm.pk]), headers=HTMX)
    assert response.status_code == 200
    assert "The panel cannot open: The panel has 1 members" in html(response)
    midterm.refresh_from_db()
    assert midterm.status == Review.Status.DRAFT


def test_a_refused_step_keeps_the_input_and_shows_the_sentence(signed_in, world, midterm, pool):
    client = signed_in("admin")
    # A conflicted expert chosen by hand: the sentence next to the picker, the choice kept.
    response = client.post(reverse("reviews:add", args=[midterm.pk]), {"expert": pool.the_supervisor.pk})
    text = html(response)
    assert response.status_code == 200
    assert "导师本人 has a conflict and cannot sit on this panel: supervises the postdoc." in text
    assert f'<option value="{pool.the_supervisor.pk}" selected>' in text
    # A decision without a reason.
    closed(midterm, world)
    response = client.post(reverse("reviews:decide", args=[midterm.pk]), {"decision": "pass", "minutes": "纪要草稿"})
    text = html(response)
    assert "Give the reason for the decision." in text
    assert '<option value="pass" selected>' in text and "纪要草稿" in text
    midterm.refresh_from_db()
    assert midterm.status == Review.Status.CLOSED


def test_an_extension_review_asks_for_the_new_exit_date(signed_in, world, pool):
    form = Form.objects.get(pk=pool.form.pk)
    services.kind_rules_save(institution=world.institution, kind=Kind.EXTENSION, form=form, by=world.admin, min_size=5)
    review = services.review_create(
        kind=Kind.EXTENSION, subject=world.appointment, deadline=TODAY() + dt.timedelta(days=9), by=world.admin
    )
    closed(review, world)
    client = signed_in("admin")
    page = client.get(reverse("reviews:decide", args=[review.pk]))
    assert set(page.context["form"].fields) == {"decision", "reason", "minutes", "new_exit_date"}
    assert [c for c, _label in page.context["form"].fields["decision"].choices] == ["", "support", "reject"]
    response = client.post(reverse("reviews:decide", args=[review.pk]), {"decision": "support", "reason": "课题需要"})
    assert "Give the new planned exit of the extension." in html(response)
    until = world.appointment.planned_exit_date + dt.timedelta(days=180)
    response = client.post(
        reverse("reviews:decide", args=[review.pk]),
        {"decision": "support", "reason": "课题需要", "new_exit_date": until.isoformat()},
    )
    assert response.status_code == 302
    world.appointment.refresh_from_db()
    assert world.appointment.planned_exit_date == until


def test_a_new_review_refused_by_the_service_keeps_the_input(signed_in, world, pool):
    url = f"{reverse('reviews:new')}?appointment={world.appointment.pk}"
    response = signed_in("admin").post(url, {"kind": "exit", "deadline": TODAY().isoformat(), "title": "出站考核"})
    text = html(response)
    assert response.status_code == 200
    assert "Set up the panel rules and form for this kind of review first, or choose a form." in text
    assert 'value="出站考核"' in text
    assert not Review.objects.exists()


# ---- the pool and the rules ---------------------------------------------------------------------


def test_the_pool_filters_and_pages(signed_in, world, pool, settings):
    client = signed_in("admin")

    def listed(**params: str) -> set[str]:
        response = client.get(reverse("reviews:expert-list"), params, headers=HTMX)
        return {e.name for e in response.context["page_obj"].paginator.object_list}

    assert listed() == {e.name for e in pool.everyone}
    assert listed(external="external") == {e.name for e in [*pool.external, pool.junior]}
    assert listed(q="化学") == {"化学专家"}
    from catalogue.models import Discipline

    assert listed(discipline=str(Discipline.objects.get(code="0710").pk)) == {"化学专家"}
    services.expert_save(institution=world.institution, by=world.admin, expert=pool.junior, is_active=False)
    assert listed(active="no") == {"青年专家"}
    settings.PAGE_SIZE = 3
    page = html(client.get(reverse("reviews:expert-list")))
    assert "Showing 1–3 of 12" in page


def test_an_expert_is_created_and_changed_through_the_form(signed_in, world, pool):
    from catalogue.models import Discipline

    d1002, d0710 = Discipline.objects.get(code="1002"), Discipline.objects.get(code="0710")
    client = signed_in("admin")
    data = {
        "name": "新专家",
        "is_external": "on",
        "affiliation": "",
        "rank": "3",
        "disciplines": [d1002.pk, d0710.pk],
        "language": "zh-hans",
        "is_active": "on",
    }
    response = client.post(reverse("reviews:expert-new"), data)
    assert "Name the external expert's institution." in html(response)  # the service's sentence, input kept
    assert 'value="新专家"' in html(response)
    response = client.post(reverse("reviews:expert-new"), {**data, "affiliation": "外校X"})
    expert = Expert.objects.get(name="新专家")
    assert response["Location"] == reverse("reviews:expert-detail", args=[expert.pk])
    assert {d.code for d in expert.disciplines.all()} == {"1002", "0710"}
    edit = client.get(reverse("reviews:expert-edit", args=[expert.pk]))
    assert edit.context["form"].initial["disciplines"] == [d1002.pk, d0710.pk] or set(
        edit.context["form"].initial["disciplines"]
    ) == {d1002.pk, d0710.pk}
    client.post(
        reverse("reviews:expert-edit", args=[expert.pk]), {**data, "affiliation": "外校Y", "disciplines": [d0710.pk]}
    )
    expert.refresh_from_db()
    assert expert.affiliation == "外校Y" and [d.code for d in expert.disciplines.all()] == ["0710"]
    assert AuditEvent.objects.filter(event="expert.changed", target_id=str(expert.pk)).count() == 1


def test_a_relation_is_recorded_and_refused_with_the_sentence(signed_in, world, pool):
    client = signed_in("admin")
    url = reverse("reviews:expert-relation", args=[pool.external[0].pk])
    today = TODAY().isoformat()
    both = {"kind": "collaboration", "postdoc_no": world.appointment.postdoc_no, "unit": world.station.unit.pk}
    response = client.post(url, {**both, "declared_by": "office", "on": today}, headers=HTMX)
    assert "Name exactly one postdoc, supervisor or unit." in html(response)
    response = client.post(url, {"kind": "declared", "postdoc_no": "NOPE", "declared_by": "office", "on": today})
    assert "No postdoc numbered NOPE in this institution." in html(response)
    response = client.post(
        url, {"kind": "collaboration", "postdoc_no": world.appointment.postdoc_no, "declared_by": "expert", "on": today}
    )
    assert response.status_code == 302
    relation = Relation.objects.get(expert=pool.external[0])
    assert relation.person == world.appointment.person
    page = html(client.get(reverse("reviews:expert-detail", args=[pool.external[0].pk])))
    assert "陈博士" in page and "collaboration" in page.lower()


def test_kind_rules_are_saved_through_the_form(signed_in, world, pool):
    client = signed_in("admin")
    url = reverse("reviews:rules-edit", args=["exit"])
    data = {
        "form": pool.form.pk,
        "min_size": "7",
        "min_external_percent": "50",
        "min_rank": "3",
        "blind": "on",
        "collaboration_window_years": "5",
    }
    assert client.post(url, data).status_code == 302
    rules = KindRules.objects.get(institution=world.institution, kind="exit")
    assert (rules.min_size, rules.min_external_percent, rules.min_rank, rules.blind) == (7, 50, 3, True)
    assert not rules.doctoral_supervisors_only and rules.collaboration_window_years == 5
    page = html(client.get(reverse("reviews:rules")))
    assert "exit assessment" in page.lower() and "中期考核表" in page
    assert client.get(reverse("reviews:rules-edit", args=["nonsense"])).status_code == 404


def test_a_scoring_form_is_created_from_lines(signed_in, world):
    client = signed_in("admin")
    data = {
        "name": "出站考核表",
        "outcome": "grade",
        "criteria": "研究成果 | Outputs | 3 | 10\n\n创新性｜Novelty｜2｜5\n",
        "excellent_from": "90",
        "good_from": "75",
        "pass_from": "60",
        "disagreement_points": "15",
    }
    assert client.post(reverse("reviews:form-new"), data).status_code == 302
    form = Form.objects.get(name="出站考核表")
    assert [(c.name_zh, c.name_en, c.weight, c.scale_max) for c in form.criteria.order_by("position")] == [
        ("研究成果", "Outputs", 3, 10),
        ("创新性", "Novelty", 2, 5),
    ]


@pytest.mark.parametrize(
    ("criteria", "sentence"),
    [
        ("研究成果 | Outputs | 3", "Line 1 (“研究成果 | Outputs | 3”) needs four parts"),
        (
            "研究成果 | Outputs | 3 | 10\n创新性 | Novelty | two | 5",
            "Line 2 (“创新性 | Novelty | two | 5”): the weight",
        ),
        ("研究成果 | Outputs | 0 | 10", "must be above zero"),
        (" | Outputs | 1 | 10", "has no Chinese name"),
        ("", "Enter at least one criterion."),
    ],
)
def test_a_malformed_criterion_line_is_refused_naming_the_line(signed_in, world, criteria, sentence):
    data = {"name": "表", "outcome": "grade", "criteria": criteria, "excellent_from": "90", "good_from": "75"}
    data |= {"pass_from": "60", "disagreement_points": "20"}
    response = signed_in("admin").post(reverse("reviews:form-new"), data)
    text = html(response)
    assert response.status_code == 200 and sentence in text
    assert not Form.objects.filter(name="表").exists()


def test_thresholds_refused_by_the_service_are_shown(signed_in, world):
    data = {"name": "表", "outcome": "grade", "criteria": "甲 | A | 1 | 10", "excellent_from": "70"}
    data |= {"good_from": "75", "pass_from": "60", "disagreement_points": "20"}
    text = html(signed_in("admin").post(reverse("reviews:form-new"), data))
    assert "The grade thresholds must descend" in text


# ---- the admin ------------------------------------------------------------------------------------


def test_the_admin_hides_the_panel_of_a_conflicted_review(client, world, midterm, pool):
    from accounts.models import User

    scored(midterm, world, count=1)
    User.objects.filter(pk=world.admin.pk).update(is_staff=True)
    client.force_login(world.admin)
    url = reverse("admin:reviews_member_changelist")
    assert len(client.get(url).context["cl"].result_list) == 5
    assert client.get(reverse("admin:reviews_score_changelist")).status_code == 200
    assert client.get(reverse("admin:reviews_expert_changelist")).status_code == 200
    conflict_admin(world, pool)
    assert len(client.get(url).context["cl"].result_list) == 0
    assert len(client.get(reverse("admin:reviews_score_changelist")).context["cl"].result_list) == 0
    assert len(client.get(reverse("admin:reviews_review_changelist")).context["cl"].result_list) == 0


def test_an_expert_changed_in_the_admin_goes_through_the_service(client, world, pool):
    from accounts.models import User
    from catalogue.models import Discipline

    User.objects.filter(pk=world.admin.pk).update(is_staff=True)
    client.force_login(world.admin)
    expert = pool.external[0]
    data = {
        "institution": world.institution.pk,
        "code": "E-001",
        "name": expert.name,
        "name_en": "",
        "is_external": "on",
        "affiliation": "新单位",
        "unit": "",
        "supervisor": "",
        "user": "",
        "title": "教授",
        "rank": "3",
        "is_doctoral_supervisor": "on",
        "disciplines": [Discipline.objects.get(code="1002").pk],
        "email": expert.email,
        "phone": "",
        "language": "zh-hans",
        "is_active": "on",
    }
    response = client.post(reverse("admin:reviews_expert_change", args=[expert.pk]), data)
    assert response.status_code == 302
    expert.refresh_from_db()
    assert (expert.affiliation, expert.code) == ("新单位", "E-001")
    assert AuditEvent.objects.filter(event="expert.changed", target_id=str(expert.pk)).count() == 1
    # The service's refusal comes back on the form.
    response = client.post(reverse("admin:reviews_expert_change", args=[expert.pk]), {**data, "affiliation": ""})
    assert response.status_code == 200 and "Name the external expert" in html(response)
