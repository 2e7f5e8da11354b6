from datetime import date

import pytest

from podkowa.core.calendar import (
    add_months,
    easter_sunday,
    is_working_day,
    next_working_day,
    polish_public_holidays,
)


@pytest.mark.parametrize(("year", "easter"), [
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22)),
])
def test_easter_sunday_matches_the_church_calendar(year, easter):
    assert easter_sunday(year) == easter


def test_polish_holidays_of_2026_include_the_movable_feasts_and_christmas_eve():
    holidays = polish_public_holidays(2026)
    assert date(2026, 4, 6) in holidays  # Easter Monday
    assert date(2026, 5, 24) in holidays  # Pentecost
    assert date(2026, 6, 4) in holidays  # Corpus Christi
    assert date(2026, 12, 24) in holidays  # a day free from work since 2025
    assert date(2024, 12, 24) not in polish_public_holidays(2024)
    assert len(holidays) == 14


def test_weekends_and_holidays_move_to_the_next_working_day():
    assert is_working_day(date(2026, 11, 30))  # a Monday
    assert next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)  # Saturday → Monday
    # Tuesday 10 Nov is a working day; Wednesday 11 Nov is Independence Day.
    assert next_working_day(date(2026, 11, 11)) == date(2026, 11, 12)
    # Christmas: 24, 25, 26 Dec 2026 (Thu–Sat), then Sunday → Monday 28th.
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    # Easter Sunday and Monday.
    assert next_working_day(date(2026, 4, 5)) == date(2026, 4, 7)


def test_months_are_counted_by_the_calendar():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)
    assert add_months(date(2026, 3, 15), 1) == date(2026, 4, 15)
