"""Who must pass a second factor, and with which device."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from podkowa.accounts.selectors.officials import is_active_official
from podkowa.core.models import Gmina


def two_factor_required(*, gmina: Gmina | None, user) -> bool:
    """Officials of this town and anyone who may use the administration."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if gmina is None:
        return False
    return is_active_official(gmina=gmina, user=user)


def confirmed_totp_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
