"""Rules the Evaluation model answers for its pages: when a deadline to rectify has passed."""

import datetime as dt

import pytest
from django.utils import timezone

from stations.models import Evaluation, Station


def _evaluation(*, action: str, rectify_by: int | None, station_status: str) -> Evaluation:
    return Evaluation(station=Station(status=station_status), action=action, rectify_by=_day(rectify_by))


# Deadlines are given in days from today and turned into dates when the test runs, not when the
# module is collected: a long run that passes midnight would otherwise test yesterday's "today".
YESTERDAY, TODAY = -1, 0


def _day(offset: int | None) -> dt.date | None:
    return None if offset is None else timezone.localdate() + dt.timedelta(days=offset)


def test_a_warning_past_its_deadline_on_a_station_still_warned_is_overdue() -> None:
    evaluation = _evaluation(
        action=Evaluation.Action.WARNING, rectify_by=YESTERDAY, station_status=Station.Status.WARNED
    )
    assert evaluation.rectification_overdue


@pytest.mark.parametrize(
    ("action", "rectify_by", "station_status"),
    [
        (Evaluation.Action.WARNING, TODAY, Station.Status.WARNED),  # the deadline day itself still counts
        (Evaluation.Action.WARNING, None, Station.Status.WARNED),
        (Evaluation.Action.WARNING, YESTERDAY, Station.Status.ACTIVE),  # reinstated: the warning is lifted
        (Evaluation.Action.REVOCATION, YESTERDAY, Station.Status.REVOKED),
        (Evaluation.Action.NONE, YESTERDAY, Station.Status.WARNED),
    ],
)
def test_a_rectification_is_not_overdue_otherwise(action: str, rectify_by: int | None, station_status: str) -> None:
    evaluation = _evaluation(action=action, rectify_by=rectify_by, station_status=station_status)
    assert not evaluation.rectification_overdue
