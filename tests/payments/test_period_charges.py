"""Finance issues a period's waste fee (per declaration, on the town's schedule) and water
bills: preview first, all or nothing, never twice; only the finance role may."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from podkowa.accounts.models import Channel, Role
from podkowa.payments.models import (
    Charge,
    LedgerEntry,
    MeterReading,
    PaymentSettings,
    WasteDeclaration,
    WaterMeter,
)
from podkowa.payments.services.ledger import payer_create
from podkowa.payments.services.period_charges import (
    waste_fee_period_issue,
    waste_fee_plan,
    waste_periods,
)
from tests.admin_support import make_official, sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
URL = "/admin/payments/charge/issue/"


@pytest.fixture
def schedule(town, sources):
    # Four dates a year, as e.g. a resolution on the waste fee sets them.
    return PaymentSettings.objects.create(
        gmina=town, waste_fee_due_dates=["03-15", "05-15", "09-15", "11-15"],
        water_price_per_m3=1_250)


@pytest.fixture
def declarations(town, payer, schedule):
    other = payer_create(gmina=town, name="Anna Nowak")
    third = payer_create(gmina=town, name="Zofia Wiśniewska")
    return [
        WasteDeclaration.objects.create(gmina=town, payer=payer, number="DO/1",
                                        monthly_amount=4_400, valid_from=date(2024, 1, 1)),
        # Moved in on 10 February: January is not charged.
        WasteDeclaration.objects.create(gmina=town, payer=other, number="DO/2",
                                        monthly_amount=3_000, valid_from=date(2026, 2, 10)),
        # Moved out at the end of 2025: nothing in 2026.
        WasteDeclaration.objects.create(gmina=town, payer=third, number="DO/3",
                                        monthly_amount=5_000, valid_from=date(2020, 1, 1),
                                        valid_to=date(2025, 12, 31)),
    ]


def test_periods_follow_the_towns_schedule(town, schedule):
    periods = waste_periods(gmina=town, year=2026)
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2026, 12, 31))]
    # 15.03.2026 and 15.11.2026 are Sundays.
    assert [p.due_date for p in periods] == [date(2026, 3, 16), date(2026, 5, 15),
                                             date(2026, 9, 15), date(2026, 11, 16)]


def test_plan_then_issue_once(town, payer, declarations):
    plan = waste_fee_plan(gmina=town, year=2026, period=1)
    assert [(p.reference, p.amount) for p in plan.new] == [("DO/2", 6_000), ("DO/1", 13_200)]
    assert plan.total == 19_200 and plan.count == 2
    assert not Charge.objects.filter(gmina=town).exists()  # a preview writes nothing
    waste_fee_period_issue(gmina=town, year=2026, period=1, payer_id=None, expected_count=2,
                           expected_total=19_200, actor=None)
    charges = Charge.objects.filter(gmina=town).order_by("amount")
    assert [(c.amount, c.due_date, c.reference) for c in charges] == [
        (6_000, date(2026, 3, 16), "DO/2"), (13_200, date(2026, 3, 16), "DO/1")]
    assert LedgerEntry.objects.filter(gmina=town, kind="charge").count() == 2
    again = waste_fee_plan(gmina=town, year=2026, period=1)
    assert again.count == 0 and again.already_issued == 2
    with pytest.raises(ValidationError):
        waste_fee_period_issue(gmina=town, year=2026, period=1, payer_id=None,
                               expected_count=2, expected_total=19_200, actor=None)
    assert Charge.objects.filter(gmina=town).count() == 2


def test_one_payer_then_the_rest(town, payer, declarations):
    waste_fee_period_issue(gmina=town, year=2026, period=2, payer_id=payer.pk,
                           expected_count=1, expected_total=13_200, actor=None)
    rest = waste_fee_plan(gmina=town, year=2026, period=2)
    assert rest.count == 1 and rest.already_issued == 1 and rest.total == 9_000


def test_a_changed_plan_is_refused_and_nothing_is_written(town, payer, declarations):
    with pytest.raises(ValidationError, match="19200"):
        waste_fee_period_issue(gmina=town, year=2026, period=1, payer_id=None,
                               expected_count=2, expected_total=19_000, actor=None)
    assert not Charge.objects.filter(gmina=town).exists()


def test_all_or_nothing_when_one_charge_fails(town, payer, declarations, monkeypatch):
    from podkowa.payments.services import period_charges

    real = period_charges.charge_create
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError({"payer": "boom"})
        return real(**kwargs)

    monkeypatch.setattr(period_charges, "charge_create", failing)
    with pytest.raises(ValidationError):
        waste_fee_period_issue(gmina=town, year=2026, period=1, payer_id=None,
                               expected_count=2, expected_total=19_200, actor=None)
    assert not Charge.objects.filter(gmina=town).exists()
    assert not LedgerEntry.objects.filter(gmina=town).exists()


def test_finance_previews_and_confirms_in_the_admin(client, town, payer, declarations):
    finance = make_official(town, Role.FINANCE)
    sign_in_with_second_factor(client, finance)
    assert client.get(reverse("admin:payments_charge_changelist")).content.decode().count(
        URL) == 1
    form = {"kind": "waste", "year": "2026", "period": "1", "payer": ""}
    page = client.post(URL, {**form, "action": "preview"}).content.decode()
    assert "To issue: 2 charges, 192,00\u00a0zł in total" in page
    assert "Anna Nowak" in page and not Charge.objects.filter(gmina=town).exists()
    response = client.post(URL, {**form, "action": "confirm", "expected_count": "2",
                                 "expected_total": "19200"})
    assert response.status_code == 302
    assert Charge.objects.filter(gmina=town).count() == 2
    # Pressing confirm again (a second tab, a double click) charges nothing more.
    response = client.post(URL, {**form, "action": "confirm", "expected_count": "2",
                                 "expected_total": "19200"})
    assert response.status_code == 400 and Charge.objects.filter(gmina=town).count() == 2
    page = client.post(URL, {"kind": "waste", "year": "", "period": "",
                             "action": "preview"}).content.decode()
    assert "Give the year and the period." in page


def test_only_finance_may_issue(client, town, declarations):
    sign_in_with_second_factor(client, make_official(town, Role.CASE_CLERK))
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, {"kind": "waste", "year": "2026", "period": "1",
                             "action": "confirm", "expected_count": "2",
                             "expected_total": "19200"}).status_code in (302, 403)
    assert not Charge.objects.filter(gmina=town).exists()


def test_water_bills_of_unbilled_readings(client, town, payer, resident, schedule):
    meter = WaterMeter.objects.create(gmina=town, payer=payer, serial="WM-1")
    for day, litres in ((date(2026, 1, 2), 100_000), (date(2026, 3, 30), 112_400),
                        (date(2026, 4, 20), 113_000)):
        MeterReading.objects.create(gmina=town, meter=meter, read_on=day, litres=litres,
                                    channel=Channel.WEB)
    sign_in_with_second_factor(client, make_official(town, Role.FINANCE))
    form = {"kind": "water", "until": "2026-03-31", "payer": ""}
    page = client.post(URL, {**form, "action": "preview"}).content.decode()
    # 12.4 m³ at 12.50 zł: 155.00 zł.
    assert "To issue: 1 charges, 155,00\u00a0zł in total" in page
    assert client.post(URL, {**form, "action": "confirm", "expected_count": "1",
                             "expected_total": "15500"}).status_code == 302
    billed = MeterReading.objects.get(gmina=town, read_on=date(2026, 3, 30))
    assert billed.charge.amount == 15_500 and billed.charge.due_date == date(2026, 4, 13)
    # The next run bills from the billed reading on.
    page = client.post(URL, {**form, "until": "2026-04-30", "action": "preview"}
                       ).content.decode()
    assert "To issue: 1 charges, 7,50\u00a0zł in total" in page
