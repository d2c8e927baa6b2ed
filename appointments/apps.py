from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        # Imported here, as Django asks of ready(): models may be imported only once the registry is.
        from appointments import review_services
        from appointments.models import Assessment
        from core.review_subjects import ReviewSubject, register

        # What a decided review of an appointment means (the review engine stands above this app,
        # so it asks here rather than this app importing it): an assessment of each kind, and an
        # extension ("extension", the engine's name for that kind of review).
        for kind in Assessment.Kind.values:
            register(
                kind,
                ReviewSubject(
                    field="appointment",
                    take=review_services.appointment_review_take,
                    apply=review_services.assessment_review_apply,
                ),
            )
        register(
            "extension",
            ReviewSubject(
                field="appointment",
                take=review_services.appointment_review_take,
                apply=review_services.extension_review_apply,
            ),
        )
        register_station_parts()
        register_supervisor_parts()
        register_people_stays()


def register_station_parts() -> None:
    """The station page's "Postdocs" tab, its overview's postdocs in station, those in station on a
    revocation's date, which its confirmation names, and the station list's count of them."""
    # Imported here, as Django asks of ready(): models may be imported only once the registry is.
    from appointments.selectors import stations_in_station_now
    from appointments.station_parts import REVOCATION_STAYING, STATION_IN_STATION, STATION_POSTDOCS
    from core import page_parts
    from stations.selectors import count_in_station_by

    page_parts.register("station", STATION_POSTDOCS)
    page_parts.register("station-overview", STATION_IN_STATION)
    page_parts.register("station-revocation", REVOCATION_STAYING)
    count_in_station_by(stations_in_station_now)


def register_supervisor_parts() -> None:
    """The supervisor page's postdocs."""
    # Imported here, as Django asks of ready(): models may be imported only once the registry is.
    from appointments.supervisor_parts import SUPERVISOR_POSTDOCS
    from core import page_parts

    page_parts.register("supervisor", SUPERVISOR_POSTDOCS)


def register_people_stays() -> None:
    """Who sees and manages a person (people, below this app) follows their appointments."""
    # Imported here, as Django asks of ready(): models may be imported only once the registry is.
    from appointments.access import manages_a_stay_of, visible_appointments
    from people.access import StayScope, register_stay_scope

    register_stay_scope(StayScope(seen=visible_appointments, manages_one=manages_a_stay_of))
