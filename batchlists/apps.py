from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BatchListsConfig(AppConfig):
    name = "batchlists"
    verbose_name = _("Funders' award lists")
