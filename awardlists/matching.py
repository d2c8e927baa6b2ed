"""Matching a funder's award list to the institution's postdocs (docs/decisions/0015).

Names are compared as *keys*: a Chinese name NFKC-normalised, without spaces or middle dots,
converted from traditional to simplified characters (OpenCC t2s) and case-folded, so 陳曉東 is
陈晓东; a Latin-script name as its letters only (no spaces, hyphens, commas or tone marks),
case-folded. A postdoc answers to the key of their name, to the keys of their Latin name
(`Person.name_en`) in every order of its words, and — only when the list has Latin-script rows —
to the pinyin of their Chinese name with the surname first or last ("Chen Xiaodong", "Xiaodong
Chen", "CHEN, Xiao-dong" are all `chenxiaodong` or `xiaodongchen`), every reading of a polyphonic
character included (曾 is ceng or zeng).

A row no postdoc answers to by name may still be one of them, written wrong: its candidates are then
marked with a *doubt*, and a person must choose them (a doubt never makes a match exact):

- **same sound** (`same_sound`): the row's Chinese name reads as the postdoc's, character by
  character, tones ignored (邓毅然 for 邓毅燃), within the row's discipline;
- **one character differs** (`one_character`): an OCR or typing slip of one character (陈晓束 for
  陈晓东), only where the other facts agree: the row gives the postdoc's number, or — giving no
  number — a name of three characters or more and the postdoc's discipline.

A row's 设站单位名称 is the institution's when it is one of its names (certain), or *likely* so when
it is a form of its Chinese name funders write (`likely_forms`: 渝州医大 or 重庆渝州医科大学 for
渝州医科大学): its rows are then uncertain at best, until the office records the form as a name.

Everything here is a pure function except `load_context`, which reads what matching needs in a
constant number of queries (four), however long the list.
"""

import datetime as dt
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import opencc
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, pinyin

from core.sheets.cells import parse_code

# Characters of the CJK unified ideographs (with extension A, the compatibility block and the
# supplementary planes' extensions).
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Spaces and the dots that separate the parts of a transliterated name (约翰·史密斯).
_SEPARATORS = re.compile(r"[\s·•‧・･∙⋅.]+")
_PARENTHESES = re.compile(r"[()\[\]【】]")
_WORDS = re.compile(r"[\s,，;；/]+")
MAX_READINGS = 64  # readings of one name kept, for names whose every character is polyphonic
MASK = "\ufffd"  # the character a near spelling may have wrong, in `masked_keys`

# Two-character surnames (复姓): their pinyin is written as one word, "Ouyang Xiu".
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "太史",
        "端木",
        "上官",
        "司马",
        "东方",
        "独孤",
        "南宫",
        "万俟",
        "闻人",
        "夏侯",
        "诸葛",
        "尉迟",
        "公羊",
        "赫连",
        "澹台",
        "皇甫",
        "宗政",
        "濮阳",
        "公冶",
        "太叔",
        "申屠",
        "公孙",
        "慕容",
        "仲孙",
        "钟离",
        "长孙",
        "宇文",
        "司徒",
        "鲜于",
        "司空",
        "闾丘",
        "令狐",
        "呼延",
        "轩辕",
        "百里",
        "东郭",
        "西门",
        "第五",
        "拓跋",
        "左丘",
        "谷梁",
        "梁丘",
    ]
)


@functools.cache
def _t2s() -> Any:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as simplified ones (陳曉東 → 陈晓东); other text unchanged."""
    return str(_t2s().convert(text)) if _HAN.search(text) else text


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def chinese_key(text: Any) -> str:
    """A Chinese name's key: NFKC, no spaces or middle dots, simplified characters, case-folded."""
    return _SEPARATORS.sub("", simplified(unicodedata.normalize("NFKC", str(text or "")))).casefold()


def latin_key(text: Any) -> str:
    """A Latin-script name's key: its letters only, without diacritics (Lǚ → lu), case-folded."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in decomposed if c.isalpha() and not unicodedata.combining(c)).casefold()


def latin_order_keys(text: Any) -> set[str]:
    """The keys of a Latin-script name in every order of its words ("John Smith", "SMITH John",
    "Smith, John"); names of more than four words in their order and with the last word first."""
    words = [key for word in _WORDS.split(unicodedata.normalize("NFKC", str(text or ""))) if (key := latin_key(word))]
    if not words:
        return set()
    if len(words) > 4:
        return {"".join(words), "".join([words[-1], *words[:-1]])}
    return {"".join(order) for order in itertools.permutations(words)}


def _parts(text: str) -> list[str]:
    """A name and what it gives in parentheses (陈晓东(Chen Xiaodong)), each on its own."""
    return [part for part in _PARENTHESES.split(unicodedata.normalize("NFKC", text)) if part.strip()]


def row_name_keys(text: Any) -> set[str]:
    """The keys of a name as a list writes it."""
    keys: set[str] = set()
    for part in _parts(str(text or "")):
        key = chinese_key(part) if has_han(part) else latin_key(part)
        if key:
            keys.add(key)
    return keys


def _readings(characters: str) -> list[str]:
    """Every reading of the characters, joined (at most MAX_READINGS)."""
    combos = [""]
    for options in pinyin(characters, style=Style.NORMAL, heteronym=True, errors="ignore"):
        combos = [combo + option for combo in combos for option in options][:MAX_READINGS]
    return combos


@functools.lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> frozenset[str]:
    """The pinyin of a Chinese name with the surname first and last, every reading included, and ü
    written as v, u or yu (吕 → lv, lu, lyu)."""
    key = "".join(_HAN.findall(chinese_key(name)))
    if not key:
        return frozenset()
    splits = [1] + ([2] if len(key) > 2 and key[:2] in COMPOUND_SURNAMES else [])
    keys: set[str] = set()
    for split in splits:
        surnames, given_names = _readings(key[:split]), _readings(key[split:]) or [""]
        for surname, given in itertools.product(surnames, given_names):
            keys.update({surname + given, given + surname})
    return frozenset(
        variant for key in keys for variant in {key, key.replace("v", "u"), key.replace("v", "yu")} if variant
    )


@functools.lru_cache(maxsize=65536)
def sound_keys(name: str) -> frozenset[str]:
    """How a Chinese name sounds: its toneless pinyin, a syllable per character in their order,
    every reading of a polyphonic character included (邓毅然 and 邓毅燃 are both deng-yi-ran)."""
    characters = "".join(_HAN.findall(chinese_key(name)))
    if len(characters) < 2:
        return frozenset()
    combos = [""]
    for options in pinyin(characters, style=Style.NORMAL, heteronym=True, errors="ignore"):
        combos = [f"{combo}-{option}" for combo in combos for option in options][:MAX_READINGS]
    return frozenset(combos)


def masked_keys(name: str) -> frozenset[str]:
    """A Chinese name with each of its characters in turn unknown: two names of the same length
    share one of these when they differ by at most one character."""
    key = chinese_key(name)
    if len(key) < 2 or not has_han(key):
        return frozenset()
    return frozenset(key[:i] + MASK + key[i + 1 :] for i in range(len(key)))


def person_keys(name: str, name_en: str = "", *, with_pinyin: bool = False) -> set[str]:
    """The keys a postdoc answers to: their name's, their Latin name's in every word order, and
    (`with_pinyin`) the pinyin of their Chinese name."""
    keys: set[str] = set()
    for part in _parts(name or ""):
        if has_han(part):
            keys.add(chinese_key(part))
            if with_pinyin:
                keys.update(pinyin_keys(part))
        else:
            keys.update(latin_order_keys(part))
    keys.update(latin_order_keys(name_en))
    keys.discard("")
    return keys


def number_key(text: Any) -> str:
    """A postdoc number as compared: NFKC, no spaces, case-folded (Excel may have made it a number)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_number(text))).casefold()


def cell_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


def institution_key(text: Any) -> str:
    """An institution's name as compared: NFKC, simplified, case-folded, letters and digits only."""
    normal = simplified(unicodedata.normalize("NFKC", str(text or ""))).casefold()
    return "".join(c for c in normal if c.isalnum())


def batch_key(text: Any) -> str:
    """A batch label as compared: "第69批", "69", "第 69 批" and "No. 69" are all `69`."""
    key = institution_key(text)
    key = re.sub(r"^(第|no|batch|the)", "", key)
    return re.sub(r"(批次|批|th|st|nd|rd)$", "", key)


# ---------------------------------------------------------------------------------------------
# Disciplines


@dataclass(frozen=True)
class DisciplineIndex:
    """The catalogue's first-level disciplines by code and by name key."""

    names: dict[str, tuple[str, str]]  # code → (Chinese name, English name)
    by_name: dict[str, str]  # name key → code

    @classmethod
    def build(cls, disciplines: Iterable[tuple[str, str, str]]) -> "DisciplineIndex":
        names, by_name = {}, {}
        for code, name_zh, name_en in disciplines:
            names[code] = (name_zh, name_en)
            by_name[chinese_key(name_zh)] = code
            if name_en:
                by_name[latin_key(name_en)] = code
        return cls(names, by_name)

    def code(self, value: Any) -> str | None:
        """The first-level code a cell names: "0710", 710 (Excel lost the zero), "071009" (a
        second-level code), "0710 生物学", "生物學" or "Biology"; None if it names none."""
        if value is None:
            return None
        if isinstance(value, (int, float)):
            value = parse_code(value, 4)
        text = unicodedata.normalize("NFKC", str(value)).strip()
        digits = re.search(r"\d{3,6}", text)
        if digits:
            code = digits.group(0)
            code = code[:4] if len(code) > 4 else code.zfill(4)
            if code in self.names:
                return code
        words = re.sub(r"[\d\s()（）\[\]:：,，.、-]+", "", text)
        if not words:
            return None
        return self.by_name.get(chinese_key(words)) or self.by_name.get(latin_key(words))

    def label(self, code: str | None) -> str:
        if not code:
            return ""
        name_zh, _name_en = self.names.get(code, ("", ""))
        return f"{code} {name_zh}".strip()


# ---------------------------------------------------------------------------------------------
# The institution's postdocs, read once


@dataclass
class Candidate:
    """An appointment a row may be: what the review screen shows to choose from."""

    appointment_id: int
    person_id: int
    name: str
    name_en: str
    postdoc_no: str
    station_id: int
    station: str
    discipline: str | None  # the station's first-level code (a workstation has none)
    entry_date: dt.date
    status: str
    keys: set[str] = field(default_factory=set)


class Reading:
    """How a list's 设站单位名称 reads against the institution's names."""

    OWN = "own"  # one of its names: certain
    LIKELY = "likely"  # a likely form of its Chinese name (渝州医大): uncertain


@dataclass
class HostNames:
    """The names the institution goes by in funders' lists: its own, its units' and its aliases
    (certain), and the forms funders are likely to write of its Chinese name (uncertain)."""

    keys: set[str]
    prefixes: set[str]  # a name beginning with the institution's Chinese name is its own too
    likely: set[str] = field(default_factory=set)

    def reading(self, text: Any) -> str | None:
        key = institution_key(text)
        if not key:
            return None
        if key in self.keys or any(key.startswith(prefix) for prefix in self.prefixes):
            return Reading.OWN
        if key in self.likely or any(key.startswith(form) for form in self.likely if len(form) >= 4):
            return Reading.LIKELY
        return None

    def recognises(self, text: Any) -> bool:
        return self.reading(text) == Reading.OWN


@dataclass
class MatchContext:
    host: HostNames
    disciplines: DisciplineIndex
    candidates: dict[int, Candidate]
    by_number: dict[str, Candidate]
    _by_name: dict[bool, dict[str, list[Candidate]]] = field(default_factory=dict)
    _by_sound: dict[str, list[Candidate]] | None = None
    _by_mask: dict[str, list[Candidate]] | None = None

    def by_name(self, *, with_pinyin: bool) -> dict[str, list[Candidate]]:
        """Name key → candidates; the pinyin keys are computed only when a Latin-script row asks."""
        if with_pinyin not in self._by_name:
            index: dict[str, list[Candidate]] = {}
            for candidate in self.candidates.values():
                keys = person_keys(candidate.name, candidate.name_en, with_pinyin=with_pinyin)
                candidate.keys |= keys  # so that a number's match is checked against the same keys
                for key in keys:
                    index.setdefault(key, []).append(candidate)
            self._by_name[with_pinyin] = index
        return self._by_name[with_pinyin]

    def by_sound(self) -> dict[str, list[Candidate]]:
        """Sound key → candidates, computed when a Chinese row first finds nobody by name."""
        if self._by_sound is None:
            self._by_sound = {}
            for candidate in self.candidates.values():
                for key in sound_keys(candidate.name):
                    self._by_sound.setdefault(key, []).append(candidate)
        return self._by_sound

    def by_mask(self) -> dict[str, list[Candidate]]:
        """Masked key → candidates, for the near spellings of rows that give no number."""
        if self._by_mask is None:
            self._by_mask = {}
            for candidate in self.candidates.values():
                for key in masked_keys(candidate.name):
                    self._by_mask.setdefault(key, []).append(candidate)
        return self._by_mask


def host_names(names: Iterable[str], zh_names: Iterable[str], likely: Iterable[str] = ()) -> HostNames:
    keys = {key for name in names if (key := institution_key(name))}
    prefixes = {key for name in zh_names if len(key := institution_key(name)) >= 4}
    forms = {form for name in likely if (form := institution_key(name))}
    forms = {form for form in forms if form not in keys and not any(form.startswith(p) for p in prefixes)}
    return HostNames(keys, prefixes, forms)


# ---------------------------------------------------------------------------------------------
# Likely forms of the institution's name

# The provinces and their full names' endings (重庆 → 重庆市, 广西 → 广西壮族自治区).
PROVINCES = {
    **dict.fromkeys(["北京", "天津", "上海", "重庆"], "市"),
    **dict.fromkeys(["香港", "澳门"], "特别行政区"),
    **dict.fromkeys(["内蒙古", "西藏"], "自治区"),
    "广西": "壮族自治区",
    "宁夏": "回族自治区",
    "新疆": "维吾尔自治区",
    **dict.fromkeys(
        [
            "河北",
            "山西",
            "辽宁",
            "吉林",
            "黑龙江",
            "江苏",
            "浙江",
            "安徽",
            "福建",
            "江西",
            "山东",
            "河南",
            "湖北",
            "湖南",
            "广东",
            "海南",
            "四川",
            "贵州",
            "云南",
            "陕西",
            "甘肃",
            "青海",
            "台湾",
        ],
        "省",
    ),
}
_PROVINCE_ENDING = re.compile(
    r"^(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)|(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$"
)
# How funders shorten or age a name's ending: the form a record has → the forms lists write. The
# first ending that fits is used (医科大学 before 大学).
SUFFIX_FORMS = (
    ("医科大学", ("医大", "医科大", "医学院")),
    ("中医药大学", ("中医药大", "中医学院")),
    ("师范大学", ("师大", "师范学院")),
    ("科技大学", ("科大",)),
    ("医学院", ("医科大学", "医大")),
    ("中医学院", ("中医药大学",)),
    ("师范学院", ("师范大学",)),
    ("大学", ("大", "学院")),
    ("学院", ("大学",)),
)


def _province(text: str) -> str:
    return _PROVINCE_ENDING.sub("", institution_key(text))


def likely_forms(name_zh: str, province: str = "") -> list[str]:
    """The forms funders are likely to write of an institution's Chinese name, besides the name:
    its ending shortened or in an older form (医科大学 → 医大, 医科大, 医学院; 大学 → 大, 学院), with
    and without the province in front (重庆渝州医科大学, 重庆市渝州医科大学), and without the province
    the name begins with when what is left still names it (西南大学 for 重庆西南大学, never 医科大学
    alone, nor 人民医院)."""
    name = institution_key(name_zh)
    if not has_han(name):
        return []
    core = name
    for prefix in sorted(PROVINCES, key=len, reverse=True):
        if not name.startswith(prefix):
            continue
        rest = _PROVINCE_ENDING.sub("", name[len(prefix) :], count=1)
        ending = next((long for long, _shorts in SUFFIX_FORMS if rest.endswith(long)), "")
        if ending and len(rest) - len(ending) >= 2:
            core = rest
        break
    bodies = {core}
    for long, shorts in SUFFIX_FORMS:
        if core.endswith(long):
            bodies.update(core[: -len(long)] + short for short in shorts)
            break
    fronts = {""}
    for prefix in {_province(province), name[: len(name) - len(core)]} - {""}:
        prefix = _province(prefix)
        if prefix in PROVINCES and not core.startswith(prefix):
            fronts.update({prefix, prefix + PROVINCES[prefix]})
    forms = {front + body for front in fronts for body in bodies}
    forms.discard(name)
    return sorted(forms, key=lambda form: (len(form), form))


# ---------------------------------------------------------------------------------------------
# One row


class Outcome:
    EXACT = "exact"
    UNCERTAIN = "uncertain"
    UNMATCHED = "unmatched"
    OTHER = "other"


class Doubt:
    """Why a candidate is only a candidate: its name is not the row's, but close."""

    SAME_SOUND = "same_sound"
    ONE_CHARACTER = "one_character"


# What a row's match says about it, kept as a key and its values (JSON on the row) and put into
# words in the reader's language when shown.
NOTES = {
    "discipline_unknown": _("The discipline “%(value)s” is not in the catalogue."),
    "discipline_differs": _("The list gives the discipline %(listed)s; the postdoc's station is in %(station)s."),
    "number_other_name": _("Postdoc number %(no)s is %(name)s's, not %(listed)s's."),
    "number_unknown": _("Postdoc number %(no)s is not one of the institution's."),
    "same_postdoc": _("Row %(row)s of the list already names this postdoc; choose which row is theirs."),
    "same_sound": _("%(listed)s sounds as %(name)s (%(no)s) but is written differently: is it the same person?"),
    "one_character": _("%(listed)s differs from %(name)s (%(no)s) by one character: is it the same person?"),
    "host_likely": _("The institution's name reads differently: %(value)s."),
}

Note = dict[str, Any]


def note(key: str, **values: Any) -> Note:
    return {"key": key, **values}


def note_text(found: Note) -> str:
    """A note in words, in the active language."""
    values = {name: value for name, value in found.items() if name != "key"}
    template = NOTES.get(str(found.get("key")))
    return str(template) % values if template is not None else ""


@dataclass
class Match:
    outcome: str
    candidates: list[int] = field(default_factory=list)  # appointment ids, best first
    appointment_id: int | None = None  # the match of an exact row
    discipline: str | None = None  # the first-level code the row names, if any
    notes: list[Note] = field(default_factory=list)
    doubts: dict[int, str] = field(default_factory=dict)  # candidate → Doubt, for near names
    host_likely: bool = False  # the 设站单位名称 is only a likely form of the institution's name


def _doubt(row_name: str, candidate: Candidate) -> str | None:
    """How close a Chinese name written in a list is to a candidate's that is not the same."""
    if sound_keys(row_name) & sound_keys(candidate.name):
        return Doubt.SAME_SOUND
    if masked_keys(row_name) & masked_keys(candidate.name):
        return Doubt.ONE_CHARACTER
    return None


def _near(context: MatchContext, row_name: str, *, numbered: bool, fits: Any) -> dict[int, tuple[Candidate, str]]:
    """Candidates whose names are near the row's: the same sound in the row's discipline, and — when
    the row gives no number — one character differing in a name of three or more and a discipline
    the row gives."""
    found: dict[int, tuple[Candidate, str]] = {}
    for key in sorted(sound_keys(row_name)):
        for candidate in context.by_sound().get(key, []):
            if fits(candidate):
                found.setdefault(candidate.appointment_id, (candidate, Doubt.SAME_SOUND))
    if not numbered and len(chinese_key(row_name)) >= 3:
        for key in sorted(masked_keys(row_name)):
            for candidate in context.by_mask().get(key, []):
                if candidate.discipline is not None and fits(candidate, strict=True):
                    found.setdefault(candidate.appointment_id, (candidate, Doubt.ONE_CHARACTER))
    return found


def _doubt_note(kind: str, listed: str, candidate: Candidate) -> Note:
    return note(kind, listed=listed, name=candidate.name, no=candidate.postdoc_no)


def match_row(context: MatchContext, *, institution: Any, name: Any, postdoc_no: Any, discipline: Any) -> Match:
    """How a row of a list matches the institution's postdocs:

    - other: its 设站单位名称 is none of the institution's names nor a likely form of them;
    - exact: its postdoc number is one of the institution's and the name agrees, under one of the
      institution's names;
    - uncertain: the number exists but the name disagrees (that postdoc is a candidate, with a doubt
      when the names are near), or there is no known number but the name, a near name (a doubt)
      and the discipline give candidates, or the row would be exact under a likely form of the
      institution's name;
    - unmatched: no candidate at all.
    """
    reading = context.host.reading(institution)
    if reading is None:
        return Match(Outcome.OTHER)
    found = _match_names(context, name=name, postdoc_no=postdoc_no, discipline=discipline)
    if reading == Reading.LIKELY:
        found.host_likely = True
        found.notes.insert(0, note("host_likely", value=str(institution)))
        if found.outcome == Outcome.EXACT:
            found.outcome, found.appointment_id = Outcome.UNCERTAIN, None
    return found


def _match_names(context: MatchContext, *, name: Any, postdoc_no: Any, discipline: Any) -> Match:
    code = context.disciplines.code(discipline)
    keys = row_name_keys(name)
    latin = any(not has_han(part) for part in _parts(str(name or "")))
    index = context.by_name(with_pinyin=latin)
    notes: list[Note] = []
    if discipline not in (None, "") and code is None:
        notes.append(note("discipline_unknown", value=str(discipline)))

    def fits(candidate: Candidate, *, strict: bool = False) -> bool:
        if code is None:
            return not strict
        return candidate.discipline == code or (not strict and candidate.discipline is None)

    named = list({c.appointment_id: c for key in sorted(keys) for c in index.get(key, []) if fits(c)}.values())
    named.sort(key=lambda c: (c.entry_date, c.appointment_id), reverse=True)
    number = number_key(postdoc_no)
    numbered = context.by_number.get(number) if number else None
    listed = str(name or "").strip()
    chinese = "" if latin else listed
    if numbered is not None:
        if keys & numbered.keys:
            if code is not None and numbered.discipline not in (None, code):
                notes.append(
                    note(
                        "discipline_differs",
                        listed=context.disciplines.label(code),
                        station=context.disciplines.label(numbered.discipline),
                    )
                )
            return Match(Outcome.EXACT, [numbered.appointment_id], numbered.appointment_id, code, notes)
        doubts: dict[int, str] = {}
        doubt = _doubt(chinese, numbered) if chinese else None
        if doubt is not None:
            doubts[numbered.appointment_id] = doubt
            notes.append(_doubt_note(doubt, listed, numbered))
        else:
            notes.append(note("number_other_name", no=numbered.postdoc_no, name=numbered.name, listed=listed))
        others = [c.appointment_id for c in named if c.appointment_id != numbered.appointment_id]
        return Match(Outcome.UNCERTAIN, [numbered.appointment_id, *others], None, code, notes, doubts)
    if number:
        notes.append(note("number_unknown", no=cell_number(postdoc_no)))
    if named:
        return Match(Outcome.UNCERTAIN, [c.appointment_id for c in named], None, code, notes)
    if chinese:
        near = sorted(
            _near(context, chinese, numbered=bool(number), fits=fits).values(),
            key=lambda found: (
                found[1] != Doubt.SAME_SOUND,
                -found[0].entry_date.toordinal(),
                -found[0].appointment_id,
            ),
        )
        if near:
            notes += [_doubt_note(doubt, listed, candidate) for candidate, doubt in near]
            doubts = {candidate.appointment_id: doubt for candidate, doubt in near}
            return Match(Outcome.UNCERTAIN, [c.appointment_id for c, _d in near], None, code, notes, doubts)
    return Match(Outcome.UNMATCHED, [], None, code, notes)
