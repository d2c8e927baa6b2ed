from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo institution (`load_demo`) and the synthetic dataset for scale work (`generate_dataset`)."""

    name = "demo"
    verbose_name = _("Demo and generated data")
