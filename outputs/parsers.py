"""Reading research outputs from the files reference managers and databases export: BibTeX
(bibtexparser 2), RIS (rispy) and CSL-JSON (plain JSON, its shape checked here).

`parse(data, fmt)` gives a `Parsed`: the entries as dicts (below) and the problems, each a
sentence naming the entry (its key or number and line where the format has lines) and the rule it
breaks. A file with any problem is refused whole by the pages and the import service: the
problems are for the person to fix the file, nothing is half-imported.

An entry dict has the keys of `Output` that a file can carry (kind, title, year, published_on,
authors as a list, doi, journal, issn, volume, issue, pages, publisher, isbn, number) and:

- `index`: its place in the file (1, 2, …); `ref`: its BibTeX key, RIS record number or CSL id;
  `line`: the line it starts on (None for CSL-JSON); `label`: how sentences name it;
- `marked`: positions (1-based) of authors printed with `*` (the corresponding-author mark of
  Chinese publication lists); `corresponding_names`: names a file gives as corresponding authors.

Identifiers are checked here with the same functions the services use (`outputs.identifiers`), so
a wrong DOI is named with its entry before anything else happens.
"""

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.middlewares import BlockMiddleware, LatexDecodingMiddleware, SeparateCoAuthors
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)
from django.utils.translation import gettext as _

from core.errors import DomainError
from outputs import identifiers
from outputs.names import strip_marks

BIBTEX, RIS, CSL_JSON = "bibtex", "ris", "csl_json"
FORMATS = {".bib": BIBTEX, ".ris": RIS, ".json": CSL_JSON}
MAX_ENTRIES = 500

# Entry types → kinds. A type that is not here is a problem naming the type.
BIBTEX_KINDS = {
    "article": "paper",
    "inproceedings": "paper",
    "conference": "paper",
    "book": "book",
    "inbook": "book",
    "incollection": "book",
    "patent": "patent",
    "standard": "standard",
}
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
CSL_KINDS = {
    "article-journal": "paper",
    "article": "paper",
    "article-magazine": "paper",
    "paper-conference": "paper",
    "book": "book",
    "chapter": "book",
    "patent": "patent",
    "standard": "standard",
}
MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
CORRESPONDING_NOTE = re.compile(r"(?:corresponding\s+authors?|通讯作者|通信作者)\s*[:：]\s*(.+)", re.IGNORECASE)
WOS_CORRESPONDING = re.compile(r"([^;()]+?)\s*\(Corresponding Author\)", re.IGNORECASE)


@dataclass
class Parsed:
    format: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def format_of(filename: str) -> str | None:
    """The format a file's name says (.bib, .ris, .json), or None."""
    lowered = filename.lower()
    return next((fmt for suffix, fmt in FORMATS.items() if lowered.endswith(suffix)), None)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else refused with a sentence."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(
            _(
                "The file is not UTF-8 text (byte %(offset)s cannot be read). Save or export it again as UTF-8; "
                "files in GBK or other encodings are not read."
            )
            % {"offset": error.start + 1},
            field="file",
        ) from error
    if "\x00" in text:
        raise DomainError(_("The file holds binary data, not text; export the references again."), field="file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(data: bytes | str, fmt: str) -> Parsed:
    """The entries and problems of a file in `fmt` (BIBTEX, RIS or CSL_JSON)."""
    parsed = Parsed(fmt)
    try:
        text = decode(data) if isinstance(data, bytes) else data.replace("\r\n", "\n")
    except DomainError as error:
        parsed.problems.append(error.message)
        return parsed
    readers: dict[str, Callable[[str, Parsed], None]] = {BIBTEX: _bibtex, RIS: _ris, CSL_JSON: _csl_json}
    readers[fmt](text, parsed)
    if not parsed.entries and not parsed.problems:
        parsed.problems.append(_("The file holds no entries."))
    if len(parsed.entries) > MAX_ENTRIES:
        parsed.problems.append(
            _("The file holds %(n)s entries; import at most %(max)s at a time.")
            % {"n": len(parsed.entries), "max": MAX_ENTRIES}
        )
    return parsed


# ---------------------------------------------------------------------------------------------
# One entry, whatever the format


def _problem(label: str, sentence: str) -> str:
    return _("%(entry)s: %(problem)s") % {"entry": label, "problem": sentence}


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _authors(names: list[str]) -> tuple[list[str], list[int]]:
    """Names without their marks, and the positions of those marked `*`."""
    authors, marked = [], []
    for name in names:
        clean, star = strip_marks(name)
        if not clean or clean.lower() in ("others", "et al.", "et al", "等"):
            continue  # "and others" stands for names the file does not give
        authors.append(clean)
        if star:
            marked.append(len(authors))
    return authors, marked


def _first_valid(values: str, clean: Callable[[str], str]) -> str:
    """The first of several identifiers in one field (print and electronic ISSN, several ISBNs),
    each checked: a wrong one is named even when another is right."""
    parts = [part.strip() for part in re.split(r"[,;]", values or "") if part.strip()]
    cleaned = [clean(part) for part in parts]
    return cleaned[0] if cleaned else ""


def _entry(
    parsed: Parsed,
    *,
    ref: str,
    line: int | None,
    label: str,
    type_name: str,
    kind: str | None,
    title: str,
    year: Any,
    published_on: Any,
    names: list[str],
    corresponding_names: list[str],
    fields: dict[str, str],
) -> None:
    """Checks what the format gave and adds the entry (or its problems)."""
    problems: list[str] = []
    if kind is None:
        problems.append(
            _(
                "its type “%(type)s” is not one recorded here; use a journal article, conference paper, book, chapter, patent or standard."
            )
            % {"type": type_name}
        )
    title = " ".join(title.split())
    if not title:
        problems.append(_("it has no title."))
    authors, marked = _authors(names)
    if not authors:
        problems.append(_("it names no authors."))
    cleaned: dict[str, Any] = {}
    if year in (None, "") and published_on is None:
        problems.append(_("it has no year."))
    else:
        try:
            cleaned["year"] = identifiers.clean_year(published_on.year if published_on else year)
        except DomainError as error:
            problems.append(error.message)
    for name, clean in (
        ("doi", identifiers.clean_doi),
        ("issn", lambda v: _first_valid(v, identifiers.clean_issn)),
        ("isbn", lambda v: _first_valid(v, identifiers.clean_isbn)),
    ):
        try:
            cleaned[name] = clean(fields.get(name, ""))
        except DomainError as error:
            problems.append(error.message)
    parsed.problems.extend(_problem(label, sentence) for sentence in problems)
    if problems:
        return
    entry: dict[str, Any] = {
        "index": len(parsed.entries) + 1,
        "ref": ref,
        "line": line,
        "label": label,
        "kind": kind,
        "title": title,
        "published_on": published_on,
        "authors": authors,
        "marked": marked,
        "corresponding_names": [n for n in (strip_marks(name)[0] for name in corresponding_names) if n],
        **{
            name: " ".join((fields.get(name) or "").split())
            for name in ("journal", "volume", "issue", "pages", "publisher", "number")
        },
        **cleaned,
    }
    parsed.entries.append(entry)


def _date(year: Any, month: Any, day: Any) -> Any:
    """A full date, or None when any part is missing or impossible."""
    try:
        return dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# BibTeX


# Fields whose values are identifiers or numbers: LaTeX decoding would eat a `%` of a URL or an
# underscore of a DOI, so their raw values are kept aside and put back after decoding.
_RAW_FIELDS = frozenset({"doi", "url", "issn", "isbn", "number", "pages", "volume", "year", "date", "month", "day"})
_RAW_KEY = "outputs_raw"


class _KeepIdentifiers(BlockMiddleware):
    """Keeps the raw value of identifier fields in the entry's metadata before decoding."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        entry.parser_metadata[_RAW_KEY] = {
            f.key.lower(): f.value for f in entry.fields if f.key.lower() in _RAW_FIELDS and isinstance(f.value, str)
        }
        return entry


def _bibtex(text: str, parsed: Parsed) -> None:
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            _KeepIdentifiers(),
            # Braced groups are kept through decoding so that "{Procter and Gamble}" stays one author.
            LatexDecodingMiddleware(keep_braced_groups=True),
            SeparateCoAuthors(),
        ],
    )
    for block in library.blocks:  # in the file's order, so the problems read top to bottom
        if isinstance(block, ParsingFailedBlock):
            parsed.problems.append(_bibtex_failure(block))
        elif isinstance(block, Entry):
            _bibtex_entry(block, parsed)
    if parsed.problems:
        parsed.entries.clear()


def _line(block: Any) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


def _bibtex_failure(block: ParsingFailedBlock) -> str:
    line = _line(block)
    if isinstance(block, DuplicateBlockKeyBlock):
        return _(
            "Entry “%(key)s” (line %(line)s) has the same key as the entry on line %(first)s; give every entry its own key."
        ) % {"key": block.key, "line": line, "first": _line(block.previous_block)}
    if isinstance(block, DuplicateFieldKeyBlock):
        entry = block.ignore_error_block
        key = entry.key if isinstance(entry, Entry) else "?"
        return _("Entry “%(key)s” (line %(line)s) gives the field %(fields)s more than once.") % {
            "key": key,
            "line": line,
            "fields": ", ".join(f"“{name}”" for name in sorted(block.duplicate_keys)),
        }
    start = (block.raw or "").strip().splitlines()[0][:60] if (block.raw or "").strip() else ""
    return _(
        "The block starting on line %(line)s (“%(start)s”) cannot be read: a brace or quote is not closed, "
        "a comma or an equals sign is missing, or the entry key is not followed by a comma."
    ) % {"line": line, "start": start}


def _unbraced(value: Any) -> str:
    return " ".join(str(value or "").replace("{", "").replace("}", "").split())


def _bibtex_entry(entry: Entry, parsed: Parsed) -> None:
    line = _line(entry)
    label = _("Entry “%(key)s” (line %(line)s)") % {"key": entry.key, "line": line}
    values: dict[str, Any] = {}
    for f in entry.fields:
        values.setdefault(f.key.lower(), f.value)
    raw: dict[str, str] = entry.parser_metadata.get(_RAW_KEY, {})
    values.update({key: value for key, value in raw.items() if key in values})
    type_name = entry.entry_type.lower()
    kind = BIBTEX_KINDS.get(type_name)
    authors = values.get("author") or values.get("editor") or []
    if isinstance(authors, str):
        authors = [authors]
    year, month, day = _unbraced(values.get("year")), _unbraced(values.get("month")).lower()[:3], values.get("day")
    published_on = None
    if values.get("date"):  # biblatex: date = {2021-06-15}
        match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", _unbraced(values["date"]))
        if match:
            year = year or match.group(1)
            published_on = _date(*match.groups())
    elif year and day:
        published_on = _date(year, MONTHS.get(month, month if month.isdigit() else None), _unbraced(day))
    kind_fields = {
        "journal": _unbraced(values.get("journal") or values.get("journaltitle") or values.get("booktitle")),
        "volume": _unbraced(values.get("volume")),
        "pages": _unbraced(values.get("pages")).replace("--", "–"),
        "publisher": _unbraced(values.get("publisher") or values.get("holder") or values.get("organization")),
        "doi": _unbraced(values.get("doi")),
        "issn": _unbraced(values.get("issn")),
        "isbn": _unbraced(values.get("isbn")),
    }
    if kind in ("patent", "standard"):
        kind_fields["number"] = _unbraced(values.get("number"))
    else:
        kind_fields["issue"] = _unbraced(values.get("number") or values.get("issue"))
    _entry(
        parsed,
        ref=entry.key,
        line=line,
        label=label,
        type_name=f"@{type_name}",
        kind=kind,
        title=_unbraced(values.get("title")),
        year=year,
        published_on=published_on,
        names=[_unbraced(name) for name in authors],
        corresponding_names=_bibtex_corresponding(values),
        fields=kind_fields,
    )


def _bibtex_corresponding(values: dict[str, Any]) -> list[str]:
    """Corresponding authors a BibTeX entry names: a `corresponding` field, or Web of Science's
    "Name (Corresponding Author)" in its affiliation field, or a note "Corresponding author: Name"."""
    for key in ("corresponding", "corresponding-author", "correspondingauthor"):
        if values.get(key):
            return [_unbraced(n) for n in re.split(r"\s+and\s+|;", str(values[key])) if n.strip()]
    for key in ("affiliation", "affiliations"):
        found = WOS_CORRESPONDING.findall(_unbraced(values.get(key)))
        if found:
            return [name.strip() for name in found]
    return _noted_corresponding([_unbraced(values.get("note")), _unbraced(values.get("annote"))])


def _noted_corresponding(notes: list[str]) -> list[str]:
    for note in notes:
        match = CORRESPONDING_NOTE.search(note or "")
        if match:
            return [n.strip() for n in re.split(r";|；|、|\s+and\s+", match.group(1)) if n.strip()]
    return []


# ---------------------------------------------------------------------------------------------
# RIS

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _ris_records(text: str, parsed: Parsed) -> list[tuple[int, str]]:
    """The records' starting lines and titles, checking that every record opens with TY and
    closes with ER (rispy silently drops what does not)."""
    records: list[tuple[int, str]] = []
    open_at: int | None = None
    title = ""
    for number, line in enumerate(text.split("\n"), 1):
        match = _RIS_TAG.match(line.rstrip())
        if not match:
            continue  # a continuation line, or text outside the records
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if open_at is not None:
                parsed.problems.append(
                    _(
                        "The record starting on line %(start)s has no ER line before the next record starts on line %(line)s."
                    )
                    % {"start": open_at, "line": number}
                )
            open_at, title = number, ""
        elif open_at is None:
            parsed.problems.append(
                _(
                    "Line %(line)s: the tag %(tag)s stands outside a record; every record starts with a TY line (its type) and ends with an ER line."
                )
                % {"line": number, "tag": tag}
            )
        elif tag == "ER":
            records.append((open_at, title))
            open_at = None
        elif tag in ("TI", "T1") and not title:
            title = value
    if open_at is not None:
        parsed.problems.append(
            _("The record starting on line %(start)s (“%(title)s”) does not end with an ER line.")
            % {"start": open_at, "title": title[:60]}
        )
    return records


def _ris(text: str, parsed: Parsed) -> None:
    starts = _ris_records(text, parsed)
    if parsed.problems:
        return
    records = rispy.loads(text, skip_unknown_tags=True)
    if len(records) != len(starts):  # cannot happen after the check above; refuse rather than guess
        parsed.problems.append(_("The records of the file cannot be told apart; export it again."))
        return
    for number, ((line, _title), record) in enumerate(zip(starts, records, strict=True), 1):
        _ris_entry(number, line, record, parsed)
    if parsed.problems:
        parsed.entries.clear()


def _ris_entry(number: int, line: int, record: dict[str, Any], parsed: Parsed) -> None:
    label = _("Record %(number)s (line %(line)s)") % {"number": number, "line": line}
    type_name = _text(record.get("type_of_reference")).upper()
    kind = RIS_KINDS.get(type_name)
    names = list(record.get("authors") or record.get("first_authors") or [])
    year_text = _text(record.get("year") or record.get("publication_year"))
    date_text = _text(record.get("date")) or year_text
    # RIS dates read YYYY/MM/DD/other, any part may be empty.
    parts = (date_text.split("/") + ["", "", ""])[:3]
    year = (year_text.split("/")[0] or parts[0]).strip()
    published_on = _date(parts[0], parts[1], parts[2]) if all(p.strip() for p in parts) else None
    if published_on and year and str(published_on.year) != year:
        published_on = None  # DA and PY disagree: keep the year the record gives
    start, end = _text(record.get("start_page")), _text(record.get("end_page"))
    serial = _text(record.get("issn"))
    fields = {
        "journal": _text(
            record.get("journal_name")
            or record.get("secondary_title")
            or record.get("alternate_title3")
            or record.get("alternate_title1")
        ),
        "volume": _text(record.get("volume")),
        "pages": f"{start}–{end}" if start and end else start,
        "publisher": _text(record.get("publisher")),
        "doi": _text(record.get("doi")),
    }
    if kind == "book":
        fields["isbn"] = serial
        fields["issue"] = _text(record.get("number"))
    elif kind in ("patent", "standard"):
        fields["number"] = serial or _text(record.get("number"))
    else:
        fields["issn"] = serial
        fields["issue"] = _text(record.get("number"))
    notes = [str(n) for n in (record.get("notes") or [])] + [_text(record.get("note"))]
    _entry(
        parsed,
        ref=str(number),
        line=line,
        label=label,
        type_name=type_name or "—",
        kind=kind,
        title=_text(record.get("title") or record.get("primary_title")),
        year=year,
        published_on=published_on,
        names=[str(name) for name in names],
        corresponding_names=_noted_corresponding(notes),
        fields=fields,
    )


# ---------------------------------------------------------------------------------------------
# CSL-JSON: a list of items (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html)

_CSL_TEXT_FIELDS = ("title", "container-title", "volume", "issue", "page", "publisher", "number", "DOI", "ISBN")


def _csl_json(text: str, parsed: Parsed) -> None:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        parsed.problems.append(
            _("The file is not valid JSON: it breaks off or has a stray character at line %(line)s, column %(column)s.")
            % {"line": error.lineno, "column": error.colno}
        )
        return
    if not isinstance(items, list):
        parsed.problems.append(
            _("A CSL-JSON file is a list of items ([{…}, {…}]); this file holds %(what)s.")
            % {"what": _json_kind(items)}
        )
        return
    for number, item in enumerate(items, 1):
        _csl_item(number, item, parsed)
    if parsed.problems:
        parsed.entries.clear()


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return _("a single object")
    if isinstance(value, str):
        return _("a text")
    if isinstance(value, (int, float)):
        return _("a number")
    return _("something else")


def _csl_item(number: int, item: Any, parsed: Parsed) -> None:
    if not isinstance(item, dict):
        parsed.problems.append(
            _("Item %(number)s is %(what)s, not an object with a type and a title.")
            % {"number": number, "what": _json_kind(item)}
        )
        return
    ref = item.get("id")
    label = (
        _("Item %(number)s (id “%(id)s”)") % {"number": number, "id": ref}
        if isinstance(ref, (str, int)) and str(ref)
        else _("Item %(number)s") % {"number": number}
    )
    shape = _csl_shape_problems(item)
    if shape:
        parsed.problems.extend(_problem(label, sentence) for sentence in shape)
        return
    names = [_csl_name(author) for author in item.get("author") or item.get("editor") or []]
    issued = item.get("issued") or {}
    parts = (issued.get("date-parts") or [[]])[0] if isinstance(issued, dict) else []
    year: Any = parts[0] if parts else None
    if year is None and isinstance(issued, dict):
        found = re.search(r"\b(\d{4})\b", str(issued.get("raw") or issued.get("literal") or ""))
        year = found.group(1) if found else None
    published_on = _date(*parts[:3]) if len(parts) >= 3 else None
    issn = item.get("ISSN") or ""
    kind = CSL_KINDS.get(str(item.get("type")))
    container = item.get("container-title") or ""
    fields = {
        "journal": _text(container),
        "volume": _text(item.get("volume")),
        "issue": _text(item.get("issue")),
        "pages": _text(item.get("page")).replace("--", "–"),
        "publisher": _text(item.get("publisher")),
        "doi": _text(item.get("DOI")),
        "issn": ", ".join(issn) if isinstance(issn, list) else str(issn),
        "isbn": _text(item.get("ISBN")),
        "number": _text(item.get("number")) if kind in ("patent", "standard") else "",
    }
    _entry(
        parsed,
        ref=str(ref or number),
        line=None,
        label=label,
        type_name=str(item.get("type") or "—"),
        kind=kind,
        title=_text(item.get("title")),
        year=year,
        published_on=published_on,
        names=names,
        corresponding_names=[],
        fields=fields,
    )


def _csl_name(author: dict[str, Any]) -> str:
    if author.get("literal"):
        return str(author["literal"])
    family, given = str(author.get("family") or "").strip(), str(author.get("given") or "").strip()
    return f"{family}, {given}" if family and given else family or given


def _csl_shape_problems(item: dict[str, Any]) -> list[str]:
    """What in an item is not CSL-JSON's shape: the type and title as text, names as a list of
    objects, the date as date-parts of numbers."""
    problems = []
    if not isinstance(item.get("type"), str):
        problems.append(_("it has no “type” (e.g. “article-journal”)."))
    for key in _CSL_TEXT_FIELDS:
        value = item.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            if key == "container-title" and isinstance(value, list) and all(isinstance(v, str) for v in value):
                continue
            problems.append(_("“%(key)s” should be text.") % {"key": key})
    issn = item.get("ISSN")
    if (
        issn is not None
        and not isinstance(issn, str)
        and not (isinstance(issn, list) and all(isinstance(v, str) for v in issn))
    ):
        problems.append(_("“ISSN” should be text or a list of texts."))
    for key in ("author", "editor"):
        names = item.get(key)
        if names is None:
            continue
        if not isinstance(names, list) or not all(
            isinstance(n, dict) and all(isinstance(n.get(k, ""), str) for k in ("family", "given", "literal"))
            for n in names
        ):
            problems.append(
                _("“%(key)s” should be a list of names like {“family”: “Zhang”, “given”: “San”}.") % {"key": key}
            )
    issued = item.get("issued")
    if issued is not None:
        parts = issued.get("date-parts") if isinstance(issued, dict) else None
        valid = isinstance(issued, dict) and (
            (
                isinstance(parts, list)
                and parts
                and isinstance(parts[0], list)
                and 1 <= len(parts[0]) <= 3
                and all(isinstance(p, int) or (isinstance(p, str) and p.isdigit()) for p in parts[0])
            )
            or (parts is None and isinstance(issued.get("raw") or issued.get("literal"), str))
        )
        if not valid:
            problems.append(_("“issued” should read {“date-parts”: [[2024, 5, 17]]}."))
    return problems
