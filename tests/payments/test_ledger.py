"""The ledger: allocation oldest first or as picked, overpayments, reversals, append-only."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from podkowa.payments.models import Allocation, LedgerEntry, Payment
from podkowa.payments.selectors import charge_rows, payer_balance
from podkowa.payments.services.ledger import (
    charge_cancel,
    payer_create,
    payer_link_account,
    payment_record,
)
from tests.factories import UserFactory
from tests.payments.conftest import verified_user

pytestmark = pytest.mark.django_db


def outstanding(town, payer):
    return {c.title: c.outstanding for c in charge_rows(gmina=town, payer=payer)}


def test_payment_pays_the_oldest_due_charge_first(town, payer, charge_factory):
    charge_factory(title="later", amount=5_000, due=date(2026, 5, 1))
    charge_factory(title="older", amount=3_000, due=date(2026, 2, 1))
    payment_record(gmina=town, payer_id=payer.pk, amount=4_000, method=Payment.Method.BANK,
                   reference="T1")
    assert outstanding(town, payer) == {"older": 0, "later": 4_000}


def test_payer_picks_which_charge_a_payment_pays(town, payer, charge_factory):
    charge_factory(title="older", amount=3_000, due=date(2026, 2, 1))
    later = charge_factory(title="later", amount=5_000, due=date(2026, 5, 1))
    payment_record(gmina=town, payer_id=payer.pk, amount=5_000, method=Payment.Method.BANK,
                   reference="T1", charge_ids=[later.pk])
    assert outstanding(town, payer) == {"older": 3_000, "later": 0}


def test_overpayment_is_kept_and_pays_the_next_charge(town, payer, charge_factory):
    charge_factory(title="first", amount=3_000)
    payment_record(gmina=town, payer_id=payer.pk, amount=5_000, method=Payment.Method.BANK,
                   reference="T1")
    balance = payer_balance(gmina=town, payer=payer)
    assert (balance.due, balance.overpayment, balance.ledger_balance) == (0, 2_000, -2_000)
    charge_factory(title="second", amount=2_500, due=date(2026, 6, 1))
    balance = payer_balance(gmina=town, payer=payer)
    assert outstanding(town, payer) == {"first": 0, "second": 500}
    assert (balance.due, balance.overpayment, balance.ledger_balance) == (500, 0, 500)


def test_arrears_are_the_overdue_part(town, payer, charge_factory):
    charge_factory(title="old", amount=1_000, due=date(2020, 1, 1))
    charge_factory(title="future", amount=2_000, due=date(2099, 1, 1))
    balance = payer_balance(gmina=town, payer=payer)
    assert (balance.due, balance.arrears) == (3_000, 1_000)


def test_the_same_bank_reference_twice_credits_once(town, payer, charge_factory):
    charge_factory(amount=1_000)
    first = payment_record(gmina=town, payer_id=payer.pk, amount=1_000,
                           method=Payment.Method.BANK, reference="T1")
    again = payment_record(gmina=town, payer_id=payer.pk, amount=1_000,
                           method=Payment.Method.BANK, reference="T1")
    assert first.created and not again.created
    assert again.payment.pk == first.payment.pk
    assert Payment.objects.filter(gmina=town).count() == 1
    assert payer_balance(gmina=town, payer=payer).ledger_balance == 0


def test_cancelling_a_paid_charge_reverses_it_and_frees_the_money(town, payer,
                                                                   charge_factory):
    wrong = charge_factory(title="wrong", amount=1_000, due=date(2026, 1, 1))
    charge_factory(title="right", amount=1_000, due=date(2026, 4, 1))
    payment_record(gmina=town, payer_id=payer.pk, amount=1_000, method=Payment.Method.BANK,
                   reference="T1")
    assert outstanding(town, payer) == {"wrong": 0, "right": 1_000}
    charge_cancel(gmina=town, charge_id=wrong.pk, actor=None, note="mistake")
    # The freed money paid the other charge; nothing was edited, everything was appended.
    assert outstanding(town, payer) == {"wrong": 0, "right": 0}
    kinds = list(LedgerEntry.objects.filter(gmina=town).values_list("kind", "amount"))
    assert kinds == [("charge", 1_000), ("charge", 1_000), ("payment", -1_000),
                     ("reversal", -1_000)]
    assert sorted(Allocation.objects.filter(gmina=town).values_list("amount", flat=True)) == \
        [-1_000, 1_000, 1_000]
    with pytest.raises(ValidationError):
        charge_cancel(gmina=town, charge_id=wrong.pk, actor=None)


def test_balance_is_the_sum_of_entries(town, payer, charge_factory):
    charge_factory(amount=12_345)
    charge_factory(amount=655, due=date(2026, 8, 1))
    payment_record(gmina=town, payer_id=payer.pk, amount=10_000, method=Payment.Method.DESK,
                   reference="KP/1")
    balance = payer_balance(gmina=town, payer=payer)
    assert balance.ledger_balance == 3_000 == balance.due - balance.overpayment


def test_entries_are_never_edited_nor_deleted(town, payer, charge_factory):
    charge_factory(amount=1_000)
    entry = LedgerEntry.objects.get(gmina=town)
    entry.amount = 1
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        LedgerEntry.objects.filter(gmina=town).update(amount=5)
    with pytest.raises(PermissionDenied):
        LedgerEntry.objects.filter(gmina=town).delete()


@pytest.mark.parametrize("amount", [0, -5, 1.5])
def test_a_charge_needs_a_positive_whole_amount(town, payer, charge_factory, amount):
    with pytest.raises(ValidationError) as error:
        charge_factory(amount=amount)
    assert "amount" in error.value.message_dict
    assert not LedgerEntry.objects.filter(gmina=town).exists()


def test_only_a_verified_account_is_linked_to_a_payer(town):
    unverified = UserFactory()
    firm = payer_create(gmina=town, name="Ogrody Sp. z o.o.", kind="firm", nip="8567346215")
    with pytest.raises(ValidationError) as error:
        payer_link_account(gmina=town, payer_id=firm.pk, user=unverified)
    assert "user" in error.value.message_dict
    verified = verified_user(town)
    assert payer_link_account(gmina=town, payer_id=firm.pk, user=verified).user == verified


def test_a_firm_needs_a_valid_nip(town):
    with pytest.raises(ValidationError) as error:
        payer_create(gmina=town, name="Firma", kind="firm", nip="8567346216")
    assert "nip" in error.value.message_dict


def test_bulk_recording_allocates_as_one_by_one(town, payer, charge_factory):
    from podkowa.payments.services.ledger import Incoming, payments_record_many

    charge_factory(title="older", amount=3_000, due=date(2026, 2, 1))
    later = charge_factory(title="later", amount=5_000, due=date(2026, 5, 1))
    charge_factory(title="latest", amount=1_000, due=date(2026, 8, 1))
    recorded = payments_record_many(gmina=town, method=Payment.Method.BANK, incoming=[
        Incoming(payer_id=payer.pk, amount=5_000, reference="B1", charge_ids=(later.pk,)),
        Incoming(payer_id=payer.pk, amount=4_500, reference="B2"),
        Incoming(payer_id=payer.pk, amount=4_500, reference="B2"),  # the same line twice
    ])
    assert [r.created for r in recorded] == [True, True, True]
    assert recorded[1].payment.pk == recorded[2].payment.pk
    assert outstanding(town, payer) == {"older": 0, "later": 0, "latest": 0}
    balance = payer_balance(gmina=town, payer=payer)
    assert (balance.overpayment, balance.ledger_balance) == (500, -500)
    again = payments_record_many(gmina=town, method=Payment.Method.BANK, incoming=[
        Incoming(payer_id=payer.pk, amount=5_000, reference="B1")])
    assert not again[0].created and Payment.objects.filter(gmina=town).count() == 2
    numbers = sorted(Payment.objects.filter(gmina=town).values_list("number", flat=True))
    assert len(set(numbers)) == 2


def test_a_payer_is_linked_to_the_account_once_its_identity_is_verified(client, town, sources):
    from podkowa.accounts.models import PersonIdentity
    from podkowa.core.identifiers import pesel_hmac
    from podkowa.payments.services.ledger import charge_create, payer_link_verified

    payer = payer_create(gmina=town, name="Maria Nowak", pesel="02211307589")
    assert payer.pesel_hmac == pesel_hmac("02211307589")
    charge_create(gmina=town, payer_id=payer.pk, source=sources["water"], title="Woda",
                  amount=1_000, due_date=date(2026, 3, 1))
    person = UserFactory()
    client.force_login(person)
    assert "Woda" not in client.get("/platnosci/").content.decode()  # not verified yet
    from podkowa.accounts.models import ResidentProfile, VerificationLevel

    ResidentProfile.objects.create(gmina=town, user=person,
                                   verification_level=VerificationLevel.VERIFIED_RESIDENT)
    PersonIdentity.objects.create(user=person, pesel_hmac=pesel_hmac("02211307589"))
    assert "Woda" in client.get("/platnosci/").content.decode()
    payer.refresh_from_db()
    assert payer.user == person
    assert payer_link_verified(gmina=town, user=person) is None  # already linked


def test_a_payer_pesel_is_validated(town):
    with pytest.raises(ValidationError) as error:
        payer_create(gmina=town, name="X", pesel="44051401358")
    assert "pesel" in error.value.message_dict
