from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstablishmentConfig(AppConfig):
    name = "establishment"
    verbose_name = _("Station establishment")

    def ready(self) -> None:
        # Imported here, as Django asks of ready(): models may be imported only once the registry is.
        from core.review_subjects import ReviewSubject, register
        from establishment import services
        from reviews.models import Kind

        # What a decided internal expert review means for the establishment application.
        register(
            Kind.STATION_APPLICATION,
            ReviewSubject(
                field="application", take=services.application_review_take, apply=services.application_review_apply
            ),
        )
