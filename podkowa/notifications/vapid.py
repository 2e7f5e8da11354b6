"""The VAPID key pair that signs this install's Web Push messages.

Production sets WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_VAPID_PUBLIC_KEY (base64url, the raw
32-byte private scalar and the 65-byte uncompressed public point — what `vapid_keys_generate`
prints). In development, when they are unset, a pair is generated once into var/vapid/ so that
`make run` can push at once and browsers keep their subscriptions across restarts (a new key
would invalidate every subscription).
"""

import base64
import json
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url raw private scalar (what pywebpush accepts)
    public_key: str  # base64url uncompressed point (the browser's applicationServerKey)


def vapid_keys_generate() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    private_raw = key.private_numbers().private_value.to_bytes(32, "big")
    public_raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(private_key=b64url(private_raw), public_key=b64url(public_raw))


def public_key_for(private_key: str) -> str:
    value = int.from_bytes(b64url_decode(private_key), "big")
    public = ec.derive_private_key(value, ec.SECP256R1()).public_key()
    return b64url(public.public_bytes(serialization.Encoding.X962,
                                      serialization.PublicFormat.UncompressedPoint))


@lru_cache(maxsize=4)
def _development_keys(directory: str) -> VapidKeys:
    from pathlib import Path

    path = Path(directory) / "vapid.json"
    if path.exists():
        data = json.loads(path.read_text())
        return VapidKeys(private_key=data["private_key"], public_key=data["public_key"])
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = vapid_keys_generate()
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps({"private_key": keys.private_key,
                                   "public_key": keys.public_key}))
    partial.chmod(0o600)
    # Two processes starting together: the first rename wins, both then read the same file.
    if not path.exists():
        partial.replace(path)
    else:
        partial.unlink()
    data = json.loads(path.read_text())
    return VapidKeys(private_key=data["private_key"], public_key=data["public_key"])


def vapid_keys() -> VapidKeys:
    """The configured pair; in development, the one kept under var/vapid/."""
    private = settings.WEBPUSH_VAPID_PRIVATE_KEY
    if private:
        return VapidKeys(private_key=private,
                         public_key=settings.WEBPUSH_VAPID_PUBLIC_KEY or public_key_for(private))
    if not settings.DEBUG:
        raise ImproperlyConfigured(
            "Web Push needs WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_VAPID_PUBLIC_KEY."
        )
    return _development_keys(str(settings.VAR_DIR / "vapid"))


def webpush_configured() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY) or settings.DEBUG
