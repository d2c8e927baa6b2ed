"""One entry, whatever the format: what a file gives, checked and kept as an entry or refused with its reasons."""

import datetime as dt
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.errors import DomainError
from outputs import identifiers
from outputs.names import joined_chinese_name, strip_marks

logger = logging.getLogger(__name__)


MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
CORRESPONDING_NOTE = re.compile(r"(?:corresponding\s+authors?|通讯作者|通信作者)\s*[:：]\s*(.+)", re.IGNORECASE)


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


def _problem(label: str, sentence: str) -> str:
    return _("%(entry)s: %(problem)s") % {"entry": label, "problem": sentence}


def refuse(parsed: Parsed, *, index: int, ref: str, line: int | None, label: str, reasons: list[str]) -> None:
    parsed.refused.append({"index": index, "ref": ref, "line": line, "label": label, "reasons": reasons})


def guarded(parsed: Parsed, *, index: int, ref: str, line: int | None, label: str, read: Callable[[], None]) -> None:
    """Reads one entry; anything unexpected refuses that entry alone (and is logged) instead of the file."""
    try:
        read()
    except Exception:
        logger.exception("Reading entry %s (%s) of a %s file failed", index, ref, parsed.format)
        refuse(
            parsed,
            index=index,
            ref=ref,
            line=line,
            label=label,
            reasons=[_("it cannot be read; check it in the reference manager and export it again.")],
        )


def as_text(value: Any) -> str:
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
HTML_ENTITY = re.compile(r"&(?:[A-Za-z]+\d*|#\d+|#x[0-9A-Fa-f]+);")


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
    if HTML_ENTITY.search(text):
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


def add_entry(
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
        refuse(parsed, index=index, ref=ref, line=line, label=label, reasons=reasons)
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


def full_date(year: Any, month: Any, day: Any) -> Any:
    """A full date, or None when any part is missing or impossible."""
    try:
        return dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError, OverflowError):
        return None


def page_range(start: str, end: str) -> str:
    """Pages as a range with an en dash: "900–912" from a start and an end, or a range as written."""
    start, end = start.strip(), end.strip()
    if start and end and end != start:
        return f"{start}–{end}"
    return re.sub(r"\s*(?:--?|–|—)\s*", "–", start or end)


def noted_corresponding(notes: list[str]) -> list[str]:
    for note in notes:
        match = CORRESPONDING_NOTE.search(note or "")
        if match:
            return [n.strip() for n in re.split(r";|；|、|\s+and\s+", match.group(1)) if n.strip()]
    return []
