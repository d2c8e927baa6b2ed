"""Matching a funder's award list to the institution's postdocs (docs/decisions/0015).

Names are compared as *keys*: a Chinese name NFKC-normalised, without spaces or middle dots,
converted from traditional to simplified characters (OpenCC t2s) and case-folded, so 陳曉東 is
陈晓东; a Latin-script name as its letters only (no spaces, hyphens, commas or tone marks),
case-folded. A postdoc answers to the key of their name, to the keys of their Latin name
(`Person.name_en`) in every order of its words, and — only when the list has Latin-script rows —
to the pinyin of their Chinese name with the surname first or last ("Chen Xiaodong", "Xiaodong
Chen", "CHEN, Xiao-dong" are all `chenxiaodong` or `xiaodongchen`), every reading of a polyphonic
character included (曾 is ceng or zeng).

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

from exchange.workbook import parse_code

# Characters of the CJK unified ideographs (with extension A, the compatibility block and the
# supplementary planes' extensions).
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Spaces and the dots that separate the parts of a transliterated name (约翰·史密斯).
_SEPARATORS = re.compile(r"[\s·•‧・･∙⋅.]+")
_PARENTHESES = re.compile(r"[()\[\]【】]")
_WORDS = re.compile(r"[\s,，;；/]+")
MAX_READINGS = 64  # readings of one name kept, for names whose every character is polyphonic

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


@dataclass
class HostNames:
    """The names the institution goes by in funders' lists: its own, its units' and its aliases."""

    keys: set[str]
    prefixes: set[str]  # a name beginning with the institution's Chinese name is its own too

    def recognises(self, text: Any) -> bool:
        key = institution_key(text)
        if not key:
            return False
        return key in self.keys or any(key.startswith(prefix) for prefix in self.prefixes)


@dataclass
class MatchContext:
    host: HostNames
    disciplines: DisciplineIndex
    candidates: dict[int, Candidate]
    by_number: dict[str, Candidate]
    _by_name: dict[bool, dict[str, list[Candidate]]] = field(default_factory=dict)

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


def host_names(names: Iterable[str], zh_names: Iterable[str]) -> HostNames:
    keys = {key for name in names if (key := institution_key(name))}
    prefixes = {key for name in zh_names if len(key := institution_key(name)) >= 4}
    return HostNames(keys, prefixes)


def load_context(institution: Any) -> MatchContext:
    """What matching needs of an institution, in four queries whatever the list's length: its
    names (its own, its units', the aliases kept in `HostName`), the discipline catalogue and its
    appointments with their people and stations."""
    from appointments.models import Appointment
    from batchlists.models import HostName
    from catalogue.models import Discipline, Unit

    names = [institution.name_zh, institution.name_en]
    zh_names = [institution.name_zh]
    for name_zh, name_en in Unit.objects.filter(institution=institution).order_by().values_list("name_zh", "name_en"):
        names += [name_zh, name_en]
    aliases = list(HostName.objects.filter(institution=institution).order_by().values_list("name", flat=True))
    names += aliases
    zh_names += [alias for alias in aliases if has_han(alias)]
    disciplines = DisciplineIndex.build(Discipline.objects.order_by().values_list("code", "name_zh", "name_en"))
    rows = (
        Appointment.objects.filter(institution=institution)
        .order_by()
        .values_list(
            "pk",
            "person_id",
            "person__name",
            "person__name_en",
            "postdoc_no",
            "station_id",
            "station__name_zh",
            "station__discipline__code",
            "entry_date",
            "status",
        )
    )
    candidates: dict[int, Candidate] = {}
    by_number: dict[str, Candidate] = {}
    for pk, person_id, name, name_en, number, station_id, station, code, entry, status in rows:
        candidate = Candidate(pk, person_id, name, name_en, number, station_id, station, code, entry, status)
        candidate.keys = person_keys(name, name_en)
        candidates[pk] = candidate
        by_number[number_key(number)] = candidate
    return MatchContext(host_names(names, zh_names), disciplines, candidates, by_number)


# ---------------------------------------------------------------------------------------------
# One row


class Outcome:
    EXACT = "exact"
    UNCERTAIN = "uncertain"
    UNMATCHED = "unmatched"
    OTHER = "other"


# What a row's match says about it, kept as a key and its values (JSON on the row) and put into
# words in the reader's language when shown.
NOTES = {
    "discipline_unknown": _("The discipline “%(value)s” is not in the catalogue."),
    "discipline_differs": _("The list gives the discipline %(listed)s; the postdoc's station is in %(station)s."),
    "number_other_name": _("Postdoc number %(no)s is %(name)s's, not %(listed)s's."),
    "number_unknown": _("Postdoc number %(no)s is not one of the institution's."),
    "same_postdoc": _("Row %(row)s of the list already names this postdoc; choose which row is theirs."),
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


def match_row(context: MatchContext, *, institution: Any, name: Any, postdoc_no: Any, discipline: Any) -> Match:
    """How a row of a list matches the institution's postdocs:

    - other: its 设站单位名称 is not one of the institution's names;
    - exact: its postdoc number is one of the institution's and the name agrees;
    - uncertain: the number exists but the name disagrees (that postdoc is a candidate), or there is
      no known number but the name and the discipline give candidates;
    - unmatched: no candidate at all.
    """
    if not context.host.recognises(institution):
        return Match(Outcome.OTHER)
    code = context.disciplines.code(discipline)
    keys = row_name_keys(name)
    latin = any(not has_han(part) for part in _parts(str(name or "")))
    index = context.by_name(with_pinyin=latin)
    notes: list[Note] = []
    if discipline not in (None, "") and code is None:
        notes.append(note("discipline_unknown", value=str(discipline)))

    def fits(candidate: Candidate) -> bool:
        return code is None or candidate.discipline is None or candidate.discipline == code

    named = list({c.appointment_id: c for key in sorted(keys) for c in index.get(key, []) if fits(c)}.values())
    named.sort(key=lambda c: (c.entry_date, c.appointment_id), reverse=True)
    number = number_key(postdoc_no)
    numbered = context.by_number.get(number) if number else None
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
        notes.append(note("number_other_name", no=numbered.postdoc_no, name=numbered.name, listed=str(name)))
        others = [c.appointment_id for c in named if c.appointment_id != numbered.appointment_id]
        return Match(Outcome.UNCERTAIN, [numbered.appointment_id, *others], None, code, notes)
    if number:
        notes.append(note("number_unknown", no=cell_number(postdoc_no)))
    if named:
        return Match(Outcome.UNCERTAIN, [c.appointment_id for c in named], None, code, notes)
    return Match(Outcome.UNMATCHED, [], None, code, notes)
