"""What the tagged formats (RIS, Refer, RefWorks, NoteExpress, MEDLINE, Web of Science) share: records and fields."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from outputs.parsers.reading import Parsed, refuse


@dataclass
class Record:
    """One record of a tagged file: where it starts, its number and its lines."""

    number: int
    line: int
    lines: list[str] = field(default_factory=list)
    closed: bool = False
    stray_tag: str = ""  # a record of tags before any opening line: the first such tag


def refused_shape(
    parsed: Parsed, record: Record, following: Record | None, *, ref: str, label: str, stray: Any
) -> bool:
    """Refuses a tagged record (RIS, Web of Science) that is not one: a tag outside any record, or
    a record without its closing ER line. True when it was refused."""
    if record.stray_tag:
        reason = stray % {"tag": record.stray_tag}
    elif not record.closed:
        reason = (
            _("it has no ER line before the next record starts on line %(line)s.") % {"line": following.line}
            if following
            else _("it does not end with an ER line.")
        )
    else:
        return False
    refuse(parsed, index=record.number, ref=ref, line=record.line, label=label, reasons=[reason])
    return True


def first_value(values: dict[str, list[str]], *tags: str) -> str:
    """The first non-empty value among the tags, in the order given."""
    for tag in tags:
        for value in values.get(tag, []):
            if value.strip():
                return " ".join(value.split())
    return ""


def author_names(values: dict[str, list[str]], *tags: str) -> list[str]:
    """Authors from one line each or several on a line joined by `;` (CNKI writes both)."""
    for tag in tags:
        names = [name.strip() for value in values.get(tag, []) for name in re.split(r"[;；]", value) if name.strip()]
        if names:
            return names
    return []


# Notices about another paper, not outputs: refused, saying so (PubMed PT and Web of Science DT).
NOTICE_TYPES = frozenset(
    {
        "published erratum",
        "erratum",
        "correction",
        "correction, addition",
        "retraction of publication",
        "retraction",
        "expression of concern",
    }
)
RETRACTED_TYPES = frozenset({"retracted publication", "withdrawn publication"})


def record_label(number: int, line: int, identifier: str) -> str:
    if identifier:
        return _("Record %(number)s (%(id)s, line %(line)s)") % {"number": number, "id": identifier, "line": line}
    return _("Record %(number)s (line %(line)s)") % {"number": number, "line": line}


def type_words(types: list[str]) -> set[str]:
    return {" ".join(t.lower().split()) for t in types if t.strip()}


def notice_reason(types: list[str]) -> str:
    """Why a record whose types say it is a notice about another paper, or a retracted paper, is refused ("" when it is neither)."""
    words = type_words(types)
    named = "; ".join(t.strip() for t in types if " ".join(t.lower().split()) in NOTICE_TYPES | RETRACTED_TYPES)
    if words & NOTICE_TYPES:
        return _(
            "it is a notice about another paper (%(type)s), not an output; import the paper's own record instead."
        ) % {"type": named}
    if words & RETRACTED_TYPES:
        return _("it is marked as retracted (%(type)s); a retracted paper is not recorded as an output.") % {
            "type": named
        }
    return ""
