from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutputsConfig(AppConfig):
    name = "outputs"
    verbose_name = _("Research outputs")

    def ready(self) -> None:
        # Imported here, as Django asks of ready(): models may be imported only once the registry is.
        from appointments import reactions
        from core import page_parts
        from outputs.page_parts import POSTDOC_OUTPUTS
        from outputs.phases import rephase

        # An output's stored phase follows its stay's dates: put right when an entry or an end is recorded.
        reactions.on_dates_changed(rephase)
        page_parts.register("postdoc", POSTDOC_OUTPUTS)
        register_station_parts()


def register_station_parts() -> None:
    """The station page's "Projects and outputs" tab."""
    # Imported here, as Django asks of ready(): models may be imported only once the registry is.
    from core import page_parts
    from outputs.station_parts import STATION_FUNDING

    page_parts.register("station", STATION_FUNDING)
