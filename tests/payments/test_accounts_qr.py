"""Individual account numbers (NRB with MOD97 check digits) and the ZBP 2D payment QR."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from stdnum import iban

from podkowa.payments.models import AccountMode, PaymentSettings
from podkowa.payments.services.accounts import (
    individual_account_ensure,
    nrb_build,
    nrb_check_digits,
    nrb_is_valid,
)
from podkowa.payments.services.qr import qr_svg, zbp_2d_string
from podkowa.payments.services.taxes import tax_decision_issue


def test_check_digits_of_the_known_example():
    # PL61 1090 1014 0000 0712 1981 2874 (domain facts): 98 − (BBAN + "252100") mod 97 = 61.
    assert nrb_check_digits("109010140000071219812874") == "61"
    assert nrb_is_valid("61 1090 1014 0000 0712 1981 2874")
    assert not nrb_is_valid("61 1090 1014 0000 0712 1981 2875")


def test_built_number_is_a_valid_iban():
    number = nrb_build(settlement_number="10201055", account_part="1405100000000007")
    assert number[2:] == "102010551405100000000007"
    assert iban.is_valid("PL" + number)
    with pytest.raises(ValidationError):
        nrb_build(settlement_number="1020105", account_part="1405100000000007")


@pytest.mark.django_db
def test_each_payer_gets_its_own_number(town, payer):
    from podkowa.payments.services.ledger import payer_create

    other = payer_create(gmina=town, name="Anna Nowak")
    first = individual_account_ensure(gmina=town, payer=payer)
    second = individual_account_ensure(gmina=town, payer=other)
    assert first.number != second.number
    assert first.number[2:10] == "10201055" and first.number[10:14] == "1405"
    assert iban.is_valid("PL" + first.number) and iban.is_valid("PL" + second.number)
    # Asking again gives the same number.
    assert individual_account_ensure(gmina=town, payer=payer).pk == first.pk


@pytest.mark.django_db
def test_per_decision_numbering_is_configurable(town, payer, sources):
    decision_kwargs = dict(gmina=town, payer=payer, source=sources["property_tax"], year=2026,
                           amount=50_000, issued_on=date(2026, 2, 1))
    one = tax_decision_issue(number="FN.3120.1.2026", **decision_kwargs)
    assert not hasattr(one, "account") or one.account is None
    PaymentSettings.objects.create(gmina=town, account_mode=AccountMode.PER_DECISION)
    two = tax_decision_issue(number="FN.3120.2.2026", **decision_kwargs)
    two.refresh_from_db()
    assert two.account.number[14] == "2"
    assert iban.is_valid("PL" + two.account.number)
    assert two.account.number != individual_account_ensure(gmina=town, payer=payer).number


def test_zbp_2d_string_has_nine_fields_in_order():
    text = zbp_2d_string(nip="527-010-23-57", account="PL61 1090 1014 0000 0712 1981 2874",
                         amount=12_345, recipient="Urząd Miasta Podkowa Leśna",
                         title="Podatek od nieruchomości | rata 1 za 2026 rok")
    assert text == ("5270102357|PL|61109010140000071219812874|012345|Urząd Miasta Podkowa|"
                    "Podatek od nieruchomości rata 1|||")
    assert text.count("|") == 8


def test_zbp_2d_amount_is_padded_and_nip_may_be_empty():
    text = zbp_2d_string(nip="", account="61109010140000071219812874", amount=5,
                         recipient="Gmina", title="Woda")
    assert text.split("|")[:4] == ["", "PL", "61109010140000071219812874", "000005"]


def test_qr_is_inline_svg():
    svg = qr_svg("5270102357|PL|61109010140000071219812874|012345|Gmina|Woda|||",
                 title="QR")
    assert svg.startswith("<svg") and "<title>QR</title>" in svg
