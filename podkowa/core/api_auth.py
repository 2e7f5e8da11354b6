"""Who is calling the API, and through which channel.

Two ways in, accepted by every authenticated endpoint:
- the website's session (cookie), with Django's CSRF check on unsafe methods: channel "web";
- a personal token of the mobile app, `Authorization: Bearer pdk_…`: the token's channel
  ("mobile"). A token works only in the gmina that issued it.
Both set `request.auth` to the user and `request.channel`; the channel rule
(`podkowa.core.channels`) reads the latter.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from podkowa.accounts.models import Channel
from podkowa.accounts.selectors.tokens import api_token_authenticate
from podkowa.core.api_errors import ApiError


class BearerTokenAuth(HttpBearer):
    """A personal API token of the mobile app."""

    openapi_bearerFormat = "pdk_…"

    def authenticate(self, request: HttpRequest, token: str):
        gmina = getattr(request, "gmina", None)
        if gmina is None:
            return None
        api_token = api_token_authenticate(gmina=gmina, plain=token.strip())
        if api_token is None:
            return None
        request.channel = api_token.channel
        request.api_token = api_token
        # Django's own request.user stays anonymous for token calls (no session, no CSRF):
        # code that needs the caller reads request.auth.
        return api_token.user


class WebSessionAuth(APIKeyCookie):
    """The website's login session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            # Not signed in: answer 401 (no session), not a CSRF failure.
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApiError(
                403,
                _("The security check of the form failed (CSRF). Reload the page and try again."),
                "csrf_failed",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not user.is_authenticated:
            return None
        # The website's channel, unless something before us already narrowed it to the mobile
        # one (the installed app): a request may restrict itself, never widen.
        if getattr(request, "channel", None) != Channel.MOBILE:
            request.channel = Channel.WEB
        return user


bearer_auth = BearerTokenAuth()
session_auth = WebSessionAuth()

# The default of the whole API: the token first (apps send no cookies), then the session.
API_AUTH = [bearer_auth, session_auth]
