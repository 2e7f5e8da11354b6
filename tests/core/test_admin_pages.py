"""Every page of the administration opens for the town's administrator, and the actions
that call services work."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from podkowa.accounts.models import (
    ApiToken,
    Consent,
    ConsentText,
    Department,
    ErasureRequest,
    PersonIdentity,
    ResidentProfile,
    Role,
    VerificationEvent,
)
from podkowa.accounts.services.tokens import api_token_create
from podkowa.accounts.services.verification import resident_verify_at_desk
from podkowa.core.models import GminaHost
from podkowa.notifications.models import OutboxMessage
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import UserFactory


@pytest.fixture
def town_admin(gmina):
    return make_official(gmina, Role.ADMIN, email="admin@podkowa.test")


@pytest.fixture
def filled_town(gmina, town_admin):
    GminaHost.objects.create(gmina=gmina, host="podkowa.example")
    person = UserFactory(email="jan@example.org")
    ResidentProfile.objects.create(gmina=gmina, user=person)
    Department.objects.create(gmina=gmina, name="Referat Organizacyjny")
    text = ConsentText.objects.create(gmina=gmina, kind="electronic", version=1, text="Zgoda")
    Consent.objects.create(gmina=gmina, user=person, kind="electronic", text=text,
                           granted_channel="web")
    resident_verify_at_desk(gmina=gmina, official=town_admin, user=person,
                            pesel="02211307589", document="dowód ABC123456")
    api_token_create(gmina=gmina, user=person, name="telefon")
    ErasureRequest.objects.create(gmina=gmina, user=person)
    OutboxMessage.objects.create(gmina=gmina, recipient=person, channel="email",
                                 address=person.email, subject="Witamy", body="Dzień dobry")
    return person


def _admin_models():
    return [model for model in admin.site._registry
            if model._meta.app_label in {"core", "accounts", "notifications"}]


def test_every_admin_page_opens(client, gmina, town_admin, filled_town):
    sign_in_with_second_factor(client, town_admin)
    assert client.get(reverse("admin:index")).status_code == 200
    opened = 0
    for model in _admin_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        listing = client.get(reverse(f"{prefix}_changelist"))
        assert listing.status_code == 200, model
        if model is type(gmina):
            obj = gmina
        elif hasattr(model, "gmina"):
            obj = model._default_manager.filter(gmina=gmina).first()
        else:
            obj = model._default_manager.first()
        if obj is not None:
            detail = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
            assert detail.status_code == 200, model
            opened += 1
    assert opened >= 10


def test_no_hash_is_ever_shown(client, gmina, town_admin, filled_town):
    sign_in_with_second_factor(client, town_admin)
    identity = PersonIdentity.objects.get(user=filled_town)
    token = ApiToken.objects.get(user=filled_town)
    event = VerificationEvent.objects.get(user=filled_town, method="desk")
    pages = [
        reverse("admin:accounts_user_change", args=[filled_town.pk]),
        reverse("admin:accounts_personidentity_change", args=[identity.pk]),
        reverse("admin:accounts_apitoken_change", args=[token.pk]),
        reverse("admin:accounts_verificationevent_change", args=[event.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert identity.pesel_hmac not in body, url
        assert token.key_hash not in body, url
        assert filled_town.password not in body, url
        assert "argon2" not in body and "md5$" not in body, url


def test_gmina_map_centre_is_edited_as_latitude_and_longitude(client, gmina, town_admin):
    sign_in_with_second_factor(client, town_admin)
    url = reverse("admin:core_gmina_change", args=[gmina.pk])
    page = client.get(url).content.decode()
    assert "52.122500" in page and "20.728600" in page
    assert "cdn." not in page and "openlayers" not in page.lower()
    form = {
        "name": gmina.name, "official_name": "Urząd Miasta Podkowa Leśna",
        "address": "", "postal_code": "05-807", "city": "", "email": "", "phone": "",
        "website": "", "epuap_address": "", "bank_settlement_number": "10201055",
        "individual_account_prefix": "", "map_center_lat": "52.1300", "map_center_lon": "20.7300",
        "map_extent": "POLYGON ((20.70 52.10, 20.76 52.10, 20.76 52.14, 20.70 52.14, 20.70 52.10))",
        "map_zoom": "15",
        "hosts-TOTAL_FORMS": "0", "hosts-INITIAL_FORMS": "0",
        "hosts-MIN_NUM_FORMS": "0", "hosts-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    gmina.refresh_from_db()
    assert (gmina.map_center.y, gmina.map_center.x) == (52.13, 20.73)
    assert gmina.map_extent.srid == 4326 and gmina.map_extent.contains(gmina.map_center)
    assert gmina.map_zoom == 15


def test_revoke_action_revokes_tokens(client, gmina, town_admin, filled_town):
    sign_in_with_second_factor(client, town_admin)
    token = ApiToken.objects.get(user=filled_town)
    response = client.post(reverse("admin:accounts_apitoken_changelist"),
                           {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_erasure_action_carries_out_the_request(client, gmina, town_admin, filled_town):
    sign_in_with_second_factor(client, town_admin)
    erasure = ErasureRequest.objects.get(user=filled_town)
    response = client.post(reverse("admin:accounts_erasurerequest_changelist"),
                           {"action": "execute", "_selected_action": [erasure.pk]})
    assert response.status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.DONE
    assert erasure.resolved_by == town_admin


def test_deliver_now_action_sends_a_due_message(client, gmina, town_admin, filled_town,
                                                mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sign_in_with_second_factor(client, town_admin)
    message = OutboxMessage.objects.get(recipient=filled_town)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    response = client.post(reverse("admin:notifications_outboxmessage_changelist"),
                           {"action": "deliver_now", "_selected_action": [message.pk]})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_desk_official_sees_residents_but_not_the_audit_log_or_officials(client, gmina,
                                                                        filled_town):
    desk = make_official(gmina, Role.RESIDENT_DESK)
    sign_in_with_second_factor(client, desk)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:accounts_residentprofile_changelist") in index
    assert reverse("admin:core_auditlogentry_changelist") not in index
    assert reverse("admin:accounts_official_changelist") not in index
    assert client.get(reverse("admin:accounts_official_changelist")).status_code == 403


def test_appointing_an_official_in_the_admin_gives_staff_access(client, gmina, town_admin):
    sign_in_with_second_factor(client, town_admin)
    newcomer = UserFactory()
    ResidentProfile.objects.create(gmina=gmina, user=newcomer)
    response = client.post(reverse("admin:accounts_official_add"), {
        "user": newcomer.pk, "job_title": "Referent", "department": "", "is_active": "on",
        "roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000", "roles-0-role": Role.FINANCE,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer.has_perm("accounts") and not newcomer.has_perm("core.view_auditlogentry")


def test_superuser_opens_every_registered_list_and_logs_out(client, gmina):
    root = UserFactory(is_superuser=True, is_staff=True)
    sign_in_with_second_factor(client, root)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 302
    assert client.get(reverse("admin:index"), follow=True).redirect_chain[-1][0].startswith(
        "/konto/logowanie/"
    )


def test_outbox_never_shows_the_text_of_a_message(client, gmina, town_admin, filled_town):
    # A password-reset mail's link would let the reader act as the resident.
    sign_in_with_second_factor(client, town_admin)
    message = OutboxMessage.objects.get(recipient=filled_town)
    OutboxMessage.objects.filter(pk=message.pk).update(body="https://x/haslo/nowe/SECRET/")
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert "SECRET" not in page.content.decode()
