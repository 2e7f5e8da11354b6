import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django_scopes import scope, scopes_disabled

from podkowa.accounts.models import (
    PersonIdentity,
    ResidentProfile,
    Role,
    VerificationEvent,
    VerificationLevel,
)
from podkowa.accounts.services.verification import resident_verify_at_desk
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.factories import GminaFactory, UserFactory

VALID = ["44051401359", "02211307589"]


@pytest.fixture
def desk(gmina):
    return make_official(gmina, Role.RESIDENT_DESK)


def _resident(gmina, **kwargs):
    user = UserFactory(**kwargs)
    ResidentProfile.objects.create(gmina=gmina, user=user)
    return user


@pytest.mark.parametrize("pesel", VALID)
def test_valid_pesel_makes_a_verified_resident(gmina, desk, pesel):
    person = _resident(gmina)
    event = resident_verify_at_desk(
        gmina=gmina, official=desk, user=person, pesel=pesel, document="dowód ABC123456"
    )
    assert event.outcome == VerificationEvent.Outcome.GRANTED
    assert event.method == VerificationEvent.Method.DESK
    assert event.official == desk
    assert event.document == "dowód ABC123456"
    profile = ResidentProfile.objects.get(gmina=gmina, user=person)
    assert profile.verification_level == VerificationLevel.VERIFIED_RESIDENT
    assert PersonIdentity.objects.get(user=person).pesel_hmac == event.pesel_hmac


@pytest.mark.parametrize(
    ("pesel", "message"),
    [
        ("44051401358", "check digit is wrong"),
        ("02381307589", "date of birth that does not exist"),
        ("1234", "exactly 11 digits"),
    ],
)
def test_invalid_pesel_refused_with_a_clear_message(gmina, desk, pesel, message):
    person = _resident(gmina)
    with pytest.raises(ValidationError) as refused:
        resident_verify_at_desk(
            gmina=gmina, official=desk, user=person, pesel=pesel, document="dowód ABC123456"
        )
    assert message in " ".join(refused.value.messages)
    assert not PersonIdentity.objects.filter(user=person).exists()
    assert not VerificationEvent.objects.filter(user=person).exists()
    assert ResidentProfile.objects.get(user=person).verification_level == 0


def test_only_the_resident_desk_may_verify(gmina):
    clerk = make_official(gmina, Role.CEMETERY_CLERK)
    person = _resident(gmina)
    with pytest.raises(PermissionDenied):
        resident_verify_at_desk(
            gmina=gmina, official=clerk, user=person, pesel=VALID[0], document="dowód X"
        )
    assert not PersonIdentity.objects.exists()


def test_admin_role_may_verify_too(gmina):
    head = make_official(gmina, Role.ADMIN)
    person = _resident(gmina)
    resident_verify_at_desk(gmina=gmina, official=head, user=person, pesel=VALID[1],
                            document="paszport EA1234567")
    assert PersonIdentity.objects.filter(user=person).exists()


def test_second_account_of_the_same_person_refused_and_recorded(gmina, desk):
    first = _resident(gmina, email="jan.kowalski@example.org")
    second = _resident(gmina, email="jan.k.drugie@example.org")
    resident_verify_at_desk(gmina=gmina, official=desk, user=first, pesel=VALID[0],
                            document="dowód ABC123456")
    with pytest.raises(ValidationError) as refused:
        resident_verify_at_desk(gmina=gmina, official=desk, user=second, pesel=VALID[0],
                                document="dowód ABC123456")
    message = " ".join(refused.value.messages)
    assert "already has a verified account (j***@example.org)" in message
    assert "one person, one account" in message
    assert "jan.kowalski" not in message  # the other account is only hinted at
    refusal = VerificationEvent.objects.get(user=second)
    assert refusal.outcome == VerificationEvent.Outcome.REFUSED_DUPLICATE
    assert refusal.official == desk
    assert PersonIdentity.objects.filter(user=second).count() == 0
    assert ResidentProfile.objects.get(user=second).verification_level == 0


def test_same_person_verified_again_just_adds_to_the_ledger(gmina, desk):
    person = _resident(gmina)
    for document in ("dowód ABC123456", "paszport EA1234567"):
        resident_verify_at_desk(gmina=gmina, official=desk, user=person, pesel=VALID[0],
                                document=document)
    assert PersonIdentity.objects.filter(user=person).count() == 1
    assert VerificationEvent.objects.filter(
        user=person, outcome=VerificationEvent.Outcome.GRANTED
    ).count() == 2


def test_account_verified_with_another_pesel_refused(gmina, desk):
    person = _resident(gmina)
    resident_verify_at_desk(gmina=gmina, official=desk, user=person, pesel=VALID[0],
                            document="dowód ABC123456")
    with pytest.raises(ValidationError) as refused:
        resident_verify_at_desk(gmina=gmina, official=desk, user=person, pesel=VALID[1],
                                document="dowód ABC123456")
    assert "different PESEL" in " ".join(refused.value.messages)


def test_document_is_required(gmina, desk):
    person = _resident(gmina)
    with pytest.raises(ValidationError) as refused:
        resident_verify_at_desk(gmina=gmina, official=desk, user=person, pesel=VALID[0],
                                document="   ")
    assert "document" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_refusal_survives_when_the_service_raises(desk_in_committed_db):
    """The refusal is committed although the call raises: it is the trace of the attempt."""
    gmina, desk = desk_in_committed_db
    with scope(gmina=gmina):
        first, second = _resident(gmina), _resident(gmina)
        resident_verify_at_desk(gmina=gmina, official=desk, user=first, pesel=VALID[0],
                                document="dowód A")
        with pytest.raises(ValidationError):
            resident_verify_at_desk(gmina=gmina, official=desk, user=second, pesel=VALID[0],
                                    document="dowód A")
    # Read through a fresh connection: only committed rows are visible there.
    connection.close()
    with scopes_disabled():
        outcomes = list(VerificationEvent.objects.filter(user=second).values_list(
            "outcome", flat=True))
    assert outcomes == [VerificationEvent.Outcome.REFUSED_DUPLICATE]


@pytest.fixture
def desk_in_committed_db(transactional_db):
    town = GminaFactory(name="Podkowa Leśna", slug="podkowa-lesna", teryt="1405021")
    with scope(gmina=town):
        return town, make_official(town, Role.RESIDENT_DESK)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_racing_for_the_same_person_leave_one_identity(desk_in_committed_db):
    if connection.vendor != "postgresql":
        pytest.skip("races real connections: PostgreSQL only")
    gmina, desk = desk_in_committed_db
    with scope(gmina=gmina):
        people = [_resident(gmina), _resident(gmina)]
    barrier = threading.Barrier(len(people))
    outcomes: dict[int, str] = {}

    def verify(person):
        try:
            with scope(gmina=gmina):
                barrier.wait()
                try:
                    resident_verify_at_desk(gmina=gmina, official=desk, user=person,
                                            pesel=VALID[0], document="dowód ABC123456")
                    outcomes[person.pk] = "granted"
                except ValidationError:
                    outcomes[person.pk] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=verify, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["granted", "refused"]
    assert PersonIdentity.objects.count() == 1
    winner = PersonIdentity.objects.get().user_id
    assert outcomes[winner] == "granted"
    with scope(gmina=gmina):
        loser = next(p for p in people if p.pk != winner)
        assert VerificationEvent.objects.get(user=loser).outcome == (
            VerificationEvent.Outcome.REFUSED_DUPLICATE
        )


def test_plain_pesel_is_stored_nowhere(gmina, desk):
    person = _resident(gmina)
    resident_verify_at_desk(gmina=gmina, official=desk, user=person, pesel=VALID[0],
                            document="dowód ABC123456")
    second = _resident(gmina)
    with pytest.raises(ValidationError):
        resident_verify_at_desk(gmina=gmina, official=desk, user=second, pesel=VALID[0],
                                document="dowód ABC123456")
    found = []
    with connection.cursor() as cursor:
        # Every table of every installed app (ours, sessions, axes, otp, the task queue, …).
        for table in connection.introspection.django_table_names(only_existing=True):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the DB
            columns = [col[0] for col in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    if VALID[0] in str(value):
                        found.append(f"{table}.{column}")
    assert found == []
    assert VerificationEvent.objects.count() == 2  # the scan did look at the ledger


def test_admin_form_shows_the_refusal_clearly(client, gmina, desk):
    first, second = _resident(gmina, email="ewa@example.org"), _resident(gmina)
    resident_verify_at_desk(gmina=gmina, official=desk, user=first, pesel=VALID[0],
                            document="dowód A")
    sign_in_with_second_factor(client, desk)
    profile = ResidentProfile.objects.get(user=second)
    url = f"/admin/accounts/residentprofile/{profile.pk}/verify/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="pesel"' in page.content.decode()
    response = client.post(url, {"pesel": VALID[0], "document": "dowód B"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "e***@example.org" in body
    assert VerificationEvent.objects.filter(
        user=second, outcome=VerificationEvent.Outcome.REFUSED_DUPLICATE
    ).exists()


def test_admin_form_verifies_and_returns_to_the_resident(client, gmina, desk):
    person = _resident(gmina)
    sign_in_with_second_factor(client, desk)
    profile = ResidentProfile.objects.get(user=person)
    response = client.post(
        f"/admin/accounts/residentprofile/{profile.pk}/verify/",
        {"pesel": VALID[1], "document": "dowód XYZ987654"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/accounts/residentprofile/{profile.pk}/change/")
    profile.refresh_from_db()
    assert profile.verification_level == VerificationLevel.VERIFIED_RESIDENT


def test_admin_form_points_at_the_wrong_field(client, gmina, desk):
    person = _resident(gmina)
    sign_in_with_second_factor(client, desk)
    profile = ResidentProfile.objects.get(user=person)
    response = client.post(
        f"/admin/accounts/residentprofile/{profile.pk}/verify/",
        {"pesel": "44051401358", "document": "dowód XYZ987654"},
    )
    assert response.status_code == 200
    # The admin speaks Polish to officials unless they switch.
    assert "Cyfra kontrolna" in response.context["form"].errors["pesel"][0]
