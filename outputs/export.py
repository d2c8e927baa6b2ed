"""The research outputs as a sheet: the list page's export (every page of the filtered list). The
sheet is not one of the exchange workbook's (nothing imports it back; a file of references comes in
through the import page), so its columns are declared here, English keys with Chinese names."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from outputs.models import Output
from outputs.services import given_fields

OUTPUTS_SHEET = SheetSpec(
    "Outputs",
    "科研成果",
    "title",
    (
        Column("postdoc_no", "博士后编号", True),
        Column("name", "姓名"),
        Column("station_code", "设站代码"),
        Column("kind", "成果类型", True),
        Column("title", "题名", True),
        Column("year", "年度", True),
        Column("published_on", "日期"),
        Column("phase", "阶段"),
        Column("authors", "作者"),
        Column("author_position", "本人排名"),
        Column("author_count", "作者人数"),
        Column("corresponding", "通讯作者"),
        Column("doi", "DOI"),
        Column("journal", "期刊或会议"),
        Column("issn", "ISSN"),
        Column("volume", "卷"),
        Column("issue", "期"),
        Column("pages", "页码"),
        Column("publisher", "出版者"),
        Column("isbn", "ISBN"),
        Column("number", "专利号或标准号"),
        Column("patent_kind", "专利类型"),
        Column("granted_on", "授权日期"),
        Column("award_level", "奖励级别"),
        Column("award_grade", "奖励等级"),
    ),
)


def output_rows(outputs: QuerySet[Output]) -> Iterator[writers.Row]:
    query = outputs.select_related("person", "appointment", "appointment__station")
    for o in query.iterator(chunk_size=writers.CHUNK_SIZE):
        yield {
            "postdoc_no": o.appointment.postdoc_no,
            "name": o.person.name,
            "station_code": o.appointment.station.code,
            **given_fields(o),
            "phase": o.phase,
            "authors": "; ".join(o.author_list),
            "author_count": o.author_count,
            "corresponding": "yes" if o.corresponding else "no",
        }


def outputs_sheet(outputs: QuerySet[Output]) -> writers.Sheet:
    return writers.Sheet("Outputs", output_rows(outputs), OUTPUTS_SHEET)
