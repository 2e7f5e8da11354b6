"""A small HTTP client on the standard library for the gateways' REST APIs.

Redirects are not followed: PayU answers a created order with "302 Found" and the order in
the body, which urllib would otherwise turn into a GET of the payment page.
"""

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 1024 * 1024


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; the message says which."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxies from the environment: gateways are reached directly.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def request(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 20) -> Response:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise GatewayError(f"Not an HTTP address: {url!r}")
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with _opener.open(req, timeout=timeout) as resp:
            data = resp.read(MAX_RESPONSE_BYTES + 1)
            status, resp_headers = resp.status, dict(resp.headers.items())
    except urllib.error.HTTPError as exc:
        data = exc.read(MAX_RESPONSE_BYTES + 1)
        status, resp_headers = exc.code, dict(exc.headers.items()) if exc.headers else {}
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        raise GatewayError(f"{urlsplit(url).netloc} could not be reached "
                           f"({getattr(exc, 'reason', exc)})") from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise GatewayError("The gateway sent an oversized answer.")
    return Response(status=status, headers={k.lower(): v for k, v in resp_headers.items()},
                    body=data)
