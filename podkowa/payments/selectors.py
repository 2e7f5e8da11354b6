"""Reading payments: a payer's balance, open charges, history; the office's views.

Taxes are left out of what the mobile channel may read (`include_taxes=False`); the caller
decides from the request's channel (podkowa.core.channels).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from podkowa.core.models import Gmina
from podkowa.payments.models import (
    TAX_KINDS,
    Allocation,
    Charge,
    IndividualAccount,
    LedgerEntry,
    Payer,
    Payment,
    PaymentOrder,
)


def warsaw_today() -> date:
    return timezone.localdate()


def payers_for_user(*, gmina: Gmina, user) -> QuerySet[Payer]:
    if not getattr(user, "is_authenticated", False):
        return Payer.objects.none()
    return Payer.objects.filter(gmina=gmina, user=user)


def payer_for_user(*, gmina: Gmina, user) -> Payer | None:
    return payers_for_user(gmina=gmina, user=user).first()


def charges_with_outstanding(*, gmina: Gmina, payer: Payer,
                             include_taxes: bool = True) -> QuerySet[Charge]:
    """The payer's charges, each with `paid` and `outstanding` (grosze), by due date."""
    queryset = (Charge.objects.filter(gmina=gmina, payer=payer)
                .select_related("source", "decision")
                .annotate(paid=Coalesce(Sum("allocations__amount"), Value(0)))
                .order_by("due_date", "id"))
    if not include_taxes:
        queryset = queryset.exclude(source__kind__in=TAX_KINDS)
    return queryset


def charge_rows(*, gmina: Gmina, payer: Payer, include_taxes: bool = True,
                open_only: bool = False) -> list[Charge]:
    today = warsaw_today()
    rows = []
    for charge in charges_with_outstanding(gmina=gmina, payer=payer,
                                           include_taxes=include_taxes):
        charge.outstanding = 0 if charge.cancelled_at else charge.amount - charge.paid
        charge.is_overdue = charge.outstanding > 0 and charge.due_date < today
        if open_only and charge.outstanding <= 0:
            continue
        rows.append(charge)
    return rows


@dataclass
class Balance:
    """What the payer owes (`due`), of it overdue (`arrears`), and money not yet used
    (`overpayment`). `ledger_balance` is the sum of every entry: due − overpayment."""

    due: int = 0
    arrears: int = 0
    overpayment: int = 0
    ledger_balance: int = 0
    charges: list = field(default_factory=list)


def payer_balance(*, gmina: Gmina, payer: Payer, include_taxes: bool = True) -> Balance:
    rows = charge_rows(gmina=gmina, payer=payer, include_taxes=include_taxes)
    paid_total = Payment.objects.filter(gmina=gmina, payer=payer).aggregate(
        total=Sum("amount"))["total"] or 0
    allocated = Allocation.objects.filter(gmina=gmina, payment__payer=payer).aggregate(
        total=Sum("amount"))["total"] or 0
    ledger = LedgerEntry.objects.filter(gmina=gmina, payer=payer).aggregate(
        total=Sum("amount"))["total"] or 0
    return Balance(
        due=sum(c.outstanding for c in rows),
        arrears=sum(c.outstanding for c in rows if c.is_overdue),
        overpayment=paid_total - allocated,
        ledger_balance=ledger,
        charges=rows,
    )


def payments_for(*, gmina: Gmina, payer: Payer, include_taxes: bool = True) -> list[Payment]:
    """The payer's payments, newest first, each with `charges` it paid (its allocations)."""
    payments = list(Payment.objects.filter(gmina=gmina, payer=payer)
                    .order_by("-received_at", "-id"))
    allocations = (Allocation.objects.filter(gmina=gmina, payment__in=payments)
                   .select_related("charge__source"))
    by_payment: dict[int, dict[int, list]] = {}
    for allocation in allocations:
        per_charge = by_payment.setdefault(allocation.payment_id, {})
        row = per_charge.setdefault(allocation.charge_id, [allocation.charge, 0])
        row[1] += allocation.amount
    out = []
    for payment in payments:
        payment.paid_charges = [(charge, amount) for charge, amount in
                                by_payment.get(payment.pk, {}).values() if amount]
        payment.touches_taxes = any(c.is_tax for c, _a in payment.paid_charges)
        if not include_taxes and payment.touches_taxes:
            continue
        out.append(payment)
    return out


def payment_for(*, gmina: Gmina, payer: Payer, payment_id: int) -> Payment | None:
    for payment in payments_for(gmina=gmina, payer=payer):
        if payment.pk == payment_id:
            return payment
    return None


def account_for(*, gmina: Gmina, payer: Payer) -> IndividualAccount | None:
    return IndividualAccount.objects.filter(gmina=gmina, payer=payer,
                                            decision__isnull=True).first()


def order_for(*, gmina: Gmina, session_id: str, user=None) -> PaymentOrder | None:
    queryset = PaymentOrder.objects.filter(gmina=gmina, session_id=session_id)
    if user is not None:
        queryset = queryset.filter(payer__user=user)
    return queryset.select_related("payer").first()


def pending_orders(*, gmina: Gmina, payer: Payer) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(gmina=gmina, payer=payer,
                                       status=PaymentOrder.Status.PENDING)


def payers_search(*, gmina: Gmina, query: str = "") -> QuerySet[Payer]:
    queryset = Payer.objects.filter(gmina=gmina)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(nip=query)
                                   | Q(accounts__number=query.replace(" ", ""))).distinct()
    return queryset


def meters_for(*, gmina: Gmina, payer: Payer):
    from podkowa.payments.models import WaterMeter

    return WaterMeter.objects.filter(gmina=gmina, payer=payer, is_active=True).order_by(
        "serial")
