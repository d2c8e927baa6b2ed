"""The shipped catalogue of funders, programmes and amounts (funding/data/funders.json), and the
form names are compared in. No model imports: the data migration uses this with historical models.

Like the discipline catalogue (docs/decisions/0007), it is loaded by a data migration into every
installation and only what is missing is added, so running it again changes nothing. The shipped
rows' notes (English and Chinese) follow the file: loading again fills or corrects them, and
touches nothing else (the catalogue is read-only on the pages, so no one's edit is lost).

The module is `shipped`, not `catalogue`, so that it is not mistaken for the `catalogue` app
(disciplines and institutions).
"""

import json
import re
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent / "data" / "funders.json"


def normalise(text: Any) -> str:
    """The form names are matched in: NFKC (full-width to half-width), case-folded, without any
    whitespace. "中国博士后科学基金 " and "ＣＰＳＦ" match "中国博士后科学基金" and "cpsf"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


@cache
def read_catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def shipped_funders() -> list[dict[str, Any]]:
    return list(read_catalogue()["funders"])


def default_levels() -> dict[str, str]:
    """Funder code → the level a new institution's mapping gives it (facts.md §3, typical)."""
    return {funder["code"]: funder["default_level"] for funder in shipped_funders()}


def _notes(model: Any, **notes: str) -> dict[str, str]:
    """The notes the model has fields for: a migration before the notes were fields passes
    historical models without them."""
    names = {field.name for field in model._meta.get_fields()}
    return {name: text for name, text in notes.items() if name in names}


def _funder_notes(model: Any, item: dict[str, Any]) -> dict[str, str]:
    return _notes(
        model, level_note=item.get("default_level_note", ""), level_note_zh=item.get("default_level_note_zh", "")
    )


def _entry_notes(model: Any, entry: dict[str, Any]) -> dict[str, str]:
    return _notes(model, note=entry.get("note", ""), note_zh=entry.get("note_zh", ""))


def load_catalogue(funder_model: Any, programme_model: Any, amount_model: Any) -> dict[str, int]:
    """Adds the shipped funders, programmes and amounts that are missing (models passed in, so a
    migration can give its historical ones), and brings the shipped rows' notes up to the file's
    (`fill_notes`). Returns how many of each were added."""
    added = {"funders": 0, "programmes": 0, "amounts": 0}
    for item in shipped_funders():
        funder = funder_model.objects.filter(institution__isnull=True, code=item["code"]).first()
        if funder is None:
            funder = funder_model.objects.create(
                institution=None,
                code=item["code"],
                name_zh=item["name_zh"],
                name_en=item["name_en"],
                aliases="\n".join(item["aliases"]),
                kind=item["kind"],
                region=item["region"],
                **_funder_notes(funder_model, item),
            )
            added["funders"] += 1
        for entry in item["programmes"]:
            programme = programme_model.objects.filter(funder=funder, code=entry["code"]).first()
            if programme is None:
                programme = programme_model.objects.create(
                    funder=funder,
                    code=entry["code"],
                    name_zh=entry["name_zh"],
                    name_en=entry["name_en"],
                    aliases="\n".join(entry["aliases"]),
                    once_per_station=entry["once_per_station"],
                    apply_within_months=entry["apply_within_months"],
                    needs_extension_commitment=entry["needs_extension_commitment"],
                    source=entry["source"],
                    **_entry_notes(programme_model, entry),
                )
                added["programmes"] += 1
            known = set(programme.amounts.values_list("grade", "field", "year_from", "amount", "source"))
            for amount in entry["amounts"]:
                if _amount_key(amount) in known:
                    continue
                amount_model.objects.create(
                    programme=programme,
                    grade=amount["grade"],
                    field=amount["field"],
                    amount=amount["amount"],
                    year_from=amount["year_from"],
                    year_to=amount.get("year_to"),
                    certainty=amount["certainty"],
                    source=amount["source"],
                    **_entry_notes(amount_model, amount),
                )
                added["amounts"] += 1
    fill_notes(funder_model, programme_model, amount_model)
    return added


def _amount_key(amount: dict[str, Any]) -> tuple[Any, ...]:
    return (amount["grade"], amount["field"], amount["year_from"], Decimal(amount["amount"]), amount["source"])


def fill_notes(funder_model: Any, programme_model: Any, amount_model: Any) -> int:
    """Sets the shipped funders', programmes' and amounts' notes (both languages) to the file's where
    they differ; returns how many rows changed (none the second time). Rows of an institution's own
    are never touched, nor any field but the notes."""
    changed = 0

    def follow(record: Any, notes: dict[str, str]) -> None:
        nonlocal changed
        stale = {name: text for name, text in notes.items() if getattr(record, name) != text}
        if stale:
            for name, text in stale.items():
                setattr(record, name, text)
            record.save(update_fields=list(stale))
            changed += 1

    funders = {f.code: f for f in funder_model.objects.filter(institution__isnull=True)}
    for item in shipped_funders():
        funder = funders.get(item["code"])
        if funder is None:
            continue
        follow(funder, _funder_notes(funder_model, item))
        programmes = {p.code: p for p in programme_model.objects.filter(funder=funder)}
        for entry in item["programmes"]:
            programme = programmes.get(entry["code"])
            if programme is None:
                continue
            follow(programme, _entry_notes(programme_model, entry))
            amounts = {
                (a.grade, a.field, a.year_from, a.amount, a.source): a
                for a in amount_model.objects.filter(programme=programme)
            }
            for amount in entry["amounts"]:
                row = amounts.get(_amount_key(amount))
                if row is not None:
                    follow(row, _entry_notes(amount_model, amount))
    return changed


class NameIndex:
    """Records by their names and aliases, in normalised form. The first record given a name keeps
    it (so an institution's own funders, added first, win over the shipped ones)."""

    def __init__(self) -> None:
        self._names: dict[str, Any] = {}
        self._found: dict[str, Any] = {}

    def add(self, record: Any, *names: str) -> None:
        for name in names:
            for line in str(name or "").splitlines():
                key = normalise(line)
                if key:
                    self._names.setdefault(key, record)

    def exact(self, text: Any) -> Any:
        return self._names.get(normalise(text))

    def best(self, text: Any) -> Any:
        """The record named exactly so, else the one whose longest name the text starts with
        ("面上资助 第57批 一等" is the general grant), else None."""
        key = normalise(text)
        if not key:
            return None
        if key not in self._found:
            found = self._names.get(key)
            if found is None:
                starts = [name for name in self._names if key.startswith(name)]
                found = self._names[max(starts, key=len)] if starts else None
            self._found[key] = found
        return self._found[key]
