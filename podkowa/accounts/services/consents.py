"""Granting and withdrawing consents; every change stays in the register."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import Channel, Consent, ConsentKind
from podkowa.accounts.selectors.consents import current_consent_text
from podkowa.core.models import Gmina

User = get_user_model()


def _lock_person(user) -> None:
    # One person's consent changes happen one at a time, so a double click cannot meet the
    # "one live consent" constraint half-way.
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def consent_grant(
    *, gmina: Gmina, user, kind: str, channel: str, text_id: int | None = None
) -> Consent:
    """Record the person's consent to the wording in force.

    ``text_id`` is the wording the person was shown; if it is no longer the one in force the
    consent is refused, because they must agree to what is current. A live consent to an
    earlier wording is closed and replaced; one to the current wording is kept as it is.
    """
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": _("Unknown kind of consent.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    _lock_person(user)
    text = current_consent_text(gmina=gmina, kind=kind)
    if text is None:
        raise ValidationError(
            {"text": _("This consent cannot be given yet: its text has not been published.")},
            code="no_text",
        )
    if text_id is not None and int(text_id) != text.pk:
        raise ValidationError(
            {"text": _("The text of this consent has just changed. Read the current text and "
                       "decide again.")},
            code="stale_text",
        )
    now = timezone.now()
    live = Consent.objects.filter(
        gmina=gmina, user=user, kind=kind, revoked_at__isnull=True
    ).first()
    if live is not None:
        if live.text_id == text.pk:
            return live
        live.revoked_at = now
        live.revoked_channel = channel
        live.save(update_fields=["revoked_at", "revoked_channel"])
    return Consent.objects.create(
        gmina=gmina, user=user, kind=kind, text=text, granted_at=now, granted_channel=channel
    )


@transaction.atomic
def consent_revoke(*, gmina: Gmina, user, kind: str, channel: str) -> Consent | None:
    """Withdraw the person's live consent of this kind (nothing to do if there is none)."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    _lock_person(user)
    live = Consent.objects.filter(
        gmina=gmina, user=user, kind=kind, revoked_at__isnull=True
    ).first()
    if live is None:
        return None
    live.revoked_at = timezone.now()
    live.revoked_channel = channel
    live.save(update_fields=["revoked_at", "revoked_channel"])
    return live
