from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Funding and projects")

    def ready(self) -> None:
        # Imported here, as Django asks of ready(): models may be imported only once the registry is.
        from appointments import due, export
        from core import page_parts
        from funding import selectors
        from funding.export import postdoc_list_projects
        from funding.page_parts import POSTDOC_PROJECTS

        # The due items of a postdoc (appointments, below this app) include the extensions the
        # office committed to for a project's application.
        due.register(
            due.CommitmentSource(
                of_appointment=selectors.appointment_extension_commitments,
                of_live=selectors.live_extension_commitments,
            )
        )
        page_parts.register("postdoc", POSTDOC_PROJECTS)
        # The postdoc list's export carries the listed postdocs' projects after them.
        export.register_list_sheet(postdoc_list_projects)
