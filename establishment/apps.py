from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstablishmentConfig(AppConfig):
    name = "establishment"
    verbose_name = _("Station establishment")

    def ready(self) -> None:
        # Imported here, as Django asks of ready(): models may be imported only once the registry is.
        from core import page_parts
        from core.review_subjects import ReviewSubject, register
        from establishment import evaluation_services, services
        from establishment.evaluation_views import STATION_EVALUATIONS
        from reviews.models import Kind

        # What a decided internal expert review means for the establishment application.
        register(
            Kind.STATION_APPLICATION,
            ReviewSubject(
                field="application", take=services.application_review_take, apply=services.application_review_apply
            ),
        )
        # What a decided station evaluation review means for its evaluation (the model stays in stations).
        register(
            Kind.STATION_EVALUATION,
            ReviewSubject(
                field="evaluation",
                take=evaluation_services.evaluation_review_take,
                apply=evaluation_services.evaluation_review_apply,
            ),
        )
        # The station page's "Evaluations" tab.
        page_parts.register("station", STATION_EVALUATIONS)
