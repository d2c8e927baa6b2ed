"""Matching the funder and programme as written ("中国博士后科学基金", "CPSF", "面上资助 第57批 一等")
to the catalogue's records: by name, English name or alias, compared NFKC-normalised, case-folded
and without whitespace (`funding.shipped.normalise`). An institution sees its own funders and the
shipped ones; its own win when both carry the same name.

A funder is matched by its whole name only. A programme is matched by its whole name, or else by the
longest of its names the text begins with, since offices write the batch and grade after it.
"""

from django.db.models import F, Q

from funding.models import Funder, Programme
from funding.shipped import NameIndex


def _visible_funders(institution_id: int | None) -> Q:
    return Q(institution__isnull=True) | Q(institution_id=institution_id)


def _funder_names(funder: Funder) -> tuple[str, ...]:
    return (funder.name_zh, funder.name_en, funder.code, funder.aliases)


def _programme_names(programme: Programme) -> tuple[str, ...]:
    return (programme.name_zh, programme.name_en, programme.aliases)


class FunderIndex:
    """An institution's funders (its own first, then the shipped ones) and their programmes, read
    in two queries and matched in memory: what a workbook import uses for every row."""

    def __init__(self, institution_id: int | None) -> None:
        self.institution_id = institution_id
        funders = list(
            Funder.objects.filter(_visible_funders(institution_id)).order_by(
                F("institution_id").asc(nulls_last=True), "code"
            )
        )
        self.funders: dict[int, Funder] = {funder.pk: funder for funder in funders}
        self._funders = NameIndex()
        for funder in funders:
            self._funders.add(funder, *_funder_names(funder))
        self.programmes: dict[int, Programme] = {}
        self._programmes: dict[int, NameIndex] = {}
        for programme in Programme.objects.filter(funder_id__in=list(self.funders)).order_by("funder_id", "code"):
            programme.funder = self.funders[programme.funder_id]  # no query when it is read
            self.programmes[programme.pk] = programme
            self._programmes.setdefault(programme.funder_id, NameIndex()).add(programme, *_programme_names(programme))

    def funder(self, text: str) -> Funder | None:
        found: Funder | None = self._funders.exact(text)
        return found

    def programme(self, funder: Funder | int | None, text: str) -> Programme | None:
        funder_id = funder.pk if isinstance(funder, Funder) else funder
        index = self._programmes.get(funder_id) if funder_id is not None else None
        found: Programme | None = index.best(text) if index is not None else None
        return found


def match_funder(institution_id: int | None, text: str) -> Funder | None:
    """The institution's own or a shipped funder named `text` (by name or alias), or None."""
    index = NameIndex()
    funders = Funder.objects.filter(_visible_funders(institution_id)).order_by(
        F("institution_id").asc(nulls_last=True), "code"
    )
    for funder in funders:
        index.add(funder, *_funder_names(funder))
    found: Funder | None = index.exact(text)
    return found


def match_programme(funder: Funder, text: str) -> Programme | None:
    """The funder's programme named `text`, or whose longest name `text` begins with, or None."""
    index = NameIndex()
    for programme in funder.programmes.order_by("code"):
        index.add(programme, *_programme_names(programme))
    found: Programme | None = index.best(text)
    return found
