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

import re
from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError
from outputs.parsers.bibtex import read_bibtex
from outputs.parsers.cnki import read_noteexpress, read_refer, read_refworks
from outputs.parsers.csl_json import read_csl_json
from outputs.parsers.pubmed import read_pubmed
from outputs.parsers.reading import Parsed
from outputs.parsers.ris import read_ris
from outputs.parsers.wos import read_wos

BIBTEX, RIS, CSL_JSON = "bibtex", "ris", "csl_json"
REFER, REFWORKS, NOTEEXPRESS = "refer", "refworks", "noteexpress"
PUBMED, WOS = "pubmed", "wos"
# Not a format of its own: a .txt file is read by what it holds.
TEXT = "text"
FORMATS = {".bib": BIBTEX, ".ris": RIS, ".json": CSL_JSON, ".enw": REFER, ".nbib": PUBMED, ".txt": TEXT}
MAX_ENTRIES = 500


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
        BIBTEX: read_bibtex,
        RIS: read_ris,
        CSL_JSON: read_csl_json,
        REFER: read_refer,
        REFWORKS: read_refworks,
        NOTEEXPRESS: read_noteexpress,
        PUBMED: read_pubmed,
        WOS: read_wos,
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
