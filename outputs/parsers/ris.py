"""RIS, read with rispy."""

import re
from functools import partial
from typing import Any

import rispy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outputs.parsers.reading import (
    Parsed,
    add_entry,
    as_text,
    full_date,
    guarded,
    noted_corresponding,
    page_range,
    refuse,
)
from outputs.parsers.records import Record, refused_shape

RIS_KINDS = {
    "JOUR": "paper",
    "JFULL": "paper",
    "EJOUR": "paper",
    "MGZN": "paper",
    "CPAPER": "paper",
    "CONF": "paper",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "book",
    "ECHAP": "book",
    "PAT": "patent",
    "STAND": "standard",
}
_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _ris_records(text: str) -> list[Record]:
    """The file's records, in order, each with its lines; a record without its ER line, and tags
    that stand before any TY, are records too (refused later with their line)."""
    records: list[Record] = []
    current: Record | None = None
    for number, line in enumerate(text.split("\n"), 1):
        match = _RIS_TAG.match(line.rstrip())
        if not match:
            if current is not None and not current.closed:
                current.lines.append(line)  # a continuation line of the open record
            continue
        tag = match.group(1)
        if tag == "TY":
            current = Record(len(records) + 1, number, [line])
            records.append(current)
        elif current is None or current.closed:
            current = Record(len(records) + 1, number, [line], stray_tag=tag)
            records.append(current)
        else:
            current.lines.append(line)
            if tag == "ER":
                current.closed = True
    return records


_RIS_STRAY = gettext_lazy(
    "the tag %(tag)s stands outside a record; every record starts with a TY line (its type) and ends with an ER line."
)


def read_ris(text: str, parsed: Parsed) -> None:
    records = _ris_records(text)
    for position, record in enumerate(records):
        label = _("Record %(number)s (line %(line)s)") % {"number": record.number, "line": record.line}
        ref = str(record.number)
        following = records[position + 1] if position + 1 < len(records) else None
        if refused_shape(parsed, record, following, ref=ref, label=label, stray=_RIS_STRAY):
            continue
        guarded(
            parsed,
            index=record.number,
            ref=ref,
            line=record.line,
            label=label,
            read=partial(_ris_record, record, label, parsed),
        )


def _ris_record(record: Record, label: str, parsed: Parsed) -> None:
    found = rispy.loads("\n".join(record.lines) + "\n", skip_unknown_tags=True)
    if len(found) != 1:  # cannot happen for a record between TY and ER; refuse rather than guess
        refuse(
            parsed,
            index=record.number,
            ref=str(record.number),
            line=record.line,
            label=label,
            reasons=[_("it cannot be read; check it in the reference manager and export it again.")],
        )
        return
    _ris_entry(record.number, record.line, label, found[0], parsed)


def _ris_entry(number: int, line: int, label: str, record: dict[str, Any], parsed: Parsed) -> None:
    type_name = as_text(record.get("type_of_reference")).upper()
    kind = RIS_KINDS.get(type_name)
    names = list(record.get("authors") or record.get("first_authors") or [])
    year_text = as_text(record.get("year") or record.get("publication_year"))
    date_text = as_text(record.get("date")) or year_text
    # RIS dates read YYYY/MM/DD/other, any part may be empty.
    parts = (date_text.split("/") + ["", "", ""])[:3]
    year = (year_text.split("/")[0] or parts[0]).strip()
    published_on = full_date(parts[0], parts[1], parts[2]) if all(p.strip() for p in parts) else None
    if published_on and year and str(published_on.year) != year:
        published_on = None  # DA and PY disagree: keep the year the record gives
    serial = as_text(record.get("issn"))
    fields = {
        # The journal's full name (JF, T2) before its abbreviations (JO, JA, J2).
        "journal": as_text(
            record.get("alternate_title3")
            or record.get("secondary_title")
            or record.get("journal_name")
            or record.get("alternate_title2")
            or record.get("alternate_title1")
        ),
        "volume": as_text(record.get("volume")),
        "pages": page_range(as_text(record.get("start_page")), as_text(record.get("end_page"))),
        "publisher": as_text(record.get("publisher")),
        "doi": as_text(record.get("doi")),
    }
    if kind == "book":
        fields["isbn"] = serial
        fields["issue"] = as_text(record.get("number"))
    elif kind in ("patent", "standard"):
        fields["number"] = serial or as_text(record.get("number"))
    else:
        fields["issn"] = serial
        fields["issue"] = as_text(record.get("number"))
    notes = [str(n) for n in (record.get("notes") or [])] + [as_text(record.get("note"))]
    add_entry(
        parsed,
        index=number,
        ref=str(number),
        line=line,
        label=label,
        type_name=type_name or "—",
        kind=kind,
        title=as_text(record.get("title") or record.get("primary_title")),
        year=year,
        published_on=published_on,
        names=[str(name) for name in names],
        corresponding_names=noted_corresponding(notes),
        fields=fields,
    )
