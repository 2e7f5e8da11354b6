"""50 parallel copies of the same notification, on real PostgreSQL connections: one credit."""

import threading
from datetime import date

import pytest
from django.db import connection
from django_scopes import scope

from podkowa.accounts.models import Channel
from podkowa.payments.models import Allocation, LedgerEntry, Payment, PaymentOrder
from podkowa.payments.selectors import payer_balance
from podkowa.payments.services.orders import notification_handle, order_create, order_start
from tests.payments import fake_gateways as fg
from tests.payments.gateway_support import p24_notification, use_gateway

COPIES = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_copies_credit_once(town, resident, payer, charge_factory):
    charges = [charge_factory(kind="water", amount=8_450, due=date(2026, 2, 10)),
               charge_factory(kind="waste", amount=12_000, due=date(2026, 3, 15))]
    with fg.FakeGateways() as fake:
        use_gateway(town, "przelewy24", fg.p24_config(fake.url))
        order = order_create(gmina=town, user=resident, charge_ids=[c.pk for c in charges],
                             channel=Channel.WEB)
        order_start(gmina=town, order=order, return_url="http://testserver/back",
                    notify_url="http://testserver/platnosci/powiadomienie/przelewy24/")
        body = p24_notification(order)
        barrier = threading.Barrier(COPIES)
        verdicts, failures = [], []

        def deliver():
            try:
                with scope(gmina=town):
                    barrier.wait()
                    verdicts.append(notification_handle(gmina=town, kind="przelewy24",
                                                        body=body, headers={}).verdict)
            except Exception as error:  # reported below with the thread's own error
                failures.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=deliver) for _ in range(COPIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert sorted(verdicts) == ["credited"] + ["duplicate"] * (COPIES - 1)
        assert len(fake.verified) == 1
    assert Payment.objects.filter(gmina=town).count() == 1
    assert LedgerEntry.objects.filter(gmina=town, kind="payment").count() == 1
    assert sum(Allocation.objects.filter(gmina=town).values_list("amount", flat=True)) == 20_450
    assert PaymentOrder.objects.get(gmina=town).status == PaymentOrder.Status.PAID
    assert payer_balance(gmina=town, payer=payer).ledger_balance == 0
