"""Payment pages: the resident's balance, charges, online payment, history and receipts;
the gateways' notification endpoint; the sandbox operator's page.

Thin: services decide, selectors read.
"""

import logging

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from podkowa.accounts.models import Channel
from podkowa.payments import selectors
from podkowa.payments.gateways import GATEWAYS, GatewayError
from podkowa.payments.gateways.sandbox import sandbox_notify
from podkowa.payments.models import GatewayKind, PaymentOrder
from podkowa.payments.services.accounts import individual_account_ensure, payment_settings_for
from podkowa.payments.services.ledger import payer_link_verified
from podkowa.payments.services.orders import notification_handle, order_create, order_start
from podkowa.payments.services.qr import qr_svg, zbp_2d_string
from podkowa.payments.services.receipt import payment_receipt_pdf

log = logging.getLogger(__name__)


def _payer(request: HttpRequest):
    payer = selectors.payer_for_user(gmina=request.gmina, user=request.user) \
        or payer_link_verified(gmina=request.gmina, user=request.user)
    if payer is not None and not rules.has_perm("payments.view_payer_account", request.user,
                                                 payer):
        raise PermissionDenied
    return payer


def _sandbox_enabled() -> bool:
    return bool(getattr(settings, "PAYMENTS_SANDBOX", settings.DEBUG))


@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    payer = _payer(request)
    if payer is None:
        return render(request, "payments/no_payer.html")
    balance = selectors.payer_balance(gmina=request.gmina, payer=payer)
    account = individual_account_ensure(gmina=request.gmina, payer=payer)
    qr = None
    if account is not None:
        config = payment_settings_for(gmina=request.gmina)
        qr = qr_svg(zbp_2d_string(
            nip=config.recipient_nip, account=account.number, amount=balance.due,
            recipient=config.recipient_name or request.gmina.name,
            title=_("Payer %(id)s") % {"id": payer.pk}),
            title=_("Payment QR code for your banking app"))
    return render(request, "payments/home.html", {
        "payer": payer, "balance": balance,
        "open_charges": [c for c in balance.charges if c.outstanding > 0],
        "account": account, "qr": qr,
        "pending": selectors.pending_orders(gmina=request.gmina, payer=payer),
    })


@login_required
@never_cache
def meters(request: HttpRequest) -> HttpResponse:
    """The payer's water meters: the last reading of each, and a form to enter a new one."""
    from django.utils import timezone

    from podkowa.payments.services.water_waste import meter_reading_submit

    payer = _payer(request)
    if payer is None:
        return render(request, "payments/no_payer.html")
    errors: dict[int, list[str]] = {}
    if request.method == "POST":
        meter_id = request.POST.get("meter", "")
        try:
            meter_reading_submit(gmina=request.gmina, user=request.user,
                                 meter_id=int(meter_id) if meter_id.isdigit() else 0,
                                 value=request.POST.get("value", ""),
                                 read_on=timezone.localdate(), channel=Channel.WEB)
        except ValidationError as error:
            errors[int(meter_id) if meter_id.isdigit() else 0] = error.messages
        else:
            messages.success(request, _("Thank you: the reading has been recorded."))
            return redirect("payments:meters")
    rows = []
    for meter in selectors.meters_for(gmina=request.gmina, payer=payer):
        rows.append({"meter": meter, "last": meter.readings.order_by("-read_on").first(),
                     "errors": errors.get(meter.pk, [])})
    return render(request, "payments/meters.html", {"rows": rows},
                  status=400 if errors else 200)


@login_required
@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    payer = _payer(request)
    if payer is None or not rules.has_perm("payments.pay_for_payer", request.user, payer):
        raise PermissionDenied
    ids = [value for value in request.POST.getlist("charge") if value.isdigit()]
    try:
        order = order_create(gmina=request.gmina, user=request.user, charge_ids=ids,
                             channel=Channel.WEB)
        url = order_start(
            gmina=request.gmina, order=order,
            return_url=request.build_absolute_uri(
                reverse("payments:order", kwargs={"session_id": order.session_id})),
            notify_url=request.build_absolute_uri(
                reverse("payments:notify", kwargs={"kind": order.gateway})),
            customer_ip=request.META.get("REMOTE_ADDR", ""),
            language=request.LANGUAGE_CODE or "pl",
        )
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
        return redirect("payments:home")
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(url)
    # The site's CSP allows forms to lead only to this site (form-action 'self'), redirects
    # included: the way to an outside operator is a link the payer follows on the order page.
    return redirect("payments:order", session_id=order.session_id)


@login_required
@never_cache
def order(request: HttpRequest, session_id: str) -> HttpResponse:
    """Where the gateway returns the payer. It shows the order's state; it never marks it
    paid — only the gateway's verified notification does."""
    found = selectors.order_for(gmina=request.gmina, session_id=session_id,
                                user=request.user)
    if found is None:
        raise Http404(_("No such payment."))
    return render(request, "payments/order.html", {
        "order": found, "paid": found.status == PaymentOrder.Status.PAID,
        "pending": found.status == PaymentOrder.Status.PENDING,
    })


@login_required
@never_cache
def history(request: HttpRequest) -> HttpResponse:
    payer = _payer(request)
    if payer is None:
        return render(request, "payments/no_payer.html")
    return render(request, "payments/history.html", {
        "payer": payer, "payments": selectors.payments_for(gmina=request.gmina, payer=payer),
    })


@login_required
@never_cache
def receipt(request: HttpRequest, payment_id: int) -> HttpResponse:
    payer = _payer(request)
    payment = selectors.payment_for(gmina=request.gmina, payer=payer, payment_id=payment_id) \
        if payer else None
    if payment is None:
        raise Http404(_("No such payment."))
    pdf = payment_receipt_pdf(gmina=request.gmina, payment=payment)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = payment.number.replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


@csrf_exempt
@require_POST
def notify(request: HttpRequest, kind: str) -> HttpResponse:
    """The gateways' notification address (no session, no CSRF: the signature is the proof)."""
    if kind not in GATEWAYS or (kind == GatewayKind.SANDBOX and not _sandbox_enabled()):
        raise Http404
    headers = {key.lower(): value for key, value in request.headers.items()}
    handled = notification_handle(gmina=request.gmina, kind=kind, body=request.body,
                                  headers=headers)
    if handled.accepted:
        return HttpResponse("OK", content_type="text/plain")
    return HttpResponse(handled.verdict, status=400, content_type="text/plain")


@never_cache
def sandbox(request: HttpRequest, session_id: str) -> HttpResponse:
    """The sandbox operator's payment page (this site plays the bank; no money moves)."""
    if not _sandbox_enabled():
        raise Http404
    found = selectors.order_for(gmina=request.gmina, session_id=session_id)
    if found is None or found.gateway != GatewayKind.SANDBOX:
        raise Http404(_("No such payment."))
    return_url = reverse("payments:order", kwargs={"session_id": found.session_id})
    if request.method == "POST":
        if request.POST.get("action") == "confirm" and found.status == PaymentOrder.Status.PENDING:
            try:
                sandbox_notify(
                    notify_url=request.build_absolute_uri(
                        reverse("payments:notify", kwargs={"kind": GatewayKind.SANDBOX})),
                    gmina_id=request.gmina.pk, session_id=found.session_id,
                    amount=found.amount, currency=found.currency)
            except GatewayError as error:
                log.warning("sandbox notification failed: %s", error)
                messages.error(request, _("The sandbox could not deliver the notification; "
                                          "try again."))
                return redirect("payments:sandbox", session_id=found.session_id)
        return redirect(return_url)
    return render(request, "payments/sandbox.html", {"order": found, "return_url": return_url})


def _pdf_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@login_required
@never_cache
def charge_notice(request: HttpRequest, charge_id: int) -> HttpResponse:
    """The resident's printable notice of one of their charges (a decision's instalment
    gives the whole decision), with the payment QR codes."""
    from podkowa.payments.services.charge_notice import charge_notice as notice_for
    from podkowa.payments.services.charge_notice import charge_notice_pdf

    payer = _payer(request)
    notice = notice_for(gmina=request.gmina, payer=payer, charge_id=charge_id) \
        if payer else None
    if notice is None:
        raise Http404(_("No such charge."))
    return _pdf_response(charge_notice_pdf(gmina=request.gmina, notice=notice),
                         notice.file_name)


@login_required
@never_cache
def office_charge_notice(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """The same notice for the finance department, of any payer's charge or tax decision (a
    read of the payer's data: audited)."""
    from podkowa.core.services import audit_personal_data_read
    from podkowa.payments.models import Charge, TaxDecision
    from podkowa.payments.services.charge_notice import charge_notice as notice_for
    from podkowa.payments.services.charge_notice import (
        charge_notice_pdf,
        decision_notice,
    )

    if not rules.has_perm("payments.print_charge_notice", request.user, request.gmina):
        raise PermissionDenied(_("Only the finance department may print other payers' "
                                 "notices."))
    model = {"naleznosc": Charge, "decyzja": TaxDecision}.get(kind)
    found = model.objects.filter(gmina=request.gmina, pk=object_id).select_related(
        "payer").first() if model else None
    if found is None:
        raise Http404
    if model is Charge:
        notice = notice_for(gmina=request.gmina, payer=found.payer, charge_id=found.pk)
    else:
        notice = decision_notice(gmina=request.gmina, payer=found.payer, decision_id=found.pk)
    if notice is None:
        raise Http404
    audit_personal_data_read(gmina=request.gmina, actor=request.user,
                             subject=found.payer.user, what="zawiadomienie o należności",
                             object_ref=f"{found._meta.label_lower}:{found.pk}",
                             request=request)
    return _pdf_response(charge_notice_pdf(gmina=request.gmina, notice=notice),
                         notice.file_name)


@login_required
@never_cache
def reminder_pdf(request: HttpRequest, reminder_id: int) -> HttpResponse:
    """The finance department's upomnienie as a PDF (a read of the payer's data: audited)."""
    from podkowa.core.services import audit_personal_data_read
    from podkowa.payments.models import FormalReminder
    from podkowa.payments.services.reminders import formal_reminder_pdf

    if not rules.has_perm("payments.issue_reminder", request.user, request.gmina):
        raise PermissionDenied(_("Only the finance department may open formal reminders."))
    reminder = FormalReminder.objects.filter(gmina=request.gmina, pk=reminder_id).select_related(
        "payer").first()
    if reminder is None:
        raise Http404
    audit_personal_data_read(gmina=request.gmina, actor=request.user,
                             subject=reminder.payer.user, what="upomnienie",
                             object_ref=f"payments.formalreminder:{reminder.pk}",
                             request=request)
    response = HttpResponse(formal_reminder_pdf(gmina=request.gmina, reminder=reminder),
                            content_type="application/pdf")
    response["Content-Disposition"] = \
        f'attachment; filename="{reminder.number.replace("/", "-")}.pdf"'
    return response
