"""Interest on tax arrears (odsetki za zwłokę), Ordynacja podatkowa.

Art. 56 §1: the rate is 200 % of the NBP lombard rate plus 2 percentage points, at least 8 %
a year; it changes on the day the lombard rate does (art. 56c). Interest runs from the day
after the due date to the day of payment, inclusive, on a 365-day year, each stretch at its
own rate; the total is rounded to full złoty (art. 63 §1).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from podkowa.payments.models import LombardRate

FLOOR = Decimal("8")


def statutory_rate(lombard: Decimal) -> Decimal:
    return max(Decimal(2) * lombard + Decimal(2), FLOOR)


@dataclass(frozen=True)
class Stretch:
    start: date  # first day of interest
    end: date  # last day, inclusive
    rate: Decimal  # % a year
    interest: Decimal  # grosze, not rounded

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def rate_table() -> list[tuple[date, Decimal]]:
    return list(LombardRate.objects.order_by("valid_from").values_list("valid_from", "percent"))


def interest_stretches(*, arrears: int, due_date: date, paid_on: date,
                       lombard: list[tuple[date, Decimal]]) -> list[Stretch]:
    start = due_date + timedelta(days=1)
    if arrears <= 0 or paid_on < start:
        return []
    table = sorted(lombard)
    if not table or table[0][0] > start:
        raise ValueError(f"No lombard rate known for {start}: add it to the rate table.")
    stretches = []
    for index, (valid_from, percent) in enumerate(table):
        until = table[index + 1][0] - timedelta(days=1) if index + 1 < len(table) else paid_on
        first, last = max(start, valid_from), min(paid_on, until)
        if first > last:
            continue
        rate = statutory_rate(Decimal(percent))
        days = (last - first).days + 1
        interest = Decimal(arrears) * rate / Decimal(100) * Decimal(days) / Decimal(365)
        stretches.append(Stretch(first, last, rate, interest))
    return stretches


def interest_due(*, arrears: int, due_date: date, paid_on: date,
                 lombard: list[tuple[date, Decimal]] | None = None) -> int:
    """Interest in grosze, rounded to full złoty (so always a multiple of 100)."""
    stretches = interest_stretches(arrears=arrears, due_date=due_date, paid_on=paid_on,
                                   lombard=rate_table() if lombard is None else lombard)
    total = sum((s.interest for s in stretches), Decimal(0)) / Decimal(100)
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100
