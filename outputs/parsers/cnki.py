"""Tagged text from CNKI (中国知网) and Wanfang (万方): EndNote/Refer, RefWorks, NoteExpress.

One record per type line; a line without a tag continues the field above it.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext as _

from outputs.parsers.reading import Parsed, add_entry, full_date, guarded, noted_corresponding, page_range, refuse
from outputs.parsers.records import Record, author_names, first_value

# EndNote's reference type names (Refer `%0`, NoteExpress `{Reference Type}`, RefWorks `RT`), in
# lower case, and the Chinese names some exports use. Theses, newspaper articles and the like are
# not outputs recorded here: they are refused naming their type.
TAGGED_KINDS = {
    "journal article": "paper",
    "electronic article": "paper",
    "magazine article": "paper",
    "conference paper": "paper",
    "conference proceedings": "paper",
    "conference proceeding": "paper",
    "book": "book",
    "book, whole": "book",
    "book, edited": "book",
    "edited book": "book",
    "electronic book": "book",
    "book section": "book",
    "book, section": "book",
    "patent": "patent",
    "standard": "standard",
    "期刊": "paper",
    "期刊论文": "paper",
    "期刊文章": "paper",
    "学术期刊": "paper",
    "会议": "paper",
    "会议论文": "paper",
    "图书": "book",
    "专著": "book",
    "专利": "patent",
    "标准": "standard",
}


@dataclass
class _TaggedFormat:
    tag: re.Pattern[str]  # group 1 the tag, group 2 the value
    opening: str  # the tag that opens a record (its reference type)
    name: str  # how sentences name the opening tag


_REFER_FORMAT = _TaggedFormat(re.compile(r"^(%[0-9A-Za-z@+&#!$^*()~>])(?: (.*))?$"), "%0", "%0")
_REFWORKS_FORMAT = _TaggedFormat(re.compile(r"^([A-Z][A-Z0-9]|vo|Vo)(?: (.*))?$"), "RT", "RT")
_NOTEEXPRESS_FORMAT = _TaggedFormat(re.compile(r"^\{([^{}]+?)\}\s*[:：]\s?(.*)$"), "reference type", "{Reference Type}")


def _tagged_records(text: str, fmt: _TaggedFormat) -> list[tuple[Record, dict[str, list[str]]]]:
    """The records with their fields (tag → values in order). A record opens with its type line;
    after a blank line, a tag the open record already has starts a record of its own that lacks
    its type line (marked by that tag), as do tags before any type line."""
    records: list[tuple[Record, dict[str, list[str]]]] = []
    values: dict[str, list[str]] = {}
    last: tuple[str, int] | None = None
    after_blank = False
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        match = fmt.tag.match(line)
        if not match:
            if not line.strip():
                after_blank = True
            elif last is not None:
                tag, position = last
                values[tag][position] += " " + line.strip()  # a continuation line
            continue
        written = match.group(1).strip()
        tag = written.lower() if fmt is _NOTEEXPRESS_FORMAT else written.upper() if fmt is _REFWORKS_FORMAT else written
        if tag == fmt.opening or not records or (after_blank and tag in values):
            record = Record(len(records) + 1, number, [line], stray_tag="" if tag == fmt.opening else written)
            values = {}
            records.append((record, values))
        values.setdefault(tag, []).append((match.group(2) or "").strip())
        last = (tag, len(values[tag]) - 1)
        after_blank = False
    return records


def _tagged(text: str, parsed: Parsed, fmt: _TaggedFormat, read: Callable[..., None]) -> None:
    for record, values in _tagged_records(text, fmt):
        label = _("Record %(number)s (line %(line)s)") % {"number": record.number, "line": record.line}
        if record.stray_tag:
            reason = _(
                "it has no %(opening)s line giving its type before its %(tag)s line; every record starts with one."
            ) % {"tag": record.stray_tag, "opening": fmt.name}
            refuse(parsed, index=record.number, ref=str(record.number), line=record.line, label=label, reasons=[reason])
            continue
        guarded(
            parsed,
            index=record.number,
            ref=str(record.number),
            line=record.line,
            label=label,
            read=partial(read, record, label, values, parsed),
        )


def _year_and_date(year_text: str, date_text: str) -> tuple[str, dt.date | None]:
    """The year and, when the record gives a full one, the date ("2019-01-09", "2019/1/9")."""
    found = re.search(r"\b(\d{4})\b", year_text) or re.search(r"\b(\d{4})\b", date_text)
    year = found.group(1) if found else year_text.strip()
    for text in (date_text, year_text):
        full = re.search(r"\b(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text)
        if full and full.group(1) == year:
            return year, full_date(*full.groups())
    return year, None


def _tagged_entry(
    record: Record,
    label: str,
    parsed: Parsed,
    *,
    type_name: str,
    title: str,
    names: list[str],
    year_text: str,
    date_text: str,
    serial: str,
    fields: dict[str, str],
    notes: list[str],
) -> None:
    kind = TAGGED_KINDS.get(type_name.lower())
    year, published_on = _year_and_date(year_text, date_text)
    if kind == "book":
        fields["isbn"] = serial
    elif kind in ("patent", "standard"):
        fields["number"] = fields.get("number") or serial
        fields.pop("issue", None)
    else:
        fields["issn"] = serial
    add_entry(
        parsed,
        index=record.number,
        ref=str(record.number),
        line=record.line,
        label=label,
        type_name=type_name or "—",
        kind=kind,
        title=title,
        year=year,
        published_on=published_on,
        names=names,
        corresponding_names=noted_corresponding(notes),
        fields=fields,
    )


def read_refer(text: str, parsed: Parsed) -> None:
    _tagged(text, parsed, _REFER_FORMAT, _refer_record)


def _refer_record(record: Record, label: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    _tagged_entry(
        record,
        label,
        parsed,
        type_name=first_value(values, "%0"),
        title=first_value(values, "%T"),
        names=author_names(values, "%A"),
        year_text=first_value(values, "%D"),
        date_text=first_value(values, "%8"),
        serial=first_value(values, "%@"),
        fields={
            "journal": first_value(values, "%J", "%B"),
            "volume": first_value(values, "%V"),
            "issue": first_value(values, "%N"),
            "pages": page_range(first_value(values, "%P"), ""),
            "publisher": first_value(values, "%I"),
            "doi": first_value(values, "%R"),
        },
        notes=values.get("%Z", []) + values.get("%O", []),
    )


def read_refworks(text: str, parsed: Parsed) -> None:
    _tagged(text, parsed, _REFWORKS_FORMAT, _refworks_record)


def _refworks_record(record: Record, label: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    start, other = first_value(values, "SP"), first_value(values, "OP")
    _tagged_entry(
        record,
        label,
        parsed,
        type_name=first_value(values, "RT"),
        title=first_value(values, "T1"),
        names=author_names(values, "A1", "AU"),
        year_text=first_value(values, "YR"),
        date_text=first_value(values, "FD"),
        serial=first_value(values, "SN"),
        fields={
            # The periodical's full name (JF) before its abbreviation (JO) and the secondary title (T2).
            "journal": first_value(values, "JF", "T2", "JO"),
            "volume": first_value(values, "VO"),
            "issue": first_value(values, "IS"),
            "pages": page_range(start, other)
            if start and other and not re.search(r"[-–]", other)
            else page_range(other or start, ""),
            "publisher": first_value(values, "PB"),
            "doi": first_value(values, "DO"),
        },
        notes=values.get("NO", []),
    )


def read_noteexpress(text: str, parsed: Parsed) -> None:
    _tagged(text, parsed, _NOTEEXPRESS_FORMAT, _noteexpress_record)


def _noteexpress_record(record: Record, label: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    type_name = first_value(values, "reference type")
    kind = TAGGED_KINDS.get(type_name.lower())
    # CNKI writes a patent's number in {Notes} or {Type of Work}, a standard's in {ISBN}.
    number = first_value(values, "patent number", "type of work", "notes") if kind == "patent" else ""
    _tagged_entry(
        record,
        label,
        parsed,
        type_name=type_name,
        title=first_value(values, "title"),
        names=author_names(values, "author"),
        year_text=first_value(values, "year"),
        date_text=first_value(values, "date"),
        serial=first_value(values, "isbn/issn", "issn", "isbn"),
        fields={
            "journal": first_value(values, "journal", "secondary title"),
            "volume": first_value(values, "volume"),
            "issue": first_value(values, "issue"),
            "pages": page_range(first_value(values, "pages"), ""),
            "publisher": first_value(values, "publisher"),
            "doi": first_value(values, "doi"),
            "number": number,
        },
        notes=values.get("notes", []),
    )
