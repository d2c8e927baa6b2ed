"""An import between its upload and its confirmation: the file's text travels signed in the
preview (a form's hidden field, the API's token; nothing is stored on the server), each entry is
shown as importable, duplicate or refused, the entries get the postdoc's suggested author position,
and the preview's corrections are applied before the service checks everything again.

The pages (`outputs.views`), the API (`outputs.api`) and the command (`import_outputs`) all preview
here and write through `outputs.services.outputs_import`.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from appointments.models import Appointment
from core.errors import DomainError
from outputs import parsers
from outputs.identifiers import dated_on
from outputs.models import Output
from outputs.names import NameForms, find, match, name_forms
from outputs.phases import phase_of
from outputs.services import Checked, check_entries

MAX_BYTES = 1024 * 1024  # 1 MB: thousands of references; a larger file is split
PAYLOAD_MAX_AGE = 24 * 3600  # a preview may be confirmed for a day
_SALT = "outputs.import"

IMPORTABLE, DUPLICATE, REFUSED = "importable", "duplicate", "refused"
STATUSES = (IMPORTABLE, DUPLICATE, REFUSED)


def upload_refusal(name: str, size: int) -> str | None:
    """Why an upload cannot be read as references, or None."""
    if parsers.format_of(name) is None:
        return _(
            "“%(name)s” is not a .bib, .ris, .json, .enw, .nbib or .txt file; export the references in one of these "
            "formats from Web of Science, Scopus, PubMed, Zotero, EndNote, CNKI or Wanfang."
        ) % {"name": name}
    if size <= 0:
        return _("“%(name)s” is empty (0 bytes).") % {"name": name}
    if size > MAX_BYTES:
        return _("“%(name)s” is larger than 1 MB; split it and import the parts one after the other.") % {"name": name}
    return None


def sign(*, appointment: Appointment, user: Any, name: str, text: str, importable: list[int] | None = None) -> str:
    """The file's text and name, signed for this user and stay, compressed; with the entries the
    preview found importable (what a confirmation without a choice imports)."""
    data = {"a": appointment.pk, "u": user.pk, "name": name, "text": text, "i": importable or []}
    return signing.dumps(data, salt=_SALT, compress=True)


@dataclass(frozen=True)
class Signed:
    name: str
    text: str
    importable: list[int]


def unsign(payload: str, *, appointment: Appointment, user: Any) -> Signed:
    """What a preview carried, if it was signed for this user and stay within a day."""
    try:
        data = signing.loads(payload, salt=_SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.SignatureExpired as error:
        raise DomainError(_("The preview is more than a day old; upload the file again.")) from error
    except signing.BadSignature as error:
        raise DomainError(_("The preview cannot be confirmed; upload the file again.")) from error
    if not isinstance(data, dict) or data.get("a") != appointment.pk or data.get("u") != user.pk:
        raise DomainError(_("The preview cannot be confirmed; upload the file again."))
    return Signed(str(data["name"]), str(data["text"]), [int(i) for i in data.get("i") or []])


@dataclass
class Row:
    """One entry of the file as the preview shows it. `entry` is the parsed entry (None for one the
    parser could not read); `reasons` say why it is refused, what it repeats, or — for an
    importable entry — what the person must still give (the postdoc's position)."""

    index: int
    ref: str
    line: int | None
    label: str
    status: str
    reasons: list[str] = field(default_factory=list)
    entry: dict[str, Any] | None = None
    output: Output | None = None

    @property
    def record(self) -> str:
        """How the file names it: its BibTeX key, RIS record number or CSL id (else its place)."""
        return self.ref or str(self.index)

    @property
    def is_importable(self) -> bool:
        return self.status == IMPORTABLE

    @property
    def is_duplicate(self) -> bool:
        return self.status == DUPLICATE

    @property
    def is_refused(self) -> bool:
        return self.status == REFUSED

    @property
    def in_station(self) -> bool:
        """Whether the entry's phase (computed at preview) is the stay's."""
        return (self.entry or {}).get("phase") == Output.Phase.IN_STATION

    @property
    def position_missing(self) -> bool:
        return self.is_importable and bool(self.reasons)

    @property
    def kind(self) -> str | None:
        return self.output.kind if self.output is not None else (self.entry or {}).get("kind")


@dataclass
class Preview:
    name: str
    format: str
    payload: str
    problems: list[str]  # the file's own: nothing in it can be read
    rows: list[Row] = field(default_factory=list)
    chosen: set[int] = field(default_factory=set)  # the importable entries ticked (all, at first)

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The readable entries, as the service takes them (with the preview's corrections)."""
        return [row.entry for row in self.rows if row.entry is not None]

    def _with(self, status: str) -> list[Row]:
        return [row for row in self.rows if row.status == status]

    @property
    def importable(self) -> list[Row]:
        return self._with(IMPORTABLE)

    @property
    def duplicates(self) -> list[Row]:
        return self._with(DUPLICATE)

    @property
    def refused(self) -> list[Row]:
        return self._with(REFUSED)

    @property
    def positions_missing(self) -> bool:
        return any(row.position_missing for row in self.rows)

    @property
    def can_confirm(self) -> bool:
        return not self.problems and bool(self.importable)


def suggest(entries: list[dict[str, Any]], forms: NameForms) -> None:
    """Adds to each entry the postdoc's author position found in its list (or None), whether the
    match was ambiguous, and whether the file marks the postdoc as corresponding author."""
    for entry in entries:
        found = find(entry["authors"], forms)
        entry["author_position"] = found.position
        entry["position_ambiguous"] = found.ambiguous
        entry["corresponding"] = _corresponding(entry, found.position, forms)


def _corresponding(entry: dict[str, Any], position: int | None, forms: NameForms) -> bool:
    if position is not None and position in entry.get("marked", []):
        return True
    return any(match(name, forms) for name in entry.get("corresponding_names", []))


@dataclass(frozen=True)
class Correction:
    """The person's correction of an entry: the postdoc's position (None: not given), and whether
    they are a corresponding author (None: as the file says)."""

    position: int | str | None
    corresponding: bool | None = None


_POSITION_FIELD = re.compile(r"position-(\d+)")


def form_corrections(data: Mapping[str, Any]) -> dict[int, Correction]:
    """The preview form's corrections: `position-<index>`, and `corresponding-<index>` ticked or not."""
    corrections: dict[int, Correction] = {}
    for key in data:
        found = _POSITION_FIELD.fullmatch(str(key))
        if found:
            raw = str(data.get(key, "")).strip()
            index = int(found.group(1))
            corrections[index] = Correction(
                int(raw) if raw.isdigit() else (raw or None),
                data.get(f"corresponding-{index}") in ("on", "true", "1"),
            )
    return corrections


def form_choice(data: Any) -> set[int] | None:
    """The entries ticked in the preview form (`import`), or None when the form offered no choice."""
    if "chosen" not in data:
        return None
    return {int(value) for value in data.getlist("import") if str(value).isdigit()}


def apply_corrections(entries: list[dict[str, Any]], corrections: Mapping[int, Correction]) -> None:
    for entry in entries:
        correction = corrections.get(entry["index"])
        if correction is None:
            continue
        entry["author_position"] = correction.position
        if correction.corresponding is not None:
            entry["corresponding"] = correction.corresponding


def _named(label: str, sentence: str) -> str:
    return _("%(entry)s: %(problem)s") % {"entry": label, "problem": sentence}


def _status(row: Checked, *, correctable: bool) -> tuple[str, list[str]]:
    """An entry's status and its reasons, each a sentence naming the entry. A position not found
    (or out of range) is for the person to give where they can (the page, the API); elsewhere (the
    command) it refuses the entry."""
    if row.duplicate:
        return DUPLICATE, [row.duplicate]
    sentences = [sentence for sentence, _field in row.problems]
    if not sentences:
        return IMPORTABLE, []
    only_position = all(name == "author_position" for _sentence, name in row.problems)
    if only_position and correctable:
        return IMPORTABLE, sentences
    if only_position and row.entry.get("author_position") in (None, ""):
        return REFUSED, [
            _named(
                row.label,
                _(
                    "The postdoc is not found among its authors; import it on the postdoc's page or through the "
                    "API, where their position can be given."
                ),
            )
        ]
    return REFUSED, sentences


def preview(
    *,
    appointment: Appointment,
    user: Any,
    name: str,
    text: str,
    corrections: Mapping[int, Correction] | None = None,
    chosen: set[int] | None = None,
    correctable: bool = True,
) -> Preview:
    """What importing the file would do, entry by entry: importable (with the postdoc's suggested
    or corrected position and its phase), duplicate (what it repeats) or refused (why); or the
    file's problems when nothing in it can be read. Nothing is written."""
    parsed = parsers.parse(text, parsers.format_of(name) or "")
    result = Preview(name=name, format=parsed.format, payload="", problems=list(parsed.problems))
    rows = [
        Row(
            index=int(refused["index"]),
            ref=str(refused.get("ref") or ""),
            line=refused.get("line"),
            label=str(refused.get("label") or refused["index"]),
            status=REFUSED,
            reasons=[_named(str(refused.get("label") or refused["index"]), r) for r in refused.get("reasons") or []],
        )
        # The parser's refusals: entries it cannot read or that break a rule of the file's format.
        for refused in parsed.refused
    ]
    if parsed.entries:
        person = appointment.person
        suggest(parsed.entries, name_forms(person.name, person.name_en))
        apply_corrections(parsed.entries, corrections or {})
        for checked in check_entries(appointment=appointment, entries=parsed.entries):
            entry = checked.entry
            status, reasons = _status(checked, correctable=correctable)
            if checked.output is not None:
                entry["phase"] = checked.output.phase
            elif isinstance(entry.get("year"), int):
                entry["phase"] = phase_of(dated_on(entry.get("published_on"), entry["year"]), appointment)
            rows.append(
                Row(
                    index=checked.index,
                    ref=str(entry.get("ref") or ""),
                    line=entry.get("line"),
                    label=checked.label,
                    status=status,
                    reasons=reasons,
                    entry=entry,
                    output=checked.output,
                )
            )
    result.rows = sorted(rows, key=lambda row: row.index)
    importable = [row.index for row in result.importable]
    result.chosen = set(importable) if chosen is None else chosen & set(importable)
    result.payload = sign(appointment=appointment, user=user, name=name, text=text, importable=importable)
    return result


def describe(row: Row) -> dict[str, Any]:
    """An entry as the API and the command report it."""
    entry = row.entry or {}
    position = entry.get("author_position")
    return {
        "index": row.index,
        "record": row.record,
        "line": row.line,
        "label": row.label,
        "status": row.status,
        "reasons": row.reasons,
        "kind": row.kind,
        "title": entry.get("title") or "",
        "authors": list(entry.get("authors") or []),
        "year": entry.get("year") if isinstance(entry.get("year"), int) else None,
        "doi": entry.get("doi") or "",
        "journal": entry.get("journal") or "",
        "position": position if isinstance(position, int) else None,
        "position_ambiguous": bool(entry.get("position_ambiguous")),
        "corresponding": bool(entry.get("corresponding")),
        "phase": entry.get("phase"),
    }
