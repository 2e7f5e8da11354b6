"""A resident's Web Push devices: what the browser's PushManager hands over, validated."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from podkowa.core.models import Gmina
from podkowa.notifications.models import PushSubscription
from podkowa.notifications.vapid import b64url_decode

P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16


def _local_push_service_allowed() -> bool:
    # Tests and development run a push service on the loopback without TLS; production
    # accepts only the browsers' real (https) push services.
    return settings.DEBUG or settings.TESTING


def _validate_endpoint(endpoint: str) -> str | None:
    endpoint = endpoint.strip()
    if len(endpoint) > PushSubscription._meta.get_field("endpoint").max_length:
        return _("The push service address is too long.")
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return None
    if (parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"}
            and _local_push_service_allowed()):
        return None
    return _("The push service address must be an https address.")


def _decodes_to(value: str, size: int) -> bool:
    try:
        return len(b64url_decode(value)) == size
    except (ValueError, TypeError):
        return False


@transaction.atomic
def push_subscription_register(
    *, gmina: Gmina, user, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember a browser that accepts push messages for this resident.

    The endpoint identifies the browser: registering it again updates its keys (browsers
    rotate them), and a browser handed from one account to another follows the new one.
    """
    errors = {}
    problem = _validate_endpoint(endpoint)
    if problem:
        errors["endpoint"] = problem
    if not _decodes_to(p256dh, P256DH_BYTES):
        errors["p256dh"] = _("The public key must be a base64url P-256 key (65 bytes).")
    if not _decodes_to(auth, AUTH_BYTES):
        errors["auth"] = _("The authentication secret must be 16 bytes in base64url.")
    if errors:
        raise ValidationError(errors)
    endpoint = endpoint.strip()
    # The endpoint is unique across towns: a browser subscribed in another town served by the
    # same install moves here (select_for_update: two tabs registering at once).
    from django_scopes import scopes_disabled

    with scopes_disabled():
        existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if existing is not None:
            existing.gmina = gmina
            existing.user = user
            existing.p256dh = p256dh.strip()
            existing.auth = auth.strip()
            existing.user_agent = user_agent[:300]
            existing.failures = 0
            existing.save()
            return existing
    return PushSubscription.objects.create(
        gmina=gmina, user=user, endpoint=endpoint, p256dh=p256dh.strip(), auth=auth.strip(),
        user_agent=user_agent[:300],
    )


@transaction.atomic
def push_subscription_unregister(*, gmina: Gmina, user, subscription_id: int | None = None,
                                 endpoint: str | None = None) -> None:
    """Forget one of the resident's devices (by id or endpoint). Someone else's: not found."""
    devices = PushSubscription.objects.filter(gmina=gmina)
    if subscription_id is not None:
        devices = devices.filter(pk=subscription_id)
    elif endpoint:
        devices = devices.filter(endpoint=endpoint.strip())
    else:
        raise ValidationError({"endpoint": _("Say which device to remove.")})
    device = devices.first()
    if device is None:
        raise PushSubscription.DoesNotExist
    if device.user_id != user.pk:
        # The same answer as for a device that does not exist: nothing to learn here.
        raise PushSubscription.DoesNotExist
    device.delete()


