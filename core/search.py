"""Searching names by any part, through an index (docs/decisions/0066).

A record that is searched by name keeps its names' grams beside them (`name_grams` on Person): every
piece of one to six letters of each run of letters and digits, lower-cased, space-separated.
Chinese names are two to four characters and a one-character surname (张) is a common search, so
short pieces matter; pinyin syllables have at most six letters (zhuang), so a search for one
(huang) or for any piece of one is a gram itself. The database indexes the grams as words (an FTS5
table on SQLite, a GIN index on PostgreSQL, both kept by the database itself); a search asks for the
records holding every gram of the text, then keeps those whose name contains the text. Every record
whose name contains the text holds all its grams, so the index only narrows and the answer is the
same; when the text is one run of up to six letters, holding it is containing it and the second look
is skipped (docs/decisions/0075).
"""

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

GRAM = 6  # the longest piece kept: a pinyin syllable, a Chinese name of up to six characters
_RUNS = re.compile(r"[^\W_]+")  # letters and digits, in any script


def _runs(text: str) -> list[str]:
    return _RUNS.findall(text.lower())


def name_grams(*names: str) -> str:
    """`张伟`, `Zhang Wei` → `张 伟 张伟 z h a …`: every piece of 1 to 6 letters, each once."""
    grams: dict[str, None] = {}
    for run in (run for name in names for run in _runs(name)):
        for size in range(1, GRAM + 1):
            for start in range(len(run) - size + 1):
                grams[run[start : start + size]] = None
    return " ".join(grams)


def query_grams(text: str) -> list[str]:
    """The grams a name containing `text` must hold: a run of up to 6 letters itself, a longer run
    its pieces of 6. Empty when the text has no letter or digit (the search then scans)."""
    grams: dict[str, None] = {}
    for run in _runs(text):
        if len(run) <= GRAM:
            grams[run] = None
        else:
            for start in range(len(run) - GRAM + 1):
                grams[run[start : start + GRAM]] = None
    return list(grams)


class OneOf(Expression):
    """`column = ANY(%s)` with the values as one array parameter on PostgreSQL, `column IN (…)`
    elsewhere: a search's few thousand ids then cost one parameter rather than one each, in every
    statement of the page (the list, its count)."""

    output_field = BooleanField()

    def __init__(self, column: Any, values: Iterable[int]) -> None:
        super().__init__()
        self.column = column
        self.values = list(values)

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        column, column_params = compiler.compile(self.column)
        params: tuple[Any, ...] = tuple(column_params)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s)", (*params, self.values)
        if not self.values:
            return "0 = 1", params
        return f"{column} IN ({', '.join(['%s'] * len(self.values))})", (*params, *self.values)
