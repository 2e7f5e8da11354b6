"""Personal API tokens for the mobile app: issue and revoke.

Only the SHA-256 of a token is stored; the plain token is shown once, at creation.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import ApiToken, Channel
from podkowa.core.models import Gmina

# How many characters of the plain token are kept in clear, so that a person can tell their
# tokens apart in the list; the prefix plus 6 random characters reveals ~36 of 256 bits.
VISIBLE_CHARS = 6
MAX_ACTIVE_TOKENS = 20


def token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, gmina: Gmina, user, name: str) -> tuple[ApiToken, str]:
    """Issue a mobile token valid in this gmina only; returns the row and the plain token."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the phone it is for.")})
    max_length = ApiToken._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ValidationError(
            {"name": _("The name may be at most %(max)d characters long.") % {"max": max_length}}
        )
    # Counted under the user's row lock, so two parallel requests cannot pass the limit together.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    active = ApiToken.objects.filter(gmina=gmina, user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": _("You already have %(max)d active tokens; revoke one you no longer use.")
             % {"max": MAX_ACTIVE_TOKENS}}
        )
    plain = settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        gmina=gmina,
        user=user,
        name=name,
        prefix=plain[: len(settings.API_TOKEN_PREFIX) + VISIBLE_CHARS],
        key_hash=token_hash(plain),
        channel=Channel.MOBILE,
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, gmina: Gmina, user, token_id: int) -> None:
    """Revoke one of the user's own tokens; anyone else's token does not exist for them.

    Revoking an already revoked token of one's own is a no-op, so a retried request succeeds.
    """
    token = (
        ApiToken.objects.select_for_update()
        .filter(gmina=gmina, user=user, pk=token_id)
        .first()
    )
    if token is None:
        raise ApiToken.DoesNotExist(f"No token {token_id} of this user in this gmina.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
