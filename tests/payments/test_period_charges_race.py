"""Two finance officials confirm the same period at the same moment, on real PostgreSQL
connections: the town is charged once, and the second one is told to look again."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope

from podkowa.payments.models import Charge, LedgerEntry, PaymentSettings, WasteDeclaration
from podkowa.payments.services.ledger import payer_create
from podkowa.payments.services.period_charges import waste_fee_period_issue

OFFICIALS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_period_confirmed_at_once_is_charged_once(town, payer, sources):
    PaymentSettings.objects.create(gmina=town,
                                   waste_fee_due_dates=["03-15", "05-15", "09-15", "11-15"])
    for number, who in enumerate([payer, payer_create(gmina=town, name="Anna Nowak")]):
        WasteDeclaration.objects.create(gmina=town, payer=who, number=f"DO/{number}",
                                        monthly_amount=4_400, valid_from=date(2020, 1, 1))
    barrier = threading.Barrier(OFFICIALS)
    done, refused, failures = [], [], []

    def confirm():
        try:
            with scope(gmina=town):
                barrier.wait()
                done.append(waste_fee_period_issue(
                    gmina=town, year=2026, period=3, payer_id=None, expected_count=2,
                    expected_total=26_400, actor=None).count)
        except ValidationError as error:
            refused.append(error)
        except Exception as error:  # reported below with the thread's own error
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(OFFICIALS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert done == [2] and len(refused) == OFFICIALS - 1
    assert Charge.objects.filter(gmina=town).count() == 2
    assert LedgerEntry.objects.filter(gmina=town, kind="charge").count() == 2
