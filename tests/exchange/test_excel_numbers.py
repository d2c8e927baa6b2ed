"""What Excel does to numbers in an office's workbook (issue 12): an ID number stored as a number has
lost its last digits and is refused, never imported; a number in a date-formatted cell that is no
Excel date is read as a date if it is one (20260305) and a row's problem if not, never a crash."""

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from core.sheets.cells import rounded_by_excel
from exchange.importer import import_workbook
from people.models import Person
from tests.exchange.test_workbook import BIRTH, HEADERS, counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World, resident_id

pytestmark = pytest.mark.django_db
ROUNDED = "Excel stored this ID number as a number and rounded away its last digits"


def all_digit_id() -> str:
    """A valid resident ID whose check character is a digit, so that Excel can take it for a number."""
    return next(i for i in (resident_id(BIRTH, serial) for serial in range(910, 999)) if i[-1].isdigit())


def with_cell(path: Path, sheet: str, column: str, value: Any, number_format: str | None = None) -> Path:
    """The workbook with one cell of the first data row changed as Excel would store it."""
    book = load_workbook(path)
    cell = book[sheet].cell(row=2, column=HEADERS[sheet].index(column) + 1)
    cell.value = value
    if number_format:
        cell.number_format = number_format
    book.save(path)
    return path


def test_the_check_knows_numbers_from_text():
    assert rounded_by_excel(1.10101199003071e17) and rounded_by_excel(110101199003071234)
    assert rounded_by_excel("1.10101199003071E+17") and rounded_by_excel("1.1E17")
    assert not rounded_by_excel("110101199003071234") and not rounded_by_excel(123456789)
    assert not rounded_by_excel("E12345678") and not rounded_by_excel(True) and not rounded_by_excel(None)


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(lambda i: float(f"{int(i):.14e}"), id="numeric cell, 15 significant digits"),
        pytest.param(lambda i: int(i), id="numeric cell, all digits"),
        pytest.param(lambda i: f"{int(i):.14E}", id="scientific text from a CSV"),
    ],
)
def test_an_id_number_excel_stored_as_a_number_is_refused_and_nothing_is_written(world: World, tmp_path, stored):
    number = all_digit_id()
    sheets = valid_sheets()
    sheets["Postdocs"][1][HEADERS["Postdocs"].index("id_number")] = number
    path = with_cell(write_xlsx(tmp_path / "ids.xlsx", sheets), "Postdocs", "id_number", stored(number))
    before = counts()
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert not report.ok and counts() == before
    problems = [p for p in report.problems if p.column == "id_number" and ROUNDED in p.message]
    assert problems and problems[0].row == 2, problems_text(report)
    assert "Format the column as Text" in problems[0].message


def test_the_same_id_as_text_imports(world: World, tmp_path):
    number = all_digit_id()
    sheets = valid_sheets()
    sheets["Postdocs"][1][HEADERS["Postdocs"].index("id_number")] = number
    report = import_workbook(
        path=write_xlsx(tmp_path / "text.xlsx", sheets), institution=world.institution, by=world.admin, dry_run=False
    )
    assert report.ok, problems_text(report)
    assert Person.objects.filter(institution=world.institution, id_number=number).exists()


def test_a_typed_date_number_in_a_date_formatted_cell_is_read_as_that_date(world: World, tmp_path):
    path = with_cell(write_xlsx(tmp_path / "d.xlsx", valid_sheets()), "Postdocs", "entry_date", 20230301, "yyyy-mm-dd")
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert report.ok, problems_text(report)


def test_a_number_too_large_for_a_date_is_the_rows_problem_not_a_crash(world: World, tmp_path):
    path = with_cell(
        write_xlsx(tmp_path / "big.xlsx", valid_sheets()), "Postdocs", "entry_date", 99999999999, "yyyy-mm-dd"
    )
    before = counts()
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert not report.ok and counts() == before
    assert [p for p in report.problems if p.column == "entry_date" and p.row == 2], problems_text(report)
