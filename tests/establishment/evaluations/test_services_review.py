"""The expert panel's decision reaches the evaluation through `evaluation_grade`."""

import datetime as dt

from django.utils import timezone

from catalogue.services import unit_save
from establishment.evaluation_services import evaluation_create
from reviews import services as reviews
from reviews.models import Kind, Rank
from stations.models import Evaluation
from tests.establishment.evaluations.conftest import END, START


def test_a_failed_review_grades_the_evaluation_and_warns_the_station(world):
    admin, institution = world.admin, world.institution
    evaluation = evaluation_create(
        station=world.station, cycle=2025, kind="comprehensive", period_start=START, period_end=END, by=admin
    )
    form = reviews.form_create(institution=institution, name="评估表", criteria=[("建设", "Building", 1, 10)], by=admin)
    reviews.kind_rules_save(
        institution=institution, kind=Kind.STATION_EVALUATION, form=form, by=admin, min_size=3,
        min_external_percent=0, min_rank=Rank.INTERMEDIATE, doctoral_supervisors_only=False,
    )  # fmt: skip
    unit = unit_save(institution=institution, code="C-EXP", name_zh="专家所在学院", kind="college", by=admin)
    for i in range(3):
        reviews.expert_save(
            institution=institution, by=admin, name=f"专家{i}", unit=unit, disciplines=[world.station.discipline]
        )
    review = reviews.review_create(
        kind=Kind.STATION_EVALUATION,
        subject=evaluation,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        by=admin,
    )
    reviews.panel_draw(review=review, seed=1, by=admin)
    reviews.review_open(review=review, by=admin)
    criterion = review.form.criteria.get()
    for member in review.members.select_related("expert"):
        reviews.scores_submit(
            member=member, values={criterion.pk: 3}, overall="fail", comments="", by=reviews.ExpertActor(member)
        )
    reviews.review_close(review=review, by=admin)
    reviews.review_decide(review=review, decision="fail", reason="招收与培养不足", by=admin)

    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert (evaluation.grade, evaluation.decided_on) == ("fail", timezone.localdate())
    assert evaluation.action == "warning"
    world.station.refresh_from_db()
    assert world.station.status == "warned"
