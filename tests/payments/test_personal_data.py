"""The payments app's part of a person's data export, and what erasure does."""

from datetime import date

import pytest

from podkowa.core.personal_data import handlers
from podkowa.payments.models import Payer, Payment
from podkowa.payments.services.ledger import payment_record

pytestmark = pytest.mark.django_db


def handler():
    return next(h for h in handlers() if h.name == "payments")


def test_export_holds_charges_and_payments(town, payer, resident, charge_factory):
    charge_factory(title="Woda 01/2026", amount=8_450, due=date(2026, 2, 10))
    payment_record(gmina=town, payer_id=payer.pk, amount=8_450, method=Payment.Method.BANK,
                   reference="T1")
    data = handler().export(gmina=town, user=resident)
    (exported,) = data["payers"]
    assert exported["charges"][0]["title"] == "Woda 01/2026"
    assert exported["charges"][0]["outstanding_grosze"] == 0
    assert exported["payments"][0]["amount_grosze"] == 8_450


def test_erasure_unlinks_the_account_and_keeps_the_ledger(town, payer, resident,
                                                          charge_factory):
    charge_factory(amount=100)
    handler().shred(gmina=town, user=resident)
    payer = Payer.objects.get(gmina=town, pk=payer.pk)
    assert payer.user_id is None and payer.charges.count() == 1


def test_a_taxpayers_pesel_is_exported_and_kept_only_while_a_decision_needs_it(
        town, payer, resident, sources):
    from podkowa.payments.services.taxes import tax_decision_issue

    tax_decision_issue(gmina=town, payer=payer, source=sources["property_tax"],
                       number="FN.3120.9.2015", year=2015, amount=8_000,
                       issued_on=date(2015, 2, 1), pesel="44051401359")
    from podkowa.payments.models import WasteDeclaration

    WasteDeclaration.objects.create(gmina=town, payer=payer, number="DO/7", address="Lilpopa 1",
                                    monthly_amount=4_400, valid_from=date(2020, 1, 1))
    (exported,) = handler().export(gmina=town, user=resident)["payers"]
    assert exported["pesel"] == "44051401359"
    assert exported["waste_declarations"][0]["number"] == "DO/7"
    handler().shred(gmina=town, user=resident)
    # The only decision is long past the five years of retention: the PESEL goes.
    assert Payer.objects.get(gmina=town, pk=payer.pk).pesel == ""


def test_erasure_keeps_the_pesel_of_a_current_tax(town, payer, resident, sources):
    from django.utils import timezone

    from podkowa.payments.services.taxes import tax_decision_issue

    year = timezone.localdate().year
    tax_decision_issue(gmina=town, payer=payer, source=sources["property_tax"],
                       number=f"FN.3120.9.{year}", year=year, amount=8_000,
                       issued_on=date(year, 2, 1), pesel="44051401359")
    handler().shred(gmina=town, user=resident)
    payer = Payer.objects.get(gmina=town, pk=payer.pk)
    assert payer.user_id is None and payer.pesel == "44051401359"
