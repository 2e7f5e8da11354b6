"""A resident editing their own details and preferences."""

from django.db import transaction

from podkowa.accounts.models import Language, ResidentProfile
from podkowa.accounts.services.registration import resident_profile_ensure
from podkowa.core.models import Gmina


@transaction.atomic
def profile_update(
    *,
    gmina: Gmina,
    user,
    first_name: str,
    last_name: str,
    language: str,
    phone: str = "",
    street: str = "",
    postal_code: str = "",
    city: str = "",
    notify_by_email: bool = True,
    notify_by_sms: bool = False,
) -> ResidentProfile:
    """Save the person's name and language (account-wide) and their profile in this town."""
    if language not in Language.values:
        raise ValueError(f"Unknown language {language!r}.")
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.language = language
    user.save(update_fields=["first_name", "last_name", "language"])

    profile = resident_profile_ensure(gmina=gmina, user=user)
    profile.phone = phone.strip()
    profile.street = street.strip()
    profile.postal_code = postal_code.strip()
    profile.city = city.strip()
    profile.notify_by_email = notify_by_email
    profile.notify_by_sms = notify_by_sms
    profile.save()
    return profile
