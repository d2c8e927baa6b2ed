"""The stations side by side (establishment/comparison.py) as a page and an export, for those who
see the whole institution's figures (office administrators and leadership); other roles are
refused (403)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from appointments.models import Appointment
from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from core.sorting import SortColumn, Sorting
from core.views import is_htmx
from establishment.comparison import MAX_YEARS, Comparison, StationFigures, stations_compared
from funding.amounts import amount_style_of, format_amount
from stations.indicators import INDICATOR_BY_KEY
from stations.models import Station

GROUND_CHOICES = Appointment.WithdrawalGround.choices
FIRST_YEAR = 1985  # the first postdoctoral stations in China were set up in 1985


class ComparisonForm(forms.Form):
    year_from = forms.IntegerField(label=_("From year"), required=False, min_value=FIRST_YEAR)
    year_to = forms.IntegerField(label=_("To year"), required=False, min_value=FIRST_YEAR)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Station.Kind.choices])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        for name in ("year_from", "year_to"):
            field = self.fields[name]
            assert isinstance(field, forms.IntegerField)
            field.max_value = today.year
            field.widget.attrs.update({"max": today.year, "placeholder": self.default_years()[name == "year_to"]})
        self.fields["q"].widget.attrs["placeholder"] = _("Station name or code")

    def default_years(self) -> tuple[int, int]:
        """The last five calendar years, this one included."""
        return self.today.year - 4, self.today.year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = self.default_years()
        year_from, year_to = data.get("year_from") or first, data.get("year_to") or last
        if year_from > year_to:
            self.add_error("year_to", _("The last year comes on or after the first."))
        elif year_to - year_from + 1 > MAX_YEARS:
            self.add_error("year_to", _("Compare at most %(n)s years at a time.") % {"n": MAX_YEARS})
        return data


# The page's columns after the station, each a StationFigures attribute a reader may sort by.
COLUMNS = (
    "intake",
    "in_station_at_end",
    "exits",
    "median_months_to_exit",
    "on_time_share",
    "extensions",
    "withdrawals",
    "transfers",
    "postdoc_years",
    "projects",
    "amount",
    "projects_per_postdoc_year",
    "amount_per_postdoc_year",
    "research_outputs",
    "outputs_per_postdoc_year",
    "supervisors",
)
# Largest first on the first click, but the station's code from A.
SORTING = Sorting(
    {"code": SortColumn(("code",)), **{key: SortColumn((key,), descending_first=True) for key in COLUMNS}},
    default=("code",),
)
# The evaluation's indicators among the columns: their definitions go below the table.
DEFINED = [key for key in COLUMNS if key in INDICATOR_BY_KEY]


def _value(line: StationFigures, key: str) -> Any:
    return line.station.code if key == "code" and line.station else getattr(line, key)


def compared(request: SignedInRequest) -> tuple[ComparisonForm, Comparison | None, Any]:
    """The form, the comparison its period and filters ask for (None while the form is invalid),
    and the order; refuses roles that do not see the whole institution."""
    user = request.user
    if not has_perm(user, Perm.VIEW_INSTITUTION) or user.institution_id is None:
        raise PermissionDenied
    today = timezone.localdate()
    form = ComparisonForm(request.GET or None, today=today)
    sort = SORTING.from_request(request)
    if form.is_bound and not form.is_valid():
        return form, None, sort
    data = form.cleaned_data if form.is_bound else {}
    first, last = form.default_years()
    start = dt.date(data.get("year_from") or first, 1, 1)
    end = min(dt.date(data.get("year_to") or last, 12, 31), today)
    stations: QuerySet[Station] = Station.objects.filter(institution_id=user.institution_id)
    if data.get("kind"):
        stations = stations.filter(kind=data["kind"])
    if text := (data.get("q") or "").strip():
        stations = stations.filter(Q(name_zh__icontains=text) | Q(name_en__icontains=text) | Q(code__icontains=text))
    comparison = stations_compared(user.institution_id, start, end, stations)
    if sort.key is not None:
        key = sort.key
        present = [line for line in comparison.stations if _value(line, key) is not None]
        empty = [line for line in comparison.stations if _value(line, key) is None]
        present.sort(key=lambda line: _value(line, key), reverse=sort.descending)
        comparison.stations[:] = present + empty  # empty values last either way
    return form, comparison, sort


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def line_cells(line: StationFigures, amount_style: str) -> SafeString:
    """The line's figures as the page's `<td>` cells, in the columns' order. Up to 300 stations of
    twenty figures: Django's template loop costs about 13 µs a cell (40 ms a page), this a tenth of
    that; the cells are plain numbers, and the row around them stays in the template."""
    grounds = "; ".join(f"{label}: {n}" for label, n in line.withdrawal_grounds)
    per_year = line.amount_per_postdoc_year
    figure, secondary = "num nowrap", "num nowrap col-secondary"
    cells = [
        (figure, str(line.intake), ""),
        *((secondary, str(n), "") for n in line.intake_by_year.values()),
        (figure, str(line.in_station_at_end), ""),
        (figure, str(line.exits), ""),
        (figure, _text(line.median_months_to_exit), ""),
        (figure, _text(line.on_time_share), ""),
        (figure, str(line.extensions), ""),
        (figure, str(line.withdrawals), grounds),
        (figure, str(line.transfers), ""),
        (figure, str(line.postdoc_years), ""),
        (figure, str(line.projects), ""),
        (figure, format_amount(line.amount, amount_style), ""),
        (figure, _text(line.projects_per_postdoc_year), ""),
        (figure, "—" if per_year is None else format_amount(per_year, amount_style), ""),
        (figure, str(line.research_outputs), ""),
        (figure, _text(line.outputs_per_postdoc_year), ""),
        (figure, str(line.supervisors), ""),
    ]
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<td class="{css}"{f' title="{escape(title)}"' if title else ""}>{escape(text)}</td>'
            for css, text, title in cells
        )
    )


@login_required
@require_GET
def station_comparison(request: SignedInRequest) -> HttpResponse:
    form, comparison, sort = compared(request)
    lines: list[tuple[Station | None, SafeString]] = []
    if comparison is not None:
        style = amount_style_of(request.user.institution_id)
        lines = [(line.station, line_cells(line, style)) for line in [*comparison.stations, comparison.institution]]
    context: dict[str, Any] = {
        "form": form,
        "comparison": comparison,
        "lines": lines[:-1],
        "institution_line": lines[-1] if lines else None,
        "sort": sort,
        "definitions": [(INDICATOR_BY_KEY[key].label, INDICATOR_BY_KEY[key].definition) for key in DEFINED],
        "filtered": bool(request.GET.get("kind") or request.GET.get("q")),
    }
    if is_htmx(request):
        return render(request, "stations/comparison.html#rows", context)
    return render(request, "stations/comparison.html", context)


# ---- the export ------------------------------------------------------------------------------------

_STATION_COLUMNS: list[tuple[str, str, Callable[[StationFigures], Any]]] = [
    ("station_code", "设站代码", lambda line: line.station.code if line.station else ""),
    ("station_name", "设站名称", lambda line: line.station.name_zh if line.station else "全校"),
    ("station_kind", "类型", lambda line: line.station.kind if line.station else ""),
]
# The page's columns, with their Chinese headings.
_FIGURE_HEADINGS = {
    "intake": "招收",
    "in_station_at_end": "期末在站",
    "exits": "出站",
    "median_months_to_exit": "出站时在站月数中位数",
    "on_time_share": "按期出站比例(%)",
    "extensions": "延期",
    "withdrawals": "退站",
    "transfers": "转出",
    "postdoc_years": "博士后人年",
    "projects": "获批项目",
    "amount": "项目经费(元)",
    "projects_per_postdoc_year": "每人年项目数",
    "amount_per_postdoc_year": "每人年经费(元)",
    "research_outputs": "科研成果",
    "outputs_per_postdoc_year": "每人年科研成果",
    "supervisors": "有博士后的合作导师",
}
assert list(_FIGURE_HEADINGS) == list(COLUMNS)


def comparison_sheet(comparison: Comparison) -> writers.Sheet:
    """One row per station, then the institution's; after the figures, the intake of each year and
    the withdrawals by ground."""
    year_columns = [(f"intake_{year}", f"{year}年招收", year) for year in comparison.years]
    with translation.override("zh-hans"):
        ground_columns = [(f"withdrawals_{ground}", f"退站：{label}", ground) for ground, label in GROUND_CHOICES]
    spec = SheetSpec(
        "Stations compared",
        "设站比较",
        "station_code",
        (
            *(Column(key, zh) for key, zh, _get in _STATION_COLUMNS),
            *(Column(key, zh) for key, zh in _FIGURE_HEADINGS.items()),
            *(Column(key, zh) for key, zh, _year in year_columns),
            *(Column(key, zh) for key, zh, _ground in ground_columns),
        ),
    )

    def rows() -> Any:
        for line in [*comparison.stations, comparison.institution]:
            row = {key: get(line) for key, _zh, get in _STATION_COLUMNS}
            row.update({key: getattr(line, key) for key in COLUMNS})
            row.update({key: line.intake_by_year[year] for key, _zh, year in year_columns})
            row.update({key: line.withdrawals_by_ground.get(ground, 0) for key, _zh, ground in ground_columns})
            yield row

    return writers.Sheet(spec.name, rows(), spec)


@login_required
@require_GET
def station_comparison_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The comparison the page's period, filters and order select, as `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    _form, comparison, _sort = compared(request)
    if comparison is None:
        raise Http404
    return writers.export_response([comparison_sheet(comparison)], fmt=fmt, basename="stations-compared")
