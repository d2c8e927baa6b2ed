"""What the kept month counts share (docs/decisions/0068): appointments and projects each count their
records by month, and a record that changes moves from one counted key to another."""

import datetime as dt
from collections import Counter


def month_of(day: dt.date) -> dt.date:
    """The month a day counts in: its first day."""
    return day.replace(day=1)


def moved[Key](before: Key | None, after: Key | None) -> Counter[Key]:
    """The deltas of one record that moved from one counted key to another; None is "not counted"
    (not yet entered, not yet awarded), so a record may also move into or out of the counts."""
    deltas: Counter[Key] = Counter()
    if before != after:
        if before is not None:
            deltas[before] -= 1
        if after is not None:
            deltas[after] += 1
    return deltas
