from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutputsConfig(AppConfig):
    name = "outputs"
    verbose_name = _("Research outputs")

    def ready(self) -> None:
        # The timeline tells events by their label; `audit.timeline` keeps one table of labels and
        # has no registration function, so the app that writes the events adds its own.
        from audit.timeline import EVENT_LABELS
        from outputs.services import EVENT_LABELS as OUTPUT_EVENT_LABELS

        EVENT_LABELS.update(OUTPUT_EVENT_LABELS)
