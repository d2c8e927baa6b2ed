"""What the station list counts: each station's postdocs in station now. For a workstation they are the
appointments whose station it is and those it trains jointly (Appointment.workstation): the office
counts a joint-training postdoc at both the mobile station and the workstation, as the national
system lists them at both.

The postdocs are appointments', above this app: appointments registers the count's annotation in
its AppConfig.ready() (`count_in_station_by`); without it every station counts 0."""

from collections.abc import Callable

from django.db.models import Expression, IntegerField, Value

_IN_STATION: list[Callable[[], Expression]] = []


def count_in_station_by(annotation: Callable[[], Expression]) -> None:
    """Sets what `in_station_now` annotates (appointments.apps); registering it again is harmless."""
    _IN_STATION[:] = [annotation]


def in_station_now() -> Expression:
    """An annotation for a queryset of stations: how many of each one's postdocs are in station now
    (appointments.selectors.stations_in_station_now), or 0 while nobody registered it."""
    if not _IN_STATION:
        return Value(0, output_field=IntegerField())
    return _IN_STATION[0]()
