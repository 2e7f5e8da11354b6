"""Signing up, confirming the e-mail address, joining a town as a resident."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import ResidentProfile, VerificationEvent, VerificationLevel
from podkowa.core.models import Gmina, GminaHost

User = get_user_model()

EMAIL_CONFIRM_SALT = "podkowa.accounts.email-confirm"
EMAIL_CONFIRM_MAX_AGE = 60 * 60 * 24 * 3
RESEND_INTERVAL_SECONDS = 600

DUPLICATE_EMAIL_MESSAGE = _(
    "An account with this e-mail address already exists. Log in, or reset your password if "
    "you have forgotten it."
)


class EmailConfirmationError(ValidationError):
    """The confirmation link is forged, damaged or too old; nothing was changed."""


def site_root(*, gmina: Gmina, base_url: str | None = None) -> str:
    """Where links in messages point: the address the person used, else the town's host."""
    if base_url:
        return base_url.rstrip("/")
    host = GminaHost.objects.filter(gmina=gmina).order_by("id").values_list("host", flat=True)
    first = host.first()
    if first:
        return f"https://{first}"
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def email_confirmation_token(*, user) -> str:
    # The address is signed along with the id, so a link sent to an old address stops
    # working once the address changes.
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_CONFIRM_SALT)


def resend_dedup_key(*, user) -> str:
    # At most one resent link per person every ten minutes, so the resend form cannot be used
    # to flood somebody's mailbox.
    return f"email-confirm:{user.pk}:{int(time.time() // RESEND_INTERVAL_SECONDS)}"


@transaction.atomic
def email_confirmation_send(
    *, gmina: Gmina, user, base_url: str | None = None, dedup_key: str | None = None
):
    """Queue the confirmation message (through the outbox, in this transaction)."""
    from podkowa.notifications.models import OutboxMessage
    from podkowa.notifications.services import outbox_enqueue

    link = site_root(gmina=gmina, base_url=base_url) + reverse(
        "accounts:email_confirm", kwargs={"token": email_confirmation_token(user=user)}
    )
    context = {"user": user, "gmina": gmina, "link": link, "days": EMAIL_CONFIRM_MAX_AGE // 86400}
    with translation.override(user.language):
        subject = str(_("Confirm your e-mail address — %(town)s") % {"town": gmina.name})
        body = render_to_string("accounts/email/confirm_email.txt", context)
    return outbox_enqueue(
        gmina=gmina,
        recipient=user,
        channel=OutboxMessage.Channel.EMAIL,
        address=user.email,
        subject=subject,
        body=body,
        dedup_key=dedup_key,
    )


@transaction.atomic
def account_register(
    *,
    gmina: Gmina,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    language: str,
    base_url: str | None = None,
):
    """Create the account and its resident profile in this town; mail the confirmation link.

    Raises ValidationError (on the ``email`` field) when the address is taken.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": DUPLICATE_EMAIL_MESSAGE})
    try:
        # A savepoint: two sign-ups with one address at the same moment meet at the unique
        # index, and the loser gets the same field error instead of a server error.
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                language=language,
            )
    except IntegrityError as exc:
        raise ValidationError({"email": DUPLICATE_EMAIL_MESSAGE}) from exc
    ResidentProfile.objects.create(gmina=gmina, user=user)
    email_confirmation_send(gmina=gmina, user=user, base_url=base_url)
    return user


@transaction.atomic
def resident_profile_ensure(*, gmina: Gmina, user) -> ResidentProfile:
    """The person's profile in this town, created when they first act here."""
    profile, created = ResidentProfile.objects.get_or_create(gmina=gmina, user=user)
    if created and user.email_confirmed:
        _raise_to_email_confirmed(gmina=gmina, profile=profile)
    return profile


def _raise_to_email_confirmed(*, gmina: Gmina, profile: ResidentProfile) -> None:
    if profile.verification_level >= VerificationLevel.EMAIL_CONFIRMED:
        return
    profile.verification_level = VerificationLevel.EMAIL_CONFIRMED
    profile.save(update_fields=["verification_level"])
    VerificationEvent.objects.create(
        gmina=gmina,
        user=profile.user,
        method=VerificationEvent.Method.EMAIL,
        outcome=VerificationEvent.Outcome.GRANTED,
        level=VerificationLevel.EMAIL_CONFIRMED,
    )


@transaction.atomic
def email_confirm(*, gmina: Gmina, token: str):
    """Confirm the address a signed link was sent to. Returns the user.

    Raises EmailConfirmationError (code ``expired`` or ``invalid``) and changes nothing when
    the link is too old, damaged, forged, or was sent to an address the account no longer has.
    """
    try:
        data = signing.loads(token, salt=EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise EmailConfirmationError(_("This link has expired."), code="expired") from exc
    except signing.BadSignature as exc:
        raise EmailConfirmationError(_("This link is not valid."), code="invalid") from exc
    if not isinstance(data, dict):
        raise EmailConfirmationError(_("This link is not valid."), code="invalid")
    user = (
        User.objects.select_for_update()
        .filter(pk=data.get("u"), email=data.get("e"), is_active=True)
        .first()
    )
    if user is None:
        raise EmailConfirmationError(_("This link is not valid."), code="invalid")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    profile, _created = ResidentProfile.objects.get_or_create(gmina=gmina, user=user)
    _raise_to_email_confirmed(gmina=gmina, profile=profile)
    return user


@transaction.atomic
def email_confirmation_resend(*, gmina: Gmina, email: str, base_url: str | None = None) -> None:
    """Send a new link if the address belongs to an unconfirmed, active account.

    Says nothing either way, so the form cannot be used to learn who has an account.
    """
    user = User.objects.filter(
        email__iexact=email.strip(), is_active=True, email_confirmed_at__isnull=True
    ).first()
    if user is not None:
        email_confirmation_send(
            gmina=gmina, user=user, base_url=base_url, dedup_key=resend_dedup_key(user=user)
        )
