"""Prolonging a grave's lease through the payments ledger.

The clerk (or the holder themself) asks for another 20 years: the cemetery's fee for the
grave's type becomes a charge in the holder's name, which the holder pays like any other
(online, by transfer to their individual account, at the desk). Nothing about the grave
changes until then. When the ledger allocates the charge's last grosz it calls
`lease_charge_paid` in the same transaction (podkowa/payments/paid.py), which moves the
paid-until date 20 years on, once.

Lock order, the same on both paths: the payer's row (the ledger takes it), then the grave's.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from podkowa.cemetery.models import (
    Cemetery,
    Grave,
    GraveHolder,
    GraveKind,
    LeaseFee,
    LeaseProlongation,
)
from podkowa.cemetery.services.leases import REUSE_YEARS, lease_extend, lease_state
from podkowa.core.models import Gmina
from podkowa.payments.models import Charge, ChargeSource, Payer, Payment, SourceKind

# Time the holder has to pay the fee (the charge's due date).
DAYS_TO_PAY = 14
SOURCE_CODE = "oplaty-cmentarne"
MAX_FEE_GROSZE = 10_000_000  # 100,000 zł: far above any cemetery's fee


@transaction.atomic
def lease_fees_set(*, gmina: Gmina, cemetery: Cemetery, fees: dict[str, int | None]
                   ) -> list[LeaseFee]:
    """The cemetery's 20-year fees by grave type, in grosze; None or 0 removes a type's fee.
    All or nothing: a bad amount names its grave type."""
    errors = {}
    for kind, amount in fees.items():
        if kind not in GraveKind.values:
            errors[f"fee_{kind}"] = _("Unknown grave type.")
        elif amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                                     or not 0 <= amount <= MAX_FEE_GROSZE):
            errors[f"fee_{kind}"] = _("The fee for %(kind)s must be an amount from 0 to "
                                      "100,000 zł.") % {"kind": GraveKind(kind).label}
    if errors:
        raise ValidationError(errors)
    for kind, amount in fees.items():
        if amount:
            LeaseFee.objects.update_or_create(gmina=gmina, cemetery=cemetery, kind=kind,
                                              defaults={"amount_grosze": amount})
        else:
            LeaseFee.objects.filter(gmina=gmina, cemetery=cemetery, kind=kind).delete()
    return list(LeaseFee.objects.filter(gmina=gmina, cemetery=cemetery))


def _source(gmina: Gmina) -> ChargeSource:
    source = (ChargeSource.objects.filter(gmina=gmina, kind=SourceKind.CEMETERY, is_active=True)
              .order_by("pk").first())
    if source is None:
        with translation.override(settings.LANGUAGE_CODE):
            source, _created = ChargeSource.objects.get_or_create(
                gmina=gmina, code=SOURCE_CODE,
                defaults={"name": str(_("Cemetery fees")), "kind": SourceKind.CEMETERY})
    return source


def _payer_of(gmina: Gmina, holder: GraveHolder) -> Payer:
    """The holder's payer: the one linked to their account (made now if the account is
    verified, so that the charge shows among their payments), else the one an earlier
    prolongation charged, else a new one in their name only."""
    from podkowa.payments.selectors import payer_for_user
    from podkowa.payments.services.ledger import payer_create

    name = f"{holder.first_name} {holder.last_name}".strip()
    if holder.user_id:
        payer = payer_for_user(gmina=gmina, user=holder.user)
        if payer is not None:
            return payer
        try:
            with transaction.atomic():
                return payer_create(gmina=gmina, name=name, address=holder.address,
                                    email=holder.email or holder.user.email, user=holder.user)
        except ValidationError:
            pass  # the account is not verified
    earlier = (LeaseProlongation.objects.filter(gmina=gmina, holder=holder)
               .select_related("charge__payer").order_by("-pk").first())
    if earlier is not None:
        return earlier.charge.payer
    return payer_create(gmina=gmina, name=name, address=holder.address, email=holder.email)


@transaction.atomic
def lease_prolongation_request(*, gmina: Gmina, grave_id: int, holder_id: int | None,
                               actor, today: dt.date | None = None) -> LeaseProlongation:
    """Charge a holder the cemetery's fee for another 20 years of the grave. Refused while
    another prolongation of the grave waits for its payment."""
    from podkowa.payments.services.ledger import charge_create

    today = today or timezone.localdate()
    grave = (Grave.objects.filter(gmina=gmina, pk=grave_id).select_related("cemetery")
             .first())
    if grave is None:
        raise ValidationError({"grave": _("No such grave.")})
    holders = GraveHolder.objects.filter(gmina=gmina, grave=grave, is_current=True)
    holder = holders.filter(pk=holder_id).first() if holder_id else None
    if holder is None and not holder_id and holders.count() == 1:
        holder = holders.get()
    errors = {}
    if holder is None:
        errors["holder"] = _("Choose the holder of the grave who pays for it.")
    state = lease_state(grave)
    if state.exempt:
        errors["grave"] = _("This grave needs no prolongation: %(why)s.") % {"why": state.exempt}
    fee = LeaseFee.objects.filter(gmina=gmina, cemetery=grave.cemetery, kind=grave.kind).first()
    if fee is None and not state.exempt:
        errors["fee"] = _("No fee for %(kind)s is set for this cemetery: set it on the "
                          "cemetery's office page first.") % {"kind": grave.get_kind_display()}
    if errors:
        raise ValidationError(errors)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Grave %(place)s, %(cemetery)s: fee for %(years)s more years") % {
            "place": grave.place, "cemetery": grave.cemetery.name, "years": REUSE_YEARS}
    # The ledger locks the payer's row here; the grave's row after it (see the module's doc).
    charge = charge_create(gmina=gmina, payer_id=_payer_of(gmina, holder).pk,
                           source=_source(gmina), title=title, amount=fee.amount_grosze,
                           due_date=today + dt.timedelta(days=DAYS_TO_PAY),
                           reference=grave.record_number[:60],
                           actor=actor if getattr(actor, "pk", None) else None)
    grave = Grave.objects.select_for_update().get(gmina=gmina, pk=grave.pk)
    if LeaseProlongation.objects.filter(
            gmina=gmina, grave=grave, status=LeaseProlongation.Status.PENDING,
            charge__cancelled_at__isnull=True).exists():
        # Rolls the new charge back with it.
        raise ValidationError({"grave": _("A prolongation of this grave is already waiting "
                                          "for its payment.")})
    prolongation = LeaseProlongation.objects.create(
        gmina=gmina, grave=grave, holder=holder, years=REUSE_YEARS,
        amount_grosze=fee.amount_grosze, charge=charge,
        requested_by=actor if getattr(actor, "pk", None) else None)
    if charge.allocations.exists():
        # The holder's overpayment paid the new charge at once: the ledger has already called
        # lease_charge_paid, before the prolongation existed. Apply it now.
        _apply(gmina, prolongation, _completing_payment(gmina, charge))
        prolongation.refresh_from_db()
    return prolongation


def _completing_payment(gmina: Gmina, charge: Charge) -> Payment | None:
    from podkowa.payments.services.ledger import charge_outstanding

    if charge_outstanding(charge) > 0:
        return None
    allocation = charge.allocations.filter(gmina=gmina, amount__gt=0).order_by("-pk").first()
    return allocation.payment if allocation else None


def _apply(gmina: Gmina, prolongation: LeaseProlongation, payment: Payment | None) -> None:
    if payment is None:
        return
    prolongation = LeaseProlongation.objects.select_for_update().get(gmina=gmina,
                                                                    pk=prolongation.pk)
    if prolongation.status != LeaseProlongation.Status.PENDING:
        return  # applied already: paying twice never keeps the grave twice as long
    grave = Grave.objects.select_for_update().get(gmina=gmina, pk=prolongation.grave_id)
    paid_on = timezone.localtime(payment.received_at).date()
    prolongation.lease_payment = lease_extend(
        gmina=gmina, grave=grave, state=lease_state(grave),
        amount_grosze=prolongation.amount_grosze, paid_on=paid_on, years=prolongation.years,
        reference=payment.number, payer=prolongation.holder, actor=None)
    prolongation.status = LeaseProlongation.Status.PAID
    prolongation.save(update_fields=["lease_payment", "status"])


def lease_charge_paid(*, gmina: Gmina, charge: Charge, payment: Payment) -> None:
    """The ledger's call (podkowa/payments/paid.py), inside its transaction: a cemetery
    charge is paid in full."""
    prolongation = LeaseProlongation.objects.filter(gmina=gmina, charge_id=charge.pk).first()
    if prolongation is not None:
        _apply(gmina, prolongation, payment)


@transaction.atomic
def lease_prolongation_cancel(*, gmina: Gmina, prolongation_id: int, actor,
                              note: str = "") -> LeaseProlongation:
    """Take back a prolongation not paid yet, and its charge (what was paid on it returns to
    the holder's account)."""
    from podkowa.payments.services.ledger import charge_cancel

    prolongation = LeaseProlongation.objects.filter(gmina=gmina, pk=prolongation_id).first()
    if prolongation is None:
        raise ValidationError({"prolongation": _("No such prolongation.")})
    if prolongation.status != LeaseProlongation.Status.PENDING:
        raise ValidationError({"prolongation": _("Only a prolongation waiting for its payment "
                                                 "can be cancelled.")})
    charge = prolongation.charge
    if charge.cancelled_at is None:
        charge_cancel(gmina=gmina, charge_id=charge.pk, actor=actor,
                      note=note or _("grave lease prolongation cancelled"))
    prolongation = LeaseProlongation.objects.select_for_update().get(gmina=gmina,
                                                                    pk=prolongation.pk)
    if prolongation.status != LeaseProlongation.Status.PENDING:
        raise ValidationError({"prolongation": _("Only a prolongation waiting for its payment "
                                                 "can be cancelled.")})
    prolongation.status = LeaseProlongation.Status.CANCELLED
    prolongation.save(update_fields=["status"])
    return prolongation


@transaction.atomic
def lease_prolongation_pay_at_desk(*, gmina: Gmina, prolongation_id: int,
                                   actor) -> LeaseProlongation:
    """The holder paid the fee in cash at the cemetery's office: the payment goes into the
    ledger like any other (one per prolongation, whoever clicks twice)."""
    from podkowa.payments.services.ledger import charge_outstanding, payment_record

    prolongation = (LeaseProlongation.objects.filter(gmina=gmina, pk=prolongation_id)
                    .select_related("charge", "grave").first())
    if prolongation is None:
        raise ValidationError({"prolongation": _("No such prolongation.")})
    charge = prolongation.charge
    owed = charge_outstanding(charge)
    if prolongation.status == LeaseProlongation.Status.PENDING and owed > 0:
        with translation.override(settings.LANGUAGE_CODE):
            title = str(_("Cash desk: %(title)s") % {"title": charge.title})
        payment_record(gmina=gmina, payer_id=charge.payer_id, amount=owed,
                       method=Payment.Method.DESK,
                       reference=f"cemetery-lease:{prolongation.pk}", title=title,
                       charge_ids=[charge.pk])
    prolongation.refresh_from_db()
    return prolongation
