"""The month counts the institution's figures read (docs/decisions/0068), rebuilt together."""

from appointments.month_counts import month_counts_rebuild
from funding.month_counts import project_counts_rebuild


def figure_counts_rebuild(institution_id: int) -> None:
    """Recounts every month count of the institution from its records: for bulk writers that do
    not go through the services (the generated dataset) and for repairs."""
    month_counts_rebuild(institution_id)
    project_counts_rebuild(institution_id)
