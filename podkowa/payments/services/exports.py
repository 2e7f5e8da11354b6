"""CSV and XLSX exports for the finance department (reads; the caller checks the role)."""

import csv
import io

from django.utils import timezone

HEADERS_CHARGES = ["id", "external_id", "payer", "source", "title", "reference", "due_date",
                   "amount_zl", "cancelled"]
HEADERS_PAYMENTS = ["number", "payer", "method", "reference", "received_at", "amount_zl",
                    "title"]


def _zl(grosze: int) -> str:
    return f"{grosze / 100:.2f}"


def charge_rows(queryset) -> list[list]:
    return [[c.pk, c.external_id, c.payer.name, c.source.code, c.title, c.reference,
             c.due_date.isoformat(), _zl(c.amount), "yes" if c.cancelled_at else ""]
            for c in queryset.select_related("payer", "source")]


def payment_rows(queryset) -> list[list]:
    return [[p.number, p.payer.name, p.method, p.reference,
             timezone.localtime(p.received_at).isoformat(timespec="seconds"), _zl(p.amount),
             p.title] for p in queryset.select_related("payer")]


def as_csv(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers)
    writer.writerows(rows)
    # With a BOM, so that Excel opens the Polish letters right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(headers: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
