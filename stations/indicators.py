"""What a station evaluation's stored indicators mean (`Evaluation.indicators`, a JSON object): each
key with its label and definition, and the station's and the evaluation's history told as the
numbers that changed. They stay beside the model that stores them; computing them from the records
is establishment.evaluation's (it reads appointments, projects and outputs, above this app)."""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from stations.models import Evaluation


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    definition: str | Promise


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "intake",
        _("Intake"),
        _("Postdocs who entered the station in the period (entry date in the period, entry recorded)."),
    ),
    Indicator(
        "in_station_at_end",
        _("In station at the period's end"),
        _(
            "Postdocs who had entered by the period's last day and had not exited, withdrawn or transferred on or before it."
        ),
    ),
    Indicator(
        "exits",
        _("Exits"),
        _("Postdocs who exited the station (出站) in the period; withdrawals and transfers are not exits."),
    ),
    Indicator(
        "exits_on_time",
        _("Exits on time"),
        _(
            "Exits on or before the planned exit date as it stood at entry: the first extension's previous "
            "planned exit, or the planned exit if the stay was never extended. An extended stay is never on time."
        ),
    ),
    Indicator(
        "on_time_share",
        _("Share of exits on time (%)"),
        _("Exits on time over all exits in the period, in per cent with one decimal; empty when nobody exited."),
    ),
    Indicator(
        "extensions",
        _("Extensions"),
        _(
            "Extensions (延期) whose previous planned exit lies in the period: an extension is dated by the "
            "exit it moved, not by the day it was typed in, so that loaded history counts where it happened."
        ),
    ),
    Indicator(
        "withdrawals",
        _("Withdrawals"),
        _("Postdocs who withdrew (退站) in the period, by recorded ground."),
    ),
    Indicator(
        "transfers",
        _("Transfers out"),
        _("Postdocs who transferred to another station in the period."),
    ),
    Indicator(
        "postdoc_years",
        _("Postdoc-years"),
        _(
            "The sum over the station's postdocs of the days each was in station within the period (from entry "
            "up to the day before the stay ended), divided by 365.25, with one decimal."
        ),
    ),
    Indicator(
        "projects",
        _("Projects awarded"),
        _(
            "Projects awarded in the period (award date in the period) held by the station's postdocs, at any "
            "level, counted once per project."
        ),
    ),
    Indicator(
        "projects_per_postdoc_year",
        _("Projects per postdoc-year"),
        _("Projects awarded over postdoc-years, with two decimals; empty when there are no postdoc-years."),
    ),
    Indicator(
        "research_outputs",
        _("Research outputs"),
        _(
            "Papers, patents, awards, books and standards of the station's postdocs produced in station and dated "
            "in the period: dated by their publication date, else 1 July of their year, on or after the postdoc's "
            "entry and before the stay ended; counted once per output and stay."
        ),
    ),
    Indicator(
        "outputs_per_postdoc_year",
        _("Research outputs per postdoc-year"),
        _("Research outputs over postdoc-years, with two decimals; empty when there are no postdoc-years."),
    ),
)
INDICATOR_BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


def readable_timeline(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tells a change of an evaluation's indicators as the numbers that changed, not as one long
    JSON value."""
    indicators_label = str(capfirst(Evaluation._meta.get_field("indicators").verbose_name))
    for entry in entries:
        event = entry["event"]
        if not event.event.startswith("evaluation."):
            continue
        changes = [c for c in entry["changes"] if str(c["label"]) != indicators_label]
        if not entry["created"]:
            before = (event.before or {}).get("indicators") or {}
            after = (event.after or {}).get("indicators") or {}
            for indicator in INDICATORS:
                old, new = before.get(indicator.key), after.get(indicator.key)
                if old != new:
                    changes.append({"label": indicator.label, "before": _shown(old), "after": _shown(new)})
        entry["changes"] = changes
    return entries


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)
