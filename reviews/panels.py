"""Who may sit on a panel: the parties of a review's subject, the conflicts of an expert (回避),
eligibility under a review's rules, the random draw (抽取), and the rules a panel must meet.

Pure decisions over records the caller has loaded; the services write what they decide.
"""

import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.dates import add_months
from core.errors import DomainError
from reviews.models import Expert, Member, Relation, Review


@dataclass(frozen=True)
class Parties:
    """The people and units a review's subject stands for, against which conflicts are found."""

    units: frozenset[int] = frozenset()
    supervisors: frozenset[int] = frozenset()  # supervise the subject (or work in the station)
    applicants: frozenset[int] = frozenset()  # co-applicants of a station application
    persons: frozenset[int] = frozenset()  # the postdoc under review
    disciplines: frozenset[int] = frozenset()
    supervisor_sentence: str = ""


def _disciplines(discipline_id: int | None) -> frozenset[int]:
    return frozenset() if discipline_id is None else frozenset({discipline_id})


def subject_parties(review: Review) -> Parties:
    if review.appointment_id is not None:
        appointment = review.appointment
        assert appointment is not None
        station = appointment.station
        supervisors = {pk for pk in (appointment.primary_supervisor_id, appointment.co_supervisor_id) if pk is not None}
        units = {station.unit_id}
        if appointment.workstation is not None:
            units.add(appointment.workstation.unit_id)
        return Parties(
            units=frozenset(units),
            supervisors=frozenset(supervisors),
            persons=frozenset({appointment.person_id}),
            disciplines=_disciplines(station.discipline_id),
            supervisor_sentence=_("supervises the postdoc"),
        )
    if review.application_id is not None:
        application = review.application
        assert application is not None
        return Parties(
            units=frozenset({application.unit_id}),
            applicants=frozenset(s.pk for s in application.applicants.all()),  # prefetched by lists
            disciplines=frozenset({application.discipline_id}),
        )
    evaluation = review.evaluation
    assert evaluation is not None
    station = evaluation.station
    return Parties(
        units=frozenset({station.unit_id}),
        supervisors=frozenset(s.pk for s in station.supervisors.all()),  # prefetched by lists
        disciplines=_disciplines(station.discipline_id),
        supervisor_sentence=_("supervises postdocs in the station"),
    )


@dataclass(frozen=True)
class Profile:
    """What conflicts someone: an expert, or a user through their expert or supervisor record."""

    unit_id: int | None = None
    supervisor_id: int | None = None
    person_ids: frozenset[int] = frozenset()
    relations: tuple[Relation, ...] = ()

    @classmethod
    def of_expert(cls, expert: Expert, relations: Iterable[Relation] | None = None) -> "Profile":
        return cls(
            unit_id=expert.unit_id,
            supervisor_id=expert.supervisor_id,
            relations=tuple(expert.relations.all() if relations is None else relations),
        )


def conflicts(profile: Profile, parties: Parties, *, on: dt.date, window_years: int) -> list[str]:
    """Each reason the profile may not review the subject, as a sentence; empty when none."""
    reasons = []
    if profile.person_ids & parties.persons:
        reasons.append(_("is the postdoc under review"))
    if profile.unit_id is not None and profile.unit_id in parties.units:
        reasons.append(_("works in the subject's unit"))
    if profile.supervisor_id is not None and profile.supervisor_id in parties.supervisors:
        reasons.append(parties.supervisor_sentence or _("supervises the subject"))
    if profile.supervisor_id is not None and profile.supervisor_id in parties.applicants:
        reasons.append(_("is one of the applicants"))
    window_start = add_months(on, -12 * window_years)
    for relation in profile.relations:
        if not _names_a_party(relation, parties):
            continue
        if relation.kind == Relation.Kind.DECLARED:
            reasons.append(_("declared a conflict (%(by)s)") % {"by": relation.get_declared_by_display()})
        elif relation.kind == Relation.Kind.CO_APPLICANT:
            reasons.append(_("applied together with a party on %(date)s") % {"date": relation.on.isoformat()})
        elif relation.kind == Relation.Kind.COLLABORATION and window_start < relation.on <= on:
            reasons.append(_("collaborated with a party on %(date)s") % {"date": relation.on.isoformat()})
    return reasons


def _names_a_party(relation: Relation, parties: Parties) -> bool:
    return (
        (relation.person_id is not None and relation.person_id in parties.persons)
        or (
            relation.supervisor_id is not None
            and (relation.supervisor_id in parties.supervisors or relation.supervisor_id in parties.applicants)
        )
        or (relation.unit_id is not None and relation.unit_id in parties.units)
    )


def ineligibility(expert: Expert, review: Review, parties: Parties) -> list[str]:
    """Why the review's rules keep an expert off its panel (conflicts aside)."""
    reasons = []
    if not expert.is_active:
        reasons.append(_("is no longer in the pool"))
    if expert.institution_id != review.institution_id:
        reasons.append(_("is in another institution's pool"))
    if expert.rank < review.min_rank:
        reasons.append(_("is below the minimum seniority"))
    if review.doctoral_supervisors_only and not expert.is_doctoral_supervisor:
        reasons.append(_("is not a doctoral supervisor"))
    return reasons


def covers_subject(expert_disciplines: set[int], parties: Parties) -> bool:
    return not parties.disciplines or bool(expert_disciplines & parties.disciplines)


def external_needed(review: Review) -> int:
    """External members the rules ask for, on a panel of the rules' size."""
    return math.ceil(review.min_size * review.min_external_percent / 100)


@dataclass
class Draw:
    """The outcome of one draw: who was drawn, from which candidates, with which generator."""

    seed: int
    round: int
    candidates: list[int]  # expert ids, in the order the generator saw them
    drawn: list[Expert] = field(default_factory=list)


def draw(candidates: Sequence[Expert], *, seed: int, round: int, seats: int, external_seats: int) -> Draw:
    """Draws `seats` experts, at least `external_seats` of them external, from eligible candidates.

    Reproducible: the same seed, round and candidates give the same experts. Refuses (DomainError)
    when the candidates cannot fill the seats, naming what is short.
    """
    ordered = sorted(candidates, key=lambda e: e.pk)
    externals = [e for e in ordered if e.is_external]
    if len(externals) < external_seats:
        raise DomainError(
            _("Only %(found)s eligible external experts without a conflict; the rules need %(needed)s more.")
            % {"found": len(externals), "needed": external_seats}
        )
    if len(ordered) < seats:
        raise DomainError(
            _("Only %(found)s eligible experts without a conflict; the panel needs %(needed)s more.")
            % {"found": len(ordered), "needed": seats}
        )
    # Reproducible by design: the seed is drawn with `secrets` and recorded (services.panel_draw).
    generator = random.Random(f"{seed}:{round}")  # noqa: S311
    chosen = generator.sample(externals, external_seats)
    rest = [e for e in ordered if e not in chosen]
    chosen += generator.sample(rest, seats - external_seats)
    return Draw(seed=seed, round=round, candidates=[e.pk for e in ordered], drawn=chosen)


def panel_problems(review: Review, members: Sequence[Member], parties: Parties, *, on: dt.date) -> list[str]:
    """Every rule the panel breaks, as sentences; a panel with any cannot be opened."""
    seated = [m for m in members if m.counts]
    problems = []
    if len(seated) < review.min_size:
        problems.append(
            _("The panel has %(count)s members; the rules ask for at least %(min)s.")
            % {"count": len(seated), "min": review.min_size}
        )
    external = sum(1 for m in seated if m.expert.is_external)
    if seated and external * 100 < review.min_external_percent * len(seated):
        problems.append(
            _("%(external)s of %(count)s members are external; the rules ask for at least %(percent)s%%.")
            % {"external": external, "count": len(seated), "percent": review.min_external_percent}
        )
    for member in seated:
        expert = member.expert
        for reason in ineligibility(expert, review, parties):
            problems.append(_("%(expert)s %(reason)s.") % {"expert": expert.name, "reason": reason})
        for reason in conflicts(
            Profile.of_expert(expert), parties, on=on, window_years=review.collaboration_window_years
        ):
            problems.append(_("%(expert)s has a conflict: %(reason)s.") % {"expert": expert.name, "reason": reason})
    return problems
