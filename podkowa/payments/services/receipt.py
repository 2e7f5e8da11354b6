"""The PDF confirmation of a payment (WeasyPrint; DejaVu fonts carry the Polish letters)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from podkowa.core.models import Gmina
from podkowa.payments.models import Payment
from podkowa.payments.selectors import account_for


def payment_receipt_html(*, gmina: Gmina, payment: Payment) -> str:
    return render_to_string("payments/receipt_pdf.html", {
        "gmina": gmina,
        "payment": payment,
        "received_at": timezone.localtime(payment.received_at),
        "charges": getattr(payment, "paid_charges", []),
        "unallocated": payment.amount - sum(a for _c, a in getattr(payment, "paid_charges", [])),
        "account": account_for(gmina=gmina, payer=payment.payer),
    })


def payment_receipt_pdf(*, gmina: Gmina, payment: Payment, language: str | None = None) -> bytes:
    """A read, drawn from the ledger each time; the caller checked who may see it (the
    payment comes from `payment_for`, which also lists what it paid)."""
    from weasyprint import HTML  # heavy; only the receipt needs it

    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        html = payment_receipt_html(gmina=gmina, payment=payment)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
