"""Reading API tokens, and recognising one presented by the mobile app."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from podkowa.accounts.models import ApiToken
from podkowa.accounts.services.tokens import token_hash
from podkowa.core.models import Gmina

# last_used_at is for people reviewing their tokens, not an audit trail: minute precision
# spares the database a write on every API request.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_tokens_for(*, gmina: Gmina, user) -> QuerySet[ApiToken]:
    """The user's live tokens in this gmina, newest first."""
    return ApiToken.objects.filter(gmina=gmina, user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def api_token_authenticate(*, gmina: Gmina, plain: str) -> ApiToken | None:
    """The live token matching `plain` in this gmina, with its user loaded; else None.

    The lookup is by the hash of the presented token through a unique index, so no comparison
    of secrets happens in Python and response time does not depend on how much of a guess is
    right. A token issued in another gmina, a revoked token and an inactive account all fail.
    """
    if not plain or not plain.startswith(settings.API_TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(gmina=gmina, key_hash=token_hash(plain), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or token.user.anonymised_at is not None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        # Conditional, so parallel requests of one app do not all write.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
