from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardListsConfig(AppConfig):
    name = "awardlists"
    verbose_name = _("Funders' award lists")
