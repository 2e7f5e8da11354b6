"""A minimal HTTP client on the standard library (no extra dependency for two services)."""

import ipaddress
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from ..errors import ConfigurationError, TransportError

MAX_RESPONSE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, *, setting: str) -> str:
    """National endpoints must be HTTPS; plain HTTP only to a simulator on this machine."""
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            _("The setting %(setting)s is not a valid URL.") % {"setting": setting}
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            _("The setting %(setting)s must use HTTPS.") % {"setting": setting}
        )
    return url


# No proxies from the environment: the national services are reached directly.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(
    method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
    timeout: float = 30,
) -> Response:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with _opener.open(req, timeout=timeout) as resp:
            data = resp.read(MAX_RESPONSE_BYTES + 1)
            status, resp_headers = resp.status, dict(resp.headers.items())
    except urllib.error.HTTPError as exc:
        data = exc.read(MAX_RESPONSE_BYTES + 1)
        status, resp_headers = exc.code, dict(exc.headers.items()) if exc.headers else {}
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransportError(
            _("The delivery service at %(host)s could not be reached (%(reason)s).")
            % {"host": urlsplit(url).netloc, "reason": reason}
        ) from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise TransportError(_("The delivery service sent an oversized answer."))
    return Response(status=status, headers={k.lower(): v for k, v in resp_headers.items()},
                    body=data)
