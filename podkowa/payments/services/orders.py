"""Online payments: the order a resident starts, and the gateway's notification that alone
makes it paid.

The browser's return from the gateway proves nothing (anyone can type that address), so it
only shows the order's state. A notification is checked in this order: signature, known
session, currency, amount; then, inside one transaction holding the order's row lock, a
second copy finds the order already paid and changes nothing. The payment's unique
(method, reference) is the database's last word should anything else race.
"""

import logging
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.core.channels import TAXES_PAY, channel_allows, web_only_reason
from podkowa.core.models import Gmina
from podkowa.payments.gateways import (
    GatewayError,
    SignatureError,
    StartRequest,
    gateway_for,
)
from podkowa.payments.models import (
    Charge,
    GatewayKind,
    GatewayNotification,
    Payer,
    Payment,
    PaymentOrder,
)
from podkowa.payments.services.accounts import payment_settings_for
from podkowa.payments.services.ledger import charge_outstanding, payment_record

log = logging.getLogger(__name__)
Verdict = GatewayNotification.Verdict


def gateway_of(*, gmina: Gmina, kind: str | None = None):
    settings = payment_settings_for(gmina=gmina)
    kind = kind or settings.gateway
    config = dict(settings.gateway_config or {}) if kind == settings.gateway else {}
    if kind == GatewayKind.SANDBOX:
        config["gmina_id"] = gmina.pk
    return gateway_for(kind, config)


@transaction.atomic
def order_create(*, gmina: Gmina, user, charge_ids: list[int], channel: str) -> PaymentOrder:
    """An order for the chosen open charges of the user's payer, for what is still owed."""
    ids = sorted({int(i) for i in charge_ids or []})
    if not ids:
        raise ValidationError({"charges": _("Choose at least one charge to pay.")})
    payer = Payer.objects.select_for_update().filter(gmina=gmina, user=user).first()
    if payer is None:
        raise ValidationError({"charges": _("There are no charges in your name.")})
    charges = list(Charge.objects.filter(gmina=gmina, payer=payer, pk__in=ids,
                                         cancelled_at__isnull=True).select_related("source"))
    if len(charges) != len(ids):
        raise ValidationError({"charges": _("Some of the chosen charges are not yours or no "
                                            "longer open.")})
    if any(c.is_tax for c in charges) and not channel_allows(channel, TAXES_PAY):
        raise PermissionDenied(web_only_reason(TAXES_PAY))
    owed = {c.pk: charge_outstanding(c) for c in charges}
    if any(amount <= 0 for amount in owed.values()):
        raise ValidationError({"charges": _("Some of the chosen charges are already paid.")})
    settings = payment_settings_for(gmina=gmina)
    titles = ", ".join(c.title for c in charges)
    order = PaymentOrder.objects.create(
        gmina=gmina, payer=payer, gateway=settings.gateway, amount=sum(owed.values()),
        currency="PLN", description=(_("Payment to %(town)s: %(titles)s")
                                     % {"town": gmina.name, "titles": titles})[:200],
        channel=channel, created_by=user,
    )
    order.charges.set(charges)
    return order


def order_start(*, gmina: Gmina, order: PaymentOrder, return_url: str, notify_url: str,
                customer_ip: str = "", language: str = "pl") -> str:
    """Register the order with its gateway; returns where to send the payer. Not inside a
    transaction: the gateway is called over the network."""
    if order.gateway == GatewayKind.SANDBOX and not getattr(
            django_settings, "PAYMENTS_SANDBOX", django_settings.DEBUG):
        # A town that has not configured its gateway must not take pretend payments.
        raise ValidationError({"gateway": _("Online payments are not available yet; please "
                                            "pay by bank transfer.")})
    gateway = gateway_of(gmina=gmina, kind=order.gateway)
    email = order.payer.email or (order.created_by.email if order.created_by else "")
    try:
        registration = gateway.register(StartRequest(
            session_id=str(order.session_id), amount=order.amount, currency=order.currency,
            description=order.description, email=email, return_url=return_url,
            notify_url=notify_url, customer_ip=customer_ip, language=language,
        ))
    except GatewayError as error:
        log.warning("gateway %s refused order %s: %s", order.gateway, order.pk, error)
        raise ValidationError({"gateway": _("The payment operator is not available right "
                                            "now; please try again later.")}) from None
    PaymentOrder.objects.filter(gmina=gmina, pk=order.pk).update(
        redirect_url=registration.redirect_url,
        gateway_order_id=registration.gateway_order_id)
    return registration.redirect_url


@dataclass(frozen=True)
class Handled:
    verdict: str
    accepted: bool  # the gateway is told "OK" (a credit or a harmless duplicate)
    payment: Payment | None = None


def _log(gmina, kind, body, verdict, *, order=None, session_id="", flagged=False) -> None:
    GatewayNotification.objects.create(
        gmina=gmina, gateway=kind, order=order, session_id=session_id[:100], verdict=verdict,
        flagged=flagged, body=body.decode("utf-8", "replace")[:20000])


def notification_handle(*, gmina: Gmina, kind: str, body: bytes, headers: dict) -> Handled:
    """One notification from gateway `kind`, whatever it says; logged either way."""
    try:
        gateway = gateway_of(gmina=gmina, kind=kind)
        notice = gateway.parse_notification(body, headers)
    except (SignatureError, GatewayError):
        with transaction.atomic():
            _log(gmina, kind, body, Verdict.FORGED, flagged=True)
        return Handled(Verdict.FORGED, False)
    with transaction.atomic():
        order = (PaymentOrder.objects.select_for_update()
                 .filter(gmina=gmina, session_id=notice.session_id, gateway=kind).first())
        if order is None:
            _log(gmina, kind, body, Verdict.UNKNOWN, session_id=notice.session_id, flagged=True)
            return Handled(Verdict.UNKNOWN, False)
        if order.status == PaymentOrder.Status.PAID:
            _log(gmina, kind, body, Verdict.DUPLICATE, order=order,
                 session_id=notice.session_id)
            return Handled(Verdict.DUPLICATE, True, order.payment)
        if not notice.completed:
            _log(gmina, kind, body, Verdict.NOT_PAID, order=order, session_id=notice.session_id)
            return Handled(Verdict.NOT_PAID, True)
        refusal = None
        if notice.currency is not None and notice.currency != order.currency:
            refusal = Verdict.WRONG_CURRENCY
        elif notice.amount is not None and notice.amount != order.amount:
            refusal = Verdict.WRONG_AMOUNT
        if refusal:
            order.status = PaymentOrder.Status.REFUSED
            order.save(update_fields=["status"])
            _log(gmina, kind, body, refusal, order=order, session_id=notice.session_id,
                 flagged=True)
            return Handled(refusal, False)
        try:
            # Przelewy24 wants the payment verified back before it counts.
            gateway.confirm(notice, amount=order.amount, currency=order.currency)
        except GatewayError:
            _log(gmina, kind, body, Verdict.VERIFY_FAILED, order=order,
                 session_id=notice.session_id, flagged=True)
            return Handled(Verdict.VERIFY_FAILED, False)
        recorded = payment_record(
            gmina=gmina, payer_id=order.payer_id, amount=order.amount,
            method=Payment.Method.GATEWAY, reference=f"{kind}:{order.session_id}",
            title=order.description, charge_ids=list(order.charges.values_list("pk", flat=True)),
        )
        order.status = PaymentOrder.Status.PAID
        order.paid_at = timezone.now()
        order.payment = recorded.payment
        if notice.gateway_order_id and not order.gateway_order_id:
            order.gateway_order_id = notice.gateway_order_id[:100]
        order.save(update_fields=["status", "paid_at", "payment", "gateway_order_id"])
        _log(gmina, kind, body, Verdict.CREDITED if recorded.created else Verdict.DUPLICATE,
             order=order, session_id=notice.session_id)
        return Handled(Verdict.CREDITED if recorded.created else Verdict.DUPLICATE, True,
                       recorded.payment)
