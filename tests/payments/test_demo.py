"""The demo town's payments: loaded through the services, twice without duplicates."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from podkowa.accounts.models import User
from podkowa.core.models import Gmina
from podkowa.payments.models import SourceKind
from podkowa.payments.selectors import payer_balance, payer_for_user, payments_for


def _counts():
    with scopes_disabled():
        return {m._meta.label: m._base_manager.count()
                for m in apps.get_app_config("payments").get_models()}


@pytest.mark.django_db
def test_demo_payments_load_twice_without_duplicates():
    call_command("load_demo", stdout=StringIO())
    counts = _counts()
    call_command("load_demo", stdout=StringIO())
    assert _counts() == counts
    gmina = Gmina.objects.get(teryt="1405021")
    with scope(gmina=gmina):
        jan = User.objects.get(email="jan.kowalski@podkowa.test")
        payer = payer_for_user(gmina=gmina, user=jan)
        balance = payer_balance(gmina=gmina, payer=payer)
        kinds = {c.source.kind for c in balance.charges if c.outstanding > 0}
        assert {SourceKind.WATER, SourceKind.WASTE, SourceKind.PROPERTY_TAX} <= kinds
        assert len(payments_for(gmina=gmina, payer=payer)) == 1
        assert balance.ledger_balance == balance.due - balance.overpayment
