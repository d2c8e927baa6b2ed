"""CSL-JSON: a list of items (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html)."""

import json
import re
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from outputs.parsers.reading import Parsed, add_entry, as_text, full_date, guarded, page_range, refuse

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
_CSL_TEXT_FIELDS = ("title", "container-title", "volume", "issue", "page", "publisher", "number", "DOI", "ISBN")


def read_csl_json(text: str, parsed: Parsed) -> None:
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
        guarded(
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
        refuse(parsed, index=number, ref=str(number), line=None, label=label, reasons=[reason])
        return
    ref = item.get("id")
    ref_text = str(ref) if isinstance(ref, (str, int)) and str(ref) else str(number)
    shape = _csl_shape_problems(item)
    if shape:
        refuse(parsed, index=number, ref=ref_text, line=None, label=label, reasons=shape)
        return
    names = [_csl_name(author) for author in item.get("author") or item.get("editor") or []]
    issued = item.get("issued") or {}
    parts = (issued.get("date-parts") or [[]])[0] if isinstance(issued, dict) else []
    year: Any = parts[0] if parts else None
    if year is None and isinstance(issued, dict):
        found = re.search(r"\b(\d{4})\b", str(issued.get("raw") or issued.get("literal") or ""))
        year = found.group(1) if found else None
    published_on = full_date(*parts[:3]) if len(parts) >= 3 else None
    issn = item.get("ISSN") or ""
    kind = CSL_KINDS.get(str(item.get("type")))
    container = item.get("container-title") or ""
    fields = {
        "journal": as_text(container),
        "volume": as_text(item.get("volume")),
        "issue": as_text(item.get("issue")),
        "pages": page_range(as_text(item.get("page")).replace("--", "–"), ""),
        "publisher": as_text(item.get("publisher")),
        "doi": as_text(item.get("DOI")),
        "issn": ", ".join(issn) if isinstance(issn, list) else str(issn),
        "isbn": as_text(item.get("ISBN")),
        "number": as_text(item.get("number")) if kind in ("patent", "standard") else "",
    }
    add_entry(
        parsed,
        index=number,
        ref=ref_text,
        line=None,
        label=label,
        type_name=str(item.get("type") or "—"),
        kind=kind,
        title=as_text(item.get("title")),
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
