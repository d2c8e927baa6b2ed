"""Commitments to extend a stay that apps above this one know of (funding's projects), for the due
items (`selectors.due_items`): those apps register a source here in their `AppConfig.ready()`.

The due items belong to appointments, which may not import the apps above it (docs/decisions/0028).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from appointments.models import Appointment
from appointments.selectors import ExtensionCommitment


@dataclass(frozen=True)
class CommitmentSource:
    # One appointment's commitments (its page).
    of_appointment: Callable[[Appointment], list[ExtensionCommitment]]
    # Appointment id → the commitments of an institution's live appointments, in one query (the reminders).
    of_live: Callable[[int], dict[int, list[ExtensionCommitment]]]


commitment_sources: list[CommitmentSource] = []


def register(source: CommitmentSource) -> None:
    if source not in commitment_sources:
        commitment_sources.append(source)


def commitments_of(appointment: Appointment) -> list[ExtensionCommitment]:
    return [found for source in commitment_sources for found in source.of_appointment(appointment)]


def live_commitments(institution_id: int) -> dict[int, list[ExtensionCommitment]]:
    found: dict[int, list[ExtensionCommitment]] = defaultdict(list)
    for source in commitment_sources:
        for appointment_id, commitments in source.of_live(institution_id).items():
            found[appointment_id].extend(commitments)
    return found
