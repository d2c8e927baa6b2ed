"""What an award of a list is: its grade among the programme's, its amount, its number and title
(docs/decisions/0050). Pure functions of the programme's `GradeAmount`s and the row."""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from awardlists.matching import batch_key, chinese_key
from funding.models import Certainty, GradeAmount, Programme

MAX_PROJECT_NO = 50  # Project.project_no

# First-level disciplines funded as social sciences (CPSF's 社会科学 amounts): the categories
# philosophy, economics, law, education, literature, history, military science, management and arts,
# except 1201 管理科学与工程, which the funders treat as a natural (engineering) science. Science,
# engineering, agriculture, medicine and the interdisciplinary category are natural sciences.
SOCIAL_CATEGORIES = frozenset({"01", "02", "03", "04", "05", "06", "11", "12", "13"})
NATURAL_EXCEPTIONS = frozenset({"1201"})
CERTAINTY_RANK = {Certainty.CONFIRMED: 0, Certainty.SECONDARY: 1, Certainty.GUESS: 2, Certainty.DISPUTED: 3}

_NUMERALS = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五"}
_ORDINALS = {"first": "一", "second": "二", "third": "三"}


def field_of(code: str | None) -> str:
    """ "natural" or "social" for a first-level discipline code, "" if unknown."""
    if not code:
        return ""
    if code in NATURAL_EXCEPTIONS:
        return GradeAmount.Field.NATURAL
    return GradeAmount.Field.SOCIAL if code[:2] in SOCIAL_CATEGORIES else GradeAmount.Field.NATURAL


def grade_key(text: str) -> str:
    """A grade as compared: "一等", "一等资助", "1", "1等", "First" are all 一等."""
    key = chinese_key(text)
    key = re.sub(r"(资助|档|级|grade|class)", "", key)
    key = _ORDINALS.get(key, key)
    key = "".join(_NUMERALS.get(c, c) for c in key)
    if len(key) == 1 and key in "一二三四五":
        key += "等"
    return key


def programme_grades(amounts: Iterable[GradeAmount]) -> list[str]:
    """The programme's grades (blank excluded), in the catalogue's order."""
    return list(dict.fromkeys(amount.grade for amount in amounts if amount.grade))


def grade_for(text: str, grades: Sequence[str]) -> str | None:
    """The programme's grade a cell names; "" for a blank cell; None if it names none."""
    if not text.strip():
        return ""
    wanted = grade_key(text)
    return next((grade for grade in grades if grade_key(grade) == wanted), None)


@dataclass(frozen=True)
class Amount:
    value: Decimal | None  # None: the catalogue has none, or its sources disagree
    disputed: tuple[Decimal, ...] = ()  # the figures that disagree


def amount_for(amounts: Iterable[GradeAmount], *, grade: str, year: int, field: str) -> Amount:
    """The amount of a grade in a year for a field of science: among the catalogue's figures that
    cover the year, the one for the field before the one for all fields, then the latest, then the
    surest (confirmed before secondary, a guess, a disputed figure). If figures equally good still
    disagree (the 2007 rules' two translations), there is no amount: the office sets it."""
    covering = [
        a for a in amounts if a.grade == grade and a.year_from <= year and (a.year_to is None or year <= a.year_to)
    ]
    fitting = [a for a in covering if a.field == field] if field else []
    fitting = fitting or [a for a in covering if a.field == GradeAmount.Field.ANY]
    if not fitting:
        return Amount(None)

    def rank(a: GradeAmount) -> tuple[int, int]:
        return (-a.year_from, CERTAINTY_RANK.get(Certainty(a.certainty), 9))

    best = min(rank(a) for a in fitting)
    values = sorted({a.amount for a in fitting if rank(a) == best})
    if len(values) > 1:
        return Amount(None, tuple(values))
    return Amount(values[0])


def project_number(programme: Programme, batch: str, postdoc_no: str) -> str:
    """The number of an award the list does not number: funder, programme, batch and postdoc number,
    e.g. CPSF-general-69-BH000123. The same list gives the same numbers, so a second confirmation or
    upload finds the awards of the first. Too long or not plain ASCII: a hash of the first three."""
    batch_part = batch_key(batch)
    number = f"{programme.funder.code}-{programme.code}-{batch_part}-{postdoc_no}"
    if len(number) <= MAX_PROJECT_NO and number.isascii() and " " not in number:
        return number
    digest = hashlib.sha256(f"{programme.funder.code}|{programme.code}|{batch_part}".encode()).hexdigest()[:10]
    return f"BL-{digest}-{postdoc_no}"[:MAX_PROJECT_NO]


def project_title(programme: Programme, batch: str, grade: str) -> str:
    """中国博士后科学基金会 面上资助 第69批 一等"""
    return " ".join(part for part in (programme.funder.name_zh, programme.name_zh, batch.strip(), grade) if part)
