"""What the resident panel shows about the person."""

from django.utils import timezone

from podkowa.accounts.models import (
    ErasureRequest,
    ResidencyDeclaration,
    ResidentProfile,
    VerificationLevel,
    VerifiedAttribute,
)
from podkowa.core import personal_data
from podkowa.core.models import Gmina


def profile_for(*, gmina: Gmina, user) -> ResidentProfile | None:
    return ResidentProfile.objects.filter(gmina=gmina, user=user).first()


def verification_level_for(*, gmina: Gmina, user) -> VerificationLevel:
    """The level the person has reached in this town (before they have a profile here, the
    account's own e-mail confirmation still counts)."""
    profile = profile_for(gmina=gmina, user=user)
    if profile is not None:
        return VerificationLevel(profile.verification_level)
    if user.email_confirmed:
        return VerificationLevel.EMAIL_CONFIRMED
    return VerificationLevel.REGISTERED


def personal_data_export(*, gmina: Gmina, user) -> dict:
    """Everything every app holds about the person in this town, for their own download."""
    sections = {}
    for handler in personal_data.handlers():
        sections[handler.name] = {
            "data": handler.export(gmina=gmina, user=user),
            "retention": str(handler.retention),
        }
    return {
        "gmina": {"name": gmina.name, "teryt": gmina.teryt},
        "generated_at": timezone.now().isoformat(),
        "sections": sections,
    }


def pending_erasure_request(*, gmina: Gmina, user) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(
        gmina=gmina, user=user, status=ErasureRequest.Status.PENDING
    ).first()


def verified_attributes_for(*, user) -> list:
    """What a trusted source vouched for about the person (name, date of birth…)."""
    return list(VerifiedAttribute.objects.filter(user=user).order_by("kind"))


def residency_declaration_for(*, gmina: Gmina, user):
    """The person's current (not replaced) declaration of residence in this town."""
    return (ResidencyDeclaration.objects.filter(gmina=gmina, user=user)
            .exclude(status=ResidencyDeclaration.Status.WITHDRAWN).first())


ACTING_FOR_SESSION_KEY = "accounts_acting_for"


def representations_for(*, gmina: Gmina, user) -> list:
    from podkowa.accounts.models import Representation

    return list(Representation.objects.filter(gmina=gmina, representative=user)
                .exclude(status=Representation.Status.REVOKED))


def acting_for(*, gmina: Gmina, user, session) -> "object | None":
    """The confirmed representation the person chose to act under, or None for "me".

    Read again on every request: a representation revoked meanwhile stops at once."""
    from podkowa.accounts.models import Representation

    chosen = session.get(ACTING_FOR_SESSION_KEY)
    if not chosen or not getattr(user, "is_authenticated", False):
        return None
    return Representation.objects.filter(
        gmina=gmina, representative=user, pk=chosen,
        status=Representation.Status.CONFIRMED).first()
