"""Prolonging a grave's lease through the payments ledger: a charge for the holder first, the
grave kept 20 more years only once that charge is paid, and never twice."""

import contextlib
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from podkowa.accounts.models import Channel
from podkowa.cemetery.models import GraveKind, LeasePayment, LeaseProlongation
from podkowa.cemetery.services.books import (
    burial_register,
    grave_correct,
    grave_create,
    holder_register,
)
from podkowa.cemetery.services.prolongations import (
    lease_fees_set,
    lease_prolongation_cancel,
    lease_prolongation_pay_at_desk,
    lease_prolongation_request,
)
from podkowa.payments.gateways.sandbox import sandbox_sign
from podkowa.payments.models import Payment, SourceKind
from podkowa.payments.selectors import payer_balance
from podkowa.payments.services.ledger import (
    Incoming,
    payment_record,
    payments_record_many,
)
from podkowa.payments.services.orders import notification_handle, order_create
from tests.cemetery.conftest import xy
from tests.cemetery.test_race import race
from tests.payments.conftest import verified_user

FEE = 70_000


@pytest.fixture
def fees(gmina, cemetery):
    return lease_fees_set(gmina=gmina, cemetery=cemetery, fees={
        GraveKind.EARTH: FEE, GraveKind.MASONRY: 140_000, GraveKind.URN: None})


@pytest.fixture
def owner(gmina):
    return verified_user(gmina, first_name="Ewa", last_name="Nowak")


@pytest.fixture
def leased(gmina, cemetery, fees, owner):
    """An earth grave kept until 2027-05-05 (the last burial + 20 years), held by Ewa, whose
    account is verified."""
    grave = grave_create(gmina=gmina, cemetery=cemetery, quarter="II", row="1", number="1",
                         location=xy(10, 10))
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Nowak", "death_date": "2007-05-01", "burial_date": "2007-05-05"})
    holder = holder_register(gmina=gmina, grave=grave, first_name="Ewa", last_name="Nowak",
                             user=owner, address="ul. Lipowa 3, Podkowa Leśna")
    return grave, holder


def _until(grave):
    grave.refresh_from_db()
    return grave.paid_until


def _notify(gmina, order):
    body = json.dumps({"sessionId": order.session_id, "amount": order.amount,
                       "currency": "PLN", "status": "paid"}).encode()
    return notification_handle(gmina=gmina, kind="sandbox", body=body,
                               headers={"x-sandbox-signature": sandbox_sign(body, gmina.pk)})


def test_prolonging_charges_the_holder_and_keeps_the_grave_only_once_paid(gmina, leased,
                                                                          owner):
    grave, holder = leased
    prolongation = lease_prolongation_request(gmina=gmina, grave_id=grave.pk,
                                              holder_id=holder.pk, actor=None)
    charge = prolongation.charge
    assert charge.amount == FEE and charge.source.kind == SourceKind.CEMETERY
    assert charge.payer.user == owner  # her payments page lists it
    assert grave.place in charge.title and charge.reference == grave.record_number
    assert _until(grave) is None and prolongation.status == "pending"

    payment_record(gmina=gmina, payer_id=charge.payer_id, amount=FEE - 100,
                   method=Payment.Method.BANK, reference="PRZELEW-1")
    assert _until(grave) is None  # not paid in full yet

    order = order_create(gmina=gmina, user=owner, charge_ids=[charge.pk], channel=Channel.WEB)
    # The same 1 zł ordered again in another tab: both orders get paid.
    twin = order_create(gmina=gmina, user=owner, charge_ids=[charge.pk], channel=Channel.WEB)
    assert order.amount == twin.amount == 100
    assert _notify(gmina, order).verdict == "credited"
    assert _until(grave) == dt.date(2047, 5, 5)
    prolongation.refresh_from_db()
    order.refresh_from_db()
    assert prolongation.status == "paid"
    assert prolongation.lease_payment.previous_until == dt.date(2027, 5, 5)
    assert prolongation.lease_payment.reference == order.payment.number

    # The notification replayed, the twin order paid, a transfer for the same charge: the
    # grave is kept 20 years once; the money waits on her account.
    assert _notify(gmina, order).verdict == "duplicate"
    assert _notify(gmina, twin).verdict == "credited"
    payment_record(gmina=gmina, payer_id=charge.payer_id, amount=FEE,
                   method=Payment.Method.BANK, reference="PRZELEW-2", charge_ids=[charge.pk])
    assert _until(grave) == dt.date(2047, 5, 5)
    assert LeasePayment.objects.filter(gmina=gmina, grave=grave).count() == 1
    assert payer_balance(gmina=gmina, payer=charge.payer).overpayment == FEE + 100

    from podkowa.cemetery.personal_data import export

    assert [(p["grave"], p["status"]) for p in export(gmina=gmina, user=owner)[
        "lease_prolongations"]] == [(grave.place, "paid")]


def test_no_prolongation_without_a_fee_or_for_an_exempt_grave(gmina, cemetery, leased):
    grave, holder = leased
    lease_fees_set(gmina=gmina, cemetery=cemetery, fees={GraveKind.EARTH: None})
    with pytest.raises(ValidationError) as error:
        lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                   actor=None)
    assert "fee" in error.value.message_dict
    grave_correct(gmina=gmina, grave_id=grave.pk, changes={"kind": GraveKind.URN}, actor=None,
                  reason="test")
    with pytest.raises(ValidationError) as error:
        lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                   actor=None)
    assert "grave" in error.value.message_dict
    assert not LeaseProlongation.objects.filter(gmina=gmina).exists()


def test_a_bad_fee_names_its_grave_type(gmina, cemetery):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as error:
        lease_fees_set(gmina=gmina, cemetery=cemetery,
                       fees={GraveKind.EARTH: 50_000, GraveKind.TOMB: -1})
    assert list(error.value.message_dict) == ["fee_tomb"]
    assert "The fee for tomb must" in error.value.message_dict["fee_tomb"][0]
    assert not cemetery.lease_fees.exists()  # nothing half-written


def test_one_waiting_prolongation_per_grave_until_cancelled(gmina, leased):
    grave, holder = leased
    first = lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                       actor=None)
    with pytest.raises(ValidationError) as error:
        lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                   actor=None)
    assert "grave" in error.value.message_dict
    payer = first.charge.payer
    assert payer_balance(gmina=gmina, payer=payer).due == FEE  # the refused one left no charge
    lease_prolongation_cancel(gmina=gmina, prolongation_id=first.pk, actor=None)
    first.charge.refresh_from_db()
    assert first.charge.cancelled_at is not None
    assert payer_balance(gmina=gmina, payer=payer).due == 0
    again = lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                       actor=None)
    assert again.charge.payer == payer


def test_cash_at_the_desk_twice_keeps_the_grave_once(gmina, leased):
    grave, holder = leased
    prolongation = lease_prolongation_request(gmina=gmina, grave_id=grave.pk,
                                              holder_id=holder.pk, actor=None)
    assert lease_prolongation_pay_at_desk(gmina=gmina, prolongation_id=prolongation.pk,
                                          actor=None).status == "paid"
    lease_prolongation_pay_at_desk(gmina=gmina, prolongation_id=prolongation.pk, actor=None)
    assert _until(grave) == dt.date(2047, 5, 5)
    assert Payment.objects.filter(gmina=gmina, method="desk").count() == 1


def test_a_bank_statement_pays_it_and_a_lapsed_grave_runs_from_the_payment(gmina, cemetery,
                                                                         fees):
    grave = grave_create(gmina=gmina, cemetery=cemetery, quarter="III", row="1", number="2")
    burial_register(gmina=gmina, grave=grave, data={"surname": "Wróbel",
                                                    "burial_date": "1990-06-01"})
    holder = holder_register(gmina=gmina, grave=grave, first_name="Jan", last_name="Wróbel")
    prolongation = lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=None,
                                              actor=None)  # the only holder
    assert prolongation.holder == holder and prolongation.charge.payer.user is None
    received = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
    payments_record_many(gmina=gmina, method=Payment.Method.BANK, incoming=[
        Incoming(payer_id=prolongation.charge.payer_id, amount=FEE, reference="MT940-7",
                 received_at=received)])
    assert _until(grave) == dt.date(2046, 3, 2)


def test_an_overpayment_pays_the_new_charge_at_once(gmina, leased):
    grave, holder = leased
    first = lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                       actor=None)
    payer_id = first.charge.payer_id
    lease_prolongation_cancel(gmina=gmina, prolongation_id=first.pk, actor=None)
    payment_record(gmina=gmina, payer_id=payer_id, amount=FEE, method=Payment.Method.BANK,
                   reference="ZALICZKA")
    again = lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk,
                                       actor=None)
    assert again.status == "paid"
    assert _until(grave) == dt.date(2047, 5, 5)


def test_clerk_sets_the_fees_charges_the_holder_and_takes_cash(client, gmina, cemetery,
                                                               leased):
    from podkowa.accounts.models import Role
    from tests.admin_support import make_official, sign_in_with_second_factor

    grave, holder = leased
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    client.cookies["django_language"] = "en"
    bad = client.post(f"/cmentarz/urzad/{cemetery.slug}/oplaty/",
                      {"fee_earth": "siedemset", "fee_urn": "300"}, follow=True)
    assert "earth grave: give the fee in złoty" in bad.content.decode()
    client.post(f"/cmentarz/urzad/{cemetery.slug}/oplaty/",
                {"fee_earth": "750,50", "fee_masonry": "1400", "fee_urn": ""})
    office = client.get(f"/cmentarz/urzad/{cemetery.slug}/").content.decode()
    assert 'value="750,50"' in office and 'name="fee_urn" inputmode="decimal" value=""' in office

    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "Prolong by 20 years (750,50\u00a0zł)" in page
    client.post(f"/cmentarz/grob/{grave.pk}/przedluzenie/", {"holder": holder.pk})
    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "Another 20 years are charged: 750,50\u00a0zł" in page
    assert "Kept until 2027-05-05" in page
    office = client.get(f"/cmentarz/urzad/{cemetery.slug}/").content.decode()
    assert "Prolongations waiting for payment (1)" in office and "Ewa Nowak" in office

    prolongation = LeaseProlongation.objects.get(gmina=gmina)
    client.post(f"/cmentarz/urzad/przedluzenie/{prolongation.pk}/", {"action": "desk"})
    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "Kept until 2047-05-05" in page and "Another 20 years" not in page


def test_the_holder_prolongs_and_pays_in_payments(client, gmina, leased, owner):
    grave, _holder = leased
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "Kept until 2027-05-05" in page and "Prolong by 20 years (700,00\u00a0zł)" in page
    client.post(f"/cmentarz/grob/{grave.pk}/przedluzenie/")
    page = client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()
    assert "Another 20 years are charged: 700,00\u00a0zł" in page
    assert 'href="/platnosci/"' in page
    payments = client.get("/platnosci/").content.decode()
    assert f"Grave {grave.place}" in payments or f"Grób {grave.place}" in payments
    # Someone who is not a holder may not charge the grave, nor see its lease.
    other = verified_user(gmina)
    client.force_login(other)
    assert client.post(f"/cmentarz/grob/{grave.pk}/przedluzenie/").status_code == 403
    assert "Kept until" not in client.get(f"/cmentarz/grob/{grave.pk}/").content.decode()


def test_the_demo_has_fees_and_gives_the_demo_resident_a_grave_to_prolong(gmina):
    from django.utils import timezone

    from podkowa.cemetery.demo import DEMO_HOLDER_EMAIL, load_cemetery_demo
    from podkowa.cemetery.models import GraveHolder
    from podkowa.cemetery.services.leases import lease_state
    from tests.factories import UserFactory

    UserFactory(email=DEMO_HOLDER_EMAIL, first_name="Jan", last_name="Kowalski")
    cemetery = load_cemetery_demo(gmina)
    load_cemetery_demo(gmina)  # idempotent
    assert cemetery.lease_fees.get(kind=GraveKind.EARTH).amount_grosze == 70_000
    holder = GraveHolder.objects.get(gmina=gmina, user__email=DEMO_HOLDER_EMAIL)
    expires = lease_state(holder.grave).expires
    today = timezone.localdate()
    assert today < expires < today.replace(year=today.year + 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_payments_of_one_charge_at_once_keep_the_grave_twenty_years_once(gmina,
                                                                               leased):
    from django_scopes import scope

    grave, holder = leased
    with scope(gmina=gmina):
        prolongation = lease_prolongation_request(gmina=gmina, grave_id=grave.pk,
                                                  holder_id=holder.pk, actor=None)

    def work(k):
        with scope(gmina=gmina):
            if k % 2:
                lease_prolongation_pay_at_desk(gmina=gmina, prolongation_id=prolongation.pk,
                                               actor=None)
            else:
                payment_record(gmina=gmina, payer_id=prolongation.charge.payer_id,
                               amount=FEE, method=Payment.Method.BANK,
                               reference=f"RACE-{k}", charge_ids=[prolongation.charge_id])

    assert race(work) == []
    with scope(gmina=gmina):
        assert _until(grave) == dt.date(2047, 5, 5)
        assert LeasePayment.objects.filter(gmina=gmina, grave=grave).count() == 1
        prolongation.refresh_from_db()
        assert prolongation.status == "paid"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_prolonging_one_grave_at_once_charge_once(gmina, cemetery, leased):
    from django_scopes import scope

    grave, holder = leased
    with scope(gmina=gmina):
        # A second holder, so that the racers lock different payers first.
        other = holder_register(gmina=gmina, grave=grave, first_name="Adam",
                                last_name="Nowak")
    holders = [holder.pk, other.pk]

    def work(k):
        # The losers are meant to be refused.
        with scope(gmina=gmina), contextlib.suppress(ValidationError):
            lease_prolongation_request(gmina=gmina, grave_id=grave.pk,
                                       holder_id=holders[k % 2], actor=None)

    assert race(work) == []
    with scope(gmina=gmina):
        from podkowa.payments.models import Charge

        assert LeaseProlongation.objects.filter(gmina=gmina, grave=grave).count() == 1
        assert Charge.objects.filter(gmina=gmina, source__kind=SourceKind.CEMETERY).count() == 1


def test_no_payment_recorded_by_hand_while_a_prolongation_waits(gmina, leased):
    from podkowa.cemetery.services.leases import lease_prolong

    grave, holder = leased
    lease_prolongation_request(gmina=gmina, grave_id=grave.pk, holder_id=holder.pk, actor=None)
    with pytest.raises(ValidationError) as error:
        lease_prolong(gmina=gmina, grave_id=grave.pk, amount_grosze=FEE,
                      paid_on=dt.date(2026, 3, 1), actor=None)
    assert "grave" in error.value.message_dict and _until(grave) is None
