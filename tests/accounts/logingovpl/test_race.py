"""Races of real connections on PostgreSQL: two accounts presenting one person at the same
moment leave one identity; one artifact brought twice at the same moment is used once."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scope

from podkowa.accounts.logingovpl.errors import LoginGovError
from podkowa.accounts.models import IdentityConflict, PersonIdentity, ResidentProfile
from podkowa.accounts.services.login_gov import VerifiedPerson, _use_once, login_gov_link
from podkowa.core.identifiers import pesel_hmac
from tests.factories import GminaFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(workers) -> None:
    barrier = threading.Barrier(len(workers))

    def run(work):
        try:
            barrier.wait()
            work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def test_two_accounts_linking_one_person_at_once_leave_one_identity():
    if connection.vendor != "postgresql":
        pytest.skip("races real connections: PostgreSQL only")
    town = GminaFactory(name="Podkowa Leśna", slug="podkowa-lesna", teryt="1405021")
    with scope(gmina=town):
        people = [UserFactory(), UserFactory()]
        for person in people:
            ResidentProfile.objects.create(gmina=town, user=person)
    jan = VerifiedPerson(pesel_hmac=pesel_hmac("44051401359"), given_name="Jan",
                         family_name="Kowalski", date_of_birth="1944-05-14",
                         name_id_sealed="", session_index="")
    outcomes: dict[int, str] = {}

    def link(person):
        def work():
            with scope(gmina=town):
                try:
                    login_gov_link(gmina=town, user=person, person=jan)
                    outcomes[person.pk] = "granted"
                except ValidationError:
                    outcomes[person.pk] = "refused"
        return work

    _race([link(p) for p in people])

    assert sorted(outcomes.values()) == ["granted", "refused"]
    winner = PersonIdentity.objects.get().user_id
    assert outcomes[winner] == "granted"
    with scope(gmina=town):
        conflict = IdentityConflict.objects.get()
        assert conflict.holder_id == winner and conflict.user_id != winner


def test_one_artifact_brought_twice_at_once_is_used_once():
    if connection.vendor != "postgresql":
        pytest.skip("races real connections: PostgreSQL only")
    outcomes: list[str] = []
    until = timezone.now() + dt.timedelta(minutes=5)

    def use():
        try:
            _use_once(kind="artifact", value="AAQAAbcd", expires_at=until)
            outcomes.append("used")
        except LoginGovError as error:
            outcomes.append(error.code)

    _race([use, use, use])
    assert sorted(outcomes) == ["replay", "replay", "used"]
