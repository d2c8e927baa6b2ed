"""The counts the institution's figures read, kept by the services and rebuilt together: the month
counts (docs/decisions/0068) and the due counts (0073)."""

from appointments.due_counts import due_counts_rebuild
from appointments.month_counts import month_counts_rebuild
from funding.month_counts import project_counts_rebuild


def figure_counts_rebuild(institution_id: int) -> None:
    """Recounts every kept count of the institution from its records: for bulk writers that do
    not go through the services (the generated dataset) and for repairs."""
    month_counts_rebuild(institution_id)
    project_counts_rebuild(institution_id)
    due_counts_rebuild(institution_id)
