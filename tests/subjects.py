"""Establishment applications and station evaluations at a chosen stage, built through the services, for
the API's tests (the permission matrix and tests/establishment/test_api.py); projects,
funders' award lists and research outputs likewise (tests/funding/test_api.py).

Each institution of make_world() applies for a discipline it has no mobile station in (U1: 1001, U2: 1002),
through a college C-EST with one doctoral supervisor; a round asks for one doctoral supervisor and no
project, so that a draft is eligible from the start. Evaluations are of the 2025 cycle, 2020–2024.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from awardlists.models import AwardList
from awardlists.services import award_list_upload
from catalogue.models import Discipline, Institution, Unit
from catalogue.services import doctoral_right_grant, unit_save
from establishment import evaluation_services as evaluations
from establishment import services as establishment
from establishment.models import Application, Round
from funding.models import Programme, Project
from funding.services import project_apply, project_award
from outputs.models import Output
from outputs.services import output_record
from people.models import Supervisor
from people.services import supervisor_save
from reviews import services as reviews
from reviews.models import Form, Kind, KindRules, Rank
from stations.models import Evaluation, Station
from tests.awardlists.conftest import row, upload_file, xlsx_bytes

APPLICATION_DISCIPLINE = {"U1": "1001", "U2": "1002"}
APPLICATION_STAGES = ("round", "draft", "rules", "internal_review", "supported", "submitted")
EVALUATION_STAGES = ("new", "rules", "graded")
SUBMITTED_ON = dt.date(2025, 1, 10)
CYCLE, PERIOD_START, PERIOD_END = 2025, dt.date(2020, 1, 1), dt.date(2024, 12, 31)


def today() -> dt.date:
    return timezone.localdate()


def the_round(institution: Institution, by: Any) -> Round:
    """The institution's round of this year, asking for one doctoral supervisor and no project."""
    found = Round.objects.filter(institution=institution, year=today().year).first()
    return found or establishment.round_save(
        institution=institution,
        year=today().year,
        notice_no=f"R-{institution.code}",
        internal_deadline=today(),
        min_doctoral_supervisors=1,
        min_projects=0,
        by=by,
    )


def applying_college(institution: Institution, by: Any) -> tuple[Unit, Supervisor]:
    """The college C-EST with its doctoral supervisor T-EST-<institution>; the institution's doctoral
    rights in the discipline it applies for."""
    discipline = Discipline.objects.get(code=APPLICATION_DISCIPLINE[institution.code])
    doctoral_right_grant(institution=institution, discipline=discipline, since=dt.date(2010, 1, 1), by=by)
    unit = Unit.objects.filter(institution=institution, code="C-EST").first() or unit_save(
        institution=institution, code="C-EST", name_zh="申报学院", kind="college", by=by
    )
    supervisor = supervisor_save(
        institution=institution,
        staff_no=f"T-EST-{institution.code}",
        name=f"申报人{institution.code}",
        unit=unit,
        title="教授",
        is_doctoral_supervisor=True,
        by=by,
    )
    return unit, supervisor


def review_rules(institution: Institution, kind: str, by: Any, *, experts_in: Discipline | None = None) -> None:
    """The institution's rules for a kind of review (a panel of three, no other condition) and, when asked,
    three experts in a college of their own with expertise in a discipline."""
    if not KindRules.objects.filter(institution=institution, kind=kind).exists():
        outcome = Form.Outcome.RECOMMENDATION if kind == Kind.STATION_APPLICATION else Form.Outcome.GRADE
        form = reviews.form_create(
            institution=institution, name=f"表{kind}", criteria=[("条件", "Conditions", 1, 10)], outcome=outcome, by=by
        )
        reviews.kind_rules_save(
            institution=institution, kind=kind, form=form, by=by, min_size=3, min_external_percent=0,
            min_rank=Rank.INTERMEDIATE, doctoral_supervisors_only=False,
        )  # fmt: skip
    if experts_in is not None:
        unit = Unit.objects.filter(institution=institution, code="C-EXP").first() or unit_save(
            institution=institution, code="C-EXP", name_zh="专家所在学院", kind="college", by=by
        )
        for i in range(3):
            reviews.expert_save(
                institution=institution, by=by, name=f"评审专家{institution.code}-{kind}-{i}", unit=unit,
                rank=Rank.FULL, disciplines=[experts_in],
            )  # fmt: skip


def application_at(institution: Institution, stage: str, by: Any) -> Application | None:
    """The institution's application brought to `stage` (one of APPLICATION_STAGES) by `by`, its office
    administrator: `round` makes the round and the college only; `rules` is a draft whose institution has
    the rules for its internal review; `supported` is in the internal review, supported by it."""
    round = the_round(institution, by)
    unit, supervisor = applying_college(institution, by)
    if stage == "round":
        return None
    application = establishment.application_create(
        round=round,
        discipline=Discipline.objects.get(code=APPLICATION_DISCIPLINE[institution.code]),
        unit=unit,
        applicants=[supervisor],
        enrolled_phd_students=6,
        facilities="共享仪器平台",
        facilities_attested=True,
        by=by,
    )
    if stage == "draft":
        return application
    review_rules(institution, Kind.STATION_APPLICATION, by)
    if stage == "rules":
        return application
    application = establishment.application_review_start(application=application, on=SUBMITTED_ON, by=by)
    if stage == "internal_review":
        return application
    application = establishment.application_review_record(application=application, supported=True, by=by)
    if stage == "supported":
        return application
    return establishment.application_submit(application=application, on=SUBMITTED_ON, by=by)


def evaluation_at(station: Station, stage: str, by: Any) -> Evaluation:
    """The station's 2025 evaluation at `stage` (one of EVALUATION_STAGES): `rules` has the institution's
    rules for its expert review; `graded` is graded fail (the station is warned)."""
    evaluation = evaluations.evaluation_create(
        station=station, cycle=CYCLE, kind="comprehensive", period_start=PERIOD_START, period_end=PERIOD_END, by=by
    )
    if stage == "new":
        return evaluation
    review_rules(station.institution, Kind.STATION_EVALUATION, by)
    if stage == "rules":
        return evaluation
    return evaluations.evaluation_grade(evaluation=evaluation, grade="fail", on=today(), by=by)


# Projects, award lists and research outputs (tests/funding/test_api.py and the matrix) -----

PROJECT_STAGES = ("applied", "awarded")
AWARD_LIST_ON = dt.date(2025, 6, 30)


def project_at(appointment: Any, stage: str, by: Any, number: str | None = None) -> Project:
    """A project of the appointment at `stage` (one of PROJECT_STAGES): an NSFC application of 2024-06-01
    (the institution's mapping counts NSFC national), awarded on 2024-09-01 for `awarded`."""
    project = project_apply(
        holder=appointment,
        project_no=number or f"A-{appointment.pk}-{stage}",
        title="肝脏类器官",
        applied_on=dt.date(2024, 6, 1),
        funder="国家自然科学基金委员会",
        amount=300000,
        by=by,
    )
    if stage == "applied":
        return project
    return project_award(project=project, awarded_on=dt.date(2024, 9, 1), by=by)


def award_list_for(appointments: list[Any], by: Any, *, batch: str = "第69批", extra: int = 0) -> AwardList:
    """The CPSF general grant's list of a batch naming `appointments` (all of one institution) by name and
    number, each an exact match, plus `extra` rows of names the institution does not know (unmatched)."""
    institution = appointments[0].institution
    rows = [
        row(i + 1, a.person.name, a.postdoc_no, a.station.discipline.code, host=institution.name_zh)
        for i, a in enumerate(appointments)
    ]
    rows += [row(100 + i, f"无名氏{i}", "", "0710", host=institution.name_zh) for i in range(extra)]
    return award_list_upload(
        institution=institution,
        programme=Programme.objects.get(funder__institution__isnull=True, funder__code="CPSF", code="general"),
        batch=batch,
        awarded_on=AWARD_LIST_ON,
        file=upload_file(f"{batch}.xlsx", xlsx_bytes(rows)),
        by=by,
    )


def output_for(appointment: Any, by: Any, *, title: str = "Hepatocyte plasticity", **details: Any) -> Output:
    """A paper in station (2024-06-01), its postdoc first of two authors."""
    data: dict[str, Any] = {
        "kind": "paper",
        "title": title,
        "year": 2024,
        "published_on": dt.date(2024, 6, 1),
        "authors": f"{appointment.person.name}\n李四",
        "author_position": 1,
        "journal": "Hepatology",
        **details,
    }
    return output_record(appointment=appointment, by=by, **data)
