"""BibTeX, read with bibtexparser 2."""

import html
import logging
import re
from functools import partial
from typing import Any

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    BlockMiddleware,
    LatexDecodingMiddleware,
    LibraryMiddleware,
    RemoveEnclosingMiddleware,
    ResolveStringReferencesMiddleware,
    SeparateCoAuthors,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ParsingFailedBlock,
)
from django.utils.translation import gettext as _

from outputs.parsers.reading import (
    HTML_ENTITY,
    MONTHS,
    Parsed,
    add_entry,
    full_date,
    guarded,
    noted_corresponding,
    page_range,
    refuse,
)

logger = logging.getLogger(__name__)


# Entry types → kinds. A type that is not here refuses the entry, naming the type.
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
WOS_CORRESPONDING = re.compile(r"([^;()]+?)\s*\(Corresponding Author\)", re.IGNORECASE)

# Fields whose values are identifiers or numbers: LaTeX decoding would eat a `%` of a URL or an
# underscore of a DOI, so their raw values are kept aside and put back after decoding.
_RAW_FIELDS = frozenset({"doi", "url", "issn", "isbn", "number", "pages", "volume", "year", "date", "month", "day"})
_RAW_KEY = "outputs_raw"


class _Concatenate(LibraryMiddleware):
    """Expands `#` concatenation (`journal = jbiol # { Letters}`) with the file's @string macros,
    which bibtexparser leaves as written. Runs before its own string resolution."""

    def transform(self, library: Library) -> Library:
        macros = {key.lower(): string.value for key, string in library.strings_dict.items()}
        for entry in library.entries:
            for f in entry.fields:
                if not isinstance(f.value, str) or f.value[:1] in ('"', "{"):
                    if isinstance(f.value, str) and _top_level_hash(f.value):
                        f.value = "{" + _expand(f.value, macros, depth=0) + "}"
                elif _top_level_hash(f.value) or f.value.strip().lower() in macros:
                    # A macro alone may itself be a concatenation (@string{j = "Nature " # "Comm"}).
                    f.value = "{" + _expand(f.value, macros, depth=0) + "}"
        return library


def _split_top_level(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _top_level_hash(value: str) -> bool:
    return len(_split_top_level(value)) > 1


def _expand(value: str, macros: dict[str, str], depth: int) -> str:
    pieces = []
    for part in _split_top_level(value):
        part = part.strip()
        if len(part) >= 2 and part[0] + part[-1] in ('""', "{}"):
            pieces.append(part[1:-1])
        elif part.lower() in macros and depth < 10:
            pieces.append(_expand(macros[part.lower()], macros, depth + 1))
        else:
            pieces.append(part)  # a number, a month name, or a macro the file does not define
    return "".join(pieces)


class _LowerKeys(BlockMiddleware):
    """Field names in lower case: Web of Science writes `Author =`, `Title =`, `DOI =`, and
    bibtexparser's name splitting looks only at `author`. Text fields' HTML entities (`&amp;`) are
    read and a bare `&` escaped, which LaTeX decoding would otherwise drop as a table column mark."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        entry.fields = [Field(f.key.lower(), self._text(f.key.lower(), f.value), f.start_line) for f in entry.fields]
        return entry

    @staticmethod
    def _text(key: str, value: Any) -> Any:
        if key in _RAW_FIELDS or not isinstance(value, str) or "&" not in value:
            return value
        text = html.unescape(value) if HTML_ENTITY.search(value) else value
        return re.sub(r"(?<!\\)&", r"\\&", text)


class _KeepIdentifiers(BlockMiddleware):
    """Keeps the raw value of identifier fields in the entry's metadata before decoding."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        entry.parser_metadata[_RAW_KEY] = {
            f.key.lower(): f.value for f in entry.fields if f.key.lower() in _RAW_FIELDS and isinstance(f.value, str)
        }
        return entry


# Run on each entry in turn (inside `guarded`), so that one entry a middleware chokes on is refused alone.
_ENTRY_MIDDLEWARE: tuple[BlockMiddleware, ...] = (
    _LowerKeys(),
    _KeepIdentifiers(),
    # Braced groups are kept through decoding so that "{Procter and Gamble}" stays one author.
    LatexDecodingMiddleware(keep_braced_groups=True),
    SeparateCoAuthors(),
)


def read_bibtex(text: str, parsed: Parsed) -> None:
    try:
        library = parse_string(
            text,
            parse_stack=[
                _Concatenate(),
                ResolveStringReferencesMiddleware(allow_inplace_modification=True),
                RemoveEnclosingMiddleware(allow_inplace_modification=True),
            ],
        )
    except Exception:
        logger.exception("A BibTeX file could not be split into entries")
        parsed.problems.append(_("The file cannot be read as BibTeX; export it again from the reference manager."))
        return
    index = 0
    for block in library.blocks:  # in the file's order, so the list reads top to bottom
        if isinstance(block, ParsingFailedBlock):
            index += 1
            _bibtex_failure(index, block, parsed, library)
        elif isinstance(block, Entry):
            index += 1
            line = _line(block)
            label = _("Entry “%(key)s” (line %(line)s)") % {"key": block.key, "line": line}
            guarded(
                parsed,
                index=index,
                ref=block.key,
                line=line,
                label=label,
                read=partial(_bibtex_entry, index, label, block, parsed, library),
            )


def _line(block: Any) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


_BIBTEX_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]+)\s*,")


def _bibtex_failure(index: int, block: ParsingFailedBlock, parsed: Parsed, library: Library) -> None:
    line = _line(block)
    if isinstance(block, DuplicateBlockKeyBlock):
        label = _("Entry “%(key)s” (line %(line)s)") % {"key": block.key, "line": line}
        reason = _("it has the same key as the entry on line %(first)s; give every entry its own key.") % {
            "first": _line(block.previous_block)
        }
        refuse(parsed, index=index, ref=block.key, line=line, label=label, reasons=[reason])
        return
    if isinstance(block, DuplicateFieldKeyBlock):
        entry = block.ignore_error_block
        key = entry.key if isinstance(entry, Entry) else "?"
        label = _("Entry “%(key)s” (line %(line)s)") % {"key": key, "line": line}
        reason = _("it gives the field %(fields)s more than once.") % {
            "fields": ", ".join(f"“{name}”" for name in sorted(block.duplicate_keys))
        }
        refuse(parsed, index=index, ref=key, line=line, label=label, reasons=[reason])
        return
    raw = (block.raw or "").strip()
    start = raw.splitlines()[0][:60] if raw else ""
    found = _BIBTEX_KEY.match(raw)
    label = _("The block starting on line %(line)s (“%(start)s”)") % {"line": line, "start": start}
    reason = _(
        "it cannot be read: a brace or quote is not closed, a comma or an equals sign is missing, "
        "or the entry key is not followed by a comma."
    )
    refuse(parsed, index=index, ref=found.group(1) if found else "", line=line, label=label, reasons=[reason])


def _unbraced(value: Any) -> str:
    return " ".join(str(value or "").replace("{", "").replace("}", "").split())


def _bibtex_entry(index: int, label: str, entry: Entry, parsed: Parsed, library: Library) -> None:
    block: Any = entry
    for middleware in _ENTRY_MIDDLEWARE:
        block = middleware.transform_entry(block, library)
        if not isinstance(block, Entry):  # a middleware's error block: the names cannot be split
            refuse(
                parsed,
                index=index,
                ref=entry.key,
                line=_line(entry),
                label=label,
                reasons=[_("its author list cannot be read; separate the authors with “and”.")],
            )
            return
    _bibtex_fields(index, label, block, parsed)


def _bibtex_fields(index: int, label: str, entry: Entry, parsed: Parsed) -> None:
    values: dict[str, Any] = {}
    for f in entry.fields:
        values.setdefault(f.key, f.value)
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
            published_on = full_date(*match.groups())
    elif year and day:
        published_on = full_date(year, MONTHS.get(month, month if month.isdigit() else None), _unbraced(day))
    kind_fields = {
        "journal": _unbraced(values.get("journal") or values.get("journaltitle") or values.get("booktitle")),
        "volume": _unbraced(values.get("volume")),
        "pages": page_range(_unbraced(values.get("pages")), ""),
        "publisher": _unbraced(values.get("publisher") or values.get("holder") or values.get("organization")),
        "doi": _unbraced(values.get("doi")),
        "issn": _unbraced(values.get("issn")),
        "isbn": _unbraced(values.get("isbn")),
    }
    if kind in ("patent", "standard"):
        kind_fields["number"] = _unbraced(values.get("number"))
    else:
        kind_fields["issue"] = _unbraced(values.get("number") or values.get("issue"))
    add_entry(
        parsed,
        index=index,
        ref=entry.key,
        line=_line(entry),
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
    return noted_corresponding([_unbraced(values.get("note")), _unbraced(values.get("annote"))])
