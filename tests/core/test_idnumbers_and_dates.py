import calendar
import datetime as dt

import pytest

from core.dates import add_months, add_years, full_months_between, full_years_between
from core.idnumbers import mask_id, resident_id_check_char, resident_id_problem
from tests.factories import resident_id


def test_check_digit_matches_the_published_example():
    # The worked example of GB 11643-1999: 11010519491231002 → X.
    assert resident_id_check_char("11010519491231002") == "X"


def test_valid_resident_id_has_no_problem():
    assert resident_id_problem(resident_id(dt.date(1990, 2, 28)), dt.date(1990, 2, 28)) is None


def test_wrong_check_digit_is_named():
    number = resident_id(dt.date(1990, 2, 28))
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert "check digit" in resident_id_problem(wrong, None)


def test_birth_date_disagreeing_with_the_id_is_named():
    number = resident_id(dt.date(1990, 2, 28))
    problem = resident_id_problem(number, dt.date(1990, 3, 1))
    assert "1990-02-28" in problem and "1990-03-01" in problem


@pytest.mark.parametrize("number", ["", "123", "50010119900228001", "5001011990022800AX", "500101199002300011"])
def test_malformed_ids_are_refused(number):
    assert resident_id_problem(number, None) is not None


def test_mask_keeps_only_the_ends():
    assert mask_id("500101199002280012") == "500*************12"
    assert mask_id("E123") == "****"


def test_month_arithmetic_clamps_to_month_end():
    assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
    assert add_years(dt.date(2024, 2, 29), -3) == dt.date(2021, 2, 28)


def test_month_arithmetic_agrees_with_the_calendar_on_every_day_of_four_years():
    """The days up to the 28th skip the month's length (a fast path): every day gives the same as
    clamping to the calendar's month length does."""
    day = dt.date(2023, 1, 1)
    while day < dt.date(2027, 1, 1):
        for months in (-25, -13, -1, 0, 1, 2, 11, 12, 24, 72):
            index = day.year * 12 + day.month - 1 + months
            year, month = index // 12, index % 12 + 1
            expected = dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
            assert add_months(day, months) == expected, (day, months)
        day += dt.timedelta(days=1)


def test_full_years_and_months_count_completed_periods():
    assert full_years_between(dt.date(1988, 12, 1), dt.date(2023, 11, 30)) == 34
    assert full_years_between(dt.date(1988, 11, 30), dt.date(2023, 11, 30)) == 35
    # Consistent with add_months: one month after 31 January is the last day of February.
    assert full_months_between(dt.date(2022, 1, 31), dt.date(2022, 2, 28)) == 1
    assert full_months_between(dt.date(2022, 1, 31), dt.date(2022, 2, 27)) == 0
    assert full_months_between(dt.date(2022, 1, 15), dt.date(2023, 10, 15)) == 21
