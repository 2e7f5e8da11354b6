"""The signed-in person as the API's /me shows them in one town."""

from dataclasses import dataclass

from podkowa.accounts.models import ResidentProfile, VerificationLevel
from podkowa.accounts.selectors.officials import is_active_official
from podkowa.core.models import Gmina


@dataclass(frozen=True)
class AccountOverview:
    id: int
    email: str
    first_name: str
    last_name: str
    language: str
    verification_level: int
    verification_level_label: str
    is_official: bool


def account_overview(*, gmina: Gmina, user) -> AccountOverview:
    level = (
        ResidentProfile.objects.filter(gmina=gmina, user=user)
        .values_list("verification_level", flat=True)
        .first()
    )
    # A person with no profile in this town has registered an account and nothing more here.
    level = VerificationLevel.REGISTERED if level is None else VerificationLevel(level)
    return AccountOverview(
        id=user.pk,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        language=user.language,
        verification_level=int(level),
        verification_level_label=str(level.label),
        is_official=is_active_official(gmina=gmina, user=user),
    )
