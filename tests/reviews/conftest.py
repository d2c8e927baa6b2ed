"""A pool of experts around the shared world, the institution's mid-term rules and form, and a
mid-term review of `world.appointment` (a postdoc in station S1002, supervised by `world.supervisor`)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from catalogue.models import Discipline, Unit
from catalogue.services import unit_save
from reviews.models import Expert, Form, Kind, KindRules, Rank, Review
from reviews.services import expert_save, form_create, kind_rules_save, review_create
from tests.factories import World


@dataclass
class Pool:
    internal: list[Expert]  # another college, discipline 1002, doctoral supervisors, full seniority
    external: list[Expert]  # other universities, discipline 1002, doctoral supervisors
    same_unit: Expert  # works in the station's college
    the_supervisor: Expert  # world.supervisor's own expert record
    other_discipline: Expert  # expertise in 0710 only
    junior: Expert  # external, 1002, intermediate seniority, not a doctoral supervisor
    other_unit: Unit
    form: Form
    rules: KindRules

    @property
    def everyone(self) -> list[Expert]:
        return [*self.internal, *self.external, self.same_unit, self.the_supervisor, self.other_discipline, self.junior]


def make_pool(world: World, *, internal: int = 4, external: int = 4) -> Pool:
    by = world.admin
    institution = world.institution
    d1002 = Discipline.objects.get(code="1002")
    d0710 = Discipline.objects.get(code="0710")
    other_unit = unit_save(institution=institution, code="C-PH", name_zh="公共卫生学院", kind="college", by=by)

    emails = iter(range(1, 1000))

    def expert(name: str, disciplines: list[Discipline], **fields: object) -> Expert:
        fields.setdefault("rank", Rank.FULL)
        fields.setdefault("is_doctoral_supervisor", True)
        fields.setdefault("email", f"expert{next(emails)}@example.org")
        return expert_save(institution=institution, by=by, name=name, disciplines=disciplines, **fields)

    form = form_create(
        institution=institution,
        name="中期考核表",
        criteria=[("研究进展", "Progress", 3, 10), ("成果", "Outputs", 2, 10), ("计划", "Plan", 1, 5)],
        by=by,
    )
    rules = kind_rules_save(
        institution=institution,
        kind=Kind.MIDTERM,
        form=form,
        by=by,
        min_size=5,
        min_external_percent=40,
        min_rank=Rank.ASSOCIATE,
        doctoral_supervisors_only=True,
    )
    return Pool(
        internal=[expert(f"内部{i}", [d1002], unit=other_unit) for i in range(internal)],
        external=[expert(f"外部{i}", [d1002], is_external=True, affiliation=f"外校{i}") for i in range(external)],
        same_unit=expert("同院专家", [d1002], unit=world.station.unit),
        the_supervisor=expert("导师本人", [d1002], unit=other_unit, supervisor=world.supervisor),
        other_discipline=expert("化学专家", [d0710], unit=other_unit),
        junior=expert(
            "青年专家",
            [d1002],
            is_external=True,
            affiliation="外校J",
            rank=Rank.INTERMEDIATE,
            is_doctoral_supervisor=False,
        ),
        other_unit=other_unit,
        form=form,
        rules=rules,
    )


@pytest.fixture
def pool(world: World) -> Pool:
    return make_pool(world)


@pytest.fixture
def midterm(world: World, pool: Pool) -> Review:
    return review_create(
        kind=Kind.MIDTERM,
        subject=world.appointment,
        deadline=timezone.localdate() + dt.timedelta(days=14),
        by=world.admin,
    )
