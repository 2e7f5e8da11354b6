"""The "charge paid" hook other apps register (podkowa/payments/paid.py): called once per
charge, by every path that can pay a charge off, inside the paying transaction."""

from datetime import date

import pytest

from podkowa.payments import paid as paid_hook
from podkowa.payments.models import ChargeSource, Payment, SourceKind
from podkowa.payments.services.ledger import (
    Incoming,
    charge_cancel,
    payment_record,
    payments_record_many,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    monkeypatch.setattr(paid_hook, "_HANDLERS", {})
    seen = []
    paid_hook.on_charge_paid(SourceKind.TICKET,
                             lambda **kw: seen.append((kw["charge"].pk, kw["payment"].pk)))
    return seen


@pytest.fixture
def ticket(town, payer):
    source = ChargeSource.objects.create(gmina=town, code="bilety", name="Bilety",
                                         kind=SourceKind.TICKET)
    from podkowa.payments.services.ledger import charge_create

    return charge_create(gmina=town, payer_id=payer.pk, source=source, title="Koncert",
                         amount=5_000, due_date=date(2026, 5, 1))


def test_called_once_when_the_last_grosz_arrives(town, payer, ticket, calls, charge_factory):
    water = charge_factory(amount=3_000, due=date(2026, 1, 1))  # older: paid first
    payment_record(gmina=town, payer_id=payer.pk, amount=4_000, method=Payment.Method.BANK,
                   reference="T1")
    assert calls == []  # water paid (not watched), the ticket only in part
    last = payment_record(gmina=town, payer_id=payer.pk, amount=4_000,
                          method=Payment.Method.BANK, reference="T2").payment
    assert calls == [(ticket.pk, last.pk)]
    payment_record(gmina=town, payer_id=payer.pk, amount=4_000, method=Payment.Method.BANK,
                   reference="T2")  # the same transfer again
    payment_record(gmina=town, payer_id=payer.pk, amount=5_000, method=Payment.Method.BANK,
                   reference="T3", charge_ids=[ticket.pk])  # paid twice
    assert calls == [(ticket.pk, last.pk)]
    assert water.pk not in [c for c, _p in calls]


def test_a_statement_and_an_overpayment_freed_by_a_cancellation_pay_too(town, payer, ticket,
                                                                         calls):
    payments_record_many(gmina=town, method=Payment.Method.BANK, incoming=[
        Incoming(payer_id=payer.pk, amount=5_000, reference="MT-1")])
    assert [c for c, _p in calls] == [ticket.pk]
    calls.clear()
    charge_cancel(gmina=town, charge_id=ticket.pk, actor=None)
    from podkowa.payments.services.ledger import charge_create

    again = charge_create(gmina=town, payer_id=payer.pk, source=ticket.source,
                          title="Koncert (nowy termin)", amount=5_000, due_date=date(2026, 6, 1))
    assert [c for c, _p in calls] == [again.pk]  # paid at once by the money set free
