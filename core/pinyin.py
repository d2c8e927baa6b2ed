"""Sorting people's names the way a Chinese office reads a list: by pinyin (李 before 梁 before 张),
not by code point. Latin names sort among them by their letters.

The key is stored beside the name (`name_sort` on the records that list people), so that lists sort
and paginate in the database on SQLite and PostgreSQL alike; `pinyin_key` is the one way to make it.
"""

from pypinyin import Style, lazy_pinyin

# Surnames read otherwise than the character's common reading (百家姓). pypinyin reads the common
# one: 单 dan, 曾 ceng, 解 jie; as a surname they are shan, zeng, xie.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "繁": "po",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "缪": "miao",
    "员": "yun",
    "那": "na",
    "召": "shao",
    "种": "chong",
    "尉": "yu",
    "黑": "he",
    "沈": "shen",
    "万俟": "mo qi",
    "尉迟": "yu chi",
    "长孙": "zhang sun",
}
MAX_LENGTH = 200


def pinyin_key(name: str) -> str:
    """`张三` → `zhang san`; `单雄信` → `shan xiong xin`; `Smith, John` → `smith, john`."""
    name = " ".join(name.split())
    head = ""
    for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
        if name.startswith(surname):
            head, name = SURNAME_READINGS[surname], name[len(surname) :]
            break
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="default") if name else []
    return " ".join(" ".join([head, *syllables]).split()).lower()[:MAX_LENGTH]
