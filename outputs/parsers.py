"""Reading research outputs from the files reference managers and databases export: BibTeX
(bibtexparser 2), RIS (rispy), CSL-JSON (plain JSON, its shape checked here), and the tagged text
that CNKI (中国知网) and Wanfang (万方) offer: EndNote/Refer (`%A`, `%T`, …), RefWorks (`A1`,
`T1`, …) and NoteExpress (`{Author}: …`), PubMed's MEDLINE format (`.nbib`, `PMID- …`) and Web of
Science's plain text and tab-delimited exports (`FN`, `PT J`, …, `ER`). A `.txt` file is read by
what it holds (`detect`).

`parse(data, fmt)` gives a `Parsed`:

- `entries`: the entries that can be read, as dicts (below);
- `refused`: each entry that cannot be read or breaks a rule, refused alone (the rest of the file
  still imports): {"index", "ref", "line", "label", "reasons"}, `reasons` being sentences that
  follow the label ("it has no title.");
- `problems`: only what makes the whole file unreadable (not UTF-8, binary, invalid JSON, a format
  not recognised, no entries at all, more than MAX_ENTRIES). When there is a problem there are
  neither entries nor refused entries.

Readable and refused entries are numbered together by their place in the file (`index`, 1-based,
counting every entry, record or item), so the preview can list them in the file's order.

An entry dict has the keys of `Output` that a file can carry (kind, title, year, published_on,
authors as a list, doi, journal, issn, volume, issue, pages, publisher, isbn, number) and:

- `index`: its place in the file; `ref`: its BibTeX key, record number or CSL id; `line`: the line
  it starts on (None for CSL-JSON); `label`: how sentences name it;
- `marked`: positions (1-based) of authors printed with `*` (the corresponding-author mark of
  Chinese publication lists); `corresponding_names`: names a file gives as corresponding authors.

The rule is forgiving about form, strict about meaning: field names in any case, markup in titles,
decorated ISSNs and Chinese names split into family and given name are read; a wrong check digit,
an impossible year or an unknown kind of output refuses the entry with a sentence. Identifiers are
checked with the same functions the services use (`outputs.identifiers`). No reference file makes
the reader fail: an entry that raises anything unexpected is refused alone ("cannot be read") and
the error is logged.
"""

import datetime as dt
import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import bibtexparser
import rispy
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
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from outputs import identifiers
from outputs.names import joined_chinese_name, strip_marks

logger = logging.getLogger(__name__)

BIBTEX, RIS, CSL_JSON = "bibtex", "ris", "csl_json"
REFER, REFWORKS, NOTEEXPRESS = "refer", "refworks", "noteexpress"
PUBMED, WOS = "pubmed", "wos"
# Not a format of its own: a .txt file is read by what it holds.
TEXT = "text"
FORMATS = {".bib": BIBTEX, ".ris": RIS, ".json": CSL_JSON, ".enw": REFER, ".nbib": PUBMED, ".txt": TEXT}
MAX_ENTRIES = 500

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
    refused: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        """How many entries the file holds, readable or not."""
        return len(self.entries) + len(self.refused)

    def refusal_sentences(self) -> list[str]:
        """Each reason of each refused entry as one sentence naming the entry, in the file's order."""
        return [_problem(entry["label"], reason) for entry in self.refused for reason in entry["reasons"]]


def format_of(filename: str) -> str | None:
    """The format a file's name says (.bib, .ris, .json, .enw, .nbib; TEXT for .txt), or None."""
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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    check_line_length(text)
    return text


def check_line_length(text: str) -> None:
    """Refuses a text with a line longer than IMPORT_MAX_LINE_CHARS: no reference manager writes
    one, and the parsers (bibtexparser's regular expressions, rispy's lines) would hold and scan it
    whole, again and again."""
    limit = int(getattr(settings, "IMPORT_MAX_LINE_CHARS", 1_000_000))  # stated in config/settings.py
    if len(text) <= limit:
        return
    start, number = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if end - start > limit:
            raise DomainError(
                _("Line %(line)s of the file holds more than %(max)s characters; a line may hold at most %(max)s.")
                % {"line": f"{number:,}", "max": f"{limit:,}"},
                field="file",
            )
        start, number = end + 1, number + 1


# The line that opens a record (or the file) in each format, as `detect` looks for it.
_STARTS = (
    (PUBMED, re.compile(r"^PMID- ")),
    # Web of Science: its header (FN Clarivate Analytics Web of Science), a record's PT line, or
    # the header row of the tab-delimited export.
    (WOS, re.compile(r"^(?:FN |PT [A-Z]\s*$|PT\t)")),
    (RIS, re.compile(r"^TY  -")),
    (REFER, re.compile(r"^%0 ")),
    (REFWORKS, re.compile(r"^RT ")),
    (NOTEEXPRESS, re.compile(r"^\{Reference Type\}\s*[:：]", re.IGNORECASE)),
    (BIBTEX, re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]")),
    (CSL_JSON, re.compile(r"^\s*\[")),
)
# MEDLINE pads its tags to four characters, as RIS does its two-letter ones: only the longer tags
# tell it apart.
_MEDLINE_HINT = re.compile(r"^(?:PMID|OWN |STAT|FAU |LID |AID |JID |EDAT|MHDA|CRDT|PHST|PST )- ")
# Without an opening line: tags that only one format writes.
_TAG_HINTS = (
    (REFER, re.compile(r"^%[ATJDAVNP@] ")),
    (REFWORKS, re.compile(r"^(?:A1|T1|JF|YR) ")),
    (NOTEEXPRESS, re.compile(r"^\{(?:Title|Author|Year)\}\s*[:：]")),
    (WOS, re.compile(r"^(?:AF \S|J9 \S|UT (?:WOS|ISI):|ER\s*$|EF\s*$)")),
    (RIS, re.compile(r"^[A-Z][A-Z0-9]  - ")),
)


def detect(text: str) -> str | None:
    """The format a text is written in, by its first record's opening line, or None."""
    lines = text.split("\n")
    for line in lines:
        if not line.strip():
            continue
        for fmt, pattern in _STARTS:
            if pattern.match(line):
                return fmt
    # A MEDLINE tag anywhere decides before RIS's, whose two-letter tags MEDLINE shares.
    if any(_MEDLINE_HINT.match(line) for line in lines):
        return PUBMED
    for line in lines:
        for fmt, pattern in _TAG_HINTS:
            if pattern.match(line):
                return fmt
    return None


def parse(data: bytes | str, fmt: str) -> Parsed:
    """The entries, refused entries and problems of a file in `fmt` (one of FORMATS' values; TEXT
    reads the format from the text and sets `Parsed.format` to it)."""
    parsed = Parsed(fmt)
    try:
        if isinstance(data, bytes):
            text = decode(data)
        else:
            text = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
            check_line_length(text)
    except DomainError as error:
        parsed.problems.append(error.message)
        return parsed
    detected = detect(text)
    if fmt == TEXT:
        if detected is None:
            parsed.problems.append(_not_recognised())
            return parsed
        parsed.format = fmt = detected
    elif detected in (REFER, REFWORKS, NOTEEXPRESS, RIS, PUBMED, WOS) and detected != fmt and fmt != CSL_JSON:
        # A tagged export saved under another name (CNKI's EndNote text as .ris): its opening line says it.
        parsed.format = fmt = detected
    readers: dict[str, Callable[[str, Parsed], None]] = {
        BIBTEX: _bibtex,
        RIS: _ris,
        CSL_JSON: _csl_json,
        REFER: _refer,
        REFWORKS: _refworks,
        NOTEEXPRESS: _noteexpress,
        PUBMED: _pubmed,
        WOS: _wos,
    }
    readers[fmt](text, parsed)
    if parsed.problems:
        parsed.entries.clear()
        parsed.refused.clear()
    elif not parsed.read:
        parsed.problems.append(_("The file holds no entries."))
    elif parsed.read > MAX_ENTRIES:
        parsed.problems.append(
            _("The file holds %(n)s entries; import at most %(max)s at a time.")
            % {"n": parsed.read, "max": MAX_ENTRIES}
        )
        parsed.entries.clear()
        parsed.refused.clear()
    return parsed


def _not_recognised() -> str:
    return _(
        "The file's format is not recognised. Files read here are BibTeX, RIS, CSL-JSON, EndNote/Refer, RefWorks, "
        "NoteExpress, PubMed (MEDLINE, .nbib) and Web of Science plain text; from CNKI (中国知网) or Wanfang (万方), "
        "choose Export → EndNote, RefWorks or NoteExpress, from PubMed Cite → Download .nbib or Save → PubMed "
        "format, from Web of Science Export → Plain text file, and upload the file as it is."
    )


# ---------------------------------------------------------------------------------------------
# One entry, whatever the format


def _problem(label: str, sentence: str) -> str:
    return _("%(entry)s: %(problem)s") % {"entry": label, "problem": sentence}


def _refuse(parsed: Parsed, *, index: int, ref: str, line: int | None, label: str, reasons: list[str]) -> None:
    parsed.refused.append({"index": index, "ref": ref, "line": line, "label": label, "reasons": reasons})


def _guarded(parsed: Parsed, *, index: int, ref: str, line: int | None, label: str, read: Callable[[], None]) -> None:
    """Reads one entry; anything unexpected refuses that entry alone (and is logged) instead of the file."""
    try:
        read()
    except Exception:
        logger.exception("Reading entry %s (%s) of a %s file failed", index, ref, parsed.format)
        _refuse(
            parsed,
            index=index,
            ref=ref,
            line=line,
            label=label,
            reasons=[_("it cannot be read; check it in the reference manager and export it again.")],
        )


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


# LaTeX math in titles (`$\alpha$-synuclein`, `CD4$^+$`): common commands as their characters.
_LATEX_SYMBOLS = {
    "cdot": "·",
    "times": "×",
    "pm": "±",
    "mp": "∓",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "sim": "∼",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "leftrightarrow": "↔",
    "infty": "∞",
    "circ": "°",
    "degree": "°",
    "prime": "′",
    "partial": "∂",
    "sqrt": "√",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "%": "%",
    "&": "&",
    "_": "_",
    "#": "#",
    "$": "$",
}
# Commands that only style what follows (`\mathrm{CO}`): dropped, their argument kept.
_LATEX_STYLES = frozenset(
    {"mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "boldsymbol", "text", "textrm", "textit"}
    | {"textbf", "emph", "rm", "bf", "it", "left", "right", "mathrm", "operatorname", "textsuperscript"}
    | {"textsubscript", "textsc", "mbox", "ensuremath"}
)
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+|[%&_#$])\s*")
_MATH = re.compile(r"(?<!\\)\$\$?(.+?)(?<!\\)\$\$?")
_HTML_TAG = re.compile(
    r"</?(?:i|b|u|em|strong|sub|sup|scp|sc|small|span|font|a|br|p|inf|math|mml:[a-z]+)\b[^<>]*/?>", re.IGNORECASE
)
_HTML_ENTITY = re.compile(r"&(?:[A-Za-z]+\d*|#\d+|#x[0-9A-Fa-f]+);")


def _latex_math(formula: str) -> str:
    def command(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _LATEX_STYLES:
            return ""
        return _LATEX_SYMBOLS.get(name, name)

    text = _LATEX_COMMAND.sub(command, formula)
    return text.replace("^", "").replace("_", "").replace("{", "").replace("}", "")


def plain(value: str) -> str:
    """A title or journal name without the markup exports carry: LaTeX math (`$\\cdot$` → ·),
    HTML tags (`<i>`, `<sub>`) and entities (`&amp;`), and runs of spaces."""
    # Only what reads as a formula: "$5 and $10" in a title keeps its dollars.
    text = _MATH.sub(
        lambda match: _latex_math(match.group(1)) if re.search(r"[\\^_{}]", match.group(1)) else match.group(0),
        value or "",
    )
    text = _HTML_TAG.sub("", text)
    if _HTML_ENTITY.search(text):
        text = html.unescape(text)
    return " ".join(text.split())


def _authors(names: list[str]) -> tuple[list[str], list[int]]:
    """Names without their marks, and the positions of those marked `*`; a Chinese name split
    into family and given name ("罗, 耀群") is written as one ("罗耀群")."""
    authors, marked = [], []
    for name in names:
        clean, star = strip_marks(name)
        if not clean or clean.lower() in ("others", "et al.", "et al", "等"):
            continue  # "and others" stands for names the file does not give
        authors.append(joined_chinese_name(clean))
        if star:
            marked.append(len(authors))
    return authors, marked


def _entry(
    parsed: Parsed,
    *,
    index: int,
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
    kind_reason: str = "",
) -> None:
    """Checks what the format gave and adds the entry, or refuses it with every reason (`kind_reason`
    says why a kind is None when the format knows better than "not one recorded here")."""
    reasons: list[str] = []
    if kind is None and kind_reason:
        reasons.append(kind_reason)
    elif kind is None:
        reasons.append(
            _(
                "its type “%(type)s” is not one recorded here; use a journal article, conference paper, book, chapter, patent or standard."
            )
            % {"type": type_name}
        )
    title = plain(title)
    if not title:
        reasons.append(_("it has no title."))
    authors, marked = _authors(names)
    if not authors:
        reasons.append(_("it names no authors."))
    cleaned: dict[str, Any] = {}
    if year in (None, "") and published_on is None:
        reasons.append(_("it has no year."))
    else:
        try:
            cleaned["year"] = identifiers.clean_year(published_on.year if published_on else year)
        except DomainError as error:
            reasons.append(error.message)
    for name, clean in (
        ("doi", identifiers.clean_doi),
        ("issn", identifiers.first_issn),
        ("isbn", identifiers.first_isbn),
    ):
        try:
            cleaned[name] = clean(fields.get(name, ""))
        except DomainError as error:
            reasons.append(error.message)
    if reasons:
        _refuse(parsed, index=index, ref=ref, line=line, label=label, reasons=reasons)
        return
    entry: dict[str, Any] = {
        "index": index,
        "ref": ref,
        "line": line,
        "label": label,
        "kind": kind,
        "title": title,
        "published_on": published_on,
        "authors": authors,
        "marked": marked,
        "corresponding_names": [
            joined_chinese_name(n) for n in (strip_marks(name)[0] for name in corresponding_names) if n
        ],
        **{
            name: " ".join((fields.get(name) or "").split())
            for name in ("journal", "volume", "issue", "pages", "publisher", "number")
        },
        **cleaned,
    }
    entry["journal"] = plain(entry["journal"])
    parsed.entries.append(entry)


def _date(year: Any, month: Any, day: Any) -> Any:
    """A full date, or None when any part is missing or impossible."""
    try:
        return dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError, OverflowError):
        return None


def _pages(start: str, end: str) -> str:
    """Pages as a range with an en dash: "900–912" from a start and an end, or a range as written."""
    start, end = start.strip(), end.strip()
    if start and end and end != start:
        return f"{start}–{end}"
    return re.sub(r"\s*(?:--?|–|—)\s*", "–", start or end)


# ---------------------------------------------------------------------------------------------
# BibTeX


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
        text = html.unescape(value) if _HTML_ENTITY.search(value) else value
        return re.sub(r"(?<!\\)&", r"\\&", text)


class _KeepIdentifiers(BlockMiddleware):
    """Keeps the raw value of identifier fields in the entry's metadata before decoding."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        entry.parser_metadata[_RAW_KEY] = {
            f.key.lower(): f.value for f in entry.fields if f.key.lower() in _RAW_FIELDS and isinstance(f.value, str)
        }
        return entry


# Run on each entry in turn (inside `_guarded`), so that one entry a middleware chokes on is refused alone.
_ENTRY_MIDDLEWARE: tuple[BlockMiddleware, ...] = (
    _LowerKeys(),
    _KeepIdentifiers(),
    # Braced groups are kept through decoding so that "{Procter and Gamble}" stays one author.
    LatexDecodingMiddleware(keep_braced_groups=True),
    SeparateCoAuthors(),
)


def _bibtex(text: str, parsed: Parsed) -> None:
    try:
        library = bibtexparser.parse_string(
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
            _guarded(
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
        _refuse(parsed, index=index, ref=block.key, line=line, label=label, reasons=[reason])
        return
    if isinstance(block, DuplicateFieldKeyBlock):
        entry = block.ignore_error_block
        key = entry.key if isinstance(entry, Entry) else "?"
        label = _("Entry “%(key)s” (line %(line)s)") % {"key": key, "line": line}
        reason = _("it gives the field %(fields)s more than once.") % {
            "fields": ", ".join(f"“{name}”" for name in sorted(block.duplicate_keys))
        }
        _refuse(parsed, index=index, ref=key, line=line, label=label, reasons=[reason])
        return
    raw = (block.raw or "").strip()
    start = raw.splitlines()[0][:60] if raw else ""
    found = _BIBTEX_KEY.match(raw)
    label = _("The block starting on line %(line)s (“%(start)s”)") % {"line": line, "start": start}
    reason = _(
        "it cannot be read: a brace or quote is not closed, a comma or an equals sign is missing, "
        "or the entry key is not followed by a comma."
    )
    _refuse(parsed, index=index, ref=found.group(1) if found else "", line=line, label=label, reasons=[reason])


def _unbraced(value: Any) -> str:
    return " ".join(str(value or "").replace("{", "").replace("}", "").split())


def _bibtex_entry(index: int, label: str, entry: Entry, parsed: Parsed, library: Library) -> None:
    block: Any = entry
    for middleware in _ENTRY_MIDDLEWARE:
        block = middleware.transform_entry(block, library)
        if not isinstance(block, Entry):  # a middleware's error block: the names cannot be split
            _refuse(
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
            published_on = _date(*match.groups())
    elif year and day:
        published_on = _date(year, MONTHS.get(month, month if month.isdigit() else None), _unbraced(day))
    kind_fields = {
        "journal": _unbraced(values.get("journal") or values.get("journaltitle") or values.get("booktitle")),
        "volume": _unbraced(values.get("volume")),
        "pages": _pages(_unbraced(values.get("pages")), ""),
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


@dataclass
class _Record:
    """One record of a tagged file: where it starts, its number and its lines."""

    number: int
    line: int
    lines: list[str] = field(default_factory=list)
    closed: bool = False
    stray_tag: str = ""  # a record of tags before any opening line: the first such tag


def _ris_records(text: str) -> list[_Record]:
    """The file's records, in order, each with its lines; a record without its ER line, and tags
    that stand before any TY, are records too (refused later with their line)."""
    records: list[_Record] = []
    current: _Record | None = None
    for number, line in enumerate(text.split("\n"), 1):
        match = _RIS_TAG.match(line.rstrip())
        if not match:
            if current is not None and not current.closed:
                current.lines.append(line)  # a continuation line of the open record
            continue
        tag = match.group(1)
        if tag == "TY":
            current = _Record(len(records) + 1, number, [line])
            records.append(current)
        elif current is None or current.closed:
            current = _Record(len(records) + 1, number, [line], stray_tag=tag)
            records.append(current)
        else:
            current.lines.append(line)
            if tag == "ER":
                current.closed = True
    return records


_RIS_STRAY = gettext_lazy(
    "the tag %(tag)s stands outside a record; every record starts with a TY line (its type) and ends with an ER line."
)
_WOS_STRAY = gettext_lazy(
    "the tag %(tag)s stands outside a record; every record starts with a PT line (its type) and ends with an ER line."
)


def _refused_shape(
    parsed: Parsed, record: _Record, following: _Record | None, *, ref: str, label: str, stray: Any
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
    _refuse(parsed, index=record.number, ref=ref, line=record.line, label=label, reasons=[reason])
    return True


def _ris(text: str, parsed: Parsed) -> None:
    records = _ris_records(text)
    for position, record in enumerate(records):
        label = _("Record %(number)s (line %(line)s)") % {"number": record.number, "line": record.line}
        ref = str(record.number)
        following = records[position + 1] if position + 1 < len(records) else None
        if _refused_shape(parsed, record, following, ref=ref, label=label, stray=_RIS_STRAY):
            continue
        _guarded(
            parsed,
            index=record.number,
            ref=ref,
            line=record.line,
            label=label,
            read=partial(_ris_record, record, label, parsed),
        )


def _ris_record(record: _Record, label: str, parsed: Parsed) -> None:
    found = rispy.loads("\n".join(record.lines) + "\n", skip_unknown_tags=True)
    if len(found) != 1:  # cannot happen for a record between TY and ER; refuse rather than guess
        _refuse(
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
    serial = _text(record.get("issn"))
    fields = {
        # The journal's full name (JF, T2) before its abbreviations (JO, JA, J2).
        "journal": _text(
            record.get("alternate_title3")
            or record.get("secondary_title")
            or record.get("journal_name")
            or record.get("alternate_title2")
            or record.get("alternate_title1")
        ),
        "volume": _text(record.get("volume")),
        "pages": _pages(_text(record.get("start_page")), _text(record.get("end_page"))),
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
        index=number,
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
# Tagged text from CNKI and Wanfang: EndNote/Refer, RefWorks, NoteExpress. One record per type
# line; a line without a tag continues the field above it.


@dataclass
class _TaggedFormat:
    tag: re.Pattern[str]  # group 1 the tag, group 2 the value
    opening: str  # the tag that opens a record (its reference type)
    name: str  # how sentences name the opening tag


_REFER_FORMAT = _TaggedFormat(re.compile(r"^(%[0-9A-Za-z@+&#!$^*()~>])(?: (.*))?$"), "%0", "%0")
_REFWORKS_FORMAT = _TaggedFormat(re.compile(r"^([A-Z][A-Z0-9]|vo|Vo)(?: (.*))?$"), "RT", "RT")
_NOTEEXPRESS_FORMAT = _TaggedFormat(re.compile(r"^\{([^{}]+?)\}\s*[:：]\s?(.*)$"), "reference type", "{Reference Type}")


def _tagged_records(text: str, fmt: _TaggedFormat) -> list[tuple[_Record, dict[str, list[str]]]]:
    """The records with their fields (tag → values in order). A record opens with its type line;
    after a blank line, a tag the open record already has starts a record of its own that lacks
    its type line (marked by that tag), as do tags before any type line."""
    records: list[tuple[_Record, dict[str, list[str]]]] = []
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
            record = _Record(len(records) + 1, number, [line], stray_tag="" if tag == fmt.opening else written)
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
            _refuse(
                parsed, index=record.number, ref=str(record.number), line=record.line, label=label, reasons=[reason]
            )
            continue
        _guarded(
            parsed,
            index=record.number,
            ref=str(record.number),
            line=record.line,
            label=label,
            read=partial(read, record, label, values, parsed),
        )


def _first(values: dict[str, list[str]], *tags: str) -> str:
    """The first non-empty value among the tags, in the order given."""
    for tag in tags:
        for value in values.get(tag, []):
            if value.strip():
                return " ".join(value.split())
    return ""


def _names(values: dict[str, list[str]], *tags: str) -> list[str]:
    """Authors from one line each or several on a line joined by `;` (CNKI writes both)."""
    for tag in tags:
        names = [name.strip() for value in values.get(tag, []) for name in re.split(r"[;；]", value) if name.strip()]
        if names:
            return names
    return []


def _year_and_date(year_text: str, date_text: str) -> tuple[str, dt.date | None]:
    """The year and, when the record gives a full one, the date ("2019-01-09", "2019/1/9")."""
    found = re.search(r"\b(\d{4})\b", year_text) or re.search(r"\b(\d{4})\b", date_text)
    year = found.group(1) if found else year_text.strip()
    for text in (date_text, year_text):
        full = re.search(r"\b(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text)
        if full and full.group(1) == year:
            return year, _date(*full.groups())
    return year, None


def _tagged_entry(
    record: _Record,
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
    _entry(
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
        corresponding_names=_noted_corresponding(notes),
        fields=fields,
    )


def _refer(text: str, parsed: Parsed) -> None:
    _tagged(text, parsed, _REFER_FORMAT, _refer_record)


def _refer_record(record: _Record, label: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    _tagged_entry(
        record,
        label,
        parsed,
        type_name=_first(values, "%0"),
        title=_first(values, "%T"),
        names=_names(values, "%A"),
        year_text=_first(values, "%D"),
        date_text=_first(values, "%8"),
        serial=_first(values, "%@"),
        fields={
            "journal": _first(values, "%J", "%B"),
            "volume": _first(values, "%V"),
            "issue": _first(values, "%N"),
            "pages": _pages(_first(values, "%P"), ""),
            "publisher": _first(values, "%I"),
            "doi": _first(values, "%R"),
        },
        notes=values.get("%Z", []) + values.get("%O", []),
    )


def _refworks(text: str, parsed: Parsed) -> None:
    _tagged(text, parsed, _REFWORKS_FORMAT, _refworks_record)


def _refworks_record(record: _Record, label: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    start, other = _first(values, "SP"), _first(values, "OP")
    _tagged_entry(
        record,
        label,
        parsed,
        type_name=_first(values, "RT"),
        title=_first(values, "T1"),
        names=_names(values, "A1", "AU"),
        year_text=_first(values, "YR"),
        date_text=_first(values, "FD"),
        serial=_first(values, "SN"),
        fields={
            # The periodical's full name (JF) before its abbreviation (JO) and the secondary title (T2).
            "journal": _first(values, "JF", "T2", "JO"),
            "volume": _first(values, "VO"),
            "issue": _first(values, "IS"),
            "pages": _pages(start, other)
            if start and other and not re.search(r"[-–]", other)
            else _pages(other or start, ""),
            "publisher": _first(values, "PB"),
            "doi": _first(values, "DO"),
        },
        notes=values.get("NO", []),
    )


def _noteexpress(text: str, parsed: Parsed) -> None:
    _tagged(text, parsed, _NOTEEXPRESS_FORMAT, _noteexpress_record)


def _noteexpress_record(record: _Record, label: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    type_name = _first(values, "reference type")
    kind = TAGGED_KINDS.get(type_name.lower())
    # CNKI writes a patent's number in {Notes} or {Type of Work}, a standard's in {ISBN}.
    number = _first(values, "patent number", "type of work", "notes") if kind == "patent" else ""
    _tagged_entry(
        record,
        label,
        parsed,
        type_name=type_name,
        title=_first(values, "title"),
        names=_names(values, "author"),
        year_text=_first(values, "year"),
        date_text=_first(values, "date"),
        serial=_first(values, "isbn/issn", "issn", "isbn"),
        fields={
            "journal": _first(values, "journal", "secondary title"),
            "volume": _first(values, "volume"),
            "issue": _first(values, "issue"),
            "pages": _pages(_first(values, "pages"), ""),
            "publisher": _first(values, "publisher"),
            "doi": _first(values, "doi"),
            "number": number,
        },
        notes=values.get("notes", []),
    )


# ---------------------------------------------------------------------------------------------
# PubMed's MEDLINE format (.nbib from Cite → Download .nbib, or Save → PubMed format): tags padded to
# four characters and a dash ("PMID- 36700000", "TI  - …", "FAU - Luo, Yaoqun"), a long value
# wrapped onto lines indented six spaces, a tag repeated for each of several values (AU, FAU, PT,
# AID, IS), records separated by a blank line, each opening with its PMID.
# https://pubmed.ncbi.nlm.nih.gov/help/#pubmed-format

_MEDLINE_TAG = re.compile(r"^(?=[A-Z][A-Z0-9 ]{3}-)([A-Z][A-Z0-9]*) *-(?: ?(.*))?$")
# Publication types (PT) that make a record a paper: the article itself in any of its forms.
PUBMED_PAPER_TYPES = frozenset(
    {
        "journal article",
        "review",
        "systematic review",
        "scoping review",
        "meta-analysis",
        "clinical trial",
        "clinical trial, phase i",
        "clinical trial, phase ii",
        "clinical trial, phase iii",
        "clinical trial, phase iv",
        "clinical trial protocol",
        "clinical trial, veterinary",
        "clinical study",
        "randomized controlled trial",
        "randomized controlled trial, veterinary",
        "controlled clinical trial",
        "pragmatic clinical trial",
        "equivalence trial",
        "adaptive clinical trial",
        "multicenter study",
        "observational study",
        "comparative study",
        "evaluation study",
        "validation study",
        "twin study",
        "case reports",
        "letter",
        "editorial",
        "comment",
        "guideline",
        "practice guideline",
        "consensus development conference",
        "consensus development conference, nih",
        "introductory journal article",
        "corrected and republished article",
        "technical report",
        "historical article",
        "congress",
        "clinical conference",
        "lecture",
        "address",
    }
)
PUBMED_BOOK_TYPES = frozenset({"book", "book chapter", "books and documents"})
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


def _record_label(number: int, line: int, identifier: str) -> str:
    if identifier:
        return _("Record %(number)s (%(id)s, line %(line)s)") % {"number": number, "id": identifier, "line": line}
    return _("Record %(number)s (line %(line)s)") % {"number": number, "line": line}


def _type_words(types: list[str]) -> set[str]:
    return {" ".join(t.lower().split()) for t in types if t.strip()}


def _notice_reason(types: list[str]) -> str:
    """Why a record whose types say it is a notice about another paper, or a retracted paper, is refused ("" when it is neither)."""
    words = _type_words(types)
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


def _medline_records(text: str) -> list[tuple[_Record, dict[str, list[str]]]]:
    """The records with their fields (tag → values in order). A record opens with its PMID line, or
    with the first tag after a blank line that repeats one the open record has; lines that are not
    tags continue the value above them; text before any tag is left aside."""
    records: list[tuple[_Record, dict[str, list[str]]]] = []
    values: dict[str, list[str]] = {}
    last: tuple[str, int] | None = None
    after_blank = False
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip()
        match = _MEDLINE_TAG.match(line)
        if not match:
            if not line.strip():
                after_blank = True
            elif last is not None:
                tag, position = last
                values[tag][position] = (values[tag][position] + " " + line.strip()).strip()
            continue
        tag = match.group(1)
        if not records or (tag == "PMID" and ("PMID" in values or after_blank)) or (after_blank and tag in values):
            values = {}
            records.append((_Record(len(records) + 1, number, [line]), values))
        values.setdefault(tag, []).append((match.group(2) or "").strip())
        last = (tag, len(values[tag]) - 1)
        after_blank = False
    return records


def _pubmed(text: str, parsed: Parsed) -> None:
    for record, values in _medline_records(text):
        pmid = _first(values, "PMID")
        label = _record_label(record.number, record.line, f"PMID {pmid}" if pmid else "")
        _guarded(
            parsed,
            index=record.number,
            ref=pmid or str(record.number),
            line=record.line,
            label=label,
            read=partial(_pubmed_record, record, label, pmid, values, parsed),
        )


def _pubmed_kind(types: list[str]) -> tuple[str | None, str]:
    """The kind a record's publication types give, or None with the reason (notices, retractions);
    a record is a paper when any of its types is an article's."""
    reason = _notice_reason(types)
    if reason:
        return None, reason
    words = _type_words(types)
    if words & PUBMED_PAPER_TYPES:
        return "paper", ""
    if words & PUBMED_BOOK_TYPES:
        return "book", ""
    return None, ""


def _pubmed_record(record: _Record, label: str, pmid: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    types = [t for t in values.get("PT", []) if t.strip()]
    kind, kind_reason = _pubmed_kind(types)
    dp = _first(values, "DP")
    found = re.search(r"\b(\d{4})\b", dp) or re.search(r"^(\d{4})", _first(values, "DEP"))
    title, book_title = _first(values, "TI"), _first(values, "BTI")
    fields = {
        # The journal's full name (JT) before its abbreviation (TA); a chapter's book (BTI).
        "journal": _first(values, "JT", "TA") or (book_title if title else ""),
        "volume": _first(values, "VI"),
        "issue": _first(values, "IP"),
        "pages": _medline_pages(_first(values, "PG")),
        "publisher": _first(values, "PB"),
        "doi": _tagged_id(values.get("LID", []) + values.get("AID", []), "doi"),
    }
    if kind == "book":
        fields["isbn"] = "; ".join(values.get("ISBN", []))
    else:
        fields["issn"] = _medline_issns(values.get("IS", []))
    _entry(
        parsed,
        index=record.number,
        ref=pmid or str(record.number),
        line=record.line,
        label=label,
        type_name="; ".join(types) or "—",
        kind=kind,
        kind_reason=kind_reason,
        title=title or book_title,
        year=found.group(1) if found else "",
        published_on=_medline_date(dp),
        # Full names (FAU, "Luo, Yaoqun") over the short ones (AU, "Luo Y"); a group's name alone.
        names=values.get("FAU") or values.get("AU") or values.get("CN") or [],
        corresponding_names=[],
        fields=fields,
    )


def _tagged_id(values: list[str], kind: str) -> str:
    """The identifier marked `[kind]` among values such as "10.1016/j.x.2023.1 [doi]", "S0306-… [pii]"."""
    marker = re.compile(r"\s*\[" + re.escape(kind) + r"\]\s*$", re.IGNORECASE)
    for value in values:
        if marker.search(value):
            return marker.sub("", value).strip()
    return ""


def _medline_issns(values: list[str]) -> str:
    """The journal's ISSNs, the print one first, then the linking ISSN and the electronic one
    ("0306-4530 (Print)", "1873-3360 (Electronic)", "0306-4530 (Linking)")."""
    order = ("print", "linking", "electronic")

    def rank(value: str) -> int:
        lowered = value.lower()
        return next((i for i, word in enumerate(order) if f"({word})" in lowered), len(order))

    return "; ".join(sorted((v for v in values if v.strip()), key=rank))


def _medline_date(dp: str) -> dt.date | None:
    """The date when DP gives a year, month and day ("2023 Mar 15"); None for "2023 Mar", "2023 Spring"."""
    full = re.fullmatch(r"(\d{4})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2})", dp.strip())
    if not full:
        return None
    month = MONTHS.get(full.group(2).lower())
    return _date(full.group(1), month, full.group(3)) if month else None


def _medline_pages(text: str) -> str:
    """Pages as MEDLINE abbreviates them written out: "123-30" → "123–130", "e0401" as it is."""
    full = re.fullmatch(r"([A-Za-z]*)(\d+)\s*-\s*([A-Za-z]*)(\d+)", text.strip())
    if full:
        prefix, start, end_prefix, end = full.groups()
        if end_prefix in ("", prefix) and len(end) < len(start):
            end = start[: len(start) - len(end)] + end
        return f"{prefix}{start}–{end_prefix or prefix}{end}"
    return _pages(text, "")


# ---------------------------------------------------------------------------------------------
# Web of Science: the plain text export (savedrecs.txt: "FN Clarivate Analytics Web of Science",
# "VR 1.0", then records from a PT line to an ER line, "EF" at the end; two-letter tags and a
# space, each further author or address on a line of its own indented three spaces, a long title
# wrapped the same way) and the tab-delimited export (a header row of the same tags).

_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
WOS_KINDS = {"J": "paper", "C": "paper", "B": "book", "P": "patent"}
# Tags whose continuation lines are further values (one author, address or name a line); for any
# other tag they are the same value wrapped.
_WOS_LISTS = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "RP", "C1", "C3", "EM", "CR", "BE", "PN", "AE"})
_WOS_CORRESPONDING_MARK = re.compile(r"\((?:corresponding|reprint)\s+author\)", re.IGNORECASE)


def _wos(text: str, parsed: Parsed) -> None:
    first = next((line for line in text.split("\n") if line.strip()), "")
    if first.startswith("PT\t"):
        _wos_tab_delimited(text, parsed)
        return
    records = _wos_records(text)
    for position, (record, values) in enumerate(records):
        identifier = _first(values, "UT")
        label = _record_label(record.number, record.line, identifier)
        ref = identifier or str(record.number)
        following = records[position + 1][0] if position + 1 < len(records) else None
        if _refused_shape(parsed, record, following, ref=ref, label=label, stray=_WOS_STRAY):
            continue
        _guarded(
            parsed,
            index=record.number,
            ref=ref,
            line=record.line,
            label=label,
            read=partial(_wos_record, record, label, ref, values, parsed),
        )


def _wos_records(text: str) -> list[tuple[_Record, dict[str, list[str]]]]:
    """The records with their fields (tag → its lines). The header (FN, VR) and the end (EF) are
    not records; tags outside a record are gathered into one (refused later with their line)."""
    records: list[tuple[_Record, dict[str, list[str]]]] = []
    values: dict[str, list[str]] = {}
    current: _Record | None = None
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
            current, values = _Record(len(records) + 1, number, [line]), {}
            records.append((current, values))
        elif outside and tag in ("FN", "VR", "EF", "ER"):
            last = ""
            continue
        elif outside or current is None:
            current, values = _Record(len(records) + 1, number, [line], stray_tag=tag), {}
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
        identifier = _first(values, "UT")
        label = _record_label(number, line_number, identifier)
        record = _Record(number, line_number, [row], closed=True)
        _guarded(
            parsed,
            index=number,
            ref=identifier or str(number),
            line=line_number,
            label=label,
            read=partial(_wos_record, record, label, identifier or str(number), values, parsed),
        )


def _joined(values: dict[str, list[str]], tag: str) -> str:
    return " ".join(" ".join(values.get(tag, [])).split())


def _wos_record(record: _Record, label: str, ref: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    pt = _first(values, "PT").upper()
    doc_types = [t for t in re.split(r";", _joined(values, "DT")) if t.strip()]
    kind_reason = _notice_reason(doc_types)
    kind = None if kind_reason else WOS_KINDS.get(pt) or (_wos_series_kind(values, doc_types) if pt == "S" else None)
    title = _joined(values, "TI")
    source = _joined(values, "SO")
    year_text = _first(values, "PY", "EY") or _first(values, "EA")
    found = re.search(r"\b(\d{4})\b", year_text)
    year = found.group(1) if found else year_text
    start, end = _first(values, "BP"), _first(values, "EP")
    fields = {
        # The journal (SO); a book's series (SE) when SO only repeats its title.
        "journal": source if source and source.casefold() != title.casefold() else _joined(values, "SE"),
        "volume": _first(values, "VL"),
        "issue": _first(values, "IS"),
        "pages": _pages(start, end) if start or end else _first(values, "AR"),
        "publisher": _first(values, "PU"),
        "doi": _first(values, "DI"),
    }
    if kind == "book":
        fields["isbn"] = "; ".join(values.get("BN", []))
    elif kind == "patent":
        fields["number"] = re.split(r"[;\s]", _first(values, "PN"))[0]
        fields.pop("issue")
    else:
        fields["issn"] = "; ".join(values.get("SN", []) + values.get("EI", []))
    _entry(
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
        published_on=_wos_date(year, _first(values, "PD")),
        # Full names (AF, "Luo, Yaoqun") over the short ones (AU, "Luo, YQ"); a group's name alone.
        names=_names(values, "AF", "AU", "BF", "BA", "CA"),
        corresponding_names=_wos_corresponding(values.get("RP", [])),
        fields=fields,
    )


def _wos_series_kind(values: dict[str, list[str]], doc_types: list[str]) -> str:
    """A record in a book series (PT S) is a book when its document type says so or it has only an
    ISBN, else a paper (a proceedings paper or an article in a serial)."""
    words = _type_words(doc_types)
    if words & {"book", "book chapter"}:
        return "book"
    if _first(values, "SN", "EI") or not _first(values, "BN"):
        return "paper"
    return "book"


def _wos_date(year: str, pd: str) -> dt.date | None:
    """The date when PD gives a month and a day ("MAR 15"); None for "MAR", "SPR", "JAN-FEB"."""
    full = re.fullmatch(r"(?:(\d{4})\s+)?([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2})", pd.strip())
    if not full or (full.group(1) and full.group(1) != year):
        return None
    month = MONTHS.get(full.group(2).lower())
    return _date(year, month, full.group(3)) if month else None


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
    except RecursionError:
        parsed.problems.append(_("The file nests its data too deeply to be CSL-JSON; export it again."))
        return
    if not isinstance(items, list):
        parsed.problems.append(
            _("A CSL-JSON file is a list of items ([{…}, {…}]); this file holds %(what)s.")
            % {"what": _json_kind(items)}
        )
        return
    for number, item in enumerate(items, 1):
        label = _csl_label(number, item)
        ref = item.get("id") if isinstance(item, dict) else None
        _guarded(
            parsed,
            index=number,
            ref=str(ref if isinstance(ref, (str, int)) and str(ref) else number),
            line=None,
            label=label,
            read=partial(_csl_item, number, label, item, parsed),
        )


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return _("a single object")
    if isinstance(value, str):
        return _("a text")
    if isinstance(value, (int, float)):
        return _("a number")
    return _("something else")


def _csl_label(number: int, item: Any) -> str:
    ref = item.get("id") if isinstance(item, dict) else None
    if isinstance(ref, (str, int)) and str(ref):
        return _("Item %(number)s (id “%(id)s”)") % {"number": number, "id": ref}
    return _("Item %(number)s") % {"number": number}


def _csl_item(number: int, label: str, item: Any, parsed: Parsed) -> None:
    if not isinstance(item, dict):
        reason = _("it is %(what)s, not an object with a type and a title.") % {"what": _json_kind(item)}
        _refuse(parsed, index=number, ref=str(number), line=None, label=label, reasons=[reason])
        return
    ref = item.get("id")
    ref_text = str(ref) if isinstance(ref, (str, int)) and str(ref) else str(number)
    shape = _csl_shape_problems(item)
    if shape:
        _refuse(parsed, index=number, ref=ref_text, line=None, label=label, reasons=shape)
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
        "pages": _pages(_text(item.get("page")).replace("--", "–"), ""),
        "publisher": _text(item.get("publisher")),
        "doi": _text(item.get("DOI")),
        "issn": ", ".join(issn) if isinstance(issn, list) else str(issn),
        "isbn": _text(item.get("ISBN")),
        "number": _text(item.get("number")) if kind in ("patent", "standard") else "",
    }
    _entry(
        parsed,
        index=number,
        ref=ref_text,
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
