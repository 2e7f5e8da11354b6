from datetime import date

import pytest

from podkowa.accounts.models import ResidentProfile, VerificationLevel
from podkowa.payments.models import ChargeSource, SourceKind
from podkowa.payments.services.ledger import payer_create
from tests.factories import UserFactory


@pytest.fixture
def town(gmina):
    gmina.bank_settlement_number = "10201055"
    gmina.individual_account_prefix = "1405"
    gmina.save()
    return gmina


@pytest.fixture
def sources(town):
    made = {}
    for code, name, kind in [("woda", "Woda i ścieki", SourceKind.WATER),
                             ("odpady", "Opłata za odpady", SourceKind.WASTE),
                             ("podatek-od-nieruchomosci", "Podatek od nieruchomości",
                              SourceKind.PROPERTY_TAX),
                             ("podatek-rolny", "Podatek rolny", SourceKind.AGRICULTURAL_TAX)]:
        made[kind.value] = ChargeSource.objects.create(gmina=town, code=code, name=name,
                                                       kind=kind)
    return made


def verified_user(gmina, **kwargs):
    user = UserFactory(**kwargs)
    ResidentProfile.objects.create(gmina=gmina, user=user,
                                   verification_level=VerificationLevel.IDENTITY_VERIFIED)
    return user


@pytest.fixture
def resident(town):
    return verified_user(town, first_name="Jan", last_name="Kowalski")


@pytest.fixture
def payer(town, resident):
    return payer_create(gmina=town, name="Jan Kowalski", address="ul. Jeleniów 1",
                        email=resident.email, user=resident)


@pytest.fixture
def charge_factory(town, payer, sources):
    from podkowa.payments.services.ledger import charge_create

    def make(kind="water", amount=10_000, due=date(2026, 3, 1), title=None, **kw):
        return charge_create(gmina=town, payer_id=kw.pop("payer_id", payer.pk),
                             source=sources[kind], title=title or f"{kind} {due}",
                             amount=amount, due_date=due, **kw)

    return make
