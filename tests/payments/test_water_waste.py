"""Water meter readings entered in the panel (billed with the town's price) and the waste
fee on the dates of the council's resolution."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from podkowa.accounts.models import Channel
from podkowa.payments.models import Charge, MeterReading, PaymentSettings, WaterMeter
from podkowa.payments.services.water_waste import meter_reading_submit, waste_fee_charges_issue
from tests.payments.conftest import verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def meter(town, payer, sources):
    PaymentSettings.objects.create(gmina=town, water_price_per_m3=1_250, water_bill_days=14)
    return WaterMeter.objects.create(gmina=town, payer=payer, serial="WM-0412")


def test_a_reading_bills_the_consumption_since_the_previous(town, resident, meter):
    meter_reading_submit(gmina=town, user=resident, meter_id=meter.pk, value="100,000",
                         read_on=date(2026, 1, 5), channel=Channel.WEB)
    reading = meter_reading_submit(gmina=town, user=resident, meter_id=meter.pk,
                                   value="112.345", read_on=date(2026, 3, 2),
                                   channel=Channel.WEB)
    # 12.345 m³ × 12.50 zł = 154.3125 zł → 154.31 zł, due 14 days later (16.03.2026, Mon).
    charge = reading.charge
    assert (charge.amount, charge.due_date, charge.reference) == (15_431, date(2026, 3, 16),
                                                                  "WM-0412")
    assert "12,345 m³" in charge.title


def test_a_lower_reading_is_refused_and_nothing_written(town, resident, meter):
    meter_reading_submit(gmina=town, user=resident, meter_id=meter.pk, value="100",
                         read_on=date(2026, 1, 5), channel=Channel.WEB)
    with pytest.raises(ValidationError) as error:
        meter_reading_submit(gmina=town, user=resident, meter_id=meter.pk, value="99,9",
                             read_on=date(2026, 3, 2), channel=Channel.WEB)
    assert "value" in error.value.message_dict
    assert MeterReading.objects.filter(gmina=town).count() == 1
    assert not Charge.objects.filter(gmina=town).exists()


@pytest.mark.parametrize("value", ["abc", "-1", "1,2345"])
def test_a_malformed_reading_is_refused(town, resident, meter, value):
    with pytest.raises(ValidationError) as error:
        meter_reading_submit(gmina=town, user=resident, meter_id=meter.pk, value=value,
                             read_on=date(2026, 1, 5), channel=Channel.WEB)
    assert "value" in error.value.message_dict


def test_someone_elses_meter_is_refused(town, meter):
    with pytest.raises(ValidationError) as error:
        meter_reading_submit(gmina=town, user=verified_user(town), meter_id=meter.pk,
                             value="1", read_on=date(2026, 1, 5), channel=Channel.WEB)
    assert "meter" in error.value.message_dict


def test_the_panel_page_takes_a_reading(client, english, town, resident, meter):
    client.force_login(resident)
    assert "WM-0412" in client.get("/platnosci/wodomierze/").content.decode()
    response = client.post("/platnosci/wodomierze/", {"meter": meter.pk, "value": "5,5"})
    assert response.status_code == 302
    assert "5,500\u00a0m³" in client.get("/platnosci/wodomierze/").content.decode()
    response = client.post("/platnosci/wodomierze/", {"meter": meter.pk, "value": "x"})
    assert response.status_code == 400 and "reading in m³" in response.content.decode()


def test_waste_fee_follows_the_configured_dates(town, payer, sources):
    PaymentSettings.objects.create(gmina=town, waste_fee_due_dates=[
        "03-15", "05-15", "09-15", "11-15"])
    charges = waste_fee_charges_issue(gmina=town, payer=payer, year=2026, monthly_amount=4_400,
                                      declaration="DO.6845.412")
    # Quarterly shares of a 44 zł monthly fee; 15.03 and 15.11.2026 are Sundays.
    assert [(c.due_date, c.amount) for c in charges] == [
        (date(2026, 3, 16), 13_200), (date(2026, 5, 15), 13_200), (date(2026, 9, 15), 13_200),
        (date(2026, 11, 16), 13_200)]
    with pytest.raises(ValidationError):  # the same declaration and year again
        waste_fee_charges_issue(gmina=town, payer=payer, year=2026, monthly_amount=4_400,
                                declaration="DO.6845.412")


def test_waste_fee_needs_the_towns_dates(town, payer, sources):
    with pytest.raises(ValidationError) as error:
        waste_fee_charges_issue(gmina=town, payer=payer, year=2026, monthly_amount=4_400,
                                declaration="X")
    assert "waste_fee_due_dates" in error.value.message_dict
