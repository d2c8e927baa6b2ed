"""Applications and research outputs added to a built plan, with a generator of their own."""

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable

from core.dates import add_months
from demo.story.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN
from demo.story.plan import ApplicationPlan, AppointmentPlan, DemoPlan, OutputPlan, _days
from demo.story.projects import _CPSF_DATES, cpsf_batch, project_title
from demo.story.reference import BIOLOGY
from demo.story.wording import _DISEASES, _MOLECULES

# ---------------------------------------------------------------------------------------------
# Applications and research outputs
# ---------------------------------------------------------------------------------------------

# The office has kept applications (those funded and those not) for the last year before the
# demo's today; older awards were recorded without their application.
APPLICATIONS_KEPT_MONTHS = 12
# Applications not funded per award, by programme: success rates of about 43 % (面上), 38 % (NSFC
# young scientists) and 56 % (Chongqing's postdoc fund).
NOT_FUNDED_PER_AWARD = {"cpsf": 1.3, "nsfc": 1.6, "cqnsf": 0.8}
PENDING_AT_MOST = 40  # applications of a round still waiting for its decision
OUTPUT_AUTHORS = 130  # postdocs with research outputs, besides the demo's postdoc account

# Journals: name, ISSN (each passes its check digit, see tests/funding/test_demo_plan.py), the
# stem of the demo's DOIs, Chinese-language or not. The DOIs use Crossref's test prefix 10.5555,
# so no invented paper points at a real article.
JOURNALS: dict[str, tuple[str, str, str, bool]] = {
    "ncomms": ("Nature Communications", "2041-1723", "ncomms", False),
    "cddis": ("Cell Death & Disease", "2041-4889", "cddis", False),
    "jhep": ("Journal of Hepatology", "0168-8278", "jhep", False),
    "fimmu": ("Frontiers in Immunology", "1664-3224", "fimmu", False),
    "jtm": ("Journal of Translational Medicine", "1479-5876", "jtm", False),
    "thno": ("Theranostics", "1838-7640", "thno", False),
    "canlet": ("Cancer Letters", "0304-3835", "canlet", False),
    "advs": ("Advanced Science", "2198-3844", "advs", False),
    "jdr": ("Journal of Dental Research", "0022-0345", "jdr", False),
    "ijos": ("International Journal of Oral Science", "1674-2818", "ijos", False),
    "jep": ("Journal of Ethnopharmacology", "0378-8741", "jep", False),
    "phymed": ("Phytomedicine", "0944-7113", "phymed", False),
    "bmcph": ("BMC Public Health", "1471-2458", "bmcph", False),
    "ijns": ("International Journal of Nursing Studies", "0020-7489", "ijns", False),
    "jmc": ("Journal of Medicinal Chemistry", "0022-2623", "jmc", False),
    "apsb": ("Acta Pharmaceutica Sinica B", "2211-3835", "apsb", False),
    "zhyx": ("中华医学杂志", "0376-2491", "cma.zhyx", True),
    "zgzy": ("中国中药杂志", "1001-5302", "cjcmm", True),
    "zhhl": ("中华护理杂志", "0254-1769", "cma.zhhl", True),
    "zhyf": ("中华预防医学杂志", "0253-9624", "cma.zhyf", True),
    "hxkq": ("华西口腔医学杂志", "1000-1182", "wcjs", True),
    "yxxb": ("药学学报", "0513-4870", "apsin", True),
    "cqyk": ("重庆医科大学学报", "0253-3626", "cqmu", True),
}
_STATION_JOURNALS = {
    "S1002": ["jtm", "thno", "fimmu", "cddis", "zhyx", "cqyk"],
    "S1001": ["ncomms", "cddis", "fimmu", "advs", "thno", "cqyk"],
    "S0710": ["ncomms", "cddis", "advs", "fimmu"],
    "S1003": ["jdr", "ijos", "hxkq", "advs"],
    "S1007": ["jmc", "apsb", "yxxb", "advs"],
    "S1004": ["bmcph", "zhyf", "jtm"],
    "S1005": ["jep", "phymed", "zgzy"],
    "S1011": ["ijns", "zhhl", "bmcph"],
}
_EN_TOPICS = {
    "S1002": [
        "hepatocellular carcinoma",
        "colorectal cancer",
        "sepsis",
        "acute kidney injury",
        "atherosclerosis",
        "heart failure",
        "ischaemic stroke",
        "gastric cancer",
        "ovarian cancer",
    ],
    "S1001": ["tumour metastasis", "neurodegeneration", "myocardial fibrosis", "liver fibrosis", "immune tolerance"],
    "S0710": ["cellular senescence", "stem cell differentiation", "mitochondrial homeostasis", "proteostasis"],
    "S1003": ["periodontitis", "oral squamous cell carcinoma", "peri-implantitis", "dental pulp regeneration"],
    "S1007": ["drug-resistant bacterial infection", "hepatocellular carcinoma", "triple-negative breast cancer"],
    "S1004": ["childhood obesity", "birth defects", "frailty in older adults", "hypertension"],
    "S1005": ["chronic heart failure", "diabetic kidney disease", "ulcerative colitis", "insomnia"],
    "S1011": ["older adults with chronic disease", "patients with cancer", "stroke survivors", "ICU patients"],
}
_EN_MECHANISMS = [
    "circRNA",
    "lncRNA",
    "m6A methylation",
    "ferroptosis",
    "pyroptosis",
    "exosomes",
    "the NLRP3 inflammasome",
    "autophagy",
    "macrophage polarisation",
    "mitophagy",
    "Wnt/β-catenin signalling",
    "YAP/TAZ",
    "cGAS-STING signalling",
    "metabolic reprogramming",
]
_EN_TEMPLATES = {
    "bio": [
        "{m} promotes the progression of {d} in mice",
        "Targeting {m} attenuates {d}: an experimental study",
        "Single-cell profiling reveals a role for {m} in {d}",
        "{m} as a biomarker for the early diagnosis of {d}",
        "Loss of {m} aggravates {d} through oxidative stress",
    ],
    "S1007": [
        "Design, synthesis and evaluation of inhibitors of {m} against {d}",
        "A nanoparticle delivery system targeting {m} in {d}",
    ],
    "S1004": [
        "Risk factors for {d} in Chongqing: a prospective cohort study",
        "Trends in {d} in south-west China, 2010-2022: a population-based study",
        "Cost-effectiveness of screening for {d}: a modelling study",
    ],
    "S1005": [
        "A classical herbal formula alleviates {d} by regulating {m}",
        "Network pharmacology of a herbal formula for {d}: the role of {m}",
        "Acupuncture for {d}: a randomised controlled trial",
    ],
    "S1011": [
        "A transitional care programme for {d}: a randomised controlled trial",
        "Symptom clusters in {d}: a cross-sectional study",
        "Self-management through a mobile application for {d}: a pilot trial",
    ],
}
_ZH_PAPER_TEMPLATES = [
    "{m}在{d}中的表达及其临床意义",
    "{m}调控{d}进展的机制研究",
    "{d}患者{m}水平与预后的相关性分析",
]
_PATENT_TEMPLATES = [
    "一种用于{d}早期诊断的检测试剂盒及其应用",
    "一种靶向{m}的{d}治疗药物组合物及其制备方法",
    "一种{d}动物模型的构建方法",
    "一种负载{m}抑制剂的纳米递药系统及其制备方法",
]


def cn_patent_check_char(digits: str) -> str:
    """The check character of a Chinese patent application number (12 digits since 2003):
    weights 2..9, 2..5, sum modulo 11, 10 written X."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def demo_postdoc(plan: DemoPlan) -> AppointmentPlan:
    """The stay of the `postdoc` account: a live clinical medicine postdoc of the supervisor with
    most live postdocs there, the one with most projects."""
    clinical_live = [a for a in plan.appointments if a.station == "S1002" and a.in_station_on(plan.today)]
    load = Counter(a.supervisor for a in clinical_live)
    staff_no = min(load, key=lambda s: (-load[s], s))
    return min(
        (a for a in clinical_live if a.supervisor == staff_no),
        key=lambda a: (-len(a.projects), a.postdoc_no),
    )


class _Research:
    """Applications and outputs added to a built plan, with a generator of their own."""

    def __init__(self, plan: DemoPlan, rng: random.Random) -> None:
        self.plan, self.rng, self.today = plan, rng, plan.today
        self.kept_from = add_months(plan.today, -APPLICATIONS_KEPT_MONTHS)
        self.serials: Counter[str] = Counter()
        self.supervisors = {s.staff_no: s for s in plan.supervisors}

    def serial(self, key: str) -> int:
        self.serials[key] += self.rng.randint(1, 7)
        return self.serials[key]

    def coauthor(self, chinese: bool) -> str:
        family = self.rng.choice(FAMILY_NAMES)
        given = [self.rng.choice(self.rng.choice((MALE_GIVEN, FEMALE_GIVEN))) for _ in range(self.rng.choice((1, 2)))]
        if chinese:
            return family[0] + "".join(g[0] for g in given)
        return f"{family[1:]} {given[0][1:]}{''.join(g[1:].lower() for g in given[1:])}"

    # -- applications ------------------------------------------------------------------------

    def rounds(self) -> list[tuple[str, dt.date, dt.date, dt.date]]:
        """(kind, applications from, until, decision) of the rounds whose applications fall in
        the kept year and by today."""
        found = []
        for year in range(self.kept_from.year, self.today.year + 1):
            for month, day in _CPSF_DATES:
                decided = dt.date(year, month, day)
                found.append(("cpsf", decided - _days(60), decided - _days(45), decided))
            found.append(("nsfc", dt.date(year, 3, 10), dt.date(year, 3, 20), dt.date(year, 8, 25)))
            found.append(("cqnsf", dt.date(year, 4, 5), dt.date(year, 4, 15), dt.date(year, 9, 15)))
        return [
            (kind, max(low, self.kept_from), min(high, self.today), decided)
            for kind, low, high, decided in found
            if high >= self.kept_from and low <= self.today
        ]

    def applied_on(self, kind: str, awarded_on: dt.date) -> dt.date:
        if kind == "cpsf":
            return awarded_on - _days(self.rng.randint(45, 60))
        if kind == "nsfc":
            return dt.date(awarded_on.year, 3, self.rng.randint(10, 20))
        return dt.date(awarded_on.year, 4, self.rng.randint(5, 15))

    def applications(self) -> None:
        appointments = self.plan.appointments
        # The awards of the kept year carry their application's date.
        for a in appointments:
            for p in a.projects:
                if p.kind in NOT_FUNDED_PER_AWARD:
                    on = self.applied_on(p.kind, p.awarded_on)
                    if on >= self.kept_from:
                        p.applied_on = on
        cpsf_holders = {a.person.key for a in appointments for p in a.projects if p.kind == "cpsf"}
        for kind, low, high, decided in self.rounds():
            awarded = [
                p
                for a in appointments
                for p in a.projects
                if p.kind == kind and p.applied_on is not None and low <= p.applied_on <= high
            ]
            candidates = [a for a in appointments if self.may_apply(a, kind, low, high, decided, cpsf_holders)]
            wanted = PENDING_AT_MOST if decided > self.today else round(len(awarded) * NOT_FUNDED_PER_AWARD[kind])
            for a in sorted(self.rng.sample(candidates, min(wanted, len(candidates))), key=lambda a: a.postdoc_no):
                on = low + _days(self.rng.randint(0, (high - low).days))
                a.applications.append(self.application(a, kind, on, decided))

    def may_apply(
        self, a: AppointmentPlan, kind: str, low: dt.date, high: dt.date, decided: dt.date, cpsf_holders: set[int]
    ) -> bool:
        """In station through the application period, eligible by the programme's rules, and not
        awarded it in the same round."""
        if not (a.in_station_on(low) and a.in_station_on(high)) or a.applications:
            return False
        if kind == "cpsf":
            # 面上 is awarded once per station, to applicants within 18 months of entry.
            return a.person.key not in cpsf_holders and high <= add_months(a.entry_date, 18)
        if any(p.kind == kind and p.awarded_on.year == decided.year for p in a.projects):
            return False
        return a.entry_date <= dt.date(decided.year, 3 if kind == "nsfc" else 4, 1)

    def application(self, a: AppointmentPlan, kind: str, on: dt.date, decided: dt.date) -> ApplicationPlan:
        year = on.year
        title = project_title(self.rng, a.station)
        rejected_on = decided if decided <= self.today else None
        if kind == "cpsf":
            batch = cpsf_batch(year, 0 if decided.month < 9 else 1)
            number = f"{year}SQM{batch}{self.serial(f'cpsf{year}{batch}'):04d}"
            return ApplicationPlan(kind, number, title, "CPSF", "general", on, rejected_on)
        if kind == "cqnsf":
            number = f"CSTB{year}NSCQ-SQ{self.serial(f'cqnsf{year}'):04d}"
            return ApplicationPlan(kind, number, title, "CQ-STB", "cqnsf-postdoc", on, rejected_on)
        # NSFC young scientists: three years from the January after the decision; the office
        # commits to extend a stay that would end before the grant (facts.md §1.3).
        start, end = dt.date(year + 1, 1, 1), dt.date(year + 3, 12, 31)
        number = f"SQ{year}{'3' if a.station == BIOLOGY else '8'}{self.serial(f'nsfc{year}'):05d}"
        commitment = end if a.final_planned_exit < end else None
        return ApplicationPlan(kind, number, title, "NSFC", "young-c", on, rejected_on, start, end, commitment)

    # -- research outputs --------------------------------------------------------------------

    def outputs(self) -> None:
        appointments = self.plan.appointments
        since = add_months(self.today, -48)
        candidates = [
            a
            for a in appointments
            if a.entered and a.entry_date <= self.today - _days(240) and (a.ended_on is None or a.ended_on > since)
        ]
        chosen = self.rng.sample(candidates, min(OUTPUT_AUTHORS, len(candidates)))
        mine = demo_postdoc(self.plan)
        if mine not in chosen:
            chosen.append(mine)
        for a in sorted(chosen, key=lambda a: a.postdoc_no):
            count = 4 if a is mine else self.rng.choice((1, 1, 2, 2, 3))
            titles: set[str] = set()
            for _ in range(count):
                a.outputs.append(self.paper(a, titles, before_entry=self.rng.random() < 0.2 and a is not mine))
            if a is mine or self.rng.random() < 0.12:
                patent = self.patent(a, titles)
                if patent is not None:
                    a.outputs.append(patent)
            a.outputs.sort(key=lambda o: o.published_on)

    def fresh_title(self, make: Callable[[], str], titles: set[str]) -> str:
        for _attempt in range(20):
            title = make()
            if title not in titles:
                titles.add(title)
                return title
        raise RuntimeError("ran out of titles")  # pragma: no cover

    def paper(self, a: AppointmentPlan, titles: set[str], *, before_entry: bool) -> OutputPlan:
        rng = self.rng
        end = min(a.ended_on or self.today, self.today)
        if before_entry:
            published = a.entry_date - _days(rng.randint(30, 600))
        else:
            low = min(a.entry_date + _days(180), end)
            published = low + _days(rng.randint(0, max(0, (end - low).days)))
        key = rng.choice(_STATION_JOURNALS.get(a.station, _STATION_JOURNALS["S1001"]))
        journal, issn, stem, chinese = JOURNALS[key]
        if chinese:
            diseases, molecules = _DISEASES.get(a.station, _DISEASES["S1001"]), _MOLECULES
            template = rng.choice(_ZH_PAPER_TEMPLATES)

            def make() -> str:
                return template.format(m=rng.choice(molecules), d=rng.choice(diseases))
        else:
            topics = _EN_TOPICS.get(a.station, _EN_TOPICS["S1001"])
            templates = _EN_TEMPLATES.get(a.station, _EN_TEMPLATES["bio"])

            def make() -> str:
                text = rng.choice(templates).format(m=rng.choice(_EN_MECHANISMS), d=rng.choice(topics))
                # A sentence's capital, unless its first word is written with capitals of its own (cGAS, m6A).
                return text if any(c.isupper() for c in text.split()[0]) else text[0].upper() + text[1:]

        title = self.fresh_title(make, titles)
        supervisor = self.supervisors[a.supervisor]
        own = a.person.name if chinese else a.person.name_en
        others = [self.coauthor(chinese) for _ in range(rng.randint(2, 7))]
        position = 1 if rng.random() < 0.75 else 2
        authors = others[: position - 1] + [own] + others[position - 1 :]
        last = supervisor.name if chinese else supervisor.name_en
        if not before_entry and last not in authors:
            authors.append(last)
        year = published.year
        return OutputPlan(
            kind="paper",
            title=title,
            published_on=published,
            authors=authors,
            author_position=position,
            corresponding=not before_entry and rng.random() < 0.25,
            doi=f"10.5555/{stem}.{year}.{self.serial(f'doi{stem}{year}'):05d}",
            journal=journal,
            issn=issn,
            volume=str(year - 1990 if chinese else year - 2008),
            issue=str(rng.randint(1, 12)),
            pages=f"{(first := rng.randint(1, 900))}-{first + rng.randint(6, 14)}",
        )

    def patent(self, a: AppointmentPlan, titles: set[str]) -> OutputPlan | None:
        """An invention patent applied for in station (its date is the application's), granted
        two or three years later if that has come."""
        rng = self.rng
        end = min(a.ended_on or self.today, self.today)
        low = a.entry_date + _days(120)
        if low > end:
            return None
        filed = low + _days(rng.randint(0, (end - low).days))
        diseases = _DISEASES.get(a.station, _DISEASES["S1001"])

        def make() -> str:
            return rng.choice(_PATENT_TEMPLATES).format(m=rng.choice(_MOLECULES), d=rng.choice(diseases))

        title = self.fresh_title(make, titles)
        digits = f"{filed.year}1{1_010_000 + self.serial(f'patent{filed.year}'):07d}"
        granted = filed + _days(rng.randint(700, 1100))
        supervisor = self.supervisors[a.supervisor]
        inventors = [supervisor.name, a.person.name] + [self.coauthor(True) for _ in range(rng.randint(1, 4))]
        return OutputPlan(
            kind="patent",
            title=title,
            published_on=filed,
            authors=inventors,
            author_position=2,
            number=f"ZL{digits}.{cn_patent_check_char(digits)}",
            patent_kind="invention",
            granted_on=granted if granted <= self.today else None,
        )


def plan_research(plan: DemoPlan, rng: random.Random) -> None:
    """Adds to a built plan the applications the office kept and some research outputs. Neither
    moves a headline figure: applications count nowhere, and outputs are not projects."""
    research = _Research(plan, rng)
    research.applications()
    research.outputs()
