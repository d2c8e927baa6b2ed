"""Headers as offices write them (issue 12): the wording of their own templates beside the spec's,
and required marks, are read as the spec's columns and said in the report's warnings."""

import pytest

from exchange.importer import import_workbook
from people.models import Person
from tests.exchange.test_workbook import HEADERS, ID_A, counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World

pytestmark = pytest.mark.django_db

OFFICE_WORDING = {
    "id_number": "身份证号",
    "entry_date": "进站日期",
    "name": "*姓名",
    "gender": "性别（必填）",
    "phd_date": "博士毕业时间",
    "supervisor_staff_no": "导师工号",
}


def office_sheets() -> dict:
    sheets = valid_sheets()
    sheets["Postdocs"][0] = [OFFICE_WORDING.get(key, key) for key in HEADERS["Postdocs"]]
    return sheets


def test_an_offices_own_wording_imports_and_each_variant_is_said(world: World, tmp_path):
    report = import_workbook(
        path=write_xlsx(tmp_path / "office.xlsx", office_sheets()),
        institution=world.institution,
        by=world.admin,
        dry_run=False,
    )
    assert report.ok, problems_text(report)
    assert Person.objects.filter(institution=world.institution, id_number=ID_A).exists()
    said = "\n".join(report.warnings)
    assert "column 身份证号 was read as 证件号码 (id_number)" in said
    assert "column 进站日期 was read as 进站时间 (entry_date)" in said
    # A required mark is no part of the name: nothing to say about it.
    assert "*姓名" not in said and "性别（必填）" not in said


def test_a_variant_beside_the_spec_name_is_the_same_column_twice(world: World, tmp_path):
    sheets = valid_sheets()
    sheets["Postdocs"][0].append("身份证号")
    for row in sheets["Postdocs"][1:]:
        row.append(row[HEADERS["Postdocs"].index("id_number")])
    before = counts()
    report = import_workbook(
        path=write_xlsx(tmp_path / "twice.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert not report.ok and counts() == before
    assert "This column appears twice in the header." in problems_text(report)
