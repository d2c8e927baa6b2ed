"""The demo's expert reviews, told through the services like the rest of the demo (demo/load.py):
the institution's forms and panel rules, an expert pool, the 2023 Biology establishment application
from its June start to its November approval (with the internal expert demonstration, its panel and
scores), and a few 2026 mid-term reviews: one decided, one open (the demo supervisor sits on its
panel), one being built. Deterministic: a fixed seed and fixed dates."""

import datetime as dt
import random
from dataclasses import dataclass

from accounts.models import User
from appointments.models import Appointment, Assessment
from catalogue.models import Discipline, Institution, Unit
from establishment.models import Application
from establishment.services import (
    application_create,
    application_decide,
    application_review_start,
    application_submit,
    round_save,
)
from people.models import Supervisor
from reviews import services
from reviews.models import Expert, Form, Kind, Member, Rank, Review

SEED = 20230620
FULL_TITLES = frozenset({"教授", "研究员", "主任医师", "正高级工程师"})

# Universities the external experts come from, with the disciplines (4-digit codes) they cover.
EXTERNAL_INSTITUTIONS = [
    ("重庆大学", ("0710", "1001", "1007")),
    ("西南大学", ("0710", "1004", "1011")),
    ("四川大学华西医学中心", ("1002", "1003", "1005")),
    ("陆军军医大学", ("1001", "1002", "1004")),
    ("中南大学湘雅医学院", ("0710", "1002", "1011")),
    ("武汉大学医学部", ("1001", "1003", "1007")),
    ("中山大学中山医学院", ("0710", "1001", "1005")),
    ("贵州医科大学", ("1002", "1004", "1007")),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "志明建华伟国强文军杰平林立新红英秀兰海燕玉华春梅德胜永健宏伟晓东丽娟晨曦思远子涵雨桐浩然嘉怡"

FORMS: dict[str, tuple[str, str, list[tuple[str, str, int, int]]]] = {
    # kind: (name, outcome, criteria: (Chinese, English, weight, highest score))
    Kind.STATION_APPLICATION: (
        "设站专家论证评审表",
        Form.Outcome.RECOMMENDATION,
        [
            ("学科基础与博士学位授权点", "Discipline and doctoral programme", 25, 10),
            ("合作导师队伍", "Supervisors", 25, 10),
            ("科研项目与成果", "Projects and outputs", 30, 10),
            ("科研条件与经费保障", "Facilities and funding", 20, 10),
        ],
    ),
    Kind.PROPOSAL: (
        "博士后开题报告评审表",
        Form.Outcome.GRADE,
        [("选题意义", "Significance", 30, 10), ("研究方案", "Plan", 40, 10), ("可行性", "Feasibility", 30, 10)],
    ),
    Kind.MIDTERM: (
        "博士后研究人员中期考核表",
        Form.Outcome.GRADE,
        [
            ("研究进展", "Progress", 40, 10),
            ("科研成果", "Outputs", 30, 10),
            ("工作态度与协作", "Conduct and teamwork", 10, 10),
            ("后续研究计划", "Plan for the rest of the stay", 20, 10),
        ],
    ),
    Kind.ANNUAL: (
        "博士后年度考核表",
        Form.Outcome.GRADE,
        [("年度研究进展", "Progress this year", 60, 10), ("工作表现", "Conduct", 40, 10)],
    ),
    Kind.EXTENSION: (
        "博士后延期申请评审表",
        Form.Outcome.RECOMMENDATION,
        [("延期理由", "Reasons", 50, 10), ("延期研究计划", "Plan for the extension", 50, 10)],
    ),
    Kind.EXIT: (
        "博士后出站考核表",
        Form.Outcome.GRADE,
        [
            ("研究工作总结", "Summary of the research", 40, 10),
            ("代表性成果", "Main outputs", 40, 10),
            ("综合素质", "Overall qualities", 20, 10),
        ],
    ),
    Kind.STATION_EVALUATION: (
        "博士后科研流动站综合评估表",
        Form.Outcome.GRADE,
        [
            ("基础建设", "Foundations", 20, 10),
            ("招收选拔", "Recruitment", 25, 10),
            ("培养使用", "Training and use", 30, 10),
            ("成果产出", "Outputs", 25, 10),
        ],
    ),
}
# kind: (size, minimum external %, minimum seniority, doctoral supervisors only, blind)
RULES: dict[str, tuple[int, int, int, bool, bool]] = {
    Kind.STATION_APPLICATION: (7, 40, Rank.FULL, True, False),
    Kind.PROPOSAL: (3, 0, Rank.ASSOCIATE, False, False),
    # The CQMU rule of facts.md §1.4: at least five doctoral supervisors, at least 40% from outside.
    Kind.MIDTERM: (5, 40, Rank.ASSOCIATE, True, False),
    Kind.ANNUAL: (3, 0, Rank.ASSOCIATE, False, False),
    Kind.EXTENSION: (3, 0, Rank.ASSOCIATE, True, False),
    Kind.EXIT: (5, 40, Rank.ASSOCIATE, True, False),
    Kind.STATION_EVALUATION: (5, 60, Rank.FULL, True, True),
}


@dataclass(frozen=True)
class Timeline:
    """The dates of the Biology application (facts.md §0 and §1.8: a June start, the internal
    deadline of 28 June 2023, the approval of 15 November 2023)."""

    round_year: int = 2023
    notice_no: str = "人社部函〔2023〕47号"
    internal_deadline: dt.date = dt.date(2023, 6, 28)
    submission_deadline: dt.date = dt.date(2023, 7, 31)
    started: dt.date = dt.date(2023, 6, 12)
    review_created: dt.date = dt.date(2023, 6, 16)
    review_opened: dt.date = dt.date(2023, 6, 19)
    review_deadline: dt.date = dt.date(2023, 6, 26)
    scored: dt.date = dt.date(2023, 6, 25)
    review_closed: dt.date = dt.date(2023, 6, 26)
    decided: dt.date = dt.date(2023, 6, 27)
    submitted: dt.date = dt.date(2023, 6, 28)
    approved: dt.date = dt.date(2023, 11, 15)
    approval_no: str = "人社部函〔2023〕172号"


BIOLOGY = Timeline()
BIOLOGY_FACILITIES = (
    "基础医学院与生命科学研究院共用细胞生物学、分子生物学与生物信息学公共平台；"
    "近五年学科建设经费投入逾三千万元；承诺为每位博士后提供独立实验空间与配套经费。"
)
BIOLOGY_MINUTES = (
    "2023年6月27日，人事处（博士后管理办公室）组织校内外专家对生物学博士后科研流动站设站申请进行论证。"
    "专家组认为：学科具有博士学位授权一级学科和在读博士研究生，合作导师队伍结构合理，"
    "近五年承担省部级以上项目充足，科研条件和经费有保障，同意推荐申报。"
)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def set_up(institution: Institution, admin: User) -> dict[str, Form]:
    """The institution's scoring forms and panel rules, one per kind of review."""
    forms = {}
    for kind, (name, outcome, criteria) in FORMS.items():
        forms[kind] = services.form_create(
            institution=institution, name=name, outcome=outcome, criteria=criteria, by=admin
        )
        size, external, rank, doctoral, blind = RULES[kind]
        services.kind_rules_save(
            institution=institution,
            kind=kind,
            form=forms[kind],
            by=admin,
            min_size=size,
            min_external_percent=external,
            min_rank=rank,
            doctoral_supervisors_only=doctoral,
            blind=blind,
        )
    return forms


def expert_pool(
    institution: Institution,
    admin: User,
    disciplines: dict[str, Discipline],
    stations: dict[str, tuple[str | None, str]],
    supervisors: list[Supervisor],
    rng: random.Random,
) -> list[Expert]:
    """Internal experts from the doctoral supervisors of each station (up to six per station, those
    outside the station's managing unit first: the others are conflicted for its postdocs), and
    external experts from eight universities, two per discipline each.

    `stations`: station code → (discipline code, managing unit code); the supervisors of a station
    not set up yet (Biology, before its approval) have no station and count as its own."""

    def station_of(supervisor: Supervisor) -> str:
        return supervisor.station.code if supervisor.station else "S0710"

    experts: list[Expert] = []
    per_station: dict[str, int] = {}
    ordered = sorted(
        supervisors,
        key=lambda s: (station_of(s), s.unit.code == stations[station_of(s)][1], s.staff_no),
    )
    for supervisor in ordered:
        station_code = station_of(supervisor)
        discipline = stations[station_code][0]
        if supervisor.is_external or not supervisor.is_doctoral_supervisor or discipline is None:
            continue
        if per_station.get(station_code, 0) >= 6:
            continue
        per_station[station_code] = per_station.get(station_code, 0) + 1
        number = len(experts) + 1
        experts.append(
            services.expert_save(
                institution=institution,
                by=admin,
                code=f"E{number:03d}",
                name=supervisor.name,
                name_en=supervisor.name_en,
                unit=supervisor.unit,
                supervisor=supervisor,
                title=supervisor.title,
                rank=Rank.FULL,
                is_doctoral_supervisor=True,
                email=f"e{number:03d}@experts.yzmu.example",
                disciplines=[disciplines[discipline]],
            )
        )
    for university, codes in EXTERNAL_INSTITUTIONS:
        for code in codes:
            for _ in range(2):
                number = len(experts) + 1
                experts.append(
                    services.expert_save(
                        institution=institution,
                        by=admin,
                        code=f"E{number:03d}",
                        name=_name(rng),
                        is_external=True,
                        affiliation=university,
                        title=rng.choice(("教授", "研究员", "主任医师")),
                        rank=Rank.FULL,
                        is_doctoral_supervisor=True,
                        email=f"e{number:03d}@experts.example",
                        language="zh-hans" if rng.random() < 0.9 else "en",
                        disciplines=[disciplines[code]],
                    )
                )
    return experts


def _score_all(review: Review, rng: random.Random, *, on: dt.date, low: int, high: int, overall: str) -> None:
    criteria = list(review.form.criteria.all())
    for member in review.members.select_related("expert").order_by("pk"):
        if member.status != Member.Status.INVITED:
            continue
        services.scores_submit(
            member=member,
            values={c.pk: rng.randint(low, high) for c in criteria},
            overall=overall,
            comments=rng.choice(("研究基础扎实，建议继续加强成果转化。", "进展符合预期。", "工作认真，成果较好。")),
            by=services.ExpertActor(member),
            on=on,
        )


def biology_application(
    institution: Institution,
    admin: User,
    discipline: Discipline,
    unit: Unit,
    applicants: list[Supervisor],
    station_names: tuple[str, str],
    rng: random.Random,
) -> Application:
    """The story of design.md: the June 2023 application, the internal expert demonstration, the
    submission, and the approval of 15 November 2023 that sets up the eighth station."""
    b = BIOLOGY
    round_ = round_save(
        institution=institution,
        year=b.round_year,
        notice_no=b.notice_no,
        internal_deadline=b.internal_deadline,
        submission_deadline=b.submission_deadline,
        by=admin,
    )
    application = application_create(
        round=round_,
        discipline=discipline,
        unit=unit,
        applicants=applicants,
        enrolled_phd_students=23,
        facilities=BIOLOGY_FACILITIES,
        facilities_attested=True,
        by=admin,
    )
    application_review_start(application=application, on=b.started, by=admin)
    review = services.review_create(
        kind=Kind.STATION_APPLICATION,
        subject=application,
        deadline=b.review_deadline,
        title="生物学博士后科研流动站设站专家论证",
        on=b.review_created,
        by=admin,
    )
    services.panel_draw(review=review, seed=SEED, on=b.review_created, by=admin)
    services.review_open(review=review, on=b.review_opened, by=admin)
    _score_all(review, rng, on=b.scored, low=8, high=10, overall=Review.Decision.SUPPORT)
    services.review_close(review=review, on=b.review_closed, by=admin)
    services.review_decide(
        review=review,
        decision=Review.Decision.SUPPORT,
        reason="专家组一致同意推荐申报。",
        minutes=BIOLOGY_MINUTES,
        on=b.decided,
        by=admin,
    )
    application_submit(application=application, on=b.submitted, by=admin)
    name_zh, name_en = station_names
    return application_decide(
        application=application,
        approved=True,
        on=b.approved,
        approval_no=b.approval_no,
        station_code="S0710",
        name_zh=name_zh,
        name_en=name_en,
        by=admin,
    )


def midterm_reviews(
    institution: Institution, admin: User, demo_supervisor: Supervisor, today: dt.date
) -> Review | None:
    """2026 mid-term reviews of basic-medicine postdocs whose mid-term is not recorded yet: one
    decided, one open with the demo supervisor on its panel (see "My reviews"), one being built."""
    rng = random.Random(SEED + 1)  # noqa: S311 - a demo, reproducible on purpose
    due = list(
        Appointment.objects.filter(
            institution=institution,
            station__code="S1001",
            status__in=Appointment.LIVE_STATUSES,
            midterm_passed_on__isnull=True,
            entry_date__range=(today - dt.timedelta(days=480), today - dt.timedelta(days=300)),
        )
        .exclude(assessments__kind=Assessment.Kind.MIDTERM)
        .order_by("postdoc_no")[:3]
    )
    if len(due) < 3:
        return None
    decided_subject, open_subject, draft_subject = due
    decided = services.review_create(
        kind=Kind.MIDTERM, subject=decided_subject, deadline=today - dt.timedelta(days=12),
        on=today - dt.timedelta(days=30), by=admin,
    )  # fmt: skip
    services.panel_draw(review=decided, seed=SEED + 2, on=today - dt.timedelta(days=30), by=admin)
    services.review_open(review=decided, on=today - dt.timedelta(days=28), by=admin)
    _score_all(decided, rng, on=today - dt.timedelta(days=14), low=7, high=9, overall=Review.Decision.GOOD)
    services.review_close(review=decided, on=today - dt.timedelta(days=11), by=admin)
    services.review_decide(
        review=decided, decision=Review.Decision.GOOD, reason="研究进展良好，同意通过中期考核。",
        minutes="中期考核专家组会议纪要：汇报、答辩与评议。", on=today - dt.timedelta(days=10), by=admin,
    )  # fmt: skip

    expert = Expert.objects.filter(supervisor=demo_supervisor).first() or services.expert_save(
        institution=institution, by=admin, code="E900", name=demo_supervisor.name, unit=demo_supervisor.unit,
        supervisor=demo_supervisor, title=demo_supervisor.title, rank=Rank.FULL, is_doctoral_supervisor=True,
        disciplines=[d for d in (open_subject.station.discipline,) if d is not None],
    )  # fmt: skip
    opened = services.review_create(
        kind=Kind.MIDTERM, subject=open_subject, deadline=today + dt.timedelta(days=25),
        on=today - dt.timedelta(days=5), by=admin,
    )  # fmt: skip
    services.member_add(review=opened, expert=expert, on=today - dt.timedelta(days=5), by=admin)
    services.panel_draw(review=opened, seed=SEED + 3, on=today - dt.timedelta(days=5), by=admin)
    services.review_open(review=opened, on=today - dt.timedelta(days=4), by=admin)
    others = opened.members.exclude(expert=expert).select_related("expert").order_by("pk")[:2]
    criteria = list(opened.form.criteria.all())
    for member in others:
        services.scores_submit(
            member=member, values={c.pk: rng.randint(7, 9) for c in criteria}, overall=Review.Decision.GOOD,
            comments="进展符合预期。", by=services.ExpertActor(member), on=today - dt.timedelta(days=1),
        )  # fmt: skip

    services.review_create(
        kind=Kind.MIDTERM, subject=draft_subject, deadline=today + dt.timedelta(days=40), on=today, by=admin
    )
    return opened
