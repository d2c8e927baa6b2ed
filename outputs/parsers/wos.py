"""Web of Science's exports: the plain text one and the tab-delimited one.

The plain text export (savedrecs.txt: "FN Clarivate Analytics Web of Science", "VR 1.0", then
records from a PT line to an ER line, "EF" at the end; two-letter tags and a space, each further
author or address on a line of its own indented three spaces, a long title wrapped the same way)
and the tab-delimited export (a header row of the same tags).
"""

import datetime as dt
import re
from functools import partial

from django.utils.translation import gettext_lazy

from outputs.parsers.reading import MONTHS, Parsed, add_entry, full_date, guarded, page_range
from outputs.parsers.records import (
    Record,
    author_names,
    first_value,
    notice_reason,
    record_label,
    refused_shape,
    type_words,
)

_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
WOS_KINDS = {"J": "paper", "C": "paper", "B": "book", "P": "patent"}
# Tags whose continuation lines are further values (one author, address or name a line); for any
# other tag they are the same value wrapped.
_WOS_LISTS = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "RP", "C1", "C3", "EM", "CR", "BE", "PN", "AE"})
_WOS_CORRESPONDING_MARK = re.compile(r"\((?:corresponding|reprint)\s+author\)", re.IGNORECASE)
_WOS_STRAY = gettext_lazy(
    "the tag %(tag)s stands outside a record; every record starts with a PT line (its type) and ends with an ER line."
)


def read_wos(text: str, parsed: Parsed) -> None:
    first = next((line for line in text.split("\n") if line.strip()), "")
    if first.startswith("PT\t"):
        _wos_tab_delimited(text, parsed)
        return
    records = _wos_records(text)
    for position, (record, values) in enumerate(records):
        identifier = first_value(values, "UT")
        label = record_label(record.number, record.line, identifier)
        ref = identifier or str(record.number)
        following = records[position + 1][0] if position + 1 < len(records) else None
        if refused_shape(parsed, record, following, ref=ref, label=label, stray=_WOS_STRAY):
            continue
        guarded(
            parsed,
            index=record.number,
            ref=ref,
            line=record.line,
            label=label,
            read=partial(_wos_record, record, label, ref, values, parsed),
        )


def _wos_records(text: str) -> list[tuple[Record, dict[str, list[str]]]]:
    """The records with their fields (tag → its lines). The header (FN, VR) and the end (EF) are
    not records; tags outside a record are gathered into one (refused later with their line)."""
    records: list[tuple[Record, dict[str, list[str]]]] = []
    values: dict[str, list[str]] = {}
    current: Record | None = None
    last = ""
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        match = None if line[0].isspace() else _WOS_TAG.match(line)
        if match is None:
            # A continuation line: a further value of a list, or the value above wrapped.
            if current is not None and not current.closed and last:
                if last in _WOS_LISTS:
                    values[last].append(line.strip())
                else:
                    values[last][-1] = (values[last][-1] + " " + line.strip()).strip()
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        outside = current is None or current.closed
        if tag == "PT":
            current, values = Record(len(records) + 1, number, [line]), {}
            records.append((current, values))
        elif outside and tag in ("FN", "VR", "EF", "ER"):
            last = ""
            continue
        elif outside or current is None:
            current, values = Record(len(records) + 1, number, [line], stray_tag=tag), {}
            records.append((current, values))
        elif tag == "ER":
            current.closed = True
            last = ""
            continue
        values.setdefault(tag, []).append(value)
        last = tag
    return records


def _wos_tab_delimited(text: str, parsed: Parsed) -> None:
    """The tab-delimited export: a header row of tags, one record a row, several authors in a cell
    separated by "; "."""
    lines = text.split("\n")
    header = [cell.strip() for cell in lines[0].split("\t")]
    number = 0
    for line_number, row in enumerate(lines[1:], 2):
        if not row.strip():
            continue
        number += 1
        values = {
            tag: [cell.strip()] for tag, cell in zip(header, row.split("\t"), strict=False) if tag and cell.strip()
        }
        identifier = first_value(values, "UT")
        label = record_label(number, line_number, identifier)
        record = Record(number, line_number, [row], closed=True)
        guarded(
            parsed,
            index=number,
            ref=identifier or str(number),
            line=line_number,
            label=label,
            read=partial(_wos_record, record, label, identifier or str(number), values, parsed),
        )


def _joined(values: dict[str, list[str]], tag: str) -> str:
    return " ".join(" ".join(values.get(tag, [])).split())


def _wos_record(record: Record, label: str, ref: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    pt = first_value(values, "PT").upper()
    doc_types = [t for t in re.split(r";", _joined(values, "DT")) if t.strip()]
    kind_reason = notice_reason(doc_types)
    kind = None if kind_reason else WOS_KINDS.get(pt) or (_wos_series_kind(values, doc_types) if pt == "S" else None)
    title = _joined(values, "TI")
    source = _joined(values, "SO")
    year_text = first_value(values, "PY", "EY") or first_value(values, "EA")
    found = re.search(r"\b(\d{4})\b", year_text)
    year = found.group(1) if found else year_text
    start, end = first_value(values, "BP"), first_value(values, "EP")
    fields = {
        # The journal (SO); a book's series (SE) when SO only repeats its title.
        "journal": source if source and source.casefold() != title.casefold() else _joined(values, "SE"),
        "volume": first_value(values, "VL"),
        "issue": first_value(values, "IS"),
        "pages": page_range(start, end) if start or end else first_value(values, "AR"),
        "publisher": first_value(values, "PU"),
        "doi": first_value(values, "DI"),
    }
    if kind == "book":
        fields["isbn"] = "; ".join(values.get("BN", []))
    elif kind == "patent":
        fields["number"] = re.split(r"[;\s]", first_value(values, "PN"))[0]
        fields.pop("issue")
    else:
        fields["issn"] = "; ".join(values.get("SN", []) + values.get("EI", []))
    add_entry(
        parsed,
        index=record.number,
        ref=ref,
        line=record.line,
        label=label,
        type_name=pt or "—",
        kind=kind,
        kind_reason=kind_reason,
        title=title,
        year=year,
        published_on=_wos_date(year, first_value(values, "PD")),
        # Full names (AF, "Luo, Yaoqun") over the short ones (AU, "Luo, YQ"); a group's name alone.
        names=author_names(values, "AF", "AU", "BF", "BA", "CA"),
        corresponding_names=_wos_corresponding(values.get("RP", [])),
        fields=fields,
    )


def _wos_series_kind(values: dict[str, list[str]], doc_types: list[str]) -> str:
    """A record in a book series (PT S) is a book when its document type says so or it has only an
    ISBN, else a paper (a proceedings paper or an article in a serial)."""
    words = type_words(doc_types)
    if words & {"book", "book chapter"}:
        return "book"
    if first_value(values, "SN", "EI") or not first_value(values, "BN"):
        return "paper"
    return "book"


def _wos_date(year: str, pd: str) -> dt.date | None:
    """The date when PD gives a month and a day ("MAR 15"); None for "MAR", "SPR", "JAN-FEB"."""
    full = re.fullmatch(r"(?:(\d{4})\s+)?([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2})", pd.strip())
    if not full or (full.group(1) and full.group(1) != year):
        return None
    month = MONTHS.get(full.group(2).lower())
    return full_date(year, month, full.group(3)) if month else None


def _wos_corresponding(lines: list[str]) -> list[str]:
    """Names marked "(corresponding author)" (or the older "(reprint author)") in the RP lines:
    "Luo, YQ (corresponding author), Yuzhou Med Univ, …", several on a line or one a line."""
    names: list[str] = []
    for line in lines:
        start = 0
        for mark in _WOS_CORRESPONDING_MARK.finditer(line):
            # The name stands after the previous address (which ends with "." or ";").
            piece = re.split(r";|\.\s+(?=[^\s(])", line[start : mark.start()])[-1].strip(" ,")
            start = mark.end()
            if re.search(r"[^\W\d_]", piece) and piece not in names:
                names.append(piece)
    return names
