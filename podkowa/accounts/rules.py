"""Who may do what with accounts data, as predicates (django-rules).

Which town a question is about: the object's own gmina when the object carries one (a tenant
row, or a Gmina itself); otherwise the town of the open django-scopes scope, which the web
middleware sets from the host name and tasks/commands open themselves. The object wins because
an object of another town must never be allowed by the scope of this one; without either the
answer is "no" — a permission with no town is no permission.

Officials hold no Django model permissions in the database: every admin permission of the
project's models is a rule below (Django's own superuser short-cut still applies).
"""

import rules
from django_scopes.state import get_scope

from podkowa.accounts.models import Role
from podkowa.accounts.selectors.officials import is_active_official, official_roles
from podkowa.core.models import Gmina


def gmina_id_for(obj=None) -> int | None:
    """The town a permission question is about (see the module docstring)."""
    if isinstance(obj, Gmina):
        return obj.pk
    gmina_id = getattr(obj, "gmina_id", None)
    if gmina_id is not None:
        return gmina_id
    current = get_scope()
    if not current.get("_enabled", False):
        return None
    gmina = current.get("gmina")
    if isinstance(gmina, Gmina):
        return gmina.pk
    if isinstance(gmina, int):
        return gmina
    return None


@rules.predicate
def is_official(user, obj=None) -> bool:
    gmina_id = gmina_id_for(obj)
    return gmina_id is not None and is_active_official(gmina=gmina_id, user=user)


def has_role(role: str) -> rules.Predicate:
    """Predicate: an active official of the town holding `role` (ADMIN implies every role)."""

    def check(user, obj=None) -> bool:
        gmina_id = gmina_id_for(obj)
        if gmina_id is None:
            return False
        roles = official_roles(gmina=gmina_id, user=user)
        return role in roles or Role.ADMIN in roles

    return rules.Predicate(check, name=f"has_role:{role}")


is_gmina_admin = has_role(Role.ADMIN)
is_resident_desk = has_role(Role.RESIDENT_DESK)
is_case_clerk = has_role(Role.CASE_CLERK)
is_finance = has_role(Role.FINANCE)
is_consultations_editor = has_role(Role.CONSULTATIONS_EDITOR)
is_cemetery_clerk = has_role(Role.CEMETERY_CLERK)
is_culture_editor = has_role(Role.CULTURE_EDITOR)
is_register_editor = has_role(Role.REGISTER_EDITOR)
is_reports = has_role(Role.REPORTS)


@rules.predicate
def is_owner(user, obj=None) -> bool:
    """The object is the user's own (its `user` is them), e.g. their own API token."""
    if obj is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(obj, "user_id", None) == user.pk


# Reading a person's data is the desk's work (and the admin's); changing who is an official,
# and anything that reaches every account, is the admin's alone.
may_see_residents = is_resident_desk
can_verify_at_desk = is_resident_desk

# The admin index shows the app to any official; the models inside decide for themselves.
rules.add_perm("accounts", is_official)

rules.add_perm("accounts.view_user", is_resident_desk)
rules.add_perm("accounts.change_user", is_gmina_admin)
rules.add_perm("accounts.add_user", is_gmina_admin)
# No rule for delete_user: a person is erased through an erasure request, never deleted.

rules.add_perm("accounts.view_residentprofile", is_resident_desk)
rules.add_perm("accounts.change_residentprofile", is_resident_desk)
rules.add_perm("accounts.verify_residentprofile", can_verify_at_desk)

for model in ("official", "officialrole", "department"):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"accounts.{action}_{model}", is_gmina_admin)

rules.add_perm("accounts.view_consenttext", is_official)
rules.add_perm("accounts.add_consenttext", is_gmina_admin)
rules.add_perm("accounts.change_consenttext", is_gmina_admin)

# The registers are evidence: read-only for everyone (no add/change/delete rule on purpose).
rules.add_perm("accounts.view_consent", is_resident_desk)
rules.add_perm("accounts.view_verificationevent", is_resident_desk)
rules.add_perm("accounts.view_personidentity", is_gmina_admin)

rules.add_perm("accounts.view_identityconflict", is_resident_desk)
rules.add_perm("accounts.resolve_identityconflict", is_resident_desk)
rules.add_perm("accounts.view_externalloginrefusal", is_resident_desk)

rules.add_perm("accounts.view_residencypolicy", is_gmina_admin)
rules.add_perm("accounts.change_residencypolicy", is_gmina_admin)
rules.add_perm("accounts.add_residencypolicy", is_gmina_admin)
rules.add_perm("accounts.view_residencydeclaration", is_resident_desk)
rules.add_perm("accounts.confirm_residencydeclaration", is_resident_desk)
rules.add_perm("accounts.view_residencyregisterentry", is_resident_desk)
rules.add_perm("accounts.import_residencyregisterentry", is_resident_desk)

rules.add_perm("accounts.view_representation", is_resident_desk)
rules.add_perm("accounts.confirm_representation", is_resident_desk)
rules.add_perm("accounts.view_representedaction", is_resident_desk)

rules.add_perm("accounts.view_apitoken", is_gmina_admin)
rules.add_perm("accounts.revoke_apitoken", is_gmina_admin | is_owner)

rules.add_perm("accounts.view_erasurerequest", is_gmina_admin)
rules.add_perm("accounts.execute_erasurerequest", is_gmina_admin)
