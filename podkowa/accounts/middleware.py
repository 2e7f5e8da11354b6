from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from podkowa.accounts.selectors.two_factor import two_factor_required


class OfficialTwoFactorMiddleware:
    """Officials must pass TOTP before anything else, the administration included.

    Runs after OTPMiddleware (which provides ``user.is_verified()``) and inside the gmina's
    scope (an official is someone with an active post in *this* town, or staff).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def _exempt_prefixes(self) -> tuple[str, ...]:
        # Resolved on first use: the URLconf is not loaded yet when middleware is built.
        if self._exempt is None:
            confirm = reverse("accounts:email_confirm", kwargs={"token": "x"})
            self._exempt = (
                reverse("accounts:two_factor"),
                reverse("accounts:logout"),
                reverse("admin:logout"),
                confirm[: confirm.rindex("x")],
                settings.STATIC_URL,
                "/i18n/",
            )
        return self._exempt

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(self._exempt_prefixes())
            and not (hasattr(user, "is_verified") and user.is_verified())
            and two_factor_required(gmina=getattr(request, "gmina", None), user=user)
        ):
            if request.path_info.startswith("/api/"):
                # An API client cannot follow a redirect to a form: it is told what is missing.
                return JsonResponse(
                    {"detail": _("Confirm your sign-in with a one-time code first."),
                     "code": "two_factor_required"},
                    status=403,
                )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:two_factor')}?{query}")
        return self.get_response(request)


class ActingForMiddleware:
    """Sets ``request.acting_for`` (the confirmed representation the person chose, or None)
    and records every change made while acting for someone, with both parties.

    Apps read ``request.acting_for`` to show or store the represented party; the trail here
    holds whatever they do with it.
    """

    CHANGES = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from podkowa.accounts.selectors.profile import ACTING_FOR_SESSION_KEY, acting_for
        from podkowa.accounts.services.representation import represented_action_record

        gmina = getattr(request, "gmina", None)
        user = getattr(request, "user", None)
        request.acting_for = None
        session = getattr(request, "session", None)
        if gmina is not None and session is not None and session.get(ACTING_FOR_SESSION_KEY):
            request.acting_for = acting_for(gmina=gmina, user=user, session=session)
        response = self.get_response(request)
        if (request.acting_for is not None and request.method in self.CHANGES
                and response.status_code < 400):
            represented_action_record(gmina=gmina, user=user,
                                      representation=request.acting_for,
                                      method=request.method, path=request.path)
        return response
