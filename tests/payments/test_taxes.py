"""Tax instalments on the statutory dates, moved off weekends and holidays."""

from datetime import date

import pytest

from podkowa.payments.models import Charge
from podkowa.payments.services.taxes import instalment_schedule, tax_decision_issue


def dates(schedule):
    return [part.due_date for part in schedule]


def test_2025_person_dates_move_off_saturdays():
    # 15.03.2025 and 15.11.2025 are Saturdays → Monday 17th; 15.05 (Thu), 15.09 (Mon) stay.
    schedule = instalment_schedule(year=2025, amount=1_000_03)
    assert dates(schedule) == [date(2025, 3, 17), date(2025, 5, 15), date(2025, 9, 15),
                               date(2025, 11, 17)]
    # The grosze that do not divide go to the first instalment; the sum is exact.
    assert [p.amount for p in schedule] == [25_003, 25_000, 25_000, 25_000]


def test_2026_person_dates_move_off_sundays():
    assert dates(instalment_schedule(year=2026, amount=40_000)) == [
        date(2026, 3, 16), date(2026, 5, 15), date(2026, 9, 15), date(2026, 11, 16)]


def test_firms_pay_monthly_and_a_holiday_moves_the_date():
    schedule = instalment_schedule(year=2025, amount=120_000, firm=True)
    got = dates(schedule)
    assert len(got) == 12
    assert got[0] == date(2025, 1, 31)  # January by the 31st (a Friday)
    assert got[5] == date(2025, 6, 16)  # 15.06.2025 is a Sunday
    assert got[7] == date(2025, 8, 18)  # 15.08.2025: Assumption (Friday) → Monday 18th
    assert got[10] == date(2025, 11, 17)  # 15.11.2025 Saturday → Monday


@pytest.mark.parametrize("amount", [1, 100_00])
def test_up_to_100_zl_is_due_at_once_on_the_first_date(amount):
    schedule = instalment_schedule(year=2026, amount=amount)
    assert [(p.due_date, p.amount) for p in schedule] == [(date(2026, 3, 16), amount)]


def test_100_zl_and_a_grosz_is_in_four_instalments():
    assert len(instalment_schedule(year=2026, amount=100_01)) == 4


def test_a_late_decision_joins_past_dates_into_one_14_days_after_delivery():
    schedule = instalment_schedule(year=2026, amount=40_000, delivered_on=date(2026, 6, 1))
    # 15.03 and 15.05 have passed: due 15.06.2026 (14 days after delivery, a Monday).
    assert [(p.due_date, p.amount) for p in schedule] == [
        (date(2026, 6, 15), 20_000), (date(2026, 9, 15), 10_000), (date(2026, 11, 16), 10_000)]


@pytest.mark.django_db
def test_a_decision_yields_its_instalment_charges(town, payer, sources):
    decision = tax_decision_issue(gmina=town, payer=payer, source=sources["property_tax"],
                                  number="FN.3120.15.2026", year=2026, amount=84_200,
                                  issued_on=date(2026, 2, 10))
    charges = list(Charge.objects.filter(gmina=town, decision=decision).order_by("instalment"))
    assert [(c.instalment, c.due_date, c.amount, c.reference) for c in charges] == [
        (1, date(2026, 3, 16), 21_050, "FN.3120.15.2026"),
        (2, date(2026, 5, 15), 21_050, "FN.3120.15.2026"),
        (3, date(2026, 9, 15), 21_050, "FN.3120.15.2026"),
        (4, date(2026, 11, 16), 21_050, "FN.3120.15.2026"),
    ]
    assert all(c.is_tax for c in charges)
