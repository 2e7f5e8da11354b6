"""Register numbers and lease payments under concurrent clerks: real connections racing on
PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django_scopes import scope

from podkowa.cemetery.models import Burial, Grave, LeasePayment
from podkowa.cemetery.services.books import burial_register, grave_create
from podkowa.cemetery.services.leases import lease_prolong

RACERS = 8


def race(work) -> list[Exception]:
    barrier = threading.Barrier(RACERS)
    failures: list[Exception] = []

    def one(k: int):
        try:
            barrier.wait()
            work(k)
        except Exception as error:  # reported by the test
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_share_a_register_number(gmina, cemetery):
    def work(k):
        with scope(gmina=gmina):
            grave = grave_create(gmina=gmina, cemetery=cemetery, quarter="R", row="1",
                                 number=str(k + 1))
            burial_register(gmina=gmina, grave=grave, data={"surname": f"Nowak{k}"})

    assert race(work) == []
    with scope(gmina=gmina):
        numbers = sorted(Burial.objects.filter(gmina=gmina).values_list("record_number",
                                                                         flat=True))
        graves = sorted(Grave.objects.filter(gmina=gmina).values_list("record_number",
                                                                      flat=True))
    assert numbers == [f"P-{n:05d}" for n in range(1, RACERS + 1)]
    assert graves == [f"G-{n:05d}" for n in range(1, RACERS + 1)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_each_add_their_years(gmina, cemetery):
    with scope(gmina=gmina):
        grave = grave_create(gmina=gmina, cemetery=cemetery, quarter="R", row="1", number="1")
        burial_register(gmina=gmina, grave=grave, data={
            "surname": "Nowak", "death_date": "2010-01-01", "burial_date": "2010-01-05"})

    def work(k):
        with scope(gmina=gmina):
            lease_prolong(gmina=gmina, grave_id=grave.pk, amount_grosze=10000,
                          paid_on=dt.date(2025, 1, 1), years=1, actor=None)

    assert race(work) == []
    with scope(gmina=gmina):
        grave.refresh_from_db()
        payments = list(LeasePayment.objects.filter(gmina=gmina).order_by("new_until"))
    # Protected until 2030-01-05; eight one-year payments on top of each other, none lost.
    assert grave.paid_until == dt.date(2030 + RACERS, 1, 5)
    assert [p.previous_until for p in payments][1:] == [p.new_until for p in payments][:-1]
