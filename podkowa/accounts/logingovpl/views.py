"""The login.gov.pl pages: start, the artifact coming back, the first-login steps, logout.

Thin: the SAML work is in ``saml``, what it does to accounts in services/login_gov.py. The
session holds the AuthnRequest id (for InResponseTo), then the verified person as a keyed
PESEL hash and the vouched-for attributes; the NameID only sealed. Never a plain PESEL.
"""

import base64
import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from podkowa.accounts import forms
from podkowa.accounts.logingovpl import saml
from podkowa.accounts.logingovpl.config import is_enabled, node_config
from podkowa.accounts.logingovpl.errors import LoginGovError
from podkowa.accounts.logingovpl.sealing import unseal
from podkowa.accounts.services.login_gov import (
    VerifiedPerson,
    login_gov_account_create,
    login_gov_artifact_resolve,
    login_gov_link,
    login_gov_logout_confirm,
    login_gov_refusal_record,
    login_gov_sign_in,
)

logger = logging.getLogger("podkowa.accounts.logingovpl")

PENDING = "logingov_request"  # the AuthnRequest in flight
PERSON = "logingov_person"  # verified, waiting for the e-mail step
LINK_EMAIL = "logingov_link_email"
NODE_SESSION = "logingov_session"  # for the logout at the node
LOGOUT_SALT = "podkowa.logingovpl.logout"
LOGOUT_MAX_AGE = 15 * 60
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _enabled() -> None:
    if not is_enabled():
        raise Http404


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _post_to_node(request, *, action: str, message: str, relay_state: str = "", heading: str,
                  explanation: str, button: str, field: str = "SAMLRequest") -> HttpResponse:
    response = render(request, "accounts/logingov/post.html", {
        "action": action, "message": message, "relay_state": relay_state, "field": field,
        "heading": heading, "explanation": explanation, "button": button,
    })
    # The strict policy allows forms to this site only; this one page may post to the node.
    response._csp_update = {"form-action": [_origin(action)]}
    return response


def _failed(request, error, status: int = 400) -> HttpResponse:
    return render(request, "accounts/logingov/failed.html", {"error": error}, status=status)


def _next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("accounts:panel")


def _sign_in(request, user, person: VerifiedPerson, next_url: str) -> HttpResponse:
    login(request, user, backend=BACKEND)
    # After login() rotated the session: what logout at the node will need.
    request.session[NODE_SESSION] = {"name_id": person.name_id_sealed,
                                     "session_index": person.session_index}
    response = redirect(next_url)
    translation.activate(user.language)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Build the signed AuthnRequest and send the browser with it to the node."""
    _enabled()
    try:
        config = node_config()
    except LoginGovError as error:
        login_gov_refusal_record(gmina=request.gmina, error=error)
        return _failed(request, error, status=503)
    acs_url = request.build_absolute_uri(reverse("accounts:logingov_acs"))
    message = saml.authn_request(entity_id=config.entity_id, acs_url=acs_url,
                                 sso_url=config.sso_url, loa=config.loa,
                                 credentials=config.signing)
    relay_state = secrets.token_urlsafe(16)
    request.session[PENDING] = {
        "id": message.id, "acs_url": acs_url, "relay_state": relay_state,
        "link": request.user.is_authenticated,
        "next": _next(request, request.POST.get("next") or request.GET.get("next") or ""),
    }
    return _post_to_node(
        request, action=config.sso_url, message=message.b64, relay_state=relay_state,
        heading=_("Going to login.gov.pl"),
        explanation=_("You are being taken to login.gov.pl, where you confirm who you are "
                      "with Profil Zaufany, your e-ID card or your bank."),
        button=_("Go to login.gov.pl"),
    )


@never_cache
@csrf_exempt  # the node brings the browser back; the artifact and the session id vouch for it
@require_http_methods(["GET", "POST"])
def acs(request: HttpRequest) -> HttpResponse:
    """The node redirects back here with SAMLart: resolve it, then sign in or ask for more."""
    _enabled()
    artifact = request.GET.get("SAMLart") or request.POST.get("SAMLart") or ""
    relay_state = request.GET.get("RelayState") or request.POST.get("RelayState") or ""
    # Taken out at once: an answer can complete a started login once, never twice.
    pending = request.session.pop(PENDING, None) or {}
    if pending and relay_state and relay_state != pending.get("relay_state"):
        error = LoginGovError("relay_state", _(
            "This answer of login.gov.pl does not belong to the login you started here. "
            "Please log in again."), detail="RelayState differs")
        login_gov_refusal_record(gmina=request.gmina, error=error)
        return _failed(request, error)
    try:
        person = login_gov_artifact_resolve(
            gmina=request.gmina, artifact=artifact, request_id=pending.get("id", ""),
            acs_url=pending.get("acs_url") or request.build_absolute_uri(request.path),
        )
    except LoginGovError as error:
        return _failed(request, error)
    next_url = pending.get("next") or reverse("accounts:panel")
    if pending.get("link") and request.user.is_authenticated:
        try:
            login_gov_link(gmina=request.gmina, user=request.user, person=person)
        except ValidationError as error:
            return _failed(request, " ".join(error.messages), status=409)
        request.session[NODE_SESSION] = {"name_id": person.name_id_sealed,
                                         "session_index": person.session_index}
        messages.success(request, _("Your identity is confirmed through login.gov.pl."))
        return redirect(next_url)
    if request.user.is_authenticated:
        logout(request)
    try:
        user = login_gov_sign_in(gmina=request.gmina, person=person)
    except ValidationError as error:
        return _failed(request, " ".join(error.messages), status=403)
    if user is not None:
        return _sign_in(request, user, person, next_url)
    request.session[PERSON] = {**person.to_session(), "next": next_url}
    return redirect("accounts:logingov_email")


def _pending_person(request) -> tuple[VerifiedPerson | None, str]:
    data = dict(request.session.get(PERSON) or {})
    next_url = data.pop("next", "")
    return VerifiedPerson.from_session(data), next_url


@never_cache
def email_step(request: HttpRequest) -> HttpResponse:
    """First login: the e-mail address of the new account, or of an existing one to join."""
    _enabled()
    person, next_url = _pending_person(request)
    if person is None:
        return redirect("accounts:login")
    form = forms.LoginGovEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            user = login_gov_account_create(
                gmina=request.gmina, email=email, person=person,
                language=translation.get_language() or "pl",
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "email_taken" or (
                hasattr(error, "error_dict") and "email" in error.error_dict
            ):
                request.session[LINK_EMAIL] = email.strip().lower()
                return redirect("accounts:logingov_link")
            form.add_error(None, error)
        else:
            request.session.pop(PERSON, None)
            messages.success(request, _(
                "Your account is created and your identity confirmed. We have sent a link to "
                "%(email)s to confirm the address.") % {"email": user.email})
            return _sign_in(request, user, person, next_url or reverse("accounts:panel"))
    return render(request, "accounts/logingov/email.html", {"form": form, "person": person},
                  status=400 if form.errors else 200)


@never_cache
def link_step(request: HttpRequest) -> HttpResponse:
    """First login with an address that has an account: its password, once, joins the two."""
    _enabled()
    person, next_url = _pending_person(request)
    email = request.session.get(LINK_EMAIL, "")
    if person is None or not email:
        return redirect("accounts:login")
    form = forms.LoginGovLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=email, password=form.cleaned_data["password"])
        if user is None:
            form.add_error("password", _("This password is not correct for %(email)s.")
                           % {"email": email})
        elif not user.email_confirmed:
            form.add_error(None, _(
                "The address %(email)s is not confirmed yet. Open the link we sent to it, then "
                "log in with login.gov.pl again.") % {"email": email})
        else:
            try:
                login_gov_link(gmina=request.gmina, user=user, person=person)
            except ValidationError as error:
                request.session.pop(PERSON, None)
                return _failed(request, " ".join(error.messages), status=409)
            request.session.pop(PERSON, None)
            request.session.pop(LINK_EMAIL, None)
            messages.success(request, _("Your accounts are joined and your identity confirmed."))
            return _sign_in(request, user, person, next_url or reverse("accounts:panel"))
    return render(request, "accounts/logingov/link.html", {"form": form, "email": email},
                  status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End the session here; if it began at login.gov.pl, end that one too."""
    node_session = request.session.get(NODE_SESSION) or {}
    logout(request)
    name_id = unseal(node_session.get("name_id", "")) if node_session else ""
    if not (is_enabled() and name_id):
        return redirect(settings.LOGOUT_REDIRECT_URL)
    try:
        config = node_config()
    except LoginGovError as error:
        login_gov_refusal_record(gmina=request.gmina, error=error)
        return render(request, "accounts/logingov/logged_out.html", {"node_confirmed": False})
    message = saml.logout_request(
        entity_id=config.entity_id, destination=config.slo_url, name_id=name_id,
        session_index=node_session.get("session_index", ""), credentials=config.signing,
    )
    # The node's answer comes back by a cross-site POST, which carries no session cookie: the
    # request id travels signed in the RelayState instead.
    relay_state = signing.dumps(message.id, salt=LOGOUT_SALT)
    return _post_to_node(
        request, action=config.slo_url, message=message.b64, relay_state=relay_state,
        heading=_("Logging out of login.gov.pl"),
        explanation=_("You are logged out here; now login.gov.pl ends its session too."),
        button=_("Log out of login.gov.pl"),
    )


@never_cache
@csrf_exempt  # the node posts its LogoutResponse; its signature and InResponseTo vouch for it
@require_http_methods(["GET", "POST"])
def logout_return(request: HttpRequest) -> HttpResponse:
    encoded = request.POST.get("SAMLResponse") or request.GET.get("SAMLResponse") or ""
    relay_state = request.POST.get("RelayState") or request.GET.get("RelayState") or ""
    try:
        request_id = signing.loads(relay_state, salt=LOGOUT_SALT, max_age=LOGOUT_MAX_AGE)
    except signing.BadSignature:
        request_id = ""
    confirmed = False
    if encoded and is_enabled():
        try:
            xml = base64.b64decode(encoded, validate=True)
        except ValueError:
            xml = b""
        try:
            login_gov_logout_confirm(gmina=request.gmina, xml=xml,
                                     request_id=str(request_id))
            confirmed = True
        except LoginGovError:
            pass  # recorded by the service; the local session has ended anyway
    return render(request, "accounts/logingov/logged_out.html", {"node_confirmed": confirmed})
