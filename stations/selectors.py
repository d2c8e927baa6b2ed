"""What the station pages count: a station's postdocs in station now. For a workstation they are the
appointments whose station it is and those it trains jointly (Appointment.workstation): the office
counts a joint-training postdoc at both the mobile station and the workstation, as the national
system lists them at both."""

from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from appointments.models import Appointment
from stations.evaluation import station_appointments
from stations.models import Station


def in_station_now() -> Coalesce:
    """An annotation for a queryset of stations: how many of each one's postdocs (its own and, for a
    workstation, its joint-training ones) are in station. One correlated subquery, so that the list's
    scope joins never multiply it and an appointment is counted once per station."""
    live = (
        Appointment.objects.filter(
            Q(station_id=OuterRef("pk")) | Q(workstation_id=OuterRef("pk")), status__in=Appointment.LIVE_STATUSES
        )
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(live, output_field=IntegerField()), 0)


def in_station_count(station: Station) -> int:
    return station_appointments(station).filter(status__in=Appointment.LIVE_STATUSES).count()


def joint_training_count(station: Station) -> int:
    """A workstation's joint-training postdocs in station (0 for any other kind)."""
    return Appointment.objects.filter(workstation_id=station.pk, status__in=Appointment.LIVE_STATUSES).count()
