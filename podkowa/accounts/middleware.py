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
