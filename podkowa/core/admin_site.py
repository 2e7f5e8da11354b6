"""The administration site: the town's officials only, signed in with their second factor.

Installed in place of "django.contrib.admin" (INSTALLED_APPS names PodkowaAdminConfig), so
that every app's `admin.site.register(...)` lands here. This module must not import models at
import time: it is loaded while the app registry is being filled.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _second_factor_passed(user) -> bool:
    # OTPMiddleware gives every request's user `is_verified`; a user without it did not pass.
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class PodkowaAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Town administration")
    site_title = gettext_lazy("Town administration")
    index_title = gettext_lazy("What would you like to manage?")
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff flag, second factor, and an active official post in this town."""
        user = request.user
        if not (user.is_active and user.is_staff and _second_factor_passed(user)):
            return False
        if user.is_superuser:
            return True
        gmina = getattr(request, "gmina", None)
        if gmina is None:
            return False
        from podkowa.accounts.selectors.officials import is_active_official

        return is_active_official(gmina=gmina, user=user)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        gmina = getattr(request, "gmina", None)
        if gmina is not None:
            office = gmina.official_name or gmina.name
            context["site_header"] = _("%(office)s — administration") % {"office": office}
            context["site_title"] = _("%(town)s administration") % {"town": gmina.name}
        return context

    def login(self, request: HttpRequest, extra_context=None):
        """One sign-in page for everyone (rate limits, lock-out, 2FA live there), not a second
        one inside the admin."""
        from django.contrib.auth.views import redirect_to_login

        next_url = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, login_url=settings.LOGIN_URL)
        if user.is_staff and not _second_factor_passed(user):
            return HttpResponseRedirect(_two_factor_url(next_url))
        raise PermissionDenied(_("The administration is open to the town's officials only."))

    def logout(self, request: HttpRequest, extra_context=None):
        from podkowa.accounts import views as account_views

        return account_views.logout_view(request)


def _two_factor_url(next_url: str) -> str:
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch

    try:
        base = reverse("accounts:two_factor")
    except NoReverseMatch:
        base = "/konto/2fa/"
    return f"{base}?{urlencode({'next': next_url})}"


class PodkowaAdminConfig(AdminConfig):
    default_site = "podkowa.core.admin_site.PodkowaAdminSite"
