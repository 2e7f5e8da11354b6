"""Bank statements: MT940 and camt.053 matched by individual account, then title and amount;
the rest queued for a clerk; importing again changes nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from podkowa.payments.models import BankStatement, Payment, StatementLine
from podkowa.payments.selectors import payer_balance
from podkowa.payments.services.accounts import individual_account_ensure
from podkowa.payments.services.ledger import charge_create, payer_create
from podkowa.payments.services.statements import statement_import, statement_line_assign
from podkowa.payments.statements import camt, mt940
from tests.payments.statement_files import Transfer, camt053
from tests.payments.statement_files import mt940 as mt940_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(town, payer):
    return individual_account_ensure(gmina=town, payer=payer).number


@pytest.mark.parametrize("build", [mt940_file, camt053])
def test_lines_are_read_from_both_formats(build):
    transfers = [Transfer(12_345, "Woda 01/2026 zażółć", into="71102010551405100000000007"),
                 Transfer(-5_000, "Opłata bankowa")]
    data = build(transfers)
    parsed = camt.parse(data) if data.startswith(b"<?xml") else mt940.parse(data.decode())
    assert [(line.amount, line.booked_on) for line in parsed.lines] == [
        (12_345, date(2026, 3, 10)), (-5_000, date(2026, 3, 10))]
    assert parsed.lines[0].title == "Woda 01/2026 zażółć"
    assert "71102010551405100000000007" in parsed.lines[0].target_accounts
    assert parsed.lines[0].counterparty == "JAN KOWALSKI"


@pytest.mark.parametrize("build", [mt940_file, camt053])
def test_matched_by_individual_account(town, payer, account, charge_factory, build):
    charge_factory(amount=12_345)
    result = statement_import(gmina=town, data=build([Transfer(12_345, "za wodę",
                                                               into=account)]))
    assert (result.matched, result.unmatched) == (1, 0)
    line = StatementLine.objects.get(gmina=town)
    assert line.matched_by == "account" and line.payer_id == payer.pk
    assert payer_balance(gmina=town, payer=payer).due == 0


def test_matched_by_title_and_amount(town, payer, charge_factory):
    charge_factory(kind="property_tax", amount=21_050, reference="FN.3120.15.2026")
    result = statement_import(gmina=town, data=mt940_file([
        Transfer(21_050, "Podatek FN.3120.15.2026 rata 1")]))
    assert result.matched == 1
    assert StatementLine.objects.get(gmina=town).matched_by == "title"
    assert payer_balance(gmina=town, payer=payer).due == 0


def test_title_with_the_wrong_amount_waits_for_a_clerk(town, payer, charge_factory):
    charge = charge_factory(amount=21_050, reference="FN.3120.15.2026")
    statement_import(gmina=town, data=mt940_file([
        Transfer(20_000, "Podatek FN.3120.15.2026"), Transfer(-100, "prowizja")]))
    lines = {line.amount: line for line in StatementLine.objects.filter(gmina=town)}
    assert lines[20_000].status == "unmatched" and lines[-100].status == "ignored"
    assert not Payment.objects.filter(gmina=town).exists()
    statement_line_assign(gmina=town, line_id=lines[20_000].pk, payer_id=payer.pk, actor=None,
                          charge_ids=[charge.pk])
    assert payer_balance(gmina=town, payer=payer).due == 1_050
    with pytest.raises(ValidationError):
        statement_line_assign(gmina=town, line_id=lines[20_000].pk, payer_id=payer.pk,
                              actor=None)


def test_reimport_changes_nothing(town, payer, account, charge_factory):
    charge_factory(amount=5_000)
    data = camt053([Transfer(5_000, "woda", into=account), Transfer(700, "nie wiadomo co")])
    first = statement_import(gmina=town, data=data)
    again = statement_import(gmina=town, data=data)
    assert first.created and not again.created
    # The same transfers in another file (a corrected export) are recognised too.
    other = statement_import(gmina=town, data=data.replace(b"MSG-", b"MSG2-"))
    assert other.created and other.already_known == 2 and other.matched == 0
    assert Payment.objects.filter(gmina=town).count() == 1
    assert StatementLine.objects.filter(gmina=town).count() == 2
    assert BankStatement.objects.filter(gmina=town).count() == 2


def test_an_unreadable_file_leaves_nothing(town):
    with pytest.raises(ValidationError) as error:
        statement_import(gmina=town, data=b"<Document><Nothing/></Document>")
    assert "file" in error.value.message_dict
    bad_61 = mt940_file([Transfer(100, "x")]).replace(b":61:2603100310C", b":61:XX")
    with pytest.raises(ValidationError):
        statement_import(gmina=town, data=bad_61)
    assert not BankStatement.objects.filter(gmina=town).exists()


@pytest.mark.parametrize("build", [mt940_file, camt053])
def test_a_thousand_transfers_to_individual_accounts_match_all(town, sources, build):
    payers = []
    for i in range(1_000):
        p = payer_create(gmina=town, name=f"Płatnik {i}")
        charge_create(gmina=town, payer_id=p.pk, source=sources["waste"],
                      title="Odpady I kw.", amount=13_200 + i, due_date=date(2026, 3, 15))
        payers.append((p, individual_account_ensure(gmina=town, payer=p).number))
    transfers = [Transfer(13_200 + i, f"odpady {i}", into=number)
                 for i, (_p, number) in enumerate(payers)]
    data = build(transfers)
    result = statement_import(gmina=town, data=data)
    assert (result.matched, result.unmatched) == (1_000, 0)
    assert Payment.objects.filter(gmina=town).count() == 1_000
    assert all(payer_balance(gmina=town, payer=p).due == 0 for p, _n in payers[::97])
    again = statement_import(gmina=town, data=data)
    assert not again.created
    assert Payment.objects.filter(gmina=town).count() == 1_000


def test_one_charge_is_matched_by_title_only_once_per_file(town, payer, charge_factory):
    charge_factory(amount=21_050, reference="FN.3120.15.2026")
    result = statement_import(gmina=town, data=mt940_file([
        Transfer(21_050, "FN.3120.15.2026"), Transfer(21_050, "FN.3120.15.2026 again")]))
    assert (result.matched, result.unmatched) == (1, 1)
