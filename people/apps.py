from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        register_station_parts()
        register_account_parts()


def register_station_parts() -> None:
    """The station page's "Supervisors" tab and its overview's count of supervisors."""
    # Imported here, as Django asks of ready(): models may be imported only once the registry is.
    from core import page_parts
    from people.station_parts import STATION_SUPERVISOR_COUNT, STATION_SUPERVISORS

    page_parts.register("station", STATION_SUPERVISORS)
    page_parts.register("station-overview", STATION_SUPERVISOR_COUNT)


def register_account_parts() -> None:
    """The record an account is linked to, on the accounts' pages (which may not import people)."""
    # Imported here, as Django asks of ready(): models may be imported only once the registry is.
    from core import page_parts
    from people.account_pages import MY_ACCOUNT_PART, USER_PAGE_PART

    page_parts.register("user", USER_PAGE_PART)
    page_parts.register("my-account", MY_ACCOUNT_PART)
