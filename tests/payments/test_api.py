"""The payments API: balance, charges, orders, history, receipts; taxes refused to mobile."""

from datetime import date

import pytest

from podkowa.accounts.services.tokens import api_token_create
from podkowa.payments.models import Payment, PaymentOrder
from podkowa.payments.services.ledger import payment_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def phone(town, resident):
    _token, plain = api_token_create(gmina=town, user=resident, name="phone")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.fixture
def charged(town, payer, charge_factory):
    return {"water": charge_factory(kind="water", amount=8_450, due=date(2026, 2, 10)),
            "waste": charge_factory(kind="waste", amount=12_000, due=date(2099, 3, 15)),
            "tax": charge_factory(kind="property_tax", amount=21_050, due=date(2099, 3, 16))}


def test_mobile_balance_and_charges_leave_taxes_out(client, phone, charged):
    balance = client.get("/api/v1/payments/balance", **phone).json()
    assert balance == {"payer": "Jan Kowalski", "due": 20_450, "arrears": 8_450,
                       "overpayment": 0, "includes_taxes": False}
    kinds = [c["kind"] for c in client.get("/api/v1/payments/charges", **phone).json()]
    assert kinds == ["water", "waste"]


def test_website_session_sees_taxes(client, resident, charged):
    client.force_login(resident)
    assert client.get("/api/v1/payments/balance").json()["due"] == 41_500
    assert [c["kind"] for c in client.get("/api/v1/payments/taxes").json()] == ["property_tax"]


def test_mobile_may_not_view_or_pay_taxes(client, phone, charged):
    refused = client.get("/api/v1/payments/taxes", **phone)
    assert refused.status_code == 403 and refused.json()["code"] == "web_only"
    refused = client.post("/api/v1/payments/orders", {"charge_ids": [charged["tax"].pk]},
                          content_type="application/json", **phone)
    assert refused.status_code == 403 and refused.json()["code"] == "web_only"
    assert not PaymentOrder.objects.exists()


def test_mobile_pays_a_non_tax_charge(client, phone, town, charged):
    response = client.post("/api/v1/payments/orders",
                           {"charge_ids": [charged["water"].pk, charged["waste"].pk]},
                           content_type="application/json", **phone)
    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == 20_450 and body["status"] == "pending"
    assert body["redirect_url"] == f"http://testserver/platnosci/piaskownica/{body['session_id']}/"
    state = client.get(f"/api/v1/payments/orders/{body['session_id']}", **phone).json()
    assert state["status"] == "pending"


def test_mobile_history_and_receipts(client, phone, town, payer, charged):
    water = payment_record(gmina=town, payer_id=payer.pk, amount=8_450,
                           method=Payment.Method.BANK, reference="T1",
                           charge_ids=[charged["water"].pk]).payment
    tax = payment_record(gmina=town, payer_id=payer.pk, amount=21_050,
                         method=Payment.Method.BANK, reference="T2",
                         charge_ids=[charged["tax"].pk]).payment
    listed = client.get("/api/v1/payments/history", **phone).json()
    assert [p["number"] for p in listed] == [water.number]
    assert listed[0]["paid_charges"][0]["amount"] == 8_450
    pdf = client.get(f"/api/v1/payments/history/{water.pk}/receipt", **phone)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    refused = client.get(f"/api/v1/payments/history/{tax.pk}/receipt", **phone)
    assert refused.status_code == 403 and refused.json()["code"] == "web_only"


def test_an_order_for_someone_elses_charge_is_refused(client, town, charged):
    from tests.payments.conftest import verified_user

    stranger = verified_user(town)
    _token, plain = api_token_create(gmina=town, user=stranger, name="phone")
    response = client.post("/api/v1/payments/orders", {"charge_ids": [charged["water"].pk]},
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 400
