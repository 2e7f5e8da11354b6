"""Enrolling and checking a TOTP authenticator (django-otp does the throttling)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from podkowa.accounts.selectors.two_factor import confirmed_totp_device


@dataclass(frozen=True)
class TotpCheck:
    device: TOTPDevice | None
    ok: bool
    # Set when too many wrong codes were entered and the device refuses to check for a while.
    locked_until: datetime | None = None


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device the person is setting up (kept across reloads of the page)."""
    if confirmed_totp_device(user=user) is not None:
        raise ValueError("The person already has a confirmed authenticator.")
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("id")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _check(device: TOTPDevice, token: str) -> TotpCheck:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return TotpCheck(device=device, ok=False, locked_until=(info or {}).get("locked_until"))
    # verify_token counts a failure towards the throttle and refuses a code used before.
    return TotpCheck(device=device, ok=device.verify_token(token))


def _locked_device(*, user, confirmed: bool) -> TOTPDevice | None:
    # Row lock: two tabs submitting codes at once must not both pass the throttle.
    return (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=confirmed)
        .order_by("id")
        .first()
    )


@transaction.atomic
def totp_enrolment_confirm(*, user, token: str) -> TotpCheck:
    """A correct code from the authenticator confirms the device being set up."""
    device = _locked_device(user=user, confirmed=False)
    if device is None:
        return TotpCheck(device=None, ok=False)
    result = _check(device, token)
    if result.ok:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return result


@transaction.atomic
def totp_verify(*, user, token: str) -> TotpCheck:
    """Check a code against the person's confirmed authenticator."""
    device = _locked_device(user=user, confirmed=True)
    if device is None:
        return TotpCheck(device=None, ok=False)
    return _check(device, token)
