"""Per-address limit on login attempts, kept in Django's cache.

Axes locks an account after repeated wrong passwords wherever they come from; this limit stops
one address from trying many different accounts. A fixed window is enough here: the point is
to make guessing slow, not to meter precisely.
"""

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _key(request: HttpRequest) -> str:
    return f"login-rate:{get_client_ip_address(request) or 'unknown'}"


def login_attempt_allowed(request: HttpRequest) -> bool:
    """Count this attempt; False once the address has used up its attempts for the window."""
    key = _key(request)
    window = settings.LOGIN_RATE_WINDOW_SECONDS
    # add() starts the window only if none is running, so the window does not slide forward
    # with every attempt.
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:
        # The window ended between add() and incr().
        cache.set(key, 1, timeout=window)
        attempts = 1
    return attempts <= settings.LOGIN_RATE_LIMIT


def login_lock_clear(*, email: str) -> None:
    """Lift the account lock-out, e.g. once the person has proven control of the mailbox."""
    axes_reset(username=email)
