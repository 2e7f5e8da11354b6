"""Verifying a person's identity at the office desk: one person, one account.

The plain PESEL never leaves this function: only its keyed hash is stored (PersonIdentity and
the ledger), and the unique constraint on that hash — not a Python check — decides between two
desks verifying the same person at the same moment.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from podkowa.accounts.models import (
    PersonIdentity,
    ResidentProfile,
    VerificationEvent,
    VerificationLevel,
)
from podkowa.accounts.rules import can_verify_at_desk
from podkowa.core.identifiers import clean_pesel, pesel_hmac
from podkowa.core.models import Gmina


def mask_email(email: str) -> str:
    """`a***@example.org`: enough for the desk to recognise an account, not to read it out."""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _claim_identity(*, user, digest: str) -> PersonIdentity:
    """The person's identity row for this user, created if new.

    Raises IntegrityError (inside its own savepoint) when the hash belongs to another account.
    """
    existing = PersonIdentity.objects.filter(user=user).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        return PersonIdentity.objects.create(user=user, pesel_hmac=digest)


def resident_verify_at_desk(
    *, gmina: Gmina, official, user, pesel: str, document: str
) -> VerificationEvent:
    """Raise the person's profile in `gmina` to VERIFIED_RESIDENT after an official saw their ID.

    A PESEL already verified for another account is refused: the refusal is recorded in the
    ledger (and committed — it is the trace of an attempt to get a second account) and a
    ValidationError is raised. Must run in the town's scope, outside any transaction of the
    caller's that would roll the refusal back.
    """
    if not can_verify_at_desk.test(official, gmina):
        raise PermissionDenied(_("Only the resident desk may verify a person's identity."))
    try:
        digits = clean_pesel(pesel)
    except ValidationError as error:
        raise ValidationError({"pesel": error.error_list}) from None
    document = " ".join(document.split())
    if not document:
        raise ValidationError(
            {"document": _("Say which document you checked (type and number).")}
        )
    if not user.is_active or user.anonymised_at is not None:
        raise ValidationError(_("This account is closed and cannot be verified."))
    digest = pesel_hmac(digits)

    refusal: ValidationError | None = None
    with transaction.atomic():
        try:
            identity = _claim_identity(user=user, digest=digest)
        except IntegrityError:
            # The savepoint rolled the insert back; what is left to write is the refusal only.
            owner = (
                PersonIdentity.objects.filter(pesel_hmac=digest).select_related("user").first()
            )
            # No owner by hash: the user's own row appeared meanwhile (another desk, another
            # PESEL), and the check below refuses the mismatch.
            identity = owner if owner is not None else PersonIdentity.objects.get(user=user)
        if identity.user_id != user.pk:
            current = (
                ResidentProfile.objects.filter(gmina=gmina, user=user)
                .values_list("verification_level", flat=True)
                .first()
            )
            VerificationEvent.objects.create(
                gmina=gmina,
                user=user,
                method=VerificationEvent.Method.DESK,
                outcome=VerificationEvent.Outcome.REFUSED_DUPLICATE,
                level=current if current is not None else VerificationLevel.REGISTERED,
                pesel_hmac=digest,
                official=official,
                document=document,
            )
            refusal = ValidationError(
                _(
                    "This person already has a verified account (%(email)s); one person, one "
                    "account. Ask them to sign in to that account instead."
                ),
                code="duplicate_person",
                params={"email": mask_email(identity.user.email)},
            )
        elif identity.pesel_hmac != digest:
            raise ValidationError(
                {
                    "pesel": _(
                        "This account was verified with a different PESEL. Check the number "
                        "against the document."
                    )
                }
            )
        else:
            profile, _created = ResidentProfile.objects.get_or_create(gmina=gmina, user=user)
            if profile.verification_level < VerificationLevel.VERIFIED_RESIDENT:
                profile.verification_level = VerificationLevel.VERIFIED_RESIDENT
                profile.save(update_fields=["verification_level"])
            return VerificationEvent.objects.create(
                gmina=gmina,
                user=user,
                method=VerificationEvent.Method.DESK,
                outcome=VerificationEvent.Outcome.GRANTED,
                level=VerificationLevel.VERIFIED_RESIDENT,
                pesel_hmac=digest,
                official=official,
                document=document,
            )
    # Raised after the block has committed, so that the refusal stays in the ledger.
    raise refusal
