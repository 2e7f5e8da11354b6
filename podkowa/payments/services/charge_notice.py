"""The printable notice of a charge or of a tax decision (zawiadomienie / nakaz płatniczy).

It tells the payer what they owe and how to pay it: the payer, the title, each amount (a
decision's instalments) with its due date, the individual account number in groups of four,
and, for each amount still open, the payment QR code of Polish banks (services/qr.py) with
that amount and a title naming the decision or notice, so that a transfer made by scanning
it is matched to its charge even outside the individual account.

A read drawn from the ledger each time: what is already paid is shown as paid, and has no QR.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.payments.models import Charge, IndividualAccount, Payer, TaxDecision
from podkowa.payments.selectors import charge_rows
from podkowa.payments.services.accounts import individual_account_ensure, payment_settings_for
from podkowa.payments.services.qr import qr_png_data_uri, zbp_2d_string


@dataclass(frozen=True)
class NoticeRow:
    charge: Charge
    outstanding: int
    transfer_title: str
    qr_text: str  # the ZBP 2D string, empty when nothing is left to pay or there is no account
    qr: str  # the same as a PNG data URI


@dataclass(frozen=True)
class ChargeNotice:
    heading: str
    reference: str
    payer: Payer
    decision: TaxDecision | None
    rows: list[NoticeRow]
    account: IndividualAccount | None
    issued_on: date

    @property
    def total(self) -> int:
        return sum(row.charge.amount for row in self.rows)

    @property
    def outstanding(self) -> int:
        return sum(row.outstanding for row in self.rows)

    @property
    def file_name(self) -> str:
        name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in self.reference)
        return f"{name or 'zawiadomienie'}.pdf"


def _transfer_title(charge: Charge) -> str:
    base = charge.reference or charge.title
    if charge.instalment and charge.decision_id:
        return _("%(reference)s instalment %(number)s") % {"reference": base,
                                                             "number": charge.instalment}
    return base


def _notice(*, gmina: Gmina, payer: Payer, charges: list[Charge], heading: str,
            reference: str, decision: TaxDecision | None) -> ChargeNotice:
    account = individual_account_ensure(gmina=gmina, payer=payer, decision=decision)
    config = payment_settings_for(gmina=gmina)
    rows = []
    for charge in charges:
        title = _transfer_title(charge)
        text = qr = ""
        if account is not None and charge.outstanding > 0:
            text = zbp_2d_string(nip=config.recipient_nip, account=account.number,
                                 amount=charge.outstanding,
                                 recipient=config.recipient_name or gmina.name, title=title)
            qr = qr_png_data_uri(text)
        rows.append(NoticeRow(charge, charge.outstanding, title, text, qr))
    return ChargeNotice(heading=heading, reference=reference, payer=payer, decision=decision,
                        rows=rows, account=account, issued_on=timezone.localdate())


def charge_notice(*, gmina: Gmina, payer: Payer, charge_id: int) -> ChargeNotice | None:
    """The notice of one of the payer's charges; a decision's instalment gives the notice of
    the whole decision. None when the charge is not the payer's (or is cancelled)."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = charge_rows(gmina=gmina, payer=payer)
        charge = next((c for c in rows if c.pk == charge_id and not c.cancelled_at), None)
        if charge is None:
            return None
        if charge.decision_id:
            return _decision_notice(gmina=gmina, payer=payer, decision=charge.decision,
                                    rows=rows)
        return _notice(gmina=gmina, payer=payer, charges=[charge],
                       heading=_("Payment notice"), reference=charge.reference or charge.title,
                       decision=None)


def decision_notice(*, gmina: Gmina, payer: Payer, decision_id: int) -> ChargeNotice | None:
    decision = TaxDecision.objects.filter(gmina=gmina, payer=payer, pk=decision_id).first()
    if decision is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return _decision_notice(gmina=gmina, payer=payer, decision=decision,
                                rows=charge_rows(gmina=gmina, payer=payer))


def _decision_notice(*, gmina, payer, decision, rows) -> ChargeNotice:
    charges = [c for c in rows if c.decision_id == decision.pk and not c.cancelled_at]
    return _notice(gmina=gmina, payer=payer, charges=sorted(charges, key=lambda c: (
        c.instalment or 0, c.due_date)),
        heading=_("Payment notice: %(tax)s for %(year)s") % {
            "tax": decision.source.name, "year": decision.year},
        reference=decision.number, decision=decision)


def charge_notice_html(*, gmina: Gmina, notice: ChargeNotice) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("payments/charge_notice_pdf.html", {
            "gmina": gmina, "notice": notice, "payer": notice.payer,
            "config": payment_settings_for(gmina=gmina),
        })


def charge_notice_pdf(*, gmina: Gmina, notice: ChargeNotice) -> bytes:
    """The notice is an official letter: always in the office's language."""
    from weasyprint import HTML  # heavy; only the PDFs need it

    return HTML(string=charge_notice_html(gmina=gmina, notice=notice),
                base_url=str(settings.BASE_DIR)).write_pdf()
