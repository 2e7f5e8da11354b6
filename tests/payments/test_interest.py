"""Interest on tax arrears (Ordynacja podatkowa art. 56) and the upomnienie."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from podkowa.accounts.models import Role
from podkowa.core.models import AuditLogEntry
from podkowa.payments.models import LombardRate, Payer
from podkowa.payments.services.interest import interest_due, interest_stretches, statutory_rate
from podkowa.payments.services.reminders import formal_reminder_html, formal_reminder_issue
from tests.admin_support import make_official, sign_in_with_second_factor

# NBP lombard rate: 6.25 % until 7 May 2025, 5.75 % from 8 May 2025.
RATES = [(date(2023, 10, 5), Decimal("6.25")), (date(2025, 5, 8), Decimal("5.75"))]


def test_statutory_rate_is_twice_lombard_plus_two_with_an_8_percent_floor():
    assert statutory_rate(Decimal("6.25")) == Decimal("14.50")
    assert statutory_rate(Decimal("2.50")) == Decimal("8")  # 7 % would be below the floor
    assert statutory_rate(Decimal("0.50")) == Decimal("8")


def test_interest_of_a_known_case_equals_the_hand_calculation():
    # 1,000 zł due 17.03.2025, paid 16.06.2025. Interest from 18.03 to 07.05 (51 days) at
    # 14.5 %: 1000 × 0.145 × 51 / 365 = 20.2603; from 08.05 to 16.06 (40 days) at 13.5 %:
    # 1000 × 0.135 × 40 / 365 = 14.7945; together 35.0548 zł → 35 zł (art. 63 §1).
    stretches = interest_stretches(arrears=100_000, due_date=date(2025, 3, 17),
                                   paid_on=date(2025, 6, 16), lombard=RATES)
    assert [(s.start, s.end, s.days, s.rate) for s in stretches] == [
        (date(2025, 3, 18), date(2025, 5, 7), 51, Decimal("14.50")),
        (date(2025, 5, 8), date(2025, 6, 16), 40, Decimal("13.50"))]
    assert interest_due(arrears=100_000, due_date=date(2025, 3, 17),
                        paid_on=date(2025, 6, 16), lombard=RATES) == 3_500


def test_no_interest_when_paid_on_time():
    assert interest_due(arrears=100_000, due_date=date(2025, 3, 17),
                        paid_on=date(2025, 3, 17), lombard=RATES) == 0


def test_a_missing_rate_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        interest_due(arrears=100, due_date=date(2020, 1, 1), paid_on=date(2020, 2, 1),
                     lombard=RATES)


@pytest.mark.django_db
def test_upomnienie_lists_overdue_taxes_interest_and_cost(town, payer, charge_factory):
    for valid_from, percent in RATES:
        LombardRate.objects.create(valid_from=valid_from, percent=percent)
    charge_factory(kind="property_tax", title="Podatek od nieruchomości 2025, rata 1",
                   amount=100_000, due=date(2025, 3, 17), reference="FN.3120.1.2025")
    charge_factory(kind="water", amount=5_000, due=date(2025, 3, 1))  # not a tax
    reminder = formal_reminder_issue(gmina=town, payer_id=payer.pk, on=date(2025, 6, 16),
                                     actor=None)
    assert (reminder.arrears, reminder.interest, reminder.cost) == (100_000, 3_500, 1_600)
    assert reminder.number.startswith("UP/2025/")
    html = formal_reminder_html(gmina=town, reminder=reminder)
    for text in (reminder.number, "Jan Kowalski", "FN.3120.1.2025", "1\u00a0000,00",
                 "35,00", "16,00", "1\u00a0051,00", "art. 15"):
        assert text in html


@pytest.mark.django_db
def test_no_reminder_without_overdue_taxes(town, payer, charge_factory):
    charge_factory(kind="water", amount=5_000, due=date(2025, 3, 1))
    with pytest.raises(ValidationError):
        formal_reminder_issue(gmina=town, payer_id=payer.pk, on=date(2025, 6, 16), actor=None)


@pytest.mark.django_db
def test_reminder_pdf_is_for_finance_and_audited(client, town, payer, resident,
                                                 charge_factory):
    LombardRate.objects.create(valid_from=date(2023, 10, 5), percent=Decimal("5.75"))
    charge_factory(kind="property_tax", amount=10_000, due=date(2025, 3, 17))
    reminder = formal_reminder_issue(gmina=town, payer_id=payer.pk, on=date(2025, 6, 16),
                                     actor=None)
    url = f"/platnosci/urzad/upomnienie/{reminder.pk}.pdf"
    client.force_login(resident)
    assert client.get(url).status_code == 403
    finance = make_official(town, Role.FINANCE)
    sign_in_with_second_factor(client, finance)
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditLogEntry.objects.filter(
        object_ref=f"payments.formalreminder:{reminder.pk}").get().subject == resident


@pytest.mark.django_db
def test_upomnienie_names_the_taxpayer_by_pesel(town, payer, sources):
    from podkowa.payments.services.taxes import tax_decision_issue

    LombardRate.objects.create(valid_from=date(2023, 10, 5), percent=Decimal("5.75"))
    tax_decision_issue(gmina=town, payer=payer, source=sources["property_tax"],
                       number="FN.3120.7.2025", year=2025, amount=8_000,
                       issued_on=date(2025, 2, 1), pesel="44051401359")
    payer.refresh_from_db()
    assert payer.pesel == "44051401359" and payer.pesel_hmac
    reminder = formal_reminder_issue(gmina=town, payer_id=payer.pk, on=date(2025, 6, 16),
                                     actor=None)
    assert "PESEL: 44051401359" in formal_reminder_html(gmina=town, reminder=reminder)


@pytest.mark.django_db
def test_a_taxpayer_pesel_must_be_the_payers_own(town, sources):
    from podkowa.payments.services.ledger import payer_create, payer_taxpayer_pesel_set

    payer = payer_create(gmina=town, name="Maria Nowak", pesel="02211307589")
    with pytest.raises(ValidationError) as error:
        payer_taxpayer_pesel_set(gmina=town, payer=payer, pesel="44051401359")
    assert "pesel" in error.value.message_dict
    firm = payer_create(gmina=town, name="Firma", kind="firm", nip="8567346215")
    with pytest.raises(ValidationError):
        payer_taxpayer_pesel_set(gmina=town, payer=firm, pesel="44051401359")
    payer_taxpayer_pesel_set(gmina=town, payer=payer, pesel="02211307589")
    assert Payer.objects.get(gmina=town, pk=payer.pk).pesel == "02211307589"


def test_demo_rate_table_gives_the_published_interest_rates():
    from podkowa.payments.demo import LOMBARD_RATES

    # 200 % of each lombard rate + 2 points, none under the 8 % floor.
    assert [(day.isoformat(), statutory_rate(rate)) for day, rate in LOMBARD_RATES] == [
        ("2023-10-05", Decimal("14.50")), ("2025-05-08", Decimal("13.50")),
        ("2025-07-03", Decimal("13.00")), ("2025-09-04", Decimal("12.50")),
        ("2025-10-09", Decimal("12.00")), ("2025-11-06", Decimal("11.50")),
        ("2025-12-04", Decimal("11.00")), ("2026-03-05", Decimal("10.50"))]
