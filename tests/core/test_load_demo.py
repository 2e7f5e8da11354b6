from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from podkowa.accounts.models import (
    Official,
    PersonIdentity,
    ResidentProfile,
    Role,
    User,
    VerificationLevel,
)
from podkowa.core.management.commands.load_demo import DEMO_PASSWORD, totp_now
from podkowa.core.models import Gmina


def _row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            model._meta.label: model._base_manager.count()
            for model in apps.get_models()
            if model._meta.app_label in {"core", "accounts", "otp_totp", "notifications"}
        }


def test_load_demo_twice_duplicates_nothing(db):
    first = StringIO()
    call_command("load_demo", stdout=first)
    counts = _row_counts()
    call_command("load_demo", stdout=StringIO())
    assert _row_counts() == counts
    assert "admin@podkowa.test" in first.getvalue()
    assert DEMO_PASSWORD in first.getvalue()


def test_demo_town_and_people(db):
    call_command("load_demo", stdout=StringIO())
    gmina = Gmina.objects.get(teryt="1405021")
    assert gmina.slug == "podkowa-lesna"
    assert gmina.official_name == "Urząd Miasta Podkowa Leśna"
    assert (round(gmina.map_center.y, 4), round(gmina.map_center.x, 4)) == (52.1225, 20.7286)
    assert gmina.map_extent.contains(gmina.map_center)
    assert sorted(gmina.hosts.values_list("host", flat=True)) == ["127.0.0.1", "localhost"]
    with scope(gmina=gmina):
        roles = set(Official.objects.values_list("roles__role", flat=True))
        assert roles == set(Role.values)
        levels = dict(ResidentProfile.objects.values_list("user__email", "verification_level"))
    assert levels["jan.kowalski@podkowa.test"] == VerificationLevel.VERIFIED_RESIDENT
    assert levels["maria.nowak@podkowa.test"] == VerificationLevel.EMAIL_CONFIRMED
    assert levels["piotr.zielinski@podkowa.test"] == VerificationLevel.REGISTERED
    assert PersonIdentity.objects.filter(user__email="jan.kowalski@podkowa.test").exists()
    root = User.objects.get(email="root@podkowa.test")
    assert root.is_superuser and root.is_staff
    assert User.objects.get(email="biuro@podkowa.test").check_password(DEMO_PASSWORD)


def test_printed_totp_secret_gives_the_devices_codes(db):
    call_command("load_demo", stdout=StringIO())
    device = TOTPDevice.objects.get(user__email="biuro@podkowa.test", confirmed=True)
    at = 1_800_000_000.0  # one fixed moment for both, so no 30-second boundary falls between
    expected = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    expected.time = at
    assert totp_now("biuro@podkowa.test", at=at) == f"{expected.token():06d}"


def test_logins_only_prints_the_table_without_touching_the_database(db):
    out = StringIO()
    call_command("load_demo", "--logins-only", stdout=out)
    assert "biuro@podkowa.test" in out.getvalue()
    assert not Gmina.objects.exists()
