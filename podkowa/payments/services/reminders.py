"""The upomnienie (formal reminder) for overdue taxes, and its PDF.

Contents per the regulation of 4 December 2020 (Dz.U. 2020 poz. 2194): number and date, the
creditor, the debtor with their identifier (PESEL of a person — kept for taxpayers only, see
Payer.pesel — or NIP), each amount owed with its period and due date, the interest accrued
to the day of issue and its rate, how to pay, the cost of the reminder, the warning that
enforcement may start 7 days after delivery (u.p.e.a. art. 15 §1), and the signature of the
person acting for the creditor.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.payments.models import FormalReminder, Payer
from podkowa.payments.selectors import account_for, charge_rows
from podkowa.payments.services.accounts import payment_settings_for
from podkowa.payments.services.interest import interest_due, interest_stretches, rate_table
from podkowa.payments.services.qr import qr_svg, zbp_2d_string


@dataclass(frozen=True)
class OverdueRow:
    charge: object
    outstanding: int
    interest: int
    rate: object


def overdue_taxes(*, gmina: Gmina, payer: Payer, on: date) -> list[OverdueRow]:
    rates = rate_table()
    rows = []
    for charge in charge_rows(gmina=gmina, payer=payer):
        if not charge.is_tax or charge.outstanding <= 0 or charge.due_date >= on:
            continue
        stretches = interest_stretches(arrears=charge.outstanding, due_date=charge.due_date,
                                       paid_on=on, lombard=rates)
        rows.append(OverdueRow(charge, charge.outstanding,
                               interest_due(arrears=charge.outstanding,
                                            due_date=charge.due_date, paid_on=on,
                                            lombard=rates),
                               stretches[-1].rate if stretches else None))
    return rows


@transaction.atomic
def formal_reminder_issue(*, gmina: Gmina, payer_id: int, on: date, actor) -> FormalReminder:
    payer = Payer.objects.select_for_update().filter(gmina=gmina, pk=payer_id).first()
    if payer is None:
        raise ValidationError({"payer": _("No such payer in this town.")})
    try:
        rows = overdue_taxes(gmina=gmina, payer=payer, on=on)
    except ValueError:
        raise ValidationError({"rates": _("The lombard rate table does not reach back to "
                                          "the oldest due date; add the missing rates.")}
                              ) from None
    if not rows:
        raise ValidationError({"payer": _("%(payer)s has no overdue taxes.")
                               % {"payer": payer.name}})
    reminder = FormalReminder.objects.create(
        gmina=gmina, payer=payer, issued_on=on, arrears=sum(r.outstanding for r in rows),
        interest=sum(r.interest for r in rows),
        cost=payment_settings_for(gmina=gmina).reminder_cost, created_by=actor)
    reminder.number = f"UP/{on.year}/{reminder.pk:06d}"
    reminder.save(update_fields=["number"])
    reminder.charges.set([r.charge for r in rows])
    return reminder


def formal_reminder_html(*, gmina: Gmina, reminder: FormalReminder) -> str:
    payer = reminder.payer
    rows = overdue_taxes(gmina=gmina, payer=payer, on=reminder.issued_on)
    wanted = set(reminder.charges.values_list("pk", flat=True))
    rows = [r for r in rows if r.charge.pk in wanted]
    account = account_for(gmina=gmina, payer=payer)
    config = payment_settings_for(gmina=gmina)
    total = reminder.arrears + reminder.interest + reminder.cost
    qr = None
    if account is not None:
        qr = qr_svg(zbp_2d_string(nip=config.recipient_nip, account=account.number,
                                  amount=total, recipient=config.recipient_name or gmina.name,
                                  title=reminder.number))
    issued_by = ""
    if reminder.created_by is not None:
        issued_by = reminder.created_by.get_full_name() or reminder.created_by.email
    return render_to_string("payments/reminder_pdf.html", {
        "gmina": gmina, "reminder": reminder, "payer": payer, "rows": rows,
        "account": account, "qr": qr, "total": total, "issued_by": issued_by,
    })


def formal_reminder_pdf(*, gmina: Gmina, reminder: FormalReminder) -> bytes:
    from weasyprint import HTML

    # The reminder is an official letter: always in the office's language.
    with translation.override(settings.LANGUAGE_CODE):
        html = formal_reminder_html(gmina=gmina, reminder=reminder)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
