"""The payments part of the API: the caller's balance, charges, online payment, history and
receipts.

Taxes are the website's alone (podkowa.core.channels): to the mobile channel the balance and
charge lists leave them out, `/payments/taxes` answers 403 `web_only`, an order naming a tax
charge answers 403 `web_only`, and so does the receipt of a payment that paid a tax.
"""

from datetime import date, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from podkowa.core.api_errors import ApiError, ErrorOut, FieldErrorsOut
from podkowa.core.channels import TAXES_PAY, TAXES_VIEW, channel_allows, web_only, web_only_reason
from podkowa.payments import selectors
from podkowa.payments.models import Charge
from podkowa.payments.services.ledger import payer_link_verified
from podkowa.payments.services.orders import order_create, order_start
from podkowa.payments.services.receipt import payment_receipt_pdf

router = Router(tags=["payments"])


class BalanceOut(Schema):
    payer: str | None = Field(description="The payer record linked to the account, if any.")
    due: int = Field(description="Still to pay, in grosze.")
    arrears: int = Field(description="Of it overdue, in grosze.")
    overpayment: int = Field(description="Money paid and not yet used, in grosze.")
    includes_taxes: bool = Field(description="False for the mobile channel: taxes are left "
                                             "out (they are shown on the website only).")


class ChargeOut(Schema):
    id: int
    title: str
    kind: str = Field(description="water, waste, property_tax, agricultural_tax, forest_tax, "
                                  "rent, ticket or other.")
    source: str
    reference: str = Field(description="Decision or notice number.")
    amount: int = Field(description="In grosze.")
    outstanding: int = Field(description="Still to pay, in grosze.")
    due_date: date
    is_overdue: bool
    is_cancelled: bool

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.source.kind

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.name

    @staticmethod
    def resolve_is_cancelled(obj) -> bool:
        return obj.cancelled_at is not None


class OrderIn(Schema):
    charge_ids: list[int] = Field(description="The charges to pay (the caller's own, open).")


class OrderOut(Schema):
    session_id: str
    amount: int = Field(description="In grosze.")
    currency: str
    status: str = Field(description="pending, paid, refused or cancelled. Only the payment "
                                    "operator's verified notification makes it paid.")
    redirect_url: str = Field(description="Send the payer here to pay.")


class PaidChargeOut(Schema):
    charge_id: int
    title: str
    amount: int


class PaymentOut(Schema):
    id: int
    number: str = Field(description="Receipt number.")
    amount: int = Field(description="In grosze.")
    method: str
    received_at: datetime
    paid_charges: list[PaidChargeOut]

    @staticmethod
    def resolve_paid_charges(obj) -> list[dict]:
        return [{"charge_id": c.pk, "title": c.title, "amount": a} for c, a in obj.paid_charges]


def _with_taxes(request: HttpRequest) -> bool:
    return channel_allows(getattr(request, "channel", None), TAXES_VIEW)


def _payer(request: HttpRequest):
    return (selectors.payer_for_user(gmina=request.gmina, user=request.auth)
            or payer_link_verified(gmina=request.gmina, user=request.auth))


@router.get("/payments/balance", response={200: BalanceOut, 401: ErrorOut})
def balance(request: HttpRequest):
    """What the caller owes, overdue and overpaid (taxes left out for the mobile channel)."""
    payer = _payer(request)
    with_taxes = _with_taxes(request)
    if payer is None:
        return {"payer": None, "due": 0, "arrears": 0, "overpayment": 0,
                "includes_taxes": with_taxes}
    found = selectors.payer_balance(gmina=request.gmina, payer=payer, include_taxes=with_taxes)
    return {"payer": payer.name, "due": found.due, "arrears": found.arrears,
            "overpayment": found.overpayment, "includes_taxes": with_taxes}


@router.get("/payments/charges", response={200: list[ChargeOut], 401: ErrorOut})
def charges(request: HttpRequest, open_only: bool = False):
    """The caller's charges by due date (taxes left out for the mobile channel); `open_only`
    keeps those still to pay."""
    payer = _payer(request)
    if payer is None:
        return []
    return selectors.charge_rows(gmina=request.gmina, payer=payer,
                                 include_taxes=_with_taxes(request), open_only=open_only)


@router.get("/payments/taxes", response={200: list[ChargeOut], 401: ErrorOut})
@web_only(TAXES_VIEW)
def taxes(request: HttpRequest):
    """The caller's tax instalments (website only)."""
    payer = _payer(request)
    if payer is None:
        return []
    return [c for c in selectors.charge_rows(gmina=request.gmina, payer=payer) if c.is_tax]


def _order_out(request: HttpRequest, order) -> dict:
    return {"session_id": order.session_id, "amount": order.amount, "currency": order.currency,
            "status": order.status,
            "redirect_url": request.build_absolute_uri(order.redirect_url)
            if order.redirect_url else ""}


@router.post("/payments/orders",
             response={201: OrderOut, 400: FieldErrorsOut, 401: ErrorOut, 403: ErrorOut})
def create_order(request: HttpRequest, payload: OrderIn):
    """Pay charges online: answers where to send the payer. A tax charge from the mobile
    channel: 403 `web_only`."""
    wanted = Charge.objects.filter(gmina=request.gmina, pk__in=payload.charge_ids)
    if (any(c.is_tax for c in wanted.select_related("source"))
            and not channel_allows(getattr(request, "channel", None), TAXES_PAY)):
        raise ApiError(403, web_only_reason(TAXES_PAY), "web_only")
    order = order_create(gmina=request.gmina, user=request.auth,
                         charge_ids=payload.charge_ids, channel=request.channel)
    order_start(
        gmina=request.gmina, order=order,
        return_url=request.build_absolute_uri(
            reverse("payments:order", kwargs={"session_id": order.session_id})),
        notify_url=request.build_absolute_uri(
            reverse("payments:notify", kwargs={"kind": order.gateway})),
        customer_ip=request.META.get("REMOTE_ADDR", ""),
    )
    order.refresh_from_db()
    return Status(201, _order_out(request, order))


@router.get("/payments/orders/{session_id}",
            response={200: OrderOut, 401: ErrorOut, 404: ErrorOut})
def get_order(request: HttpRequest, session_id: str):
    """An online payment's state (poll it after the payer returns from the operator)."""
    order = selectors.order_for(gmina=request.gmina, session_id=session_id, user=request.auth)
    if order is None:
        raise Http404
    return _order_out(request, order)


@router.get("/payments/history", response={200: list[PaymentOut], 401: ErrorOut})
def history(request: HttpRequest):
    """The caller's payments, newest first (for the mobile channel: those that paid no tax)."""
    payer = _payer(request)
    if payer is None:
        return []
    return selectors.payments_for(gmina=request.gmina, payer=payer,
                                  include_taxes=_with_taxes(request))


@router.get("/payments/history/{payment_id}/receipt",
            response={200: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def receipt(request: HttpRequest, payment_id: int):
    """The PDF confirmation of one of the caller's payments."""
    payer = _payer(request)
    payment = selectors.payment_for(gmina=request.gmina, payer=payer, payment_id=payment_id) \
        if payer else None
    if payment is None:
        raise Http404
    if payment.touches_taxes and not _with_taxes(request):
        raise ApiError(403, web_only_reason(TAXES_VIEW), "web_only")
    response = HttpResponse(payment_receipt_pdf(gmina=request.gmina, payment=payment),
                            content_type="application/pdf")
    response["Content-Disposition"] = \
        f'attachment; filename="{payment.number.replace("/", "-")}.pdf"'
    return response
