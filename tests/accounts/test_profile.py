import pytest
from django.urls import reverse
from django_scopes import scope

from podkowa.accounts.models import ApiToken, ResidentProfile, VerificationLevel
from podkowa.accounts.services.tokens import api_token_create
from tests.factories import UserFactory

# Assertions read the English strings; the site's default is Polish.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def anna(gmina, client):
    user = UserFactory(email="anna@example.org", first_name="Anna", language="en")
    client.force_login(user)
    return user


PROFILE = {
    "first_name": "Anna Maria",
    "last_name": "Kowalska-Nowak",
    "phone": "+48 600 100 200",
    "street": "ul. Jana Pawła II 7",
    "postal_code": "05-807",
    "city": "Podkowa Leśna",
    "language": "en",
    "notify_by_email": "on",
    "notify_by_sms": "on",
}


def test_panel_greets_and_links_everything(client, anna):
    html = client.get(reverse("accounts:panel")).content.decode()

    assert "Hello, Anna" in html
    assert "Verification level: <strong>registered</strong>" in html
    for name in ("profile", "consents", "api_tokens", "data_download", "erasure"):
        assert f'href="{reverse(f"accounts:{name}")}"' in html
    assert "is not confirmed yet" in html


def test_panel_shows_the_level_reached_in_this_town(client, anna, gmina):
    ResidentProfile.objects.create(
        gmina=gmina, user=anna, verification_level=VerificationLevel.VERIFIED_RESIDENT
    )
    html = client.get(reverse("accounts:panel")).content.decode()
    assert "Verification level: <strong>verified resident</strong>" in html


def test_the_panel_needs_a_login(client, gmina):
    response = client.get(reverse("accounts:panel"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_editing_the_profile_saves_everything(client, anna, gmina):
    response = client.post(reverse("accounts:profile"), PROFILE)

    assert response["Location"] == reverse("accounts:panel")
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name) == ("Anna Maria", "Kowalska-Nowak")
    profile = ResidentProfile.objects.get(gmina=gmina, user=anna)
    assert (profile.phone, profile.street, profile.postal_code, profile.city) == (
        "+48 600 100 200", "ul. Jana Pawła II 7", "05-807", "Podkowa Leśna")
    assert (profile.notify_by_email, profile.notify_by_sms) == (True, True)
    assert "Your details have been saved." in client.get(reverse("accounts:panel")).content.decode()


def test_the_form_shows_what_is_saved(client, anna, gmina):
    ResidentProfile.objects.create(gmina=gmina, user=anna, city="Milanówek", notify_by_sms=True)
    form = client.get(reverse("accounts:profile")).context["form"]
    assert form["city"].value() == "Milanówek"
    assert form["notify_by_sms"].value() is True


def test_changing_the_language_switches_the_site(client, anna, settings):
    response = client.post(reverse("accounts:profile"), {**PROFILE, "language": "pl"})

    anna.refresh_from_db()
    assert anna.language == "pl"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    assert client.get(reverse("accounts:panel")).context["LANGUAGE_CODE"] == "pl"


def test_a_bad_postal_code_is_named_and_nothing_saved(client, anna, gmina):
    response = client.post(reverse("accounts:profile"), {**PROFILE, "postal_code": "05807"})

    assert response.status_code == 200
    assert response.context["form"].errors["postal_code"] == ["Use the form 00-000."]
    assert 'aria-describedby="id_postal_code_error"' in response.content.decode()
    anna.refresh_from_db()
    assert anna.first_name == "Anna"
    assert not ResidentProfile.objects.filter(user=anna).exists()


def test_a_profile_in_another_town_is_untouched(client, anna, gmina, other_gmina):
    with scope(gmina=other_gmina):
        ResidentProfile.objects.create(gmina=other_gmina, user=anna, city="Milanówek")
    client.post(reverse("accounts:profile"), PROFILE)
    with scope(gmina=other_gmina):
        assert ResidentProfile.objects.get(user=anna).city == "Milanówek"


# --- API tokens ---------------------------------------------------------------------------


def test_a_new_token_is_shown_once(client, anna, gmina):
    response = client.post(reverse("accounts:api_tokens"), {"name": "Anna's phone"})

    assert response.status_code == 200
    plain = response.context["plain_token"]
    assert plain.startswith("pdk_")
    assert plain in response.content.decode()
    token = ApiToken.objects.get(user=anna)
    assert token.name == "Anna's phone"

    again = client.get(reverse("accounts:api_tokens")).content.decode()
    assert plain not in again
    assert "Anna&#x27;s phone" in again


def test_a_token_needs_a_name(client, anna):
    response = client.post(reverse("accounts:api_tokens"), {"name": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_a_token(client, anna, gmina):
    token, _plain = api_token_create(gmina=gmina, user=anna, name="old phone")

    response = client.post(reverse("accounts:api_token_revoke"), {"token_id": token.pk},
                           follow=True)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "The token has been revoked" in response.content.decode()
    assert "old phone" not in response.content.decode().split("Your tokens", 1)[1]


def test_nobody_can_revoke_someone_elses_token(client, anna, gmina):
    token, _plain = api_token_create(gmina=gmina, user=UserFactory(), name="theirs")

    response = client.post(reverse("accounts:api_token_revoke"), {"token_id": token.pk},
                           follow=True)

    token.refresh_from_db()
    assert token.revoked_at is None
    assert "There is no such token among yours." in response.content.decode()


def test_the_panel_leads_to_the_residents_cases_and_inbox(client, anna):
    client.force_login(anna)
    html = client.get(reverse("accounts:panel")).content.decode()
    for target in (reverse("cases:home"), reverse("cases:catalogue"),
                   reverse("notifications:inbox")):
        assert f'href="{target}"' in html
    # The office queue is for officials only.
    assert reverse("cases:office_queue") not in html
