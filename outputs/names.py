"""Finding the postdoc among an output's authors: their Chinese name as written, or its pinyin in
the forms journals print ("Zhang San", "San Zhang", "Zhang, San", "S. Zhang", "Zhang S"), or the
Latin name recorded on the person. What is found is a suggestion the user confirms or corrects
in the import preview; nothing is decided by a guess alone.
"""

import re
import unicodedata
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin, pinyin

# Two-character surnames (复姓) that pinyin must not split into surname + given name.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "钟离",
        "闾丘",
        "万俟",
        "东郭",
        "左丘",
        "第五",
    ]
)
# Marks printed after a name: * corresponding author, # or † equal contribution, digits for
# affiliations. Stripped before matching; the parsers read `*` as "corresponding author".
MARKS = "*#†‡§¶0123456789⁰¹²³⁴⁵⁶⁷⁸⁹,;"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A Chinese name written in parts ("罗, 耀群"): the separators, and a part that is only Chinese.
_NAME_SEPARATORS = re.compile(r"[\s,，]+")
_CJK_ONLY = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·・]+")

# Match strengths, best first.
EXACT, FULL, INITIALS, NONE = 3, 2, 1, 0


@dataclass(frozen=True)
class Form:
    surname: str  # Latin letters, lower-case
    given: str  # the given name's letters, lower-case ("boshi")
    initials: frozenset[str]  # "b", "bs"


@dataclass(frozen=True)
class NameForms:
    chinese: str
    latin: tuple[Form, ...]


@dataclass(frozen=True)
class Found:
    position: int | None  # 1-based; None when the postdoc is not among the authors
    ambiguous: bool = False  # several authors match equally well: the first is suggested


def strip_marks(name: str) -> tuple[str, bool]:
    """The name without trailing marks, and whether it was marked `*` (corresponding author)."""
    text = name.strip()
    marked = False
    while text and text[-1] in MARKS:
        marked = marked or text[-1] == "*"
        text = text[:-1].rstrip()
    return text, marked


def _letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed.lower() if "a" <= char <= "z")


def _initials(text: str) -> str:
    return "".join(_letters(part)[:1] for part in re.split(r"[\s.\-‐–]+", text) if _letters(part))


def _only_initials(text: str) -> bool:
    """Whether a given name is written as initials only ("S.", "B.-S.", "B S")."""
    return all(len(_letters(part)) <= 1 for part in re.split(r"[\s.\-‐–]+", text))


def _ascii_variants(syllable: str) -> set[str]:
    # pypinyin writes ü as v (lv); passports and journals write lu, lyu or lü (→ lu).
    return {syllable, syllable.replace("v", "u"), syllable.replace("v", "yu")} if "v" in syllable else {syllable}


def _chinese_forms(name: str) -> list[Form]:
    chars = [char for char in name if CJK.match(char)]
    if len(chars) < 2:
        return []
    split = 2 if "".join(chars[:2]) in COMPOUND_SURNAMES and len(chars) > 2 else 1
    surname_chars, given_chars = chars[:split], chars[split:]
    # A surname may read differently from the same character elsewhere (单 Shan, 曾 Zeng): every reading.
    surnames = {""}
    for readings in pinyin("".join(surname_chars), style=Style.NORMAL, heteronym=True):
        surnames = {prefix + _letters(reading) for prefix in surnames for reading in readings}
    syllables = [_letters(s) for s in lazy_pinyin("".join(given_chars), style=Style.NORMAL)]
    givens = {""}
    for syllable in syllables:
        givens = {prefix + variant for prefix in givens for variant in _ascii_variants(syllable)}
    initials = frozenset({syllables[0][:1], "".join(s[:1] for s in syllables)}) if syllables else frozenset()
    return [
        Form(variant, given, initials)
        for surname in surnames
        for variant in _ascii_variants(surname)
        for given in givens
    ]


def _latin_forms(name: str) -> list[Form]:
    """A Latin name's possible (surname, given name) readings: "Zhang, San" has one, "San Zhang"
    two (either word may be the surname)."""
    forms = []
    for surname, given in _splits(name):
        letters = _letters(given)
        if _letters(surname) and letters:
            forms.append(Form(_letters(surname), letters, frozenset({letters[:1], _initials(given)})))
    return forms


def _splits(name: str) -> list[tuple[str, str]]:
    if "," in name:
        surname, given = name.split(",", 1)
        return [(surname, given)]
    words = name.split()
    if len(words) < 2:
        return []
    return [(words[-1], " ".join(words[:-1])), (words[0], " ".join(words[1:]))]


def name_forms(name: str, name_en: str = "") -> NameForms:
    """The forms the person's name may take in an author list."""
    return NameForms(
        chinese="".join(name.split()),
        latin=tuple(_chinese_forms(name) + (_latin_forms(name_en) if name_en.strip() else [])),
    )


def match(author: str, forms: NameForms) -> int:
    """How well an author as printed matches the person: EXACT, FULL, INITIALS or NONE."""
    text, _marked = strip_marks(author)
    if CJK.search(text):
        return EXACT if _NAME_SEPARATORS.sub("", text) == forms.chinese else NONE
    best = NONE
    for surname, given in _splits(text):
        surname_letters, given_letters = _letters(surname), _letters(given)
        for form in forms.latin:
            if surname_letters != form.surname:
                continue
            if given_letters == form.given:
                return FULL
            if given_letters in form.initials or (_only_initials(given) and _initials(given) in form.initials):
                best = INITIALS
    return best


def find(authors: list[str], forms: NameForms) -> Found:
    """The postdoc's position among the authors: the best match, the first of equals."""
    strengths = [match(author, forms) for author in authors]
    best = max(strengths, default=NONE)
    if best == NONE:
        return Found(None)
    positions = [index + 1 for index, strength in enumerate(strengths) if strength == best]
    return Found(positions[0], ambiguous=len(positions) > 1)


def joined_chinese_name(name: str) -> str:
    """A Chinese name written as family and given name ("罗, 耀群", "方 明月", CSL's family/given)
    as it is printed, in one piece ("罗耀群"); any other name unchanged ("Luo, Yaoqun" stays)."""
    parts = [part for part in _NAME_SEPARATORS.split(name.strip()) if part]
    if len(parts) >= 2 and all(_CJK_ONLY.fullmatch(part) for part in parts):
        return "".join(parts)
    return name.strip()
