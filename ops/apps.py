from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the product: the task worker, health, backups. It depends on the other apps, none on it."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from ops import checks  # noqa: F401 - registers the deploy checks
