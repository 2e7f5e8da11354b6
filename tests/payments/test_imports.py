"""Charges imported from CSV or XLSX: all or nothing, every problem named by row and column;
exports for finance."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from podkowa.accounts.models import Role
from podkowa.payments.models import Charge, LedgerEntry
from podkowa.payments.services.accounts import individual_account_ensure
from podkowa.payments.services.imports import charges_import
from tests.admin_support import make_official, sign_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    # The assertions read the English source of the messages (the site's default is Polish).
    from django.utils import translation

    with translation.override("en"):
        yield


def csv_bytes(payer, account) -> bytes:
    return ("identyfikator;platnik;tytul;opis;kwota;termin;numer\n"
            f"W-1;{payer.pk};woda;Woda 01/2026;84,50;2026-02-10;FW/1\n"
            f"O-1;{account};odpady;Odpady I kw.;132.00;15.03.2026;\n").encode()


def test_csv_import_creates_charges_with_ledger_entries(town, payer, sources):
    account = individual_account_ensure(gmina=town, payer=payer).number
    assert charges_import(gmina=town, data=csv_bytes(payer, account),
                          file_name="a.csv").created == 2
    got = list(Charge.objects.filter(gmina=town).order_by("external_id").values_list(
        "external_id", "amount", "due_date", "reference"))
    assert got == [("O-1", 13_200, date(2026, 3, 15), ""), ("W-1", 8_450, date(2026, 2, 10),
                                                            "FW/1")]
    assert LedgerEntry.objects.filter(gmina=town).count() == 2
    # The same file again: refused as a whole, nothing doubled.
    with pytest.raises(ValidationError) as error:
        charges_import(gmina=town, data=csv_bytes(payer, account), file_name="a.csv")
    assert "Row 2, external_id" in " ".join(error.value.messages)
    assert Charge.objects.filter(gmina=town).count() == 2


def test_a_bad_row_writes_nothing_and_every_problem_is_named(town, payer, sources):
    data = ("external_id,payer,source,title,amount,due_date\n"
            f"A,{payer.pk},woda,Woda,10.00,2026-01-01\n"
            "B,999999,nieznane,,-5,32.13.2026\n").encode()
    with pytest.raises(ValidationError) as error:
        charges_import(gmina=town, data=data, file_name="b.csv")
    messages = error.value.messages
    for column in ("payer", "source", "title", "amount", "due_date"):
        assert any(m.startswith(f"Row 3, {column}:") for m in messages), column
    assert not Charge.objects.filter(gmina=town).exists()


def test_xlsx_import(town, payer, sources):
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "payer", "source", "title", "amount", "due_date"])
    sheet.append(["X-1", payer.pk, "odpady", "Odpady II kw.", "132,00", date(2026, 5, 15)])
    out = io.BytesIO()
    book.save(out)
    assert charges_import(gmina=town, data=out.getvalue(), file_name="c.xlsx").created == 1
    assert Charge.objects.get(gmina=town).due_date == date(2026, 5, 15)


def test_missing_columns_are_named(town):
    with pytest.raises(ValidationError) as error:
        charges_import(gmina=town, data=b"title;amount\nx;1\n", file_name="d.csv")
    assert "external_id" in error.value.messages[0]


def test_finance_imports_and_exports_in_the_admin(client, english, town, payer, sources,
                                                  charge_factory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    finance = make_official(town, Role.FINANCE)
    sign_in_with_second_factor(client, finance)
    account = individual_account_ensure(gmina=town, payer=payer).number
    url = reverse("admin:payments_charge_import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", csv_bytes(payer,
                                                                               account))})
    assert response.status_code == 302
    ids = list(Charge.objects.filter(gmina=town).values_list("pk", flat=True))
    exported = client.post(reverse("admin:payments_charge_changelist"), {
        "action": "export_xlsx", "_selected_action": ids})
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "id" and len(rows) == 3
    assert {r[7] for r in rows[1:]} == {"84.50", "132.00"}
    exported = client.post(reverse("admin:payments_charge_changelist"), {
        "action": "export_csv", "_selected_action": ids})
    assert "Woda 01/2026" in exported.content.decode("utf-8-sig")
