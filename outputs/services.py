"""Every change to research outputs: record, change, remove one, or import a file's entries. Each
function takes the actor (`by`), checks who may write and the rules, locks the postdoc, writes in
one transaction and one audit event per written output.

Who may write: those who manage the appointment (`appointments.access.can_manage_appointment`: the
office, the station's secretary) and the postdoc on their own record. Everyone else is refused.

Rules (docs/decisions/0014): a DOI reads 10.<4–9 digits>/<suffix> and is kept lower-case; ISSN and
ISBN are checked by their check digits (python-stdnum); the year lies in 1900..next year; the
postdoc's position lies within the authors. The same DOI, or the same normalised title for the same
kind of output, is a duplicate for the same person across all their stays: refused when typed in,
listed and skipped in an import. The phase (before entry / in station / after the stay) is
computed from the output's date against the stay it is recorded on.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.access import role_names
from accounts.actors import Actor
from accounts.models import Role, User
from appointments.access import can_manage_appointment
from appointments.models import Appointment
from audit.events import Event
from audit.services import EventBatch, record_event, snapshot
from core.bulk import insert_many
from core.errors import DomainError
from core.errors import require as _require
from core.fieldcheck import check_fields
from funding.models import Level
from outputs import identifiers
from outputs.models import Output
from outputs.phases import phase_of
from people.models import Person

Kind, Phase = Output.Kind, Output.Phase

# What a caller gives; the rest of the row (institution, person, normalised title, counts, date,
# phase) follows from it.
FIELDS = (
    "kind",
    "title",
    "year",
    "published_on",
    "authors",
    "author_position",
    "corresponding",
    "doi",
    "journal",
    "issn",
    "volume",
    "issue",
    "pages",
    "publisher",
    "isbn",
    "number",
    "patent_kind",
    "granted_on",
    "award_level",
    "award_grade",
)


def given_fields(output: Output) -> dict[str, Any]:
    """What was given for an output (FIELDS), as recorded: what an export or the API reads back."""
    return {name: getattr(output, name) for name in FIELDS}


TEXT_FIELDS = ("journal", "volume", "issue", "pages", "publisher", "number")
# Derived columns stay out of the audit trail: it records what was given, and the phase.
_DERIVED = {"normalised_title", "author_count", "dated_on", "recorded_at"}
SNAPSHOT_FIELDS = [f.name for f in Output._meta.concrete_fields if f.name not in _DERIVED]


# ---------------------------------------------------------------------------------------------
# Who may write, and the phase


def _is_own_record(user: Actor | AnonymousUser, appointment: Appointment) -> bool:
    """A postdoc's own stay, decided as `appointments.access.appointment_scope` decides it."""
    return (
        Role.POSTDOC in role_names(user)
        and appointment.institution_id == getattr(user, "institution_id", None)
        and appointment.person.user_id == getattr(user, "pk", None)
    )


def may_record(user: Actor | AnonymousUser, appointment: Appointment) -> bool:
    return can_manage_appointment(user, appointment) or _is_own_record(user, appointment)


def _check_may_record(by: Actor, appointment: Appointment) -> None:
    _require(may_record(by, appointment), _("You may not record research outputs for this postdoc."))


def _lock(appointment: Appointment) -> Appointment:
    """The stay as it is now (its entry and end decide the phase), locked against a concurrent exit,
    and its person locked so that two writers cannot both pass the duplicate check."""
    Person.objects.select_for_update().filter(pk=appointment.person_id).first()
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("person", "station__institution")
        .get(pk=appointment.pk)
    )


# ---------------------------------------------------------------------------------------------
# Building a row from what was given


def _author_list(value: Any) -> list[str]:
    lines = value.splitlines() if isinstance(value, str) else list(value or [])
    return [" ".join(str(name).split()) for name in lines if str(name).strip()]


def _build(appointment: Appointment, data: dict[str, Any], output: Output | None = None) -> Output:
    """An unsaved output (or `output` changed) from `data`, every rule checked: DomainError names
    the field it concerns."""
    output = output or Output()
    kind = data.get("kind") or ""
    _require(kind in Kind.values, _("Choose the kind of output: paper, patent, award, book or standard."), "kind")
    title = " ".join(str(data.get("title") or "").split())
    _require(bool(title), _("Give the title."), "title")
    normalised = identifiers.normalise_title(title)
    _require(bool(normalised), _("The title needs letters or digits."), "title")

    published_on: dt.date | None = data.get("published_on") or None
    year_given = data.get("year")
    if year_given in (None, "") and published_on is not None:
        year_given = published_on.year
    _require(year_given not in (None, ""), _("Give the year."), "year")
    year = identifiers.clean_year(year_given)
    if published_on is not None and published_on.year != year:
        raise DomainError(
            _("The date %(date)s is not in %(year)s, the year given.")
            % {"date": published_on.isoformat(), "year": year},
            field="published_on",
        )

    authors = _author_list(data.get("authors"))
    _require(bool(authors), _("List the authors, one name per line, in the order printed."), "authors")
    position: Any = data.get("author_position")
    _require(
        position not in (None, ""),
        _("Give the postdoc's position among the authors (1 for the first author)."),
        "author_position",
    )
    try:
        position = int(position)
    except (TypeError, ValueError) as error:
        raise DomainError(_("The position is a whole number, e.g. 1."), field="author_position") from error
    _require(position >= 1, _("The position counts from 1 (the first author)."), "author_position")
    _require(
        position <= len(authors),
        _("Position %(position)s is beyond the %(count)s authors listed.")
        % {"position": position, "count": len(authors)},
        "author_position",
    )

    patent_kind = data.get("patent_kind") or ""
    granted_on = data.get("granted_on") or None
    award_level, award_grade = data.get("award_level") or "", data.get("award_grade") or ""
    number = " ".join(str(data.get("number") or "").split())
    if kind != Kind.PATENT:
        _require(not patent_kind, _("The kind of patent is for patents only."), "patent_kind")
        _require(granted_on is None, _("The grant date is for patents only."), "granted_on")
    if kind != Kind.AWARD:
        _require(not award_level, _("The level of an award is for awards only."), "award_level")
        _require(not award_grade, _("The grade of an award is for awards only."), "award_grade")
    else:
        _require(
            award_level in Level.values,
            _("Give the level of the award: national, provincial, municipal or university."),
            "award_level",
        )
    if kind in (Kind.PATENT, Kind.STANDARD):
        _require(bool(number), _("Give the patent's or standard's number."), "number")

    output.institution_id = appointment.institution_id
    output.person_id = appointment.person_id
    output.appointment = appointment
    output.kind = kind
    output.title, output.normalised_title = title, normalised
    output.year, output.published_on = year, published_on
    output.dated_on = identifiers.dated_on(published_on, year)
    output.phase = phase_of(output.dated_on, appointment)
    output.authors, output.author_count, output.author_position = "\n".join(authors), len(authors), position
    output.corresponding = bool(data.get("corresponding"))
    output.doi = identifiers.clean_doi(str(data.get("doi") or ""))
    output.issn = identifiers.clean_issn(str(data.get("issn") or ""))
    output.isbn = identifiers.clean_isbn(str(data.get("isbn") or ""))
    for name in TEXT_FIELDS:
        setattr(output, name, " ".join(str(data.get(name) or "").split()))
    output.patent_kind, output.granted_on = patent_kind, granted_on
    output.award_level, output.award_grade = award_level, award_grade
    check_fields(output)
    return output


def _described(output: Output) -> dict[str, Any]:
    return {
        "title": output.title,
        "kind": output.get_kind_display(),
        "year": output.year,
        "no": output.appointment.postdoc_no,
    }


def _duplicate_sentence(new: Output, existing: Output) -> tuple[str, str]:
    """The sentence naming the output `new` repeats, and the field it concerns."""
    if new.doi and new.doi == existing.doi:
        return _(
            "The DOI %(doi)s is already recorded for this postdoc: “%(title)s” (%(kind)s, %(year)s, postdoc number %(no)s)."
        ) % {"doi": new.doi, **_described(existing)}, "doi"
    return _("This postdoc already has this %(kind)s: “%(title)s” (%(year)s, postdoc number %(no)s).") % _described(
        existing
    ), "title"


def _existing(person_id: int, outputs: Iterable[Output], exclude: int | None = None) -> list[Output]:
    """The person's recorded outputs that any of `outputs` would repeat (by DOI or title), in one query."""
    dois = {o.doi for o in outputs if o.doi}
    titles = {o.normalised_title for o in outputs}
    found = Output.objects.filter(person_id=person_id).filter(Q(doi__in=dois) | Q(normalised_title__in=titles))
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.select_related("appointment").order_by("pk"))


def _repeats(output: Output, candidates: Iterable[Output]) -> Output | None:
    for other in candidates:
        if (output.doi and output.doi == other.doi) or (
            output.kind == other.kind and output.normalised_title == other.normalised_title
        ):
            return other
    return None


def _snapshot(output: Output) -> dict[str, Any]:
    return snapshot(output, SNAPSHOT_FIELDS)


# ---------------------------------------------------------------------------------------------
# One output


@transaction.atomic
def output_record(*, appointment: Appointment, by: User, source: str = Output.Source.MANUAL, **data: Any) -> Output:
    """Records one output on a postdoc's stay; a duplicate of one they already have is refused,
    naming it."""
    unknown = sorted(set(data) - set(FIELDS))
    _require(not unknown, _("These details are not kept for an output: %(fields)s.") % {"fields": ", ".join(unknown)})
    _check_may_record(by, appointment)
    appointment = _lock(appointment)
    output = _build(appointment, data)
    repeated = _repeats(output, _existing(appointment.person_id, [output]))
    if repeated is not None:
        message, name = _duplicate_sentence(output, repeated)
        raise DomainError(message, field=name)
    output.source, output.recorded_by = source, by
    output.save()
    record_event(
        actor=by,
        event=Event.OUTPUT_RECORDED,
        target=output,
        parent=appointment,
        after=_snapshot(output),
        institution=appointment.station.institution,
    )
    return output


@transaction.atomic
def output_update(*, output: Output, by: Actor, **changes: Any) -> Output:
    """Changes an output's details (`FIELDS`); the same rules as when it was recorded."""
    unknown = sorted(set(changes) - set(FIELDS))
    _require(not unknown, _("These details are not kept for an output: %(fields)s.") % {"fields": ", ".join(unknown)})
    _check_may_record(by, output.appointment)
    appointment = _lock(output.appointment)
    output = Output.objects.select_for_update().get(pk=output.pk)
    before = _snapshot(output)
    data = {name: getattr(output, name) for name in FIELDS} | changes
    output = _build(appointment, data, output)
    repeated = _repeats(output, _existing(appointment.person_id, [output], exclude=output.pk))
    if repeated is not None:
        message, name = _duplicate_sentence(output, repeated)
        raise DomainError(message, field=name)
    output.save()
    after = _snapshot(output)
    if after != before:
        record_event(
            actor=by,
            event=Event.OUTPUT_CHANGED,
            target=output,
            parent=appointment,
            before=before,
            after=after,
            institution=appointment.station.institution,
        )
    return output


@transaction.atomic
def output_remove(*, output: Output, by: Actor) -> None:
    """Removes an output recorded in error; the audit trail keeps what it was."""
    _check_may_record(by, output.appointment)
    appointment = _lock(output.appointment)
    output = Output.objects.select_for_update().get(pk=output.pk)
    record_event(
        actor=by,
        event=Event.OUTPUT_REMOVED,
        target=output,
        parent=appointment,
        before=_snapshot(output),
        institution=appointment.station.institution,
    )
    output.delete()


# ---------------------------------------------------------------------------------------------
# A file's entries


@dataclass
class Checked:
    """One entry of an import, checked: the output it would be, or why it cannot be, or the
    output it repeats (then it is skipped)."""

    entry: dict[str, Any]
    output: Output | None = None
    problems: list[tuple[str, str | None]] = field(default_factory=list)  # (sentence naming the entry, field)
    duplicate: str = ""  # the sentence naming the entry, what it repeats, and that it is skipped
    repeats: str = ""  # what it repeats, without the entry's name

    @property
    def label(self) -> str:
        return str(self.entry.get("label") or self.entry.get("index") or "")

    @property
    def index(self) -> int:
        return int(self.entry["index"])


class ImportRefused(DomainError):
    """An import with problems: nothing was written. `problems` are the sentences, entry by entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass
class Imported:
    created: list[Output]
    skipped: list[str]  # a sentence per duplicate, naming the entry and what it repeats


def _named_problem(row: Checked, error: DomainError) -> tuple[str, str | None]:
    return _("%(entry)s: %(problem)s") % {"entry": row.label, "problem": error.message}, error.field


def check_entries(*, appointment: Appointment, entries: list[dict[str, Any]]) -> list[Checked]:
    """Each entry checked as `output_record` checks one, duplicates found among the person's
    outputs and earlier entries of the same file. Writes nothing (the preview shows it)."""
    checked: list[Checked] = []
    for entry in entries:
        row = Checked(entry)
        data = {name: entry.get(name) for name in FIELDS}
        try:
            row.output = _build(appointment, data)
        except DomainError as error:
            row.problems.append(_named_problem(row, error))
            if error.field == "author_position":
                # The position is checked before the kind's own fields: built again with a stand-in
                # position, so that a problem the person cannot correct in the preview shows now.
                try:
                    _build(appointment, data | {"author_position": 1})
                except DomainError as other:
                    if other.field != "author_position":
                        row.problems.append(_named_problem(row, other))
        checked.append(row)
    built = [row.output for row in checked if row.output is not None]
    existing = _existing(appointment.person_id, built) if built else []
    earlier: list[tuple[Output, str]] = []
    for row in checked:
        if row.output is None:
            continue
        repeated = _repeats(row.output, existing)
        if repeated is not None:
            row.repeats = _duplicate_sentence(row.output, repeated)[0]
            row.duplicate = _("%(entry)s repeats an output already recorded and is skipped: %(why)s") % {
                "entry": row.label,
                "why": row.repeats,
            }
            continue
        for output, label in earlier:
            if _repeats(row.output, [output]) is not None:
                row.repeats = _("It repeats %(first)s of the same file.") % {"first": label}
                row.duplicate = _("%(entry)s repeats %(first)s of the same file and is skipped.") % {
                    "entry": row.label,
                    "first": label,
                }
                break
        if not row.duplicate:
            earlier.append((row.output, row.label))
    return checked


def _refusals_of_chosen(checked: list[Checked], chosen: set[int]) -> list[str]:
    """Why the chosen entries cannot all be written now: an entry the file does not hold, one with a
    problem, or one that repeats an output recorded since the preview (or another entry)."""
    held = {row.index for row in checked}
    refusals = [
        _("Entry %(index)s of the file cannot be read or is not in it; leave it out, or upload the file again.")
        % {"index": index}
        for index in sorted(chosen - held)
    ]
    for row in checked:
        if row.index not in chosen:
            continue
        refusals.extend(sentence for sentence, _field in row.problems)
        if row.duplicate:
            refusals.append(
                _("%(entry)s can no longer be imported: %(why)s Leave it out, or upload the file again.")
                % {"entry": row.label, "why": row.repeats}
            )
    return refusals


@transaction.atomic
def outputs_import(
    *,
    appointment: Appointment,
    entries: list[dict[str, Any]],
    chosen: Iterable[int],
    by: User,
    source: str,
    note: str = "",
) -> Imported:
    """Records the chosen entries (by their `index`) of a parsed file on a postdoc's stay, in one
    transaction, checking every entry again as it is now: a chosen entry with a problem, or one
    that has become a duplicate since the preview, refuses the whole import (ImportRefused,
    nothing written). The entries left out are not written; those that repeat an output are
    listed as skipped. One audit event per output written."""
    _check_may_record(by, appointment)
    _require(source in Output.Source.values and source != Output.Source.MANUAL, _("Name the file's format."))
    chosen = set(chosen)
    _require(bool(chosen), _("Choose at least one entry to import."))
    appointment = _lock(appointment)
    checked = check_entries(appointment=appointment, entries=entries)
    refusals = _refusals_of_chosen(checked, chosen)
    if refusals:
        raise ImportRefused(refusals)
    created = [row.output for row in checked if row.output is not None and row.index in chosen]
    for output in created:
        output.source, output.recorded_by = source, by
    Output.objects.bulk_create(created)
    events = EventBatch(actor=by, institution_id=appointment.institution_id, note=note)
    for output in created:
        events.add(event=Event.OUTPUT_IMPORTED, target=output, parent=appointment, after=_snapshot(output))
    events.save()
    return Imported(created=created, skipped=[row.duplicate for row in checked if row.duplicate])


# ---- many outputs of many stays at once (the workbook import) ---------------------------------


@transaction.atomic
def outputs_record(
    *,
    entries: list[tuple[Appointment, dict[str, Any]]],
    by: User,
    note: str = "",
    source: str = Output.Source.MANUAL,
    written: list[Output] | None = None,
) -> list[DomainError | None]:
    """Records many outputs, each on its stay (a workbook import), each checked as `output_record`
    checks one: who may record, every rule of `outputs.services`, and duplicates — an output that
    repeats (same DOI, or same kind and normalised title) one its person already has, or an earlier
    entry of the same call, is refused naming it. The people are locked, as `output_record` locks
    one, so that no concurrent writer slips a duplicate in. The stays must be read afresh (their
    entry and end decide each output's phase). Nothing is written unless all pass; one
    `output.imported` event per output; the outputs written are appended to `written`, in the order
    of `entries`."""
    if not entries:
        return []
    people = sorted({appointment.person_id for appointment, _data in entries})
    list(Person.objects.select_for_update().filter(pk__in=people).order_by("pk").values_list("pk", flat=True))
    allowed: dict[int, bool] = {}
    built: list[Output | None] = []
    errors: list[DomainError | None] = []
    for appointment, data in entries:
        try:
            if appointment.pk not in allowed:
                allowed[appointment.pk] = may_record(by, appointment)
            _require(allowed[appointment.pk], _("You may not record research outputs for this postdoc."))
            output = _build(appointment, data)
            output.source, output.recorded_by = source, by
            built.append(output)
            errors.append(None)
        except DomainError as error:
            built.append(None)
            errors.append(error)
    candidates = [o for o in built if o is not None]
    recorded: dict[int, list[Output]] = defaultdict(list)
    if candidates:
        dois = {o.doi for o in candidates if o.doi}
        titles = {o.normalised_title for o in candidates}
        for existing in (
            Output.objects.filter(person_id__in=people)
            .filter(Q(doi__in=dois) | Q(normalised_title__in=titles))
            .select_related("appointment")
            .order_by("pk")
        ):
            recorded[existing.person_id].append(existing)
    earlier: dict[int, list[Output]] = defaultdict(list)
    for position, candidate in enumerate(built):
        if candidate is None:
            continue
        output = candidate
        repeated = _repeats(output, recorded[output.person_id]) or _repeats(output, earlier[output.person_id])
        if repeated is not None:
            message, name = _duplicate_sentence(output, repeated)
            errors[position] = DomainError(message, field=name)
        else:
            earlier[output.person_id].append(output)
    if any(errors):
        return errors
    outputs = [o for o in built if o is not None]
    insert_many(outputs)
    if written is not None:
        written.extend(outputs)
    by_institution: dict[int, EventBatch] = {}
    for output in outputs:
        batch = by_institution.get(output.institution_id)
        if batch is None:
            batch = by_institution[output.institution_id] = EventBatch(
                actor=by, institution_id=output.institution_id, note=note
            )
        batch.add(
            event=Event.OUTPUT_IMPORTED,
            target=output,
            parent=output.appointment,
            after=snapshot(output, SNAPSHOT_FIELDS),
        )
    for batch in by_institution.values():
        batch.save()
    return errors


def output_changes(output: Output, data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields of `data` (as `outputs.services` takes them) whose stored form differs from the
    output's: built on a copy, so the rules and the stored forms (a DOI's case, an ISSN's hyphen)
    are those of the service."""
    appointment = output.appointment
    copy = Output(pk=output.pk)
    built = _build(appointment, {name: data.get(name) for name in fields}, copy)
    return {name: data.get(name) for name in fields if getattr(built, name) != getattr(output, name)}
