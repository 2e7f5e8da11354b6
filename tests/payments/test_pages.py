"""The resident's payment pages: balance, charges, history, receipts; who sees what."""

from datetime import date

import pytest

from podkowa.payments.models import Payment
from podkowa.payments.selectors import payment_for
from podkowa.payments.services.ledger import payment_record
from podkowa.payments.services.receipt import payment_receipt_html
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def charged(town, payer, charge_factory):
    return [charge_factory(kind="water", title="Woda 01/2026", amount=8_450,
                           due=date(2026, 2, 10)),
            charge_factory(kind="waste", title="Odpady I kw. 2026", amount=12_000,
                           due=date(2099, 3, 15)),
            charge_factory(kind="property_tax", title="Podatek od nieruchomości 2026, rata 1",
                           amount=21_050, due=date(2099, 3, 16), reference="FN.3120.15.2026")]


def test_home_shows_balance_charges_and_account(client, english, town, resident, charged):
    client.force_login(resident)
    page = client.get("/platnosci/").content.decode()
    for text in ("Woda 01/2026", "Odpady I kw. 2026", "Podatek od nieruchomości 2026, rata 1",
                 "FN.3120.15.2026", "415,00\u00a0zł", "84,50\u00a0zł", "overdue"):
        assert text in page
    assert "<svg" in page  # the payment QR
    assert " 1020 1055 1405 1000 " in page  # the individual account, grouped


def test_a_person_without_a_payer_sees_an_explanation(client, english, town):
    client.force_login(UserFactory())
    page = client.get("/platnosci/").content.decode()
    assert "no charges linked to your account" in page


def test_pages_need_sign_in(client, town):
    assert client.get("/platnosci/").status_code == 302
    assert client.get("/platnosci/historia/").status_code == 302


def test_history_and_receipt(client, english, town, resident, payer, charged):
    recorded = payment_record(gmina=town, payer_id=payer.pk, amount=20_450,
                              method=Payment.Method.BANK, reference="T1")
    client.force_login(resident)
    page = client.get("/platnosci/historia/").content.decode()
    assert recorded.payment.number in page and "204,50\u00a0zł" in page
    response = client.get(f"/platnosci/wplata/{recorded.payment.pk}/potwierdzenie.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    html = payment_receipt_html(gmina=town, payment=payment_for(
        gmina=town, payer=payer, payment_id=recorded.payment.pk))
    for text in (recorded.payment.number, "Jan Kowalski", "Woda 01/2026", "84,50",
                 "Odpady I kw. 2026", "120,00", "204,50"):
        assert text in html


def test_someone_elses_receipt_is_not_found(client, town, payer, charged):
    recorded = payment_record(gmina=town, payer_id=payer.pk, amount=100,
                              method=Payment.Method.BANK, reference="T1")
    client.force_login(UserFactory())
    assert client.get(f"/platnosci/wplata/{recorded.payment.pk}/potwierdzenie.pdf"
                      ).status_code == 404


def test_the_return_page_does_not_mark_paid(client, english, town, resident, payer, charged):
    client.force_login(resident)
    response = client.post("/platnosci/zaplac/", {"charge": [charged[0].pk]})
    session = response["Location"].rstrip("/").rsplit("/", 1)[1]
    page = client.get(f"/platnosci/zlecenie/{session}/").content.decode()
    assert "Waiting for the payment operator" in page
    assert "84,50\u00a0zł" in client.get("/platnosci/").content.decode()
    assert not Payment.objects.filter(gmina=town).exists()


def test_home_page_links_payments(client, town):
    assert 'href="/platnosci/"' in client.get("/").content.decode()


def test_an_outside_operator_is_reached_by_a_link_on_the_order_page(client, english, town,
                                                                    resident, payer, charged):
    from tests.payments import fake_gateways as fg
    from tests.payments.gateway_support import use_gateway

    with fg.FakeGateways() as fake:
        use_gateway(town, "przelewy24", fg.p24_config(fake.url))
        client.force_login(resident)
        response = client.post("/platnosci/zaplac/", {"charge": [charged[0].pk]})
        assert response["Location"].startswith("/platnosci/zlecenie/")
        page = client.get(response["Location"]).content.decode()
        assert f'href="{fake.url}/trnRequest/TOKEN-' in page
