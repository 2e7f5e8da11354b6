"""Starting an online payment: which charges may be paid, by whom, through which channel;
and the sandbox operator."""

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from podkowa.accounts.models import Channel
from podkowa.payments.gateways.sandbox import sandbox_sign
from podkowa.payments.models import PaymentOrder
from podkowa.payments.selectors import payer_balance
from podkowa.payments.services.orders import notification_handle, order_create
from tests.payments.conftest import verified_user

pytestmark = pytest.mark.django_db


def test_order_is_for_what_is_still_owed(town, resident, payer, charge_factory):
    from podkowa.payments.models import Payment
    from podkowa.payments.services.ledger import payment_record

    water = charge_factory(amount=10_000)
    payment_record(gmina=town, payer_id=payer.pk, amount=2_500, method=Payment.Method.BANK,
                   reference="T1")
    order = order_create(gmina=town, user=resident, charge_ids=[water.pk], channel=Channel.WEB)
    assert order.amount == 7_500 and order.gateway == "sandbox"


def test_someone_elses_charge_cannot_be_ordered(town, resident, payer, charge_factory):
    from podkowa.payments.services.ledger import payer_create

    stranger = verified_user(town)
    payer_create(gmina=town, name="Obcy", user=stranger)
    water = charge_factory()
    with pytest.raises(ValidationError) as error:
        order_create(gmina=town, user=stranger, charge_ids=[water.pk], channel=Channel.WEB)
    assert "charges" in error.value.message_dict


def test_taxes_are_not_payable_from_the_mobile_channel(town, resident, payer, charge_factory):
    tax = charge_factory(kind="property_tax", amount=5_000)
    water = charge_factory(kind="water", amount=1_000, due=date(2026, 4, 1))
    with pytest.raises(PermissionDenied):
        order_create(gmina=town, user=resident, charge_ids=[tax.pk, water.pk],
                     channel=Channel.MOBILE)
    assert order_create(gmina=town, user=resident, charge_ids=[water.pk],
                        channel=Channel.MOBILE).amount == 1_000
    assert order_create(gmina=town, user=resident, charge_ids=[tax.pk],
                        channel=Channel.WEB).amount == 5_000


def test_an_empty_choice_is_refused(town, resident, payer):
    with pytest.raises(ValidationError):
        order_create(gmina=town, user=resident, charge_ids=[], channel=Channel.WEB)


def test_sandbox_notification_is_signed(town, resident, payer, charge_factory):
    order = order_create(gmina=town, user=resident, charge_ids=[charge_factory().pk],
                         channel=Channel.WEB)
    body = json.dumps({"sessionId": order.session_id, "amount": order.amount,
                       "currency": "PLN", "status": "paid"}).encode()
    forged = notification_handle(gmina=town, kind="sandbox", body=body,
                                 headers={"x-sandbox-signature": "0" * 64})
    assert forged.verdict == "forged"
    good = notification_handle(gmina=town, kind="sandbox", body=body,
                               headers={"x-sandbox-signature": sandbox_sign(body, town.pk)})
    assert good.verdict == "credited"
    assert payer_balance(gmina=town, payer=payer).due == 0


def test_sandbox_page_confirms_through_a_real_notification(client, town, resident, payer,
                                                           charge_factory, monkeypatch):
    """The sandbox page's "confirm" POSTs a signed notification to our endpoint over HTTP;
    here the HTTP call is routed into the test client, which is that endpoint."""
    posted = []

    def through_client(method, url, *, body=None, headers=None, timeout=20):
        from podkowa.payments.gateways.http import Response

        path = url.split("testserver", 1)[1]
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
                 if k.lower() != "content-type"}
        response = client.post(path, body, content_type="application/json", **extra)
        posted.append(path)
        return Response(response.status_code, {}, response.content)

    monkeypatch.setattr("podkowa.payments.gateways.sandbox.request", through_client)
    client.force_login(resident)
    water = charge_factory(amount=4_200)
    response = client.post("/platnosci/zaplac/", {"charge": [water.pk]})
    order = PaymentOrder.objects.get(gmina=town)
    assert response.status_code == 302
    assert response["Location"] == f"/platnosci/piaskownica/{order.session_id}/"
    page = client.get(response["Location"])
    assert "42,00" in page.content.decode()
    # Going back without paying changes nothing.
    back = client.post(response["Location"], {"action": "back"})
    assert back["Location"] == f"/platnosci/zlecenie/{order.session_id}/"
    assert payer_balance(gmina=town, payer=payer).due == 4_200 and posted == []
    client.post(response["Location"], {"action": "confirm"})
    assert posted == ["/platnosci/powiadomienie/sandbox/"]
    assert payer_balance(gmina=town, payer=payer).due == 0


def test_without_a_configured_gateway_production_takes_no_pretend_payments(
        town, resident, payer, charge_factory, settings):
    from podkowa.payments.services.orders import order_start

    settings.PAYMENTS_SANDBOX = False
    order = order_create(gmina=town, user=resident, charge_ids=[charge_factory().pk],
                         channel=Channel.WEB)
    with pytest.raises(ValidationError) as error:
        order_start(gmina=town, order=order, return_url="http://x/", notify_url="http://x/")
    assert "gateway" in error.value.message_dict
