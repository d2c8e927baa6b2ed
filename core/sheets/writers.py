"""Writing sheets for download: an `.xlsx`, a `.zip` of CSV files or one streamed CSV.

Memory stays flat: an `.xlsx` is written with openpyxl's write-only mode into a temporary file, a
`.zip` of CSV files likewise, and a single CSV is streamed. Text that a spreadsheet would take for
a formula (= + - @) is neutralised with a leading quote. Dates are real dates in `.xlsx` and
`yyyy-mm-dd` in CSV. The header row is the sheet's column keys, so a column a row does not give is
an empty cell.
"""

import csv
import datetime as dt
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from io import TextIOWrapper
from pathlib import Path
from typing import IO, Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from core.sheets.specs import SheetSpec

FORMULA_STARTS = ("=", "+", "-", "@")
CHUNK_SIZE = 2000  # rows fetched per round trip by queryset.iterator()
CSV_BATCH = 500  # CSV rows per chunk of a streamed response

Row = Mapping[str, Any]

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".csv": "text/csv; charset=utf-8",
}


def neutralise[V](value: V) -> V | str:
    """A cell value that no spreadsheet will evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Sheet:
    """One sheet of an export: its name, its rows (column key → value) and its columns (`spec`)."""

    name: str
    rows: Iterable[Row]
    spec: SheetSpec


# ---------------------------------------------------------------------------------------------
# Writers: .xlsx, a .zip of CSV files, one streamed CSV


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, (Decimal, int, float, dt.date)):
        return value
    return neutralise(str(value))


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, (Decimal, int, float)):
        return str(value)
    return neutralise(str(value))


def _csv_records(sheet: Sheet) -> Iterator[list[str]]:
    keys = [column.key for column in sheet.spec.columns]
    yield keys
    for row in sheet.rows:
        yield [_csv_value(row.get(key)) for key in keys]


def write_xlsx(target: str | Path | IO[bytes], sheets: Iterable[Sheet]) -> dict[str, int]:
    """Writes the sheets into one workbook (openpyxl write-only); returns rows written per sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        keys = [column.key for column in sheet.spec.columns]
        worksheet.append(keys)
        n = 0
        for row in sheet.rows:
            cells: list[Any] = []
            for key in keys:
                value = _xlsx_value(row.get(key))
                if isinstance(value, dt.date):
                    cell = WriteOnlyCell(worksheet, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                else:
                    cells.append(value)
            worksheet.append(cells)
            n += 1
        counts[sheet.name] = n
    workbook.save(target)
    return counts


def write_csv_zip(target: str | Path | IO[bytes], sheets: Iterable[Sheet]) -> dict[str, int]:
    """Writes one `<Sheet>.csv` per sheet (UTF-8 with BOM) into a zip; returns rows per sheet."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for sheet in sheets:
            with archive.open(f"{sheet.name}.csv", "w") as entry:
                text = TextIOWrapper(entry, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                n = -1  # the header is not a row
                for record in _csv_records(sheet):
                    writer.writerow(record)
                    n += 1
                text.flush()
                text.detach()
            counts[sheet.name] = n
    return counts


class _Line:
    """A file-like object whose write returns what it was given (for csv.writer in a stream)."""

    def write(self, text: str) -> str:
        return text


def csv_stream(sheet: Sheet, on_done: Callable[[dict[str, int]], None] | None = None) -> Iterator[bytes]:
    """One sheet as CSV bytes, UTF-8 with BOM, in batches; `on_done(counts)` when it ends."""
    writer = csv.writer(_Line())
    n = -1
    try:
        batch: list[str] = ["\ufeff"]
        for record in _csv_records(sheet):
            batch.append(writer.writerow(record))
            n += 1
            if len(batch) >= CSV_BATCH:
                yield "".join(batch).encode()
                batch = []
        if batch:
            yield "".join(batch).encode()
    finally:
        if on_done is not None:
            on_done({sheet.name: max(n, 0)})


def export_response(
    sheets: list[Sheet],
    *,
    fmt: str,
    basename: str,
    on_done: Callable[[dict[str, int]], None] | None = None,
) -> HttpResponseBase:
    """A download of the sheets: `<basename>-<date>.xlsx`, `.csv` (one sheet) or `.zip` (of CSVs).

    A single CSV is streamed; a workbook or a zip is written to an anonymous temporary file that
    disappears when the response closes it. `on_done(counts)` is called once the rows are out."""
    stem = f"{basename}-{timezone.localdate().isoformat()}"
    response: HttpResponseBase
    if fmt == CSV and len(sheets) == 1:
        filename = f"{stem}.csv"
        response = StreamingHttpResponse(csv_stream(sheets[0], on_done), content_type=CONTENT_TYPES[".csv"])
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        suffix = ".xlsx" if fmt == XLSX else ".zip"
        filename = stem + suffix
        file = tempfile.TemporaryFile(suffix=suffix)  # noqa: SIM115 - the response closes (and so deletes) it
        try:
            counts = write_xlsx(file, sheets) if fmt == XLSX else write_csv_zip(file, sheets)
            file.seek(0)
        except BaseException:
            file.close()
            raise
        if on_done is not None:
            on_done(counts)
        response = FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[suffix])
    add_never_cache_headers(response)
    return response
