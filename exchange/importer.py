"""Importing the exchange workbook: strict about meaning, all or nothing.

Rows are validated first (dates, enumerations, references, ID numbers, duplicate keys); then
every row is written through the domain services, in dependency order. Any problem, before or
while writing, undoes the whole import; a dry run always does.

How "all or nothing" is kept depends on the database (exchange.isolation, docs/decisions/0026):
on PostgreSQL, and inside a transaction the caller began, the import is one transaction; on
SQLite, where one long write transaction would lock everybody else out, a dry run works on a
snapshot and a real import writes in short slices with an undo log.

Each sheet's rows are checked by `exchange.import_parsing` and written by `exchange.import_writing`
(one method per sheet of each); this module streams the sheets through them in batches.
"""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.models import User
from appointments.models import Appointment
from appointments.services import ImportedPostdoc, appointments_import
from catalogue.models import Institution
from core.bulk import new_record
from core.errors import DomainError
from core.sheets.cells import Problem
from exchange import isolation
from exchange.import_parsing import SheetParsing
from exchange.import_rows import REFERENCE_NAMES, Progress, Report, RowContext
from exchange.import_writing import SheetWriting
from exchange.layout import SHEETS
from exchange.readahead import ReadAheadFailed, read_ahead
from exchange.workbook import Row, SheetSource, WorkbookSource, open_workbook
from funding.models import Project
from funding.services import APPLICATION_STATUSES, applications_record, projects_record
from outputs.models import Output
from outputs.services import FIELDS as OUTPUT_FIELDS
from outputs.services import outputs_record
from people.models import Supervisor
from people.services import registered_ids, supervisors_create

BATCH_ROWS = 2000
# On SQLite each batch of a real import is a transaction of its own, holding the write lock while it
# runs: smaller batches let a sign-in or a form in between within a fraction of a second.
SLICE_ROWS = 250
PROGRESS_ROWS = 1000
# A sheet this large (uncompressed) is read by a second process while this one writes
# (exchange/readahead.py); below it, starting that process costs more than it saves.
READ_AHEAD_BYTES = 8 << 20
# 16 MB: the 100,000-postdoc import took as long as with 48 (314 s and 311 s side by side), and its
# process 37 MB less (decision 71); the pages an import's inserts come back to are few.
SQLITE_IMPORT_CACHE_KIB = 16 * 1024


class _Rollback(Exception):
    pass


class Importer(SheetParsing, SheetWriting):
    """Reads, checks and writes a workbook's sheets in dependency order, in batches, all or nothing."""

    # ---- streaming, in batches ----------------------------------------------------------------

    def _references_resolve(self, sheet: str, ctx: RowContext, data: dict[str, Any]) -> bool:
        """Whether every reference of a row resolves. A reference to a row of this file that was
        refused is not reported again: the refused row's problem is the one to correct."""
        resolved = True
        for column, kind in REFERENCES.get(sheet, ()):
            value = data.get(column)
            for code in value if isinstance(value, list) else [value]:
                if not code:
                    continue
                if code in self.refused[kind]:
                    resolved = False
                elif kind != "postdoc" and self._lookup(kind, code) is None:
                    ctx.problem(
                        column,
                        _("No %(kind)s %(code)s exists in this file or in the institution.")
                        % {"kind": REFERENCE_NAMES[kind], "code": code},
                    )
                    resolved = False
        return resolved

    def _import_sheet(self, source: SheetSource) -> int:
        """Reads, checks and writes one sheet's rows; returns how many rows it had."""
        spec = source.spec
        parse = getattr(self, f"_parse_{SHEET_WRITERS[spec.name]}")
        kind = SHEET_KINDS[spec.name]
        self.columns = {key for key in source.header if key}
        self.headings = source.headings
        seen: dict[str, int] = {}
        batch: list[tuple[Row, dict[str, Any]]] = []
        rows = 0
        if self.read_ahead_bytes is not None and source.size >= self.read_ahead_bytes:
            stream = read_ahead(self.path, spec.name, self.report.problems, self.notices)
        else:
            stream = source.rows(self.report.problems, self.notices)
        for row in stream:
            rows += 1
            ctx = RowContext(source.title, row, self.report.problems, self.notices, source.headings)
            data = parse(ctx)
            key = data.get(spec.key, "")
            if key and key in seen:
                ctx.problem(
                    spec.key,
                    _("The key %(key)s appears twice in this sheet (rows %(first)s and %(second)s).")
                    % {"key": key, "first": seen[key], "second": row.number},
                )
            elif key:
                seen[key] = row.number
            if not ctx.failed and self._references_resolve(spec.name, ctx, data):
                batch.append((row, data))
            elif key and kind:
                self.refused[kind].add(key)
            if len(batch) >= (SLICE_ROWS if self.sliced else BATCH_ROWS):
                self._write_batch(source, batch)
                batch = []
            if self.progress is not None and rows % PROGRESS_ROWS == 0:
                self.progress(spec.name, self.rows_done + rows)
        self._write_batch(source, batch)
        self.rows_done += rows
        if kind:
            self._caches.pop(kind, None)  # the sheet may have added or changed records
        return rows

    def _forget_caches(self, keep: set[str]) -> None:
        """Lets go of the referenced records no sheet still to come reads: 20,000 supervisors are
        18 MB, which the next sheets' rows and SQLite's pages can use instead (issue 15)."""
        for kind in set(self._caches) - keep:
            del self._caches[kind]

    def _write_batch(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        if not batch:
            return
        if self.sliced:
            with transaction.atomic():  # one slice: the write lock is held for this batch only
                self._write_batch_now(source, batch)
        else:
            self._write_batch_now(source, batch)

    def _write_batch_now(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        if settings.DEBUG:
            # With DEBUG on (`make run`), Django keeps the last 9,000 statements with their values;
            # a batch's multi-row inserts are large, and 100,000s of rows would hold 100s of MB.
            reset_queries()
        if source.spec.name == "Supervisors":
            self._write_supervisors(source, batch)
        elif source.spec.name == "Postdocs":
            self._write_postdocs(source, batch)
        elif source.spec.name == "Projects":
            self._write_projects(source, batch)
        elif source.spec.name == "Outputs":
            self._write_outputs(source, batch)
        else:
            for row, data in batch:
                self._write_one(source, row, data)

    def _write_one(self, source: SheetSource, row: Row, data: dict[str, Any]) -> None:
        """One row through the per-record services, in a savepoint so a refusal leaves no trace."""
        writer = getattr(self, f"_write_{SHEET_WRITERS[source.spec.name]}")
        try:
            with transaction.atomic():
                outcome = writer(data)
        except DomainError as error:
            self._service_problem(source.spec, source.title, row, error)
            kind = SHEET_KINDS[source.spec.name]
            if kind:
                self.refused[kind].add(data[source.spec.key])
            return
        self.report.count(source.spec.name, outcome)

    def _bulk(
        self,
        source: SheetSource,
        rows: list[tuple[Row, dict[str, Any]]],
        write: Callable[[list[dict[str, Any]]], list[DomainError | None]],
    ) -> None:
        """Writes new records through a bulk service, which writes nothing if any is refused: the
        refusals become problems, and the rest are written again without them, so that rows of
        later sheets that refer to them are checked too."""
        errors = write([data for _row, data in rows])
        if any(errors):
            kind = SHEET_KINDS[source.spec.name]
            for (row, data), error in zip(rows, errors, strict=True):
                if error is not None:
                    self._service_problem(source.spec, source.title, row, error)
                    if kind:
                        self.refused[kind].add(data[source.spec.key])
            rows = [pair for pair, error in zip(rows, errors, strict=True) if error is None]
            if not rows or any(write([data for _row, data in rows])):
                return
        for _row in rows:
            self.report.count(source.spec.name, "new")

    def _write_supervisors(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        existing = set(
            Supervisor.objects.filter(institution=self.institution, staff_no__in=[d["staff_no"] for _r, d in batch])
            .order_by()
            .values_list("staff_no", flat=True)
        )
        new_rows = [(row, d) for row, d in batch if d["staff_no"] not in existing]
        for row, data in batch:
            if data["staff_no"] in existing:
                self._write_one(source, row, data)
        if not new_rows:
            return
        self._bulk(source, new_rows, self._create_supervisors)

    def _create_supervisors(self, rows: list[dict[str, Any]]) -> list[DomainError | None]:
        return supervisors_create(
            institution=self.institution,
            supervisors=[
                new_record(
                    Supervisor,
                    institution=self.institution,
                    staff_no=d["staff_no"],
                    name=d["name"],
                    unit=self._lookup("unit", d["unit_code"]),
                    station=self._lookup("station", d["station_code"]) if d["station_code"] else None,
                    title=d["title"],
                    is_external=d["external"],
                    is_doctoral_supervisor=bool(d["doctoral_supervisor"]),
                )
                for d in rows
            ],
            by=self.by,
            note=self.note,
        )

    def _write_postdocs(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        """New people with one appointment each go in bulk; the rest one by one, in file order."""
        numbers = [d["postdoc_no"] for _r, d in batch]
        imported = set(
            Appointment.objects.filter(institution=self.institution, postdoc_no__in=numbers)
            .order_by()
            .values_list("postdoc_no", flat=True)
        )
        registered = registered_ids(self.institution, ((d["id_type"], d["id_number"]) for _r, d in batch))
        pending: list[tuple[Row, dict[str, Any]]] = []
        pending_people: set[tuple[str, str]] = set()
        for row, data in batch:
            person = (data["id_type"], data["id_number"])
            if data["postdoc_no"] in imported or person in registered or person in pending_people:
                self._write_new_postdocs(source, pending)
                registered |= pending_people  # registered now, so their next stays go one by one
                pending, pending_people = [], set()
                self._write_one(source, row, data)
                registered.add(person)
            else:
                pending.append((row, data))
                pending_people.add(person)
        self._write_new_postdocs(source, pending)

    def _write_new_postdocs(self, source: SheetSource, rows: list[tuple[Row, dict[str, Any]]]) -> None:
        if rows:
            self._bulk(source, rows, self._create_postdocs)

    def _create_postdocs(self, rows: list[dict[str, Any]]) -> list[DomainError | None]:
        entries = [
            ImportedPostdoc(
                name=d["name"],
                gender=d["gender"],
                birth_date=d["birth_date"],
                id_type=d["id_type"],
                id_number=d["id_number"],
                nationality=d["nationality"],
                is_foreign=d["is_foreign"],
                phd_institution=d["phd_institution"],
                phd_date=d["phd_date"],
                station=self._lookup("station", d["station_code"]),
                primary_supervisor=self._lookup("supervisor", d["supervisor_staff_no"]),
                workstation=self._lookup("station", d["workstation_code"]) if d["workstation_code"] else None,
                route=d["route"],
                postdoc_no=d["postdoc_no"],
                entry_date=d["entry_date"],
                planned_exit_date=d["planned_exit_date"],
                status=d["status"],
                ended_on=d["exit_date"],
                exception_reason=d["exception_reason"],
                exit_exception_reason=d["exit_exception_reason"],
            )
            for d in rows
        ]
        return appointments_import(institution=self.institution, entries=entries, by=self.by, note=self.note)

    def _write_projects(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        stations = {station.pk: station for station in self._cache("station").values()}
        holders = {}
        for holder in (
            Appointment.objects.filter(
                institution=self.institution, postdoc_no__in={d["postdoc_no"] for _r, d in batch}
            )
            .order_by()
            .only("pk", "postdoc_no", "institution_id", "station_id", "workstation_id", "entry_date", "person_id")
        ):
            holder.station = stations[holder.station_id]  # from the cache: no query per holder
            holders[holder.postdoc_no] = holder
        existing = set(
            Project.objects.filter(institution=self.institution, project_no__in=[d["project_no"] for _r, d in batch])
            .order_by()
            .values_list("project_no", flat=True)
        )
        new_rows = []
        for row, data in batch:
            if data["postdoc_no"] not in holders:
                ctx = RowContext(source.title, row, self.report.problems)
                ctx.problem(
                    "postdoc_no",
                    _("No %(kind)s %(code)s exists in this file or in the institution.")
                    % {"kind": REFERENCE_NAMES["postdoc"], "code": data["postdoc_no"]},
                )
            elif data["project_no"] in existing:
                self._write_one(source, row, data)
            else:
                new_rows.append((row, data))
        index, levels = self._funding()

        def create(
            rows: list[dict[str, Any]], record: Callable[..., list[DomainError | None]]
        ) -> list[DomainError | None]:
            projects = [self._new_project(holders[d["postdoc_no"]], d) for d in rows]
            acknowledged: list[tuple[int, str]] = []
            errors = record(
                projects=projects,
                by=self.by,
                note=self.note,
                acknowledged=True,  # confirming the import after its dry run acknowledges its warnings
                index=index,
                levels=levels,
                warnings=acknowledged,
            )
            if not any(errors):
                for position, text in acknowledged:
                    self.report.warnings.append(
                        _("%(sheet)s, row %(row)s: %(text)s")
                        % {"sheet": source.title, "row": rows[position]["row_number"], "text": text}
                    )
            return errors

        awards = [(row, d) for row, d in new_rows if d["status"] not in APPLICATION_STATUSES]
        applications = [(row, d) for row, d in new_rows if d["status"] in APPLICATION_STATUSES]
        if awards:
            self._bulk(source, awards, lambda rows: create(rows, projects_record))
        if applications:
            self._bulk(source, applications, lambda rows: create(rows, applications_record))

    def _write_outputs(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        """New outputs go in bulk; those recorded before (matched by person and DOI, or kind and
        title) one by one, through `output_update` where the row changes them."""
        stays = {
            stay.postdoc_no: stay
            for stay in Appointment.objects.filter(
                institution=self.institution, postdoc_no__in={d["postdoc_no"] for _r, d in batch}
            )
            .select_related("person")
            .order_by()
        }
        people = {stay.person_id for stay in stays.values()}
        dois = {d["doi"] for _r, d in batch if d["doi"]}
        titles = {d["normalised_title"] for _r, d in batch}
        recorded: dict[int, list[Output]] = {}
        for output in (
            Output.objects.filter(person_id__in=people)
            .filter(Q(doi__in=dois) | Q(normalised_title__in=titles))
            .order_by("pk")
            .only("pk", "person_id", "kind", "doi", "normalised_title")
        ):
            recorded.setdefault(output.person_id, []).append(output)
        new_rows: list[tuple[Row, dict[str, Any]]] = []
        for row, data in batch:
            ctx = RowContext(source.title, row, self.report.problems)
            stay = stays.get(data["postdoc_no"])
            if stay is None:
                ctx.problem(
                    "postdoc_no",
                    _("No %(kind)s %(code)s exists in this file or in the institution.")
                    % {"kind": REFERENCE_NAMES["postdoc"], "code": data["postdoc_no"]},
                )
                continue
            matches = [
                o
                for o in recorded.get(stay.person_id, [])
                if (data["doi"] and o.doi == data["doi"])
                or (o.kind == data["kind"] and o.normalised_title == data["normalised_title"])
            ]
            earlier = [self._outputs_written[o.pk] for o in matches if o.pk in self._outputs_written]
            if earlier:
                ctx.problem(
                    "title",
                    _(
                        "This output repeats row %(row)s of this sheet (the same person's output, by DOI or by kind and title)."
                    )
                    % {"row": earlier[0]},
                )
            elif len(matches) > 1:
                ctx.problem(
                    "doi",
                    _(
                        "This row matches two outputs recorded for this person (one by DOI, one by kind and title); correct them on the outputs page first."
                    ),
                )
            elif matches:
                self._write_one(source, row, {**data, "match": matches[0].pk})
            else:
                new_rows.append((row, data))
        if not new_rows:
            return

        def create(rows: list[dict[str, Any]]) -> list[DomainError | None]:
            written: list[Output] = []
            errors = outputs_record(
                entries=[(stays[d["postdoc_no"]], {f: d[f] for f in OUTPUT_FIELDS}) for d in rows],
                by=self.by,
                note=self.note,
                written=written,
            )
            if written:  # all were written
                for output, d in zip(written, rows, strict=True):
                    self._outputs_written[output.pk] = d["row_number"]
            return errors

        self._bulk(source, new_rows, create)

    # ---- the whole ---------------------------------------------------------------------------

    def run(self) -> Report:
        if not (has_perm(self.by, Perm.MANAGE_REFERENCE) and self.by.institution_id == self.institution.pk):
            self.report.problems.append(
                Problem("", None, "", "", _("Only an office administrator of this institution can import a workbook."))
            )
            return self.report
        with open_workbook(self.path) as source:
            self.report.warnings += source.warnings
            self.report.problems += source.problems
            if self.report.problems:
                return self.report
            try:
                with self._all_or_nothing(), _large_page_cache():
                    rows = 0
                    sheets = _in_dependency_order(source)
                    for position, sheet in enumerate(sheets):
                        rows += self._import_sheet(sheet)
                        self._forget_caches(keep=_caches_read(sheets[position + 1 :]))
                    self.report.warnings += self.notices.sentences()
                    if rows == 0:
                        self.report.problems.append(source.empty_problem())
                    if self.report.problems or self.report.dry_run:
                        raise _Rollback
            except _Rollback:
                pass
            except ReadAheadFailed as error:
                self.report.problems.append(
                    Problem(
                        self.path.name, None, "", "", _("The file could not be read to the end (%(e)s).") % {"e": error}
                    )
                )
        if self.progress is not None:
            self.progress("done", self.rows_done)
        return self.report

    @contextlib.contextmanager
    def _all_or_nothing(self) -> Iterator[None]:
        """The block's writes are kept only if it ends normally; how, depends on the database."""
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            with transaction.atomic():
                yield
        elif self.report.dry_run:
            with isolation.snapshot(), transaction.atomic():  # written to a copy, thrown away
                yield
        else:
            self.sliced = True
            try:
                with isolation.UndoLog(self.owner or isolation.owner_of_this_process()) as log:
                    try:
                        yield
                    except BaseException:
                        log.undo()
                        raise
                    log.forget()
            finally:
                self.sliced = False


@contextlib.contextmanager
def _large_page_cache() -> Iterator[None]:
    """On SQLite, a page cache large enough for the indexes an import of 100,000s of rows updates
    (the default, 2 MB, makes every index insert go to the file); for the import's connection only,
    restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _caches_read(sheets: list[SheetSource]) -> set[str]:
    """The kinds of referenced records these sheets read from the importer's caches."""
    return {kind for sheet in sheets for kind in CACHES_READ.get(sheet.spec.name, ())}


def _in_dependency_order(source: WorkbookSource) -> list[SheetSource]:
    """Referenced sheets first, whatever the order in the file (references resolve within it)."""
    return [source.sheets[spec.name] for spec in SHEETS if spec.name in source.sheets]


# Which method parses and writes a sheet (`_parse_<x>`, `_write_<x>`), and which kind of record
# other sheets refer to it as.
SHEET_WRITERS = {
    "Disciplines": "discipline",
    "Units": "unit",
    "DoctoralRights": "right",
    "Stations": "station",
    "Supervisors": "supervisor",
    "Experts": "expert",
    "Postdocs": "postdoc",
    "Projects": "project",
    "Outputs": "output",
}
SHEET_KINDS = {
    "Disciplines": "discipline",
    "Units": "unit",
    "DoctoralRights": "",
    "Stations": "station",
    "Supervisors": "supervisor",
    "Experts": "",
    "Postdocs": "postdoc",
    "Projects": "",
    "Outputs": "",
}
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "DoctoralRights": (("discipline_code", "discipline"),),
    "Stations": (("discipline_code", "discipline"), ("unit_code", "unit")),
    "Supervisors": (("unit_code", "unit"), ("station_code", "station")),
    "Experts": (("unit_code", "unit"), ("staff_no", "supervisor"), ("disciplines", "discipline")),
    "Postdocs": (("station_code", "station"), ("supervisor_staff_no", "supervisor"), ("workstation_code", "station")),
    "Projects": (("postdoc_no", "postdoc"),),
    "Outputs": (("postdoc_no", "postdoc"),),
}

# The caches each sheet reads (ImportBase._cache): those of its references (not the postdocs, which
# are looked up in the database), and the stations of the Projects sheet's holders.
CACHES_READ: dict[str, frozenset[str]] = {
    sheet: frozenset(kind for _column, kind in references if kind != "postdoc")
    for sheet, references in REFERENCES.items()
} | {"Projects": frozenset({"station"})}


def import_workbook(
    *,
    path: str | Path,
    institution: Institution,
    by: User,
    dry_run: bool = False,
    progress: Progress | None = None,
    read_ahead_bytes: int | None = READ_AHEAD_BYTES,
    owner: str | None = None,
) -> Report:
    """Imports a workbook into an institution, all or nothing; the report says what happened.

    The rows are streamed sheet by sheet and written in batches, so memory stays bounded whatever
    the file's size; see the module's docstring for how the batches stay all or nothing. `owner`
    names the undo log of a sliced import on SQLite (the job's; by default this process's). `progress(stage, rows_done)` is called now and then
    (the stage is the sheet being read, then "done") so a background job can show how far it is.
    Sheets of at least `read_ahead_bytes` are read by a second process (None: never)."""
    return Importer(
        path=Path(path),
        institution=institution,
        by=by,
        dry_run=dry_run,
        progress=progress,
        read_ahead_bytes=read_ahead_bytes,
        owner=owner,
    ).run()
