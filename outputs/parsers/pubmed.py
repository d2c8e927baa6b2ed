"""PubMed's MEDLINE format (.nbib from Cite → Download .nbib, or Save → PubMed format).

Tags padded to four characters and a dash ("PMID- 36700000", "TI  - …", "FAU - Luo, Yaoqun"), a
long value wrapped onto lines indented six spaces, a tag repeated for each of several values (AU,
FAU, PT, AID, IS), records separated by a blank line, each opening with its PMID.
https://pubmed.ncbi.nlm.nih.gov/help/#pubmed-format
"""

import datetime as dt
import re
from functools import partial

from outputs.parsers.reading import MONTHS, Parsed, add_entry, full_date, guarded, page_range
from outputs.parsers.records import Record, first_value, notice_reason, record_label, type_words

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


def _medline_records(text: str) -> list[tuple[Record, dict[str, list[str]]]]:
    """The records with their fields (tag → values in order). A record opens with its PMID line, or
    with the first tag after a blank line that repeats one the open record has; lines that are not
    tags continue the value above them; text before any tag is left aside."""
    records: list[tuple[Record, dict[str, list[str]]]] = []
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
            records.append((Record(len(records) + 1, number, [line]), values))
        values.setdefault(tag, []).append((match.group(2) or "").strip())
        last = (tag, len(values[tag]) - 1)
        after_blank = False
    return records


def read_pubmed(text: str, parsed: Parsed) -> None:
    for record, values in _medline_records(text):
        pmid = first_value(values, "PMID")
        label = record_label(record.number, record.line, f"PMID {pmid}" if pmid else "")
        guarded(
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
    reason = notice_reason(types)
    if reason:
        return None, reason
    words = type_words(types)
    if words & PUBMED_PAPER_TYPES:
        return "paper", ""
    if words & PUBMED_BOOK_TYPES:
        return "book", ""
    return None, ""


def _pubmed_record(record: Record, label: str, pmid: str, values: dict[str, list[str]], parsed: Parsed) -> None:
    types = [t for t in values.get("PT", []) if t.strip()]
    kind, kind_reason = _pubmed_kind(types)
    dp = first_value(values, "DP")
    found = re.search(r"\b(\d{4})\b", dp) or re.search(r"^(\d{4})", first_value(values, "DEP"))
    title, book_title = first_value(values, "TI"), first_value(values, "BTI")
    fields = {
        # The journal's full name (JT) before its abbreviation (TA); a chapter's book (BTI).
        "journal": first_value(values, "JT", "TA") or (book_title if title else ""),
        "volume": first_value(values, "VI"),
        "issue": first_value(values, "IP"),
        "pages": _medline_pages(first_value(values, "PG")),
        "publisher": first_value(values, "PB"),
        "doi": _tagged_id(values.get("LID", []) + values.get("AID", []), "doi"),
    }
    if kind == "book":
        fields["isbn"] = "; ".join(values.get("ISBN", []))
    else:
        fields["issn"] = _medline_issns(values.get("IS", []))
    add_entry(
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
    return full_date(full.group(1), month, full.group(3)) if month else None


def _medline_pages(text: str) -> str:
    """Pages as MEDLINE abbreviates them written out: "123-30" → "123–130", "e0401" as it is."""
    full = re.fullmatch(r"([A-Za-z]*)(\d+)\s*-\s*([A-Za-z]*)(\d+)", text.strip())
    if full:
        prefix, start, end_prefix, end = full.groups()
        if end_prefix in ("", prefix) and len(end) < len(start):
            end = start[: len(start) - len(end)] + end
        return f"{prefix}{start}–{end_prefix or prefix}{end}"
    return page_range(text, "")
