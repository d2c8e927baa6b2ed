"""Supervisor drop-downs of the postdoc forms: in pinyin order (the model's), and for a form about
one station, that station's supervisors first (the browser's type-to-search works within them)."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from people.models import Supervisor
from stations.models import Station


def supervisor_choices(supervisors: Iterable[Supervisor], station: Station | None) -> list[Any]:
    """A supervisor drop-down's choices: that station's supervisors first, as "This station", then
    the others; without a station one list. The queryset's order (pinyin) is kept within each."""
    if station is None:
        return [("", "—"), *((s.pk, str(s)) for s in supervisors)]
    own: list[tuple[int, str]] = []
    others: list[tuple[int, str]] = []
    for supervisor in supervisors:
        (own if supervisor.station_id == station.pk else others).append((supervisor.pk, str(supervisor)))
    return [("", "—"), (_("This station"), own), (_("Other stations"), others)]


class GroupedSupervisorField(forms.ModelChoiceField[Supervisor]):
    """A supervisor drop-down grouped by `supervisor_choices` once the form knows the station."""

    def group_by(self, station: Station | None) -> None:
        queryset = self.queryset
        if station is not None and queryset is not None:
            self.choices = supervisor_choices(queryset, station)


def chosen_station(form: forms.Form, stations: QuerySet[Station], preselect: str | None = None) -> Station | None:
    """The station a postdoc form is for: the one sent, else the one the page was opened for
    (?station=), else the only one the user may choose. Its supervisors are offered first."""
    raw = form.data.get("station") if form.is_bound else preselect
    if raw and str(raw).isdigit():
        return stations.filter(pk=raw).first()
    if not form.is_bound and len(ids := list(stations.values_list("pk", flat=True)[:2])) == 1:
        return stations.get(pk=ids[0])
    return None


def regroup_on_change(form: forms.Form, url: str) -> None:
    """When the form's station changes, the page is asked again for that station (?station=) and
    its supervisor drop-downs are swapped in, that station's supervisors first (htmx, out of band:
    the rest of the form and what was typed in it stay as they are)."""
    form.fields["station"].widget.attrs.update(
        {
            "hx-get": url,
            "hx-trigger": "change",
            "hx-swap": "none",
            "hx-select-oob": "#id_primary_supervisor,#id_co_supervisor",
        }
    )
