"""Helpers for tests of the administration: officials with roles, signed in with a second
factor the way the OTP middleware expects it."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from podkowa.accounts.services.officials import official_appoint
from tests.factories import UserFactory


def make_official(gmina, *roles: str, email: str | None = None):
    """A user with an active post in `gmina`, the given roles and a confirmed TOTP device."""
    user = UserFactory(**({"email": email} if email else {}))
    official_appoint(gmina=gmina, user=user, roles=roles)
    user.refresh_from_db()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def sign_in_with_second_factor(client, user) -> None:
    """The state after password + TOTP: a session with the user and their verified device."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
