"""An import between its upload and its confirmation: the file's text travels signed in the
preview's form (nothing is stored on the server), the entries get the postdoc's suggested author
position, and the preview's corrections are applied before the service checks everything again.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from appointments.models import Appointment
from core.errors import DomainError
from outputs import parsers
from outputs.identifiers import dated_on
from outputs.names import NameForms, find, match, name_forms
from outputs.phases import phase_of
from outputs.services import Checked, check_entries

MAX_BYTES = 1024 * 1024  # 1 MB: thousands of references; a larger file is split
PAYLOAD_MAX_AGE = 24 * 3600  # a preview may be confirmed for a day
_SALT = "outputs.import"


def upload_refusal(name: str, size: int) -> str | None:
    """Why an upload cannot be read as references, or None."""
    if parsers.format_of(name) is None:
        return _("“%(name)s” is not a .bib, .ris or .json file; export the references in one of these formats.") % {
            "name": name
        }
    if size <= 0:
        return _("“%(name)s” is empty (0 bytes).") % {"name": name}
    if size > MAX_BYTES:
        return _("“%(name)s” is larger than 1 MB; split it and import the parts one after the other.") % {"name": name}
    return None


def sign(*, appointment: Appointment, user: Any, name: str, text: str) -> str:
    """The file's text and name, signed for this user and stay, compressed."""
    return signing.dumps({"a": appointment.pk, "u": user.pk, "name": name, "text": text}, salt=_SALT, compress=True)


def unsign(payload: str, *, appointment: Appointment, user: Any) -> tuple[str, str]:
    """The (name, text) a preview carried, if it was signed for this user and stay within a day."""
    try:
        data = signing.loads(payload, salt=_SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.SignatureExpired as error:
        raise DomainError(_("The preview is more than a day old; upload the file again.")) from error
    except signing.BadSignature as error:
        raise DomainError(_("The preview cannot be confirmed; upload the file again.")) from error
    if data.get("a") != appointment.pk or data.get("u") != user.pk:
        raise DomainError(_("The preview cannot be confirmed; upload the file again."))
    return str(data["name"]), str(data["text"])


@dataclass
class Preview:
    name: str
    format: str
    payload: str
    problems: list[str]  # the file's: it is refused whole
    rows: list[Checked] = field(default_factory=list)

    @property
    def entry_problems(self) -> list[str]:
        return [sentence for row in self.rows for sentence, _field in row.problems]

    @property
    def only_positions_missing(self) -> bool:
        """Every remaining problem is one the preview's form corrects (a position or its range)."""
        return all(name == "author_position" for row in self.rows for _sentence, name in row.problems)

    @property
    def can_confirm(self) -> bool:
        return not self.problems and bool(self.rows) and self.only_positions_missing

    @property
    def new_rows(self) -> list[Checked]:
        return [row for row in self.rows if not row.duplicate]

    @property
    def duplicates(self) -> list[str]:
        return [row.duplicate for row in self.rows if row.duplicate]


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


def apply_corrections(entries: list[dict[str, Any]], data: Any) -> None:
    """The preview form's corrections: `position-<index>` and `corresponding-<index>`."""
    for entry in entries:
        index = entry["index"]
        raw = str(data.get(f"position-{index}", "")).strip()
        if f"position-{index}" in data:
            entry["author_position"] = int(raw) if raw.isdigit() else (raw or None)
            entry["corresponding"] = data.get(f"corresponding-{index}") in ("on", "true", "1")


def preview(*, appointment: Appointment, user: Any, name: str, text: str, corrections: Any = None) -> Preview:
    """What importing the file would do: its problems, or each entry checked with the postdoc's
    suggested (or corrected) position, duplicates marked, nothing written."""
    fmt = parsers.format_of(name) or ""
    payload = sign(appointment=appointment, user=user, name=name, text=text)
    parsed = parsers.parse(text, fmt)
    result = Preview(name=name, format=fmt, payload=payload, problems=parsed.problems)
    if parsed.problems:
        return result
    person = appointment.person
    suggest(parsed.entries, name_forms(person.name, person.name_en))
    if corrections is not None:
        apply_corrections(parsed.entries, corrections)
    result.rows = check_entries(appointment=appointment, entries=parsed.entries)
    for row in result.rows:
        entry = row.entry
        year = entry.get("year")
        if row.output is not None:
            entry["phase"] = row.output.phase
        elif isinstance(year, int):
            entry["phase"] = phase_of(dated_on(entry.get("published_on"), year), appointment)
    return result
