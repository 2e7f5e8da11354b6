"""What the public may see of a burial: the recently deceased are shown by name and place
only, unless the grave's holder agreed (relatives' right to the memory of the dead, KC art.
23–24; RODO does not cover the dead, so this is the town's own rule, set per cemetery)."""

import datetime as dt

from django.utils import timezone

from podkowa.cemetery.models import Burial


def _plus_years(day: dt.date, years: int) -> dt.date:
    if day.year + years > dt.MAXYEAR:
        return dt.date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def hidden_until(*, holder_allows: bool, years: int, death_date: dt.date | None,
                 death_year: int | None, burial_date: dt.date | None) -> dt.date | None:
    """The first day the public may see the person's details (None: already from the start;
    date.max: not while nothing in the book dates the death)."""
    if holder_allows or not years:
        return None
    if death_date is not None:
        return _plus_years(death_date, years)
    if death_year is not None:
        return _plus_years(dt.date(death_year, 1, 1), years)
    # No date of death in the book: nothing says the death is old.
    return dt.date.max if burial_date is None else _plus_years(burial_date, years)


def hidden_by(*, holder_allows: bool, years: int, death_date: dt.date | None,
              death_year: int | None, burial_date: dt.date | None,
              today: dt.date | None = None) -> bool:
    until = hidden_until(holder_allows=holder_allows, years=years, death_date=death_date,
                         death_year=death_year, burial_date=burial_date)
    return until is not None and (today or timezone.localdate()) < until


def details_hidden(burial: Burial, *, today: dt.date | None = None) -> bool:
    grave = burial.grave
    return hidden_by(holder_allows=grave.holder_allows_details,
                     years=grave.cemetery.recent_death_privacy_years,
                     death_date=burial.death_date, death_year=burial.death_year,
                     burial_date=burial.burial_date, today=today)
