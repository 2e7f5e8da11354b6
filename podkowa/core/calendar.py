"""Polish working days, for deadlines that the law moves off weekends and public holidays.

KPA art. 57 §4 (and the tax ordinance alike): a deadline that ends on a Saturday or a day
statutorily free from work ends on the next working day. The holidays are those of the act of
18 January 1951 on days free from work, including Christmas Eve from 2025 on.
"""

import calendar
from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian computus (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def polish_public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1),  # New Year
        date(year, 1, 6),  # Epiphany
        easter,
        easter + timedelta(days=1),  # Easter Monday
        date(year, 5, 1),  # Labour Day
        date(year, 5, 3),  # Constitution Day
        easter + timedelta(days=49),  # Pentecost
        easter + timedelta(days=60),  # Corpus Christi
        date(year, 8, 15),  # Assumption
        date(year, 11, 1),  # All Saints
        date(year, 11, 11),  # Independence Day
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year >= 2025:
        # Christmas Eve became a day free from work by the act of 6 December 2024.
        days.add(date(year, 12, 24))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday (Saturday counts as free, as KPA says)."""
    return day.weekday() < 5 and day not in polish_public_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when that month is shorter.

    KPA art. 57 §3: a deadline in months ends on the day corresponding to the start day, or
    on the last day of the month if there is no such day (31 January + 1 month = 28/29 Feb).
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))
