"""The finance department's administration: pages open, writes go through the services."""

from datetime import date

import pytest
from django.urls import reverse

from podkowa.accounts.models import Role
from podkowa.core.models import AuditLogEntry
from podkowa.payments.models import Charge, LedgerEntry, TaxDecision
from tests.admin_support import make_official, sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
MODELS = ["paymentsettings", "chargesource", "payer", "charge", "taxdecision", "payment",
          "bankstatement", "statementline", "lombardrate", "formalreminder",
          "watermeter", "meterreading", "wastedeclaration",
          "ledgerentry", "allocation", "paymentorder", "gatewaynotification"]


@pytest.fixture
def finance(town):
    return make_official(town, Role.FINANCE)


def test_every_payments_page_opens_for_finance(client, town, payer, charge_factory, finance):
    charge = charge_factory()
    sign_in_with_second_factor(client, finance)
    for model in MODELS:
        assert client.get(reverse(f"admin:payments_{model}_changelist")).status_code == 200, \
            model
    assert client.get(reverse("admin:payments_charge_change", args=[charge.pk])
                      ).status_code == 200
    assert client.get(reverse("admin:payments_payer_change", args=[payer.pk])).status_code == 200
    assert AuditLogEntry.objects.filter(object_ref=f"payments.payer:{payer.pk}").get(
        ).subject == payer.user


def test_a_case_clerk_sees_no_payments(client, town, payer):
    clerk = make_official(town, Role.CASE_CLERK)
    sign_in_with_second_factor(client, clerk)
    assert client.get(reverse("admin:payments_charge_changelist")).status_code == 403


def test_adding_a_decision_in_the_admin_issues_its_instalments(client, town, payer, sources,
                                                               finance):
    sign_in_with_second_factor(client, finance)
    response = client.post(reverse("admin:payments_taxdecision_add"), {
        "payer": payer.pk, "source": sources["property_tax"].pk, "number": "FN.1.2026",
        "year": 2026, "amount": 84_200, "issued_on": "2026-02-01", "pesel": "44051401359"})
    assert response.status_code == 302, response.content.decode()[:3000]
    decision = TaxDecision.objects.get(gmina=town)
    assert Charge.objects.filter(gmina=town, decision=decision).count() == 4
    assert LedgerEntry.objects.filter(gmina=town, kind="charge").count() == 4
    # The taxpayer's PESEL is kept with the payer, shown to finance on an audited page.
    page = client.get(reverse("admin:payments_payer_change", args=[payer.pk])).content.decode()
    assert "44051401359" in page
    assert AuditLogEntry.objects.filter(object_ref=f"payments.payer:{payer.pk}").exists()


def test_cancelling_in_the_admin_appends_a_reversal(client, town, payer, charge_factory,
                                                    finance):
    charge = charge_factory(amount=1_000, due=date(2026, 1, 1))
    sign_in_with_second_factor(client, finance)
    response = client.post(reverse("admin:payments_charge_changelist"), {
        "action": "cancel_charges", "_selected_action": [charge.pk]})
    assert response.status_code == 302
    assert list(LedgerEntry.objects.filter(gmina=town).values_list("kind", "amount")) == [
        ("charge", 1_000), ("reversal", -1_000)]


def test_finance_imports_a_statement_and_assigns_an_unmatched_line(client, town, payer,
                                                                   charge_factory, finance):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from podkowa.payments.models import StatementLine
    from podkowa.payments.selectors import payer_balance
    from tests.payments.statement_files import Transfer, mt940

    charge_factory(amount=5_000)
    sign_in_with_second_factor(client, finance)
    upload = SimpleUploadedFile("wyciag.sta", mt940([Transfer(5_000, "nie wiem za co")]))
    response = client.post(reverse("admin:payments_bankstatement_add"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    line = StatementLine.objects.get(gmina=town)
    assert line.status == "unmatched"
    url = reverse("admin:payments_statementline_change", args=[line.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"payer": payer.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    line.refresh_from_db()
    assert line.status == "matched" and line.matched_by == "clerk"
    assert payer_balance(gmina=town, payer=payer).due == 0
