"""Resident and official account pages. Thin: forms validate, services and selectors act."""

import base64
import json

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from podkowa.accounts import forms
from podkowa.accounts.login_throttle import login_attempt_allowed, login_lock_clear
from podkowa.accounts.logingovpl import views as logingov_views
from podkowa.accounts.models import ApiToken, Channel, VerificationLevel
from podkowa.accounts.selectors.consents import consent_history, current_consents
from podkowa.accounts.selectors.profile import (
    acting_for,
    pending_erasure_request,
    personal_data_export,
    profile_for,
    verification_level_for,
    verified_attributes_for,
)
from podkowa.accounts.selectors.tokens import api_tokens_for
from podkowa.accounts.selectors.two_factor import confirmed_totp_device, two_factor_required
from podkowa.accounts.services.consents import consent_grant, consent_revoke
from podkowa.accounts.services.erasure import erasure_request_create
from podkowa.accounts.services.profile import profile_update
from podkowa.accounts.services.registration import (
    EmailConfirmationError,
    account_register,
    email_confirm,
    email_confirmation_resend,
    email_confirmation_send,
    resend_dedup_key,
)
from podkowa.accounts.services.tokens import api_token_create, api_token_revoke
from podkowa.accounts.services.two_factor import (
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_verify,
)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _set_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
    # Django keeps the chosen language in a cookie (there is no session key since 4.0); set it
    # the way its set_language view does, so that the next page is in the chosen language.
    translation.activate(language)
    request.LANGUAGE_CODE = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- sign-up and e-mail confirmation -------------------------------------------------------


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:panel")
    form = forms.SignUpForm(
        request.POST or None, initial={"language": translation.get_language() or "pl"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_register(
                gmina=request.gmina,
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                base_url=_base_url(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_done.html")


def email_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = email_confirm(gmina=request.gmina, token=token)
    except EmailConfirmationError as error:
        return render(
            request, "accounts/email_confirm_failed.html",
            {"expired": error.code == "expired"}, status=400,
        )
    return render(request, "accounts/email_confirmed.html", {"confirmed_user": user})


@never_cache
def email_confirmation_resend_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if request.method == "POST" and not request.user.email_confirmed:
            email_confirmation_send(
                gmina=request.gmina, user=request.user, base_url=_base_url(request),
                dedup_key=resend_dedup_key(user=request.user),
            )
            messages.success(
                request, _("We have sent a new confirmation link to %(email)s.")
                % {"email": request.user.email},
            )
        return redirect("accounts:panel")
    form = forms.ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email_confirmation_resend(
            gmina=request.gmina, email=form.cleaned_data["email"], base_url=_base_url(request)
        )
        # The same answer whether or not the address has an account.
        return render(request, "accounts/resend_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/resend.html", {"form": form})


# --- login, logout, lock-out --------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not login_attempt_allowed(request):
            return render(
                request, self.template_name,
                {"form": self.get_form_class()(request), "throttled": True,
                 "window_minutes": max(1, settings.LOGIN_RATE_WINDOW_SECONDS // 60)},
                status=429,
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        _set_language(self.request, response, form.get_user().language)
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "logingov": _logingov_offer()}


def _logingov_offer() -> dict:
    from podkowa.accounts.logingovpl.config import is_enabled

    return {"enabled": is_enabled(), "simulator": settings.LOGINGOVPL_NODE == "local"}


login_view = LoginView.as_view()
# Ends a login.gov.pl session at the node too, when the login began there.
logout_view = logingov_views.logout_view


def locked_out(request: HttpRequest, original_response=None, credentials=None, *args, **kwargs):
    """Axes' lock-out page: says the account is locked for a while and how to get back in."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


# --- password reset (Django's views; the mail goes through the outbox) --------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = forms.OutboxPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"gmina": self.request.gmina}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever can read the mailbox may try again at once, even after a lock-out.
        login_lock_clear(email=form.user.email)
        return response


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


# --- two-factor authentication ------------------------------------------------------------


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(
        scale=4, title=_("QR code to scan with the authenticator app"), svgclass="totp-qr"
    )


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, reverse("accounts:panel"))
    if request.user.is_verified():
        return redirect(next_url)
    enrolled = confirmed_totp_device(user=request.user) is not None
    form = forms.TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        check = (
            totp_verify(user=request.user, token=code)
            if enrolled
            else totp_enrolment_confirm(user=request.user, token=code)
        )
        if check.ok:
            otp_login(request, check.device)
            return redirect(next_url)
        if check.locked_until is not None:
            wait = max(1, int((check.locked_until - timezone.now()).total_seconds()) + 1)
            form.add_error("code", _(
                "Too many wrong codes. Wait %(seconds)s seconds, then enter the code currently "
                "shown in the app.") % {"seconds": wait})
        else:
            form.add_error("code", _(
                "This code is not correct. Enter the code currently shown in the app "
                "(it changes every 30 seconds)."))
    context = {"form": form, "next": next_url, "enrolled": enrolled}
    if not enrolled:
        device = totp_enrolment_start(user=request.user)
        context["qr_svg"] = mark_safe(_qr_svg(device.config_url))  # noqa: S308  (segno's own SVG)
        secret = base64.b32encode(device.bin_key).decode()
        context["secret"] = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/two_factor.html", context, status=status)


# --- resident panel -----------------------------------------------------------------------


@login_required
def panel(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "accounts/panel.html", {
        "profile": profile_for(gmina=request.gmina, user=user),
        "level": verification_level_for(gmina=request.gmina, user=user),
        "is_official": two_factor_required(gmina=request.gmina, user=user),
        "verified_attributes": verified_attributes_for(user=user),
        "logingov": _logingov_offer(),
        "identity_verified": VerificationLevel.IDENTITY_VERIFIED,
        "acting": acting_for(gmina=request.gmina, user=user, session=request.session),
    })


@never_cache
@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = profile_for(gmina=request.gmina, user=user)
    initial = {"first_name": user.first_name, "last_name": user.last_name,
               "language": user.language, "notify_by_email": True}
    if profile is not None:
        initial.update({
            field: getattr(profile, field)
            for field in ("phone", "street", "postal_code", "city",
                          "notify_by_email", "notify_by_sms")
        })
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        profile_update(gmina=request.gmina, user=user, **form.cleaned_data)
        response = redirect("accounts:panel")
        _set_language(request, response, form.cleaned_data["language"])
        messages.success(request, _("Your details have been saved."))
        return response
    return render(request, "accounts/profile_form.html", {"form": form})


@never_cache
@login_required
def consents(request: HttpRequest) -> HttpResponse:
    error = None
    status = 200
    if request.method == "POST":
        form = forms.ConsentDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == form.GRANT:
                    consent_grant(gmina=request.gmina, user=request.user, kind=data["kind"],
                                  channel=Channel.WEB, text_id=data["text_id"])
                    messages.success(request, _("Thank you: your consent has been recorded."))
                else:
                    consent_revoke(gmina=request.gmina, user=request.user, kind=data["kind"],
                                   channel=Channel.WEB)
                    messages.success(request, _("Your consent has been withdrawn."))
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect("accounts:consents")
        else:
            error = _("The form was not complete. Choose to agree or to withdraw again.")
        status = 400
    return render(request, "accounts/consents.html", {
        "states": current_consents(gmina=request.gmina, user=request.user),
        "history": consent_history(gmina=request.gmina, user=request.user),
        "error": error,
    }, status=status)


@login_required
def data_download(request: HttpRequest) -> HttpResponse:
    payload = personal_data_export(gmina=request.gmina, user=request.user)
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def erasure_request(request: HttpRequest) -> HttpResponse:
    pending = pending_erasure_request(gmina=request.gmina, user=request.user)
    form = forms.ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request_create(
                gmina=request.gmina, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _(
                "Your request has been recorded. The office will deal with it and let you know."))
            return redirect("accounts:erasure")
    return render(request, "accounts/erasure.html", {"form": form, "pending": pending},
                  status=400 if form.errors else 200)


# --- API tokens for the mobile app ------------------------------------------------------


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = forms.ApiTokenCreateForm(request.POST or None)
    plain = None
    if request.method == "POST" and form.is_valid():
        # Shown on this response only and never stored in plain: no redirect, no session.
        try:
            _token, plain = api_token_create(
                gmina=request.gmina, user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = forms.ApiTokenCreateForm()
    response = render(request, "accounts/api_tokens.html", {
        "form": form,
        "plain_token": plain,
        "tokens": api_tokens_for(gmina=request.gmina, user=request.user),
    }, status=400 if form.errors else 200)
    return response


@require_POST
@login_required
def api_token_revoke_view(request: HttpRequest) -> HttpResponse:
    form = forms.ApiTokenRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a token to revoke."))
        return redirect("accounts:api_tokens")
    try:
        api_token_revoke(
            gmina=request.gmina, user=request.user, token_id=form.cleaned_data["token_id"]
        )
    except ApiToken.DoesNotExist:
        messages.error(request, _("There is no such token among yours."))
    else:
        messages.success(request, _("The token has been revoked; the app using it is logged out."))
    return redirect("accounts:api_tokens")


# --- residence ----------------------------------------------------------------------------


@never_cache
@login_required
def residency(request: HttpRequest) -> HttpResponse:
    from podkowa.accounts.selectors.profile import residency_declaration_for
    from podkowa.accounts.services.residency import residency_declare, residency_mode

    form = forms.ResidencyDeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration = residency_declare(gmina=request.gmina, user=request.user,
                                            **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your declaration is recorded: %(status)s.")
                             % {"status": declaration.get_status_display()})
            return redirect("accounts:residency")
    return render(request, "accounts/residency.html", {
        "form": form,
        "declaration": residency_declaration_for(gmina=request.gmina, user=request.user),
        "mode": residency_mode(gmina=request.gmina),
        "level": verification_level_for(gmina=request.gmina, user=request.user),
        "identity_verified": VerificationLevel.IDENTITY_VERIFIED,
    }, status=400 if form.errors else 200)


# --- acting for a firm or another person --------------------------------------------------


@never_cache
@login_required
def representations(request: HttpRequest) -> HttpResponse:
    from podkowa.accounts.selectors.profile import (
        ACTING_FOR_SESSION_KEY,
        representations_for,
    )
    from podkowa.accounts.services.representation import representation_request

    form = forms.RepresentationRequestForm(
        request.POST if request.POST.get("intent") == "request" else None)
    if request.method == "POST" and request.POST.get("intent") == "switch":
        choice = request.POST.get("acting_for", "me")
        request.session[ACTING_FOR_SESSION_KEY] = None if choice == "me" else choice
        chosen = acting_for(gmina=request.gmina, user=request.user, session=request.session)
        if choice != "me" and chosen is None:
            request.session[ACTING_FOR_SESSION_KEY] = None
            messages.error(request, _("You may act only for a party the office has confirmed."))
        elif chosen is None:
            messages.success(request, _("You are acting for yourself."))
        else:
            messages.success(request, _("You are acting for %(party)s.") % {"party": chosen})
        return redirect("accounts:representations")
    if request.method == "POST" and form.is_valid():
        try:
            representation_request(gmina=request.gmina, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _(
                "Recorded. Bring the authorisation document to the office to confirm it."))
            return redirect("accounts:representations")
    return render(request, "accounts/representations.html", {
        "form": form,
        "representations": representations_for(gmina=request.gmina, user=request.user),
        "acting": acting_for(gmina=request.gmina, user=request.user, session=request.session),
    }, status=400 if form.errors else 200)
