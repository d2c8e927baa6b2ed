from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "stations"
    verbose_name = _("Stations")

    def ready(self) -> None:
        # Imported here, as Django asks of ready(): models may be imported only once the registry is.
        from core.review_subjects import ReviewSubject, register
        from stations import services

        # What a decided station evaluation review means for its evaluation ("station_evaluation",
        # the review engine's name for that kind; the engine stands above this app).
        register(
            "station_evaluation",
            ReviewSubject(
                field="evaluation", take=services.evaluation_review_take, apply=services.evaluation_review_apply
            ),
        )
