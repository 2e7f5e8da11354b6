"""Appointing officials: a post in a town with roles, and the staff flag that follows from it."""

from collections.abc import Iterable

from django.db import transaction
from django_scopes import scopes_disabled

from podkowa.accounts.models import Department, Official, OfficialRole, Role
from podkowa.accounts.selectors.officials import official_roles_forget
from podkowa.core.models import Gmina


@transaction.atomic
def official_staff_sync(*, user) -> bool:
    """`is_staff` is true exactly for a superuser or a person with an active post in any town.

    Django's admin needs the flag; keeping it derived means removing a post removes the access.
    """
    with scopes_disabled():  # a person's posts in every town decide, not the open one's
        has_post = Official.objects.filter(user=user, is_active=True).exists()
    staff = bool(user.is_superuser or has_post)
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    official_roles_forget(user)
    return staff


@transaction.atomic
def official_appoint(
    *,
    gmina: Gmina,
    user,
    roles: Iterable[str],
    department: Department | None = None,
    job_title: str = "",
) -> Official:
    """Give the user an active post in the town with exactly these roles (idempotent)."""
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    official, _created = Official.objects.update_or_create(
        gmina=gmina,
        user=user,
        defaults={"department": department, "job_title": job_title, "is_active": True},
    )
    OfficialRole.objects.filter(gmina=gmina, official=official).exclude(role__in=wanted).delete()
    for role in wanted:
        OfficialRole.objects.get_or_create(gmina=gmina, official=official, role=role)
    official_staff_sync(user=user)
    return official
