"""What an import of the exchange workbook carries from row to row: its report, typed access to a
row's cells (`RowContext`), and the state the per-sheet checks and writers share (`ImportBase`)."""

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from catalogue.models import Discipline, Institution, Unit
from core.sheets.cells import DateForm, Notices, Problem, cell_text, parse_code, parse_code_list, read_date
from exchange.layout import ENUMS, read_enum
from exchange.workbook import Row
from funding.lookup import FunderIndex
from funding.services import LevelMap
from people.models import Supervisor
from stations.models import Station


@dataclass
class Report:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, sheet: str, outcome: str) -> None:
        counts = self.counts.setdefault(sheet, {"new": 0, "changed": 0, "unchanged": 0})
        counts[outcome] += 1

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, kept on an import job between preview and confirmation."""
        return {
            "counts": self.counts,
            "warnings": self.warnings,
            "problems": [dataclasses.asdict(p) for p in self.problems],
            "dry_run": self.dry_run,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        return cls(
            counts=data["counts"],
            warnings=data["warnings"],
            problems=[Problem(**p) for p in data["problems"]],
            dry_run=data["dry_run"],
        )

    def lines(self) -> list[str]:
        lines = [
            _("%(sheet)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged") % {"sheet": sheet, **counts}
            for sheet, counts in self.counts.items()
        ]
        lines += [_("Warning: %(text)s") % {"text": text} for text in self.warnings]
        lines += [_("Problem: %(text)s") % {"text": str(p)} for p in self.problems]
        if self.problems:
            lines.append(_("Nothing was imported: %(n)s problem(s) to correct.") % {"n": len(self.problems)})
        elif self.dry_run:
            lines.append(_("Dry run: the workbook is valid; nothing was written."))
        return lines


Progress = Callable[[str, int], None]


class RowContext:
    """Typed access to one row's cells; every failure becomes a problem naming the cell (every
    problem of the row, not the first only), and every value read from a form the spec does not
    name becomes a notice."""

    def __init__(
        self,
        sheet: str,
        row: Row,
        problems: list[Problem],
        notices: Notices | None = None,
        headings: dict[str, str] | None = None,
    ) -> None:
        self.sheet, self.row, self.problems = sheet, row, problems
        self.notices = notices if notices is not None else Notices()
        self.headings = headings or {}
        self.failed = bool(row.spoiled)

    def problem(self, column: str, message: str, value: Any = None) -> None:
        self.failed = True
        if column in self.row.spoiled:
            return  # its cell is named already: a formula or an error value
        raw = self.row.values.get(column) if value is None else value
        self.problems.append(
            Problem(self.sheet, self.row.number, column, cell_text(raw), message, self.headings.get(column, ""))
        )

    def _column_name(self, column: str) -> str:
        return self.headings.get(column, column)

    def text(self, column: str, required: bool = False) -> str:
        text = cell_text(self.row.values.get(column))
        if required and not text:
            self.problem(column, _("This column needs a value."))
        return text

    def date(self, column: str, required: bool = False) -> dt.date | None:
        raw = self.row.values.get(column)
        if raw is None or cell_text(raw) == "":
            if required:
                self.problem(column, _("This column needs a date."))
            return None
        try:
            day, form = read_date(raw)
        except ValueError as error:
            self.problem(column, str(error))
            return None
        if form:
            self.notices.add(
                DATE_FORM_NOTICES[form] % {"sheet": self.sheet, "column": self._column_name(column)}, self.row.number
            )
        return day

    def enum(self, column: str, kind: str, required: bool = False, default: str = "") -> str:
        text = self.text(column, required)
        if not text:
            return default
        try:
            code, from_word = read_enum(kind, text)
        except ValueError as error:
            self.problem(column, str(error))
            return default
        if from_word:
            self.notices.add(
                _("Sheet %(sheet)s, column %(column)s: “%(word)s” was read as %(label)s (%(code)s)")
                % {
                    "sheet": self.sheet,
                    "column": self._column_name(column),
                    "word": text,
                    "label": ENUMS[kind][code],
                    "code": code,
                },
                self.row.number,
            )
        return code

    def code(self, column: str, width: int, required: bool = False) -> str:
        raw = self.row.values.get(column)
        code = parse_code(raw, width) if raw is not None else ""
        if required and not code:
            self.problem(column, _("This column needs a value."))
        return code

    def codes(self, column: str, width: int) -> list[str]:
        return parse_code_list(self.row.values.get(column), width)


DATE_FORM_NOTICES = {
    DateForm.SERIAL: gettext_lazy("Sheet %(sheet)s, column %(column)s: Excel day numbers were read as dates"),
    DateForm.MONTH: gettext_lazy(
        "Sheet %(sheet)s, column %(column)s: dates giving only a year and month were read as the month's first day"
    ),
    DateForm.DATETIME: gettext_lazy(
        "Sheet %(sheet)s, column %(column)s: dates with a time of day were read without it"
    ),
}


REFERENCE_NAMES = {
    "discipline": gettext_lazy("discipline"),
    "unit": gettext_lazy("unit"),
    "station": gettext_lazy("station"),
    "supervisor": gettext_lazy("supervisor"),
    "postdoc": gettext_lazy("postdoc"),
}


class ImportBase:
    """An import's state: the file, the institution and who imports, the report, and the records
    the rows refer to, read once per sheet."""

    def __init__(
        self,
        *,
        path: Path,
        institution: Institution,
        by: User,
        dry_run: bool,
        progress: Progress | None = None,
        read_ahead_bytes: int | None = None,
        owner: str | None = None,
    ) -> None:
        self.path, self.institution, self.by = path, institution, by
        self.owner = owner  # whose undo log a sliced import on SQLite writes (exchange.isolation)
        self.sliced = False  # set by run(): each batch its own transaction
        self.progress = progress
        self.read_ahead_bytes = read_ahead_bytes
        self.report = Report(dry_run=dry_run)
        self.note = _("imported from workbook %(file)s") % {"file": path.name}
        self.refused: dict[str, set[str]] = {kind: set() for kind in REFERENCE_NAMES}
        self._caches: dict[str, dict[str, Any]] = {}
        self.rows_done = 0
        self.columns: set[str] = set()  # the columns the sheet being read has
        self.headings: dict[str, str] = {}  # and how it shows them (`F 身份证号`)
        self.notices = Notices()
        self._expert_staff: dict[str, int] = {}  # staff number → the Experts row linked to it
        self._funding_lookup: tuple[FunderIndex, LevelMap] | None = None
        # Outputs: within the sheet, the first row of each (postdoc, DOI) and (postdoc, kind, title);
        # the outputs this import wrote, by id, with their row.
        self._output_keys: dict[tuple[str, ...], int] = {}
        self._outputs_written: dict[int, int] = {}

    def _cache(self, kind: str) -> dict[str, Any]:
        """The referenced records of a kind by code, read once per sheet."""
        cache = self._caches.get(kind)
        if cache is None:
            inst = self.institution
            loaders: dict[str, Callable[[], dict[str, Any]]] = {
                "discipline": lambda: {d.code: d for d in Discipline.objects.all()},
                "unit": lambda: {u.code: u for u in Unit.objects.filter(institution=inst)},
                "station": lambda: {s.code: s for s in Station.objects.filter(institution=inst)},
                "supervisor": lambda: {s.staff_no: s for s in Supervisor.objects.filter(institution=inst)},
            }
            cache = self._caches[kind] = loaders[kind]()
        return cache

    def _lookup(self, kind: str, code: str) -> Any:
        return self._cache(kind).get(code)

    def _funding(self) -> tuple[FunderIndex, LevelMap]:
        """The institution's funders and level mapping, read once per import (three queries)."""
        if self._funding_lookup is None:
            self._funding_lookup = (FunderIndex(self.institution.pk), LevelMap.load(self.institution.pk))
        return self._funding_lookup
