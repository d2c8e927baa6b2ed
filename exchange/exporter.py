"""Exporting records as the exchange workbook (English sheet and column names).

One row-writing path serves the whole-institution workbook (`export_workbook`, the
`export_workbook` command) and the exports of the list pages (`core.sheets.writers.export_response`):
a sheet is a name from `exchange.layout.SHEETS` and an iterator of rows, each row a mapping of
column key to value, made by the `*_rows` functions from a queryset. The header comes from SHEETS,
so a column a row does not give is an empty cell.

Memory stays flat: querysets are read with `iterator(chunk_size=…)` and the sheets are written by
`core.sheets.writers`. ID numbers are masked unless the user may reveal them, and an export with
full IDs is audited (`audit.exports`).
"""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm, sees_whole_institution
from appointments.access import visible_appointments
from appointments.export import postdoc_rows
from audit.exports import record_full_id_export
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from core.errors import DomainError
from core.sheets.writers import CHUNK_SIZE, Row, Sheet, write_xlsx
from establishment.export import applications_sheet, evaluations_sheet
from establishment.models import Application
from exchange.layout import SHEETS
from funding.export import project_rows, projects_of
from outputs.models import Output
from outputs.services import given_fields
from people.export import supervisor_rows
from people.models import Supervisor
from reviews.access import panel_review_ids, review_subjects, visible_reviews
from reviews.export import reviews_sheet
from reviews.models import Expert, Rank
from stations.access import may_view_evaluations, visible_evaluations
from stations.export import station_rows
from stations.models import Station

RANK_WORDS: dict[int, str] = {Rank.FULL: "full", Rank.ASSOCIATE: "associate", Rank.INTERMEDIATE: "intermediate"}


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# ---------------------------------------------------------------------------------------------
# Rows: one function per sheet, from a queryset the caller has filtered and ordered


def discipline_rows(disciplines: QuerySet[Discipline]) -> Iterator[Row]:
    for d in disciplines.iterator(chunk_size=CHUNK_SIZE):
        yield {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "category": d.code[:2]}


def unit_rows(units: QuerySet[Unit]) -> Iterator[Row]:
    for u in units.iterator(chunk_size=CHUNK_SIZE):
        yield {"code": u.code, "name": u.name_zh, "kind": u.kind}


def doctoral_right_rows(rights: QuerySet[DoctoralRight]) -> Iterator[Row]:
    for r in rights.select_related("discipline").iterator(chunk_size=CHUNK_SIZE):
        yield {"discipline_code": r.discipline.code, "since": r.since}


def expert_rows(experts: QuerySet[Expert]) -> Iterator[Row]:
    query = experts.select_related("unit", "supervisor").prefetch_related("disciplines")
    for e in query.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "code": e.code,
            "name": e.name,
            "name_en": e.name_en,
            "external": _yes_no(e.is_external),
            "affiliation": e.affiliation,
            "unit_code": e.unit.code if e.unit else "",
            "staff_no": e.supervisor.staff_no if e.supervisor else "",
            "title": e.title,
            "rank": RANK_WORDS.get(e.rank, ""),
            "doctoral_supervisor": _yes_no(e.is_doctoral_supervisor),
            "disciplines": ";".join(sorted(d.code for d in e.disciplines.all())),
            "email": e.email,
            "phone": e.phone,
            "language": e.language,
            "active": _yes_no(e.is_active),
        }


def output_rows(outputs: QuerySet[Output]) -> Iterator[Row]:
    """Research outputs as Outputs rows: the authors one name after another, separated by "; "
    (a name never holds one), the postdoc by the number of the stay the output is recorded on."""
    for o in outputs.select_related("appointment").iterator(chunk_size=CHUNK_SIZE):
        yield {
            "postdoc_no": o.appointment.postdoc_no,
            **given_fields(o),
            "authors": "; ".join(o.author_list),
            "corresponding": _yes_no(o.corresponding),
        }


# ---------------------------------------------------------------------------------------------
# The whole workbook of an institution


def workbook_sheets(institution: Institution, user: Any, *, reveal: bool) -> list[Sheet]:
    """Every sheet of SHEETS with the institution's records the user may see (the expert pool only
    for those who see the whole institution: administrators and leadership), then the export-only
    sheets of the review engine (docs/decisions/0012) the user's role sees."""
    appointments = visible_appointments(user).filter(institution=institution)
    whole = sees_whole_institution(user)
    used = Q(pk__in=DoctoralRight.objects.filter(institution=institution).values("discipline"))
    used |= Q(pk__in=Station.objects.filter(institution=institution).values("discipline"))
    if whole:
        used |= Q(
            pk__in=Expert.disciplines.through.objects.filter(expert__institution=institution).values("discipline")
        )
    rows: dict[str, Iterable[Row]] = {
        "Disciplines": discipline_rows(Discipline.objects.filter(used).order_by("code")),
        "Units": unit_rows(Unit.objects.filter(institution=institution).order_by("code")),
        "DoctoralRights": doctoral_right_rows(
            DoctoralRight.objects.filter(institution=institution).order_by("discipline__code")
        ),
        "Stations": station_rows(Station.objects.filter(institution=institution).order_by("code")),
        "Supervisors": supervisor_rows(Supervisor.objects.filter(institution=institution).order_by("staff_no")),
        "Postdocs": postdoc_rows(appointments.order_by("entry_date", "postdoc_no"), reveal=reveal),
        "Projects": project_rows(projects_of(appointments).filter(institution=institution)),
        "Outputs": output_rows(
            Output.objects.filter(
                institution=institution, appointment__in=appointments.order_by().values("pk")
            ).order_by("appointment__postdoc_no", "kind", "year", "pk")
        ),
    }
    if whole:
        # Experts without a number are written too, with the number blank: the import asks for one.
        rows["Experts"] = expert_rows(Expert.objects.filter(institution=institution).order_by("code", "name", "pk"))
    sheets = [Sheet(spec.name, rows.get(spec.name, ()), spec) for spec in SHEETS if spec.name != "Experts" or whole]
    if whole:
        sheets.append(applications_sheet(Application.objects.filter(institution=institution)))
    if may_view_evaluations(user):
        evaluations = visible_evaluations(user).filter(station__institution=institution)
        sheets.append(evaluations_sheet(evaluations.order_by("-cycle", "station__code", "kind")))
    reviews = review_subjects(visible_reviews(user).filter(institution=institution)).order_by("-deadline", "-pk")
    sheets.append(reviews_sheet(reviews, panel_review_ids(user, reviews)))
    return sheets


def export_workbook(*, path: str | Path, institution: Institution, user: Any) -> dict[str, int]:
    """Writes the institution's records the user may see; returns rows written per sheet."""
    may_export = has_perm(user, Perm.VIEW_INSTITUTION) or has_perm(user, Perm.MANAGE_APPOINTMENTS)
    if getattr(user, "institution_id", None) != institution.pk or not may_export:
        raise DomainError(_("You may not export this institution's records."))
    reveal = has_perm(user, Perm.REVEAL_ID)
    counts = write_xlsx(str(path), workbook_sheets(institution, user, reveal=reveal))
    if reveal:
        record_full_id_export(user=user, institution=institution, postdoc_rows=counts.get("Postdocs", 0))
    return counts
