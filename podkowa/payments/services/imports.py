"""Charges imported from the office's systems (water billing, waste register) as CSV or XLSX.

Columns, by header (English or Polish names): external_id / identyfikator, payer / platnik
(the payer's number in this service or their individual account NRB), source / tytul (a
charge source code), title / opis, amount / kwota (złoty, "84,50" or "84.50"), due_date /
termin (YYYY-MM-DD or DD.MM.YYYY), reference / numer (decision or notice number, optional).

All or nothing: every row is checked first and every problem reported with its row number
and column; only a file without problems is written, in one transaction. A row whose
external id was imported before is a problem too, so importing a file twice cannot charge
twice.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.payments.models import Charge, ChargeSource, IndividualAccount, Payer
from podkowa.payments.services.ledger import MAX_AMOUNT, charge_create

COLUMNS = {
    "external_id": ("external_id", "identyfikator"),
    "payer": ("payer", "platnik", "płatnik"),
    "source": ("source", "tytul", "tytuł"),
    "title": ("title", "opis"),
    "amount": ("amount", "kwota"),
    "due_date": ("due_date", "termin"),
    "reference": ("reference", "numer"),
}
REQUIRED = ("external_id", "payer", "source", "title", "amount", "due_date")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class ImportedCharges:
    created: int


def _rows_from_file(data: bytes, file_name: str) -> list[list[str]]:
    if file_name.lower().endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception:  # openpyxl raises many kinds for a broken file
            raise ValidationError({"file": _("The file is not a readable XLSX workbook.")}
                                  ) from None
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else (v.date().isoformat() if isinstance(v, datetime)
                                               else v.isoformat() if isinstance(v, date)
                                               else str(v)) for v in row])
        return rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1250", "replace")
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=";,\t") if text.strip() else csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _parse_amount(text: str) -> int:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("zł", "").replace(",", ".")
    value = Decimal(cleaned)
    if value != value.quantize(Decimal("0.01")):
        raise InvalidOperation
    return int(value * 100)


def _parse_date(text: str) -> date:
    text = text.strip()[:10]
    if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", text):
        day, month, year = text.split(".")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)


@transaction.atomic
def charges_import(*, gmina: Gmina, data: bytes, file_name: str = "",
                   actor=None) -> ImportedCharges:
    rows = [r for r in _rows_from_file(data, file_name) if any(cell.strip() for cell in r)]
    if not rows:
        raise ValidationError({"file": _("The file is empty.")})
    if len(rows) > MAX_ROWS + 1:
        raise ValidationError({"file": _("At most %(max)s rows at once.") % {"max": MAX_ROWS}})
    header = [cell.strip().lower() for cell in rows[0]]
    index = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in header:
                index[key] = header.index(name)
    missing = [key for key in REQUIRED if key not in index]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(columns)s.")
                               % {"columns": ", ".join(missing)}})
    sources = {s.code: s for s in ChargeSource.objects.filter(gmina=gmina, is_active=True)}
    payers_by_id = set(Payer.objects.filter(gmina=gmina).values_list("pk", flat=True))
    payers_by_account = dict(IndividualAccount.objects.filter(gmina=gmina).values_list(
        "number", "payer_id"))
    known_ids = set(Charge.objects.filter(gmina=gmina).exclude(external_id="").values_list(
        "external_id", flat=True))
    errors: list[str] = []
    ready = []
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        def cell(key, row=row):
            position = index.get(key)
            return row[position].strip() if position is not None and position < len(row) \
                else ""

        def problem(column, message, number=number):
            errors.append(_("Row %(row)s, %(column)s: %(message)s")
                          % {"row": number, "column": column, "message": message})

        external_id = cell("external_id")
        if not external_id:
            problem("external_id", _("give the charge's id in your system."))
        elif external_id in known_ids:
            problem("external_id", _("this charge was imported before."))
        elif external_id in seen:
            problem("external_id", _("the id appears twice in the file."))
        seen.add(external_id)
        payer_text = cell("payer").replace(" ", "").removeprefix("PL")
        payer_id = None
        if payer_text.isdigit() and len(payer_text) == 26:
            payer_id = payers_by_account.get(payer_text)
        elif payer_text.isdigit() and int(payer_text) in payers_by_id:
            payer_id = int(payer_text)
        if payer_id is None:
            problem("payer", _("no such payer (give their number or individual account)."))
        source = sources.get(cell("source"))
        if source is None:
            problem("source", _("unknown charge source code."))
        title = cell("title")
        if not title:
            problem("title", _("give the title."))
        try:
            amount = _parse_amount(cell("amount"))
            if amount <= 0 or amount > MAX_AMOUNT:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            amount = None
            problem("amount", _("give a positive amount in złoty, e.g. 84,50."))
        try:
            due = _parse_date(cell("due_date"))
        except ValueError:
            due = None
            problem("due_date", _("give the date as YYYY-MM-DD or DD.MM.YYYY."))
        ready.append((external_id, payer_id, source, title, amount, due, cell("reference")))
    if errors:
        raise ValidationError({"file": errors})
    for external_id, payer_id, source, title, amount, due, reference in ready:
        charge_create(gmina=gmina, payer_id=payer_id, source=source, title=title,
                      amount=amount, due_date=due, reference=reference[:60],
                      external_id=external_id[:80], actor=actor)
    return ImportedCharges(created=len(ready))
