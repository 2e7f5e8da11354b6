"""The gateways against local fakes of their APIs, and what a notification may and may not do.

A charge becomes paid only through a verified notification: never by the browser's return,
never twice, never for a forged, unknown, wrong-amount or wrong-currency notification.
"""

import hashlib
import json
from datetime import date

import pytest

from podkowa.accounts.models import Channel
from podkowa.payments.gateways.przelewy24 import (
    notification_sign,
    php_json,
    register_sign,
    verify_sign,
)
from podkowa.payments.models import GatewayNotification, Payment, PaymentOrder
from podkowa.payments.selectors import charge_rows, payer_balance
from podkowa.payments.services.orders import notification_handle, order_create, order_start
from tests.payments import fake_gateways as fg
from tests.payments.gateway_support import (
    p24_notification,
    paynow_notification,
    payu_notification,
    use_gateway,
)

pytestmark = pytest.mark.django_db
NOTIFY = "/platnosci/powiadomienie/{}/"


@pytest.fixture
def fake():
    with fg.FakeGateways() as server:
        yield server


@pytest.fixture
def two_charges(charge_factory):
    return [charge_factory(kind="water", title="Woda 01/2026", amount=8_450,
                           due=date(2026, 2, 10)),
            charge_factory(kind="waste", title="Odpady I kw. 2026", amount=12_000,
                           due=date(2026, 3, 15))]


def start(town, resident, charges, kind):
    order = order_create(gmina=town, user=resident, charge_ids=[c.pk for c in charges],
                         channel=Channel.WEB)
    url = order_start(gmina=town, order=order, return_url="http://testserver/back",
                      notify_url=f"http://testserver{NOTIFY.format(kind)}",
                      customer_ip="127.0.0.1")
    order.refresh_from_db()
    return order, url


def credited(town) -> int:
    return Payment.objects.filter(gmina=town).count()


def verdicts(town) -> list[tuple[str, bool]]:
    return list(GatewayNotification.objects.filter(gmina=town).order_by("id")
                .values_list("verdict", "flagged"))


# --- Przelewy24: signatures -------------------------------------------------------------

def test_p24_sign_of_a_fixed_example_equals_the_hand_computed_value():
    # The JSON exactly as PHP's json_encode(…, UNESCAPED_UNICODE|UNESCAPED_SLASHES) writes it:
    # compact, keys in order, "ó" and "/" as they are.
    by_hand = ('{"sessionId":"zamówienie/2026/7","merchantId":11111,"amount":12345,'
               '"currency":"PLN","crc":"a1b2c3d4e5f6a7b8"}')
    assert hashlib.sha384(by_hand.encode()).hexdigest() == (
        "7f114c264e75ff125102ca512e89e0ecf20cf862e29fd16d55f480f1fb2549d4"
        "9bada5529961aa7059528c1933729afe")
    assert register_sign(session_id="zamówienie/2026/7", merchant_id=11111, amount=12345,
                         currency="PLN", crc="a1b2c3d4e5f6a7b8") == (
        "7f114c264e75ff125102ca512e89e0ecf20cf862e29fd16d55f480f1fb2549d4"
        "9bada5529961aa7059528c1933729afe")


def test_php_json_matches_json_encode_unescaped_unicode_and_slashes():
    assert php_json({"a": "zażółć/gęślą", "b": 1, "c": 'q"\\'}) == \
        '{"a":"zażółć/gęślą","b":1,"c":"q\\"\\\\"}'
    # PHP escapes the line and paragraph separators even with JSON_UNESCAPED_UNICODE.
    assert php_json({"a": "x\u2028y"}) == '{"a":"x\\u2028y"}'


def test_p24_notification_and_verify_signs_follow_the_field_order():
    fields = {"merchantId": 1, "posId": 2, "sessionId": "s", "amount": 3, "originAmount": 3,
              "currency": "PLN", "orderId": 4, "methodId": 5, "statement": "t", "sign": "x"}
    assert notification_sign(fields, crc="c") == hashlib.sha384(
        b'{"merchantId":1,"posId":2,"sessionId":"s","amount":3,"originAmount":3,'
        b'"currency":"PLN","orderId":4,"methodId":5,"statement":"t","crc":"c"}').hexdigest()
    assert verify_sign(session_id="s", order_id=4, amount=3, currency="PLN", crc="c") == \
        hashlib.sha384(b'{"sessionId":"s","orderId":4,"amount":3,"currency":"PLN",'
                       b'"crc":"c"}').hexdigest()


# --- Przelewy24: against the fake ------------------------------------------------------

def test_p24_register_is_accepted_by_the_fake(town, resident, two_charges, fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, url = start(town, resident, two_charges, "przelewy24")
    assert url.startswith(f"{fake.url}/trnRequest/TOKEN-")
    sent = json.loads(fake.requests[0]["body"])
    assert sent["amount"] == 20_450 and sent["currency"] == "PLN"
    assert sent["urlStatus"] == "http://testserver/platnosci/powiadomienie/przelewy24/"
    assert sent["sessionId"] == order.session_id


def test_p24_notification_credits_after_verify(client, town, resident, payer, two_charges,
                                               fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    # The browser's return proves nothing: the order waits, the charges are still owed.
    client.force_login(resident)
    assert client.get(f"/platnosci/zlecenie/{order.session_id}/").status_code == 200
    assert payer_balance(gmina=town, payer=payer).due == 20_450
    response = client.post(NOTIFY.format("przelewy24"), p24_notification(order),
                           content_type="application/json")
    assert response.status_code == 200
    assert [v["orderId"] for v in fake.verified] == [316_122_123]
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert payer_balance(gmina=town, payer=payer).due == 0
    assert [c.outstanding for c in charge_rows(gmina=town, payer=payer)] == [0, 0]


def test_p24_forged_signature_is_refused_and_flagged(client, town, resident, payer,
                                                     two_charges, fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    forged = p24_notification(order, crc="not-the-crc-0000")
    response = client.post(NOTIFY.format("przelewy24"), forged, content_type="application/json")
    assert response.status_code == 400
    assert credited(town) == 0 and fake.verified == []
    assert verdicts(town) == [("forged", True)]


def test_p24_tampered_amount_breaks_the_signature(client, town, resident, two_charges, fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    data = json.loads(p24_notification(order))
    data["amount"] = 1
    response = client.post(NOTIFY.format("przelewy24"), json.dumps(data),
                           content_type="application/json")
    assert response.status_code == 400 and credited(town) == 0


def test_p24_replayed_notification_credits_once(client, town, resident, payer, two_charges,
                                                fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    genuine = p24_notification(order)
    assert client.post(NOTIFY.format("przelewy24"), genuine,
                       content_type="application/json").status_code == 200
    # Someone captured the genuine notification and sends it again, later.
    for _ in range(3):
        assert client.post(NOTIFY.format("przelewy24"), genuine,
                           content_type="application/json").status_code == 200
    assert credited(town) == 1 and len(fake.verified) == 1
    assert payer_balance(gmina=town, payer=payer).ledger_balance == 0
    assert [v for v, _f in verdicts(town)] == ["credited", "duplicate", "duplicate",
                                               "duplicate"]


def test_p24_duplicate_from_the_gateway_is_applied_once(town, resident, payer, two_charges,
                                                        fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    body = p24_notification(order)
    first = notification_handle(gmina=town, kind="przelewy24", body=body, headers={})
    second = notification_handle(gmina=town, kind="przelewy24", body=body, headers={})
    assert (first.verdict, second.verdict) == ("credited", "duplicate")
    assert second.accepted and second.payment.pk == first.payment.pk
    assert credited(town) == 1


def test_p24_wrong_amount_is_refused_and_flagged(client, town, resident, payer, two_charges,
                                                 fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    response = client.post(NOTIFY.format("przelewy24"), p24_notification(order, amount=100),
                           content_type="application/json")
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.REFUSED
    assert credited(town) == 0 and fake.verified == []
    assert verdicts(town) == [("wrong_amount", True)]
    assert payer_balance(gmina=town, payer=payer).due == 20_450


def test_p24_wrong_currency_is_refused_and_flagged(client, town, resident, two_charges, fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    response = client.post(NOTIFY.format("przelewy24"), p24_notification(order, currency="EUR"),
                           content_type="application/json")
    assert response.status_code == 400
    assert credited(town) == 0
    assert verdicts(town) == [("wrong_currency", True)]


def test_p24_notification_for_an_unknown_session_is_refused(client, town, resident,
                                                            two_charges, fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    order.session_id = "0" * 32  # in memory only: a session we never issued
    response = client.post(NOTIFY.format("przelewy24"), p24_notification(order),
                           content_type="application/json")
    assert response.status_code == 400
    assert credited(town) == 0
    assert verdicts(town) == [("unknown", True)]


def test_p24_refused_verify_does_not_credit(client, town, resident, two_charges, fake):
    use_gateway(town, "przelewy24", fg.p24_config(fake.url))
    order, _url = start(town, resident, two_charges, "przelewy24")
    fake.verify_answer = "error"
    response = client.post(NOTIFY.format("przelewy24"), p24_notification(order),
                           content_type="application/json")
    assert response.status_code == 400 and credited(town) == 0
    assert verdicts(town) == [("verify_failed", True)]


# --- PayU -------------------------------------------------------------------------------

def test_payu_oauth_and_order_against_the_fake(town, resident, two_charges, fake):
    use_gateway(town, "payu", fg.payu_config(fake.url))
    order, url = start(town, resident, two_charges, "payu")
    assert url == f"{fake.url}/pay/?orderId=WZHF5FFDRJ140731GUEST000P01"
    assert order.gateway_order_id == "WZHF5FFDRJ140731GUEST000P01"
    assert [r["path"] for r in fake.requests] == ["/pl/standard/user/oauth/authorize",
                                                  "/api/v2_1/orders"]
    sent = json.loads(fake.requests[1]["body"])
    assert sent["totalAmount"] == "20450" and sent["extOrderId"] == order.session_id


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_payu_signed_notification_credits_once(client, town, resident, payer, two_charges,
                                               fake, algorithm):
    use_gateway(town, "payu", fg.payu_config(fake.url))
    order, _url = start(town, resident, two_charges, "payu")
    body, header = payu_notification(order, algorithm=algorithm)
    for _ in range(2):
        response = client.post(NOTIFY.format("payu"), body, content_type="application/json",
                               HTTP_OPENPAYU_SIGNATURE=header)
        assert response.status_code == 200
    assert credited(town) == 1
    assert payer_balance(gmina=town, payer=payer).due == 0


def test_payu_forged_wrong_amount_and_pending(client, town, resident, payer, two_charges,
                                              fake):
    use_gateway(town, "payu", fg.payu_config(fake.url))
    order, _url = start(town, resident, two_charges, "payu")
    body, header = payu_notification(order, key="someone-elses-key")
    assert client.post(NOTIFY.format("payu"), body, content_type="application/json",
                       HTTP_OPENPAYU_SIGNATURE=header).status_code == 400
    body, header = payu_notification(order, status="PENDING")
    assert client.post(NOTIFY.format("payu"), body, content_type="application/json",
                       HTTP_OPENPAYU_SIGNATURE=header).status_code == 200
    assert credited(town) == 0
    body, header = payu_notification(order, amount=20_449)
    assert client.post(NOTIFY.format("payu"), body, content_type="application/json",
                       HTTP_OPENPAYU_SIGNATURE=header).status_code == 400
    assert credited(town) == 0
    assert verdicts(town) == [("forged", True), ("not_paid", False), ("wrong_amount", True)]


# --- Paynow -----------------------------------------------------------------------------

def test_paynow_signed_request_and_notification(client, town, resident, payer, two_charges,
                                                fake):
    use_gateway(town, "paynow", fg.paynow_config(fake.url))
    order, url = start(town, resident, two_charges, "paynow")
    assert url == f"{fake.url}/paywall/NOLV-8F9-08K-WGD"
    assert fake.requests[0]["headers"]["Idempotency-Key"] == order.session_id
    body, signature = paynow_notification(order, status="PENDING")
    assert client.post(NOTIFY.format("paynow"), body, content_type="application/json",
                       HTTP_SIGNATURE=signature).status_code == 200
    assert credited(town) == 0
    body, signature = paynow_notification(order, key="forged")
    assert client.post(NOTIFY.format("paynow"), body, content_type="application/json",
                       HTTP_SIGNATURE=signature).status_code == 400
    body, signature = paynow_notification(order)
    for _ in range(2):
        assert client.post(NOTIFY.format("paynow"), body, content_type="application/json",
                           HTTP_SIGNATURE=signature).status_code == 200
    assert credited(town) == 1
    assert payer_balance(gmina=town, payer=payer).due == 0


def test_paynow_v3_signatures_of_a_fixed_example():
    """Values computed by hand (openssl dgst -sha256 -hmac KEY -binary | base64) over the
    strings written out below, as Paynow's v3 formula and PHP's json_encode build them."""
    from podkowa.payments.gateways.paynow import body_signature, request_signature

    key = "b305b996-bca5-4404-a0b7-2ccea3d2b64b"
    body = ('{"amount":45671,"currency":"PLN","description":"Opłata za odpady",'
            '"continueUrl":"https://podkowa.test/p"}')
    # What is signed: {"headers":{"Api-Key":"97a55694-…","Idempotency-Key":"9f2a1c3e"},
    # "parameters":{},"body":"{\"amount\":45671,…\"description\":\"Op\u0142ata za
    # odpady\",\"continueUrl\":\"https://podkowa.test/p\"}"}
    assert request_signature(api_key="97a55694-5478-43b5-b406-fb49ebfdd2b5",
                             idempotency_key="9f2a1c3e", body=body, signature_key=key
                             ) == "6SB9f3THNu6Di2FwRt/WYWTSI8ekik6LiSfKlVBHP0s="
    # The v2 signature of the body alone is not what v3 wants.
    assert body_signature(body.encode(), key) != "6SB9f3THNu6Di2FwRt/WYWTSI8ekik6LiSfKlVBHP0s="
    notification = (b'{"paymentId":"NOLV-8F9-08K-WGD","externalId":"9f2a1c3e",'
                    b'"status":"CONFIRMED","modifiedAt":"2026-03-10T12:00:00"}')
    assert body_signature(notification, key) == "QhO0AbmMp5Q/FGgEKRKZMRfa9jn+Dc8PGKOmZFV1LVI="


def test_a_notification_for_another_gateway_kind_finds_no_order(client, town, resident,
                                                                two_charges, fake):
    use_gateway(town, "paynow", fg.paynow_config(fake.url))
    order, _url = start(town, resident, two_charges, "paynow")
    # A sandbox-signed notification cannot pay an order made with Paynow.
    from podkowa.payments.gateways.sandbox import sandbox_sign

    body = json.dumps({"sessionId": order.session_id, "amount": order.amount,
                       "currency": "PLN", "status": "paid"}).encode()
    response = client.post(NOTIFY.format("sandbox"), body, content_type="application/json",
                           HTTP_X_SANDBOX_SIGNATURE=sandbox_sign(body, town.pk))
    assert response.status_code == 400 and credited(town) == 0
