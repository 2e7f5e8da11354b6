import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_scopes import scope

from podkowa.accounts.models import Consent, ConsentText, ResidentProfile, Role
from podkowa.core.models import AuditLogEntry
from podkowa.core.services import audit_personal_data_read
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import GminaFactory, UserFactory


@pytest.fixture
def desk(gmina):
    return make_official(gmina, Role.RESIDENT_DESK, email="biuro@podkowa.test")


@pytest.fixture
def resident(gmina):
    person = UserFactory(email="maria.nowak@example.org", first_name="Maria",
                         last_name="Nowak")
    ResidentProfile.objects.create(gmina=gmina, user=person, city="Podkowa Leśna")
    return person


def test_official_opening_a_resident_is_recorded(client, gmina, desk, resident):
    sign_in_with_second_factor(client, desk)
    profile = ResidentProfile.objects.get(user=resident)
    before = timezone.now()
    response = client.get(f"/admin/accounts/residentprofile/{profile.pk}/change/")
    assert response.status_code == 200
    assert "maria.nowak@example.org" in response.content.decode()
    entry = AuditLogEntry.objects.get(action=AuditLogEntry.Action.VIEW)
    assert entry.actor == desk  # who
    assert entry.subject == resident  # whom
    assert entry.subject_label == "maria.nowak@example.org"
    assert entry.what == "mieszkaniec"  # what, in the office's language (Polish)
    assert entry.object_ref == f"accounts.residentprofile:{profile.pk}"
    assert entry.at >= before  # when
    assert entry.gmina == gmina


def test_list_of_residents_is_recorded_once(client, gmina, desk, resident):
    sign_in_with_second_factor(client, desk)
    assert client.get("/admin/accounts/residentprofile/").status_code == 200
    entries = list(AuditLogEntry.objects.all())
    assert [(e.action, e.subject) for e in entries] == [(AuditLogEntry.Action.LIST, None)]
    assert client.get("/admin/accounts/residentprofile/?q=Nowak").status_code == 200
    assert AuditLogEntry.objects.filter(action=AuditLogEntry.Action.SEARCH).count() == 1


@pytest.mark.parametrize("kind", ["user", "consent"])
def test_other_personal_records_are_recorded(client, gmina, kind, resident):
    head = make_official(gmina, Role.ADMIN)
    sign_in_with_second_factor(client, head)
    if kind == "user":
        url = f"/admin/accounts/user/{resident.pk}/change/"
    else:
        text = ConsentText.objects.create(gmina=gmina, kind="electronic", version=1, text="…")
        consent = Consent.objects.create(gmina=gmina, user=resident, kind="electronic",
                                         text=text, granted_channel="web")
        url = f"/admin/accounts/consent/{consent.pk}/change/"
    assert client.get(url).status_code == 200
    assert AuditLogEntry.objects.filter(subject=resident).count() == 1


def test_refused_page_leaves_no_read_entry(client, gmina, resident):
    clerk = make_official(gmina, Role.CEMETERY_CLERK)
    sign_in_with_second_factor(client, clerk)
    profile = ResidentProfile.objects.get(user=resident)
    response = client.get(f"/admin/accounts/residentprofile/{profile.pk}/change/")
    assert response.status_code in {302, 403}
    assert not AuditLogEntry.objects.exists()


def test_entries_cannot_be_changed_or_deleted(gmina, desk, resident):
    entry = audit_personal_data_read(gmina=gmina, actor=desk, subject=resident, what="resident")
    entry.what = "nothing"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditLogEntry.objects.filter(pk=entry.pk).update(what="nothing")
    with pytest.raises(PermissionDenied):
        AuditLogEntry.objects.filter(pk=entry.pk).delete()
    assert AuditLogEntry.objects.get(pk=entry.pk).what == "resident"


def test_admin_offers_no_change_or_delete_even_to_a_superuser(client, gmina, desk, resident):
    entry = audit_personal_data_read(gmina=gmina, actor=desk, subject=resident, what="resident")
    root = UserFactory(is_superuser=True, is_staff=True)
    sign_in_with_second_factor(client, root)
    page = client.get(f"/admin/core/auditlogentry/{entry.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="_save"' not in body
    assert "/delete/" not in body
    assert client.get(f"/admin/core/auditlogentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/core/auditlogentry/add/").status_code == 403
    response = client.post(f"/admin/core/auditlogentry/{entry.pk}/change/",
                           {"what": "changed"})
    assert response.status_code == 403
    assert AuditLogEntry.objects.get(pk=entry.pk).what == "resident"


def test_only_the_admin_role_reads_the_audit_log(client, gmina, desk, resident):
    audit_personal_data_read(gmina=gmina, actor=desk, subject=resident, what="resident")
    sign_in_with_second_factor(client, desk)
    assert client.get("/admin/core/auditlogentry/").status_code == 403
    head = make_official(gmina, Role.ADMIN)
    sign_in_with_second_factor(client, head)
    listing = client.get(f"/admin/core/auditlogentry/?actor={desk.pk}")
    assert listing.status_code == 200
    assert "maria.nowak@example.org" in listing.content.decode()


def test_admin_needs_an_official_post_and_the_second_factor(client, gmina, desk, resident):
    client.force_login(desk)  # password only
    response = client.get("/admin/", follow=True)
    assert "/konto/2fa/" in response.redirect_chain[-1][0]
    stranger = UserFactory(is_staff=True)  # staff flag alone is not enough
    sign_in_with_second_factor(client, stranger)
    assert client.get("/admin/", follow=True).status_code == 403
    client.logout()
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/konto/logowanie/")


def test_admin_header_names_the_town(client, gmina, desk):
    gmina.official_name = "Urząd Miasta Podkowa Leśna"
    gmina.save()
    sign_in_with_second_factor(client, desk)
    assert "Urząd Miasta Podkowa Leśna" in client.get("/admin/").content.decode()


@pytest.fixture
def committed_entry(transactional_db):
    town = GminaFactory(name="Podkowa Leśna", slug="podkowa-lesna", teryt="1405021")
    with scope(gmina=town):
        official, person = UserFactory(), UserFactory()
        entry = audit_personal_data_read(gmina=town, actor=official, subject=person,
                                         what="resident")
    return entry


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditlogentry SET what = 'nothing' WHERE id = %s",
        "DELETE FROM core_auditlogentry WHERE id = %s",
    ],
)
def test_database_refuses_raw_update_and_delete(committed_entry, statement):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [committed_entry.pk])
    with connection.cursor() as cursor:
        cursor.execute("SELECT what FROM core_auditlogentry WHERE id = %s", [committed_entry.pk])
        assert cursor.fetchone() == ("resident",)
