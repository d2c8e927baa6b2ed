"""Lists sorted by their column headers: one helper for every list.

A list declares the columns a reader may sort by (`Sorting({"name": ("name_sort", "name"), …})`):
the query string's `sort=name` or `sort=-name` chooses one of them, and anything else (a column
the list does not declare, a field name, an expression) is ignored and the list keeps its own order.
The query string is never handed to `order_by`; only the declared orderings are.

The list's selector (`listed_*`, shared by the page and its exports) applies the order, so an
export has the rows in the order the page shows. The header template tag (`{% sort_header %}` in
`core/templatetags/sorting.py`) builds links that keep the filters and the search and drop the page
number, and marks the sorted column with `aria-sort`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Case, Expression, F, IntegerField, Model, OrderBy, QuerySet, Value, When
from django.http import HttpRequest

SORT_PARAM = "sort"

Ordering = str | Expression  # a field path ("holder__person__name") or an expression


def choice_rank(field: str, choices: Sequence[tuple[object, object]]) -> Case:
    """A choice field in the order its choices are declared (national before provincial, applied
    before awarded), not by its stored codes' letters."""
    return Case(
        *[When(**{field: value}, then=Value(position)) for position, (value, _label) in enumerate(choices)],
        default=Value(len(choices)),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class SortColumn:
    """A sortable column: what to order by, ascending; `descending_first` for the columns a reader
    wants newest or largest first on the first click (dates, counts)."""

    orderings: tuple[Ordering, ...]
    descending_first: bool = False


@dataclass(frozen=True)
class Sort:
    """The order a list is shown in: the chosen column (None: the list's own order) and direction."""

    key: str | None
    descending: bool = False
    columns: Mapping[str, SortColumn] | None = None

    def direction(self, key: str) -> str | None:
        """`ascending`/`descending` for the column the list is sorted by (aria-sort), else None."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def param_for(self, key: str) -> str:
        """The query value a click on the column's header asks for: the other direction when the
        list is sorted by it, else the column's first direction."""
        if key == self.key:
            descending = not self.descending
        else:
            column = (self.columns or {}).get(key)
            descending = bool(column and column.descending_first)
        return f"-{key}" if descending else key

    @property
    def param(self) -> str:
        """The query value of this order ("" for the list's own)."""
        if self.key is None:
            return ""
        return f"-{self.key}" if self.descending else self.key


class Sorting:
    """The sortable columns of one list and its own order (used when none, or an unknown one, is asked)."""

    def __init__(
        self,
        columns: Mapping[str, Sequence[Ordering] | SortColumn],
        *,
        default: Sequence[Ordering | OrderBy],
        tiebreak: Sequence[str] = ("pk",),
    ) -> None:
        self.columns: dict[str, SortColumn] = {
            key: value if isinstance(value, SortColumn) else SortColumn(tuple(value)) for key, value in columns.items()
        }
        self.default = tuple(default)
        # Pages must not share or lose rows between them: ties are broken by a unique column.
        self.tiebreak = tuple(tiebreak)

    def parse(self, value: str | None) -> Sort:
        """The order a query value asks for, if the list declares that column; else the list's own."""
        value = (value or "").strip()
        descending = value.startswith("-")
        key = value[1:] if descending else value
        if key not in self.columns:
            return Sort(None, columns=self.columns)
        return Sort(key, descending, self.columns)

    def from_request(self, request: HttpRequest) -> Sort:
        return self.parse(request.GET.get(SORT_PARAM))

    def order[M: Model](self, queryset: QuerySet[M], sort: Sort) -> QuerySet[M]:
        """The queryset in the chosen order (empty values last either way), ties by the tiebreak."""
        if sort.key is None or sort.key not in self.columns:
            return queryset.order_by(*self.default, *self.tiebreak)
        terms = []
        for ordering in self.columns[sort.key].orderings:
            expression = F(ordering) if isinstance(ordering, str) else ordering
            terms.append(expression.desc(nulls_last=True) if sort.descending else expression.asc(nulls_last=True))
        tiebreak = [_reversed(name) if sort.descending else name for name in self.tiebreak]
        return queryset.order_by(*terms, *tiebreak)


def _reversed(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"
