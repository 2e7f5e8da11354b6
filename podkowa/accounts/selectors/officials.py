"""Who is an official in a town, and with which roles.

The permission predicates ask this many times per request (every admin row, every menu
entry), so the answer is kept on the user object. Django builds a fresh user object for each
request, which makes that cache last exactly one request; code that changes roles and then
asks again about the same object calls `official_roles_forget`.
"""

from dataclasses import dataclass

from django_scopes import scope

from podkowa.accounts.models import Official, OfficialRole, Role
from podkowa.core.models import Gmina

_CACHE_ATTR = "_podkowa_official_posts"


@dataclass(frozen=True)
class OfficialPost:
    """An active official's standing in one town (empty roles: an official without any)."""

    official_id: int
    roles: frozenset[str]


def _post(*, gmina_id: int, user) -> OfficialPost | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cache: dict[int, OfficialPost | None] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if gmina_id not in cache:
        # The predicates may ask about a town other than the open scope (an object of another
        # town): open that town's scope for this lookup instead of trusting the caller's.
        with scope(gmina=gmina_id):
            official_id = (
                Official.objects.filter(gmina_id=gmina_id, user_id=user.pk, is_active=True)
                .values_list("id", flat=True)
                .first()
            )
            roles = (
                frozenset(
                    OfficialRole.objects.filter(gmina_id=gmina_id, official_id=official_id)
                    .values_list("role", flat=True)
                )
                if official_id is not None
                else frozenset()
            )
        cache[gmina_id] = (
            OfficialPost(official_id=official_id, roles=roles) if official_id is not None else None
        )
    return cache[gmina_id]


def official_post(*, gmina: Gmina | int, user) -> OfficialPost | None:
    gmina_id = gmina if isinstance(gmina, int) else gmina.pk
    return _post(gmina_id=gmina_id, user=user)


def official_roles(*, gmina: Gmina | int, user) -> set[str]:
    """The roles of the user's active Official post in the town; empty when there is none.

    ADMIN is returned as stored; "admin implies every role" is the predicates' business.
    """
    post = official_post(gmina=gmina, user=user)
    return set(post.roles) if post is not None else set()


def is_active_official(*, gmina: Gmina | int, user) -> bool:
    return official_post(gmina=gmina, user=user) is not None


def official_roles_forget(user) -> None:
    """Drop the per-request cache (after the user's posts or roles changed)."""
    user.__dict__.pop(_CACHE_ATTR, None)


ALL_ROLES = frozenset(Role.values)
