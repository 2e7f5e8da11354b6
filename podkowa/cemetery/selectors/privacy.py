"""What the public may see of a burial: the recently deceased are shown by name and place
only, unless the grave's holder agreed (relatives' right to the memory of the dead, KC art.
23–24; RODO does not cover the dead, so this is the town's own rule, set per cemetery)."""

import datetime as dt

from django.utils import timezone

from podkowa.cemetery.models import Burial


def details_hidden(burial: Burial, *, today: dt.date | None = None) -> bool:
    grave = burial.grave
    if grave.holder_allows_details:
        return False
    years = grave.cemetery.recent_death_privacy_years
    if not years:
        return False
    today = today or timezone.localdate()
    if burial.death_date is not None:
        try:
            limit = burial.death_date.replace(year=burial.death_date.year + years)
        except ValueError:  # 29 February
            limit = burial.death_date.replace(year=burial.death_date.year + years, day=28)
        return today < limit
    if burial.death_year is not None:
        return today.year < burial.death_year + years
    # No date of death in the book: nothing says the death is old.
    return burial.burial_date is None or today < burial.burial_date.replace(
        year=burial.burial_date.year + years, day=min(burial.burial_date.day, 28))
