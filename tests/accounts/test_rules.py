from django_scopes import scope, scopes_disabled

from podkowa.accounts.models import Department, OfficialRole, ResidentProfile, Role
from podkowa.accounts.rules import has_role, is_gmina_admin, is_official, is_owner
from podkowa.accounts.selectors.officials import official_roles, official_roles_forget
from podkowa.accounts.services.officials import official_appoint
from tests.admin_support import make_official
from tests.factories import UserFactory


def test_resident_desk_may_see_residents_but_not_manage_officials(gmina):
    desk = make_official(gmina, Role.RESIDENT_DESK)
    assert desk.has_perm("accounts.view_residentprofile")
    assert desk.has_perm("accounts.verify_residentprofile")
    assert not desk.has_perm("accounts.change_official")
    assert not desk.has_perm("core.view_auditlogentry")


def test_admin_role_implies_every_role(gmina):
    admin_user = make_official(gmina, Role.ADMIN)
    assert has_role(Role.CEMETERY_CLERK).test(admin_user, gmina)
    assert admin_user.has_perm("accounts.view_residentprofile")
    assert admin_user.has_perm("core.change_gmina", gmina)
    assert admin_user.has_perm("core.view_auditlogentry")


def test_plain_resident_has_no_admin_permission(gmina):
    resident = UserFactory()
    ResidentProfile.objects.create(gmina=gmina, user=resident)
    assert not is_official.test(resident)
    assert not resident.has_perm("accounts.view_residentprofile")
    assert not resident.has_module_perms("accounts")


def test_official_of_another_town_has_no_power_here(gmina, other_gmina):
    with scope(gmina=other_gmina):
        foreign_admin = make_official(other_gmina, Role.ADMIN)
    # In this town's scope (the web request of Podkowa Leśna) they are nobody.
    assert not foreign_admin.has_perm("accounts.view_residentprofile")
    assert not foreign_admin.has_perm("core.change_gmina", gmina)
    # An object of their own town is judged by the object's town, whatever scope is open.
    with scope(gmina=other_gmina):
        department = Department.objects.create(gmina=other_gmina, name="Wydział")
    foreign_admin = type(foreign_admin).objects.get(pk=foreign_admin.pk)
    assert foreign_admin.has_perm("accounts.change_department", department)


def test_no_town_means_no_permission(gmina):
    desk = make_official(gmina, Role.RESIDENT_DESK)
    with scopes_disabled():
        assert not desk.has_perm("accounts.view_residentprofile")


def test_inactive_post_or_account_grants_nothing(gmina):
    desk = make_official(gmina, Role.RESIDENT_DESK)
    desk.official_posts.update(is_active=False)
    official_roles_forget(desk)
    assert not desk.has_perm("accounts.view_residentprofile")


def test_roles_are_read_once_per_request(gmina, django_assert_num_queries):
    desk = make_official(gmina, Role.RESIDENT_DESK)
    official_roles_forget(desk)
    with django_assert_num_queries(2):  # the post, then its roles
        for _ in range(5):
            assert official_roles(gmina=gmina, user=desk) == {Role.RESIDENT_DESK}
            assert desk.has_perm("accounts.view_consent")
    # A role taken away is seen once the cache is dropped (the next request).
    OfficialRole.objects.filter(official__user=desk).delete()
    official_roles_forget(desk)
    assert not desk.has_perm("accounts.view_consent")


def test_appointment_sets_and_clears_the_staff_flag(gmina):
    person = UserFactory()
    assert not person.is_staff
    official_appoint(gmina=gmina, user=person, roles=[Role.FINANCE])
    person.refresh_from_db()
    assert person.is_staff
    assert official_roles(gmina=gmina, user=person) == {Role.FINANCE}


def test_owner_predicate(gmina):
    owner, other = UserFactory(), UserFactory()
    profile = ResidentProfile.objects.create(gmina=gmina, user=owner)
    assert is_owner.test(owner, profile)
    assert not is_owner.test(other, profile)
    assert not is_gmina_admin.test(owner, profile)
