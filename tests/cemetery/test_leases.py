import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from podkowa.accounts.models import Role
from podkowa.cemetery.models import GraveKind
from podkowa.cemetery.services.books import (
    burial_register,
    grave_correct,
    grave_create,
    holder_register,
)
from podkowa.cemetery.services.leases import (
    expired_leases,
    lease_prolong,
    lease_reminders_send,
    lease_state,
)
from podkowa.notifications.models import InboxItem
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.cemetery.conftest import xy
from tests.factories import UserFactory


@pytest.fixture
def old_grave(gmina, cemetery):
    grave = grave_create(gmina=gmina, cemetery=cemetery, quarter="II", row="1", number="1",
                         location=xy(10, 10))
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Nowak", "death_date": "2000-05-01", "burial_date": "2000-05-05"})
    return grave


def test_earth_grave_is_kept_twenty_years_after_the_last_burial(old_grave):
    state = lease_state(old_grave)
    assert state.protected_until == dt.date(2020, 5, 5)
    assert state.expires == dt.date(2020, 5, 5)
    assert state.expired(dt.date(2026, 1, 1))


def test_masonry_urn_and_monument_graves_are_exempt(gmina, old_grave):
    for kind in (GraveKind.MASONRY, GraveKind.URN):
        grave_correct(gmina=gmina, grave_id=old_grave.pk, changes={"kind": kind}, actor=None,
                      reason="test")
        old_grave.refresh_from_db()
        assert lease_state(old_grave).exempt
    grave_correct(gmina=gmina, grave_id=old_grave.pk, actor=None, reason="test",
                  changes={"kind": GraveKind.EARTH, "in_monuments_register": True})
    old_grave.refresh_from_db()
    assert "monuments" in lease_state(old_grave).exempt
    with pytest.raises(ValidationError) as error:
        lease_prolong(gmina=gmina, grave_id=old_grave.pk, amount_grosze=45000,
                      paid_on=dt.date(2025, 1, 2), actor=None)
    assert "grave" in error.value.message_dict


def test_prolongation_keeps_the_grave_twenty_more_years_and_is_in_the_history(gmina,
                                                                               old_grave):
    assert old_grave in [g for g, _s in expired_leases(gmina=gmina, today=dt.date(2026, 1, 1))]
    payment = lease_prolong(gmina=gmina, grave_id=old_grave.pk, amount_grosze=45000,
                            paid_on=dt.date(2025, 3, 1), actor=None, reference="KP 12/2025")
    # Lapsed: the new period runs from the payment.
    assert payment.new_until == dt.date(2045, 3, 1)
    again = lease_prolong(gmina=gmina, grave_id=old_grave.pk, amount_grosze=45000,
                          paid_on=dt.date(2025, 4, 1), actor=None)
    assert again.previous_until == dt.date(2045, 3, 1)
    assert again.new_until == dt.date(2065, 3, 1)
    old_grave.refresh_from_db()
    assert old_grave.paid_until == dt.date(2065, 3, 1)
    assert old_grave not in [g for g, _s in expired_leases(gmina=gmina,
                                                           today=dt.date(2026, 1, 1))]


@pytest.mark.parametrize(("amount", "field"), [(0, "amount_grosze"), (-5, "amount_grosze")])
def test_bad_payment_is_refused(gmina, old_grave, amount, field):
    with pytest.raises(ValidationError) as error:
        lease_prolong(gmina=gmina, grave_id=old_grave.pk, amount_grosze=amount,
                      paid_on=dt.date(2025, 1, 1), actor=None)
    assert field in error.value.message_dict


def test_reminders_12_and_3_months_before_once_each(gmina, old_grave):
    person = UserFactory()
    holder_register(gmina=gmina, grave=old_grave, first_name="Ewa", last_name="Nowak",
                    user=person)
    holder_register(gmina=gmina, grave=old_grave, first_name="Jan", last_name="Nowak")
    lease_prolong(gmina=gmina, grave_id=old_grave.pk, amount_grosze=45000,
                  paid_on=dt.date(2025, 3, 1), actor=None)  # until 2045-03-01
    assert lease_reminders_send(gmina=gmina, today=dt.date(2044, 2, 1))["sent"] == 0
    result = lease_reminders_send(gmina=gmina, today=dt.date(2044, 3, 2))
    assert result == {"sent": 1, "holders_without_account": 1}
    lease_reminders_send(gmina=gmina, today=dt.date(2044, 3, 3))  # the next day's run
    assert InboxItem.objects.filter(gmina=gmina, recipient=person).count() == 1
    lease_reminders_send(gmina=gmina, today=dt.date(2044, 12, 1))
    items = list(InboxItem.objects.filter(gmina=gmina, recipient=person))
    assert len(items) == 2
    assert "2045-03-01" in items[0].body


def test_clerk_records_a_payment_on_the_grave_page(client, gmina, old_grave):
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    client.cookies["django_language"] = "en"
    page = client.get(f"/cmentarz/grob/{old_grave.pk}/").content.decode()
    assert "Kept until 2020-05-05" in page and "expired" in page
    client.post(f"/cmentarz/grob/{old_grave.pk}/oplata/", {
        "amount": "450,00", "paid_on": "2025-03-01", "reference": "KP 1"})
    old_grave.refresh_from_db()
    assert old_grave.paid_until == dt.date(2045, 3, 1)
    assert old_grave.lease_payments.get().amount_grosze == 45000
    office = client.get(f"/cmentarz/urzad/{old_grave.cemetery.slug}/").content.decode()
    assert "Free places per quarter" in office


def test_the_daily_command_reminds_each_holder_once(gmina, cemetery):
    from django.core.management import call_command
    from django.utils import timezone

    from podkowa.cemetery.services.leases import _add_months, _add_years

    today = timezone.localdate()
    grave = grave_create(gmina=gmina, cemetery=cemetery, quarter="V", row="1", number="3")
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Zięba", "burial_date": _add_years(_add_months(today, 12), -20).isoformat()})
    ewa, jan = UserFactory(), UserFactory()
    holder_register(gmina=gmina, grave=grave, first_name="Ewa", last_name="Zięba", user=ewa)
    holder_register(gmina=gmina, grave=grave, first_name="Jan", last_name="Zięba", user=jan)
    call_command("lease_reminders")
    call_command("lease_reminders")  # cron ran it again (or twice a day)
    for person in (ewa, jan):
        items = InboxItem.objects.filter(gmina=gmina, recipient=person)
        assert items.count() == 1 and grave.place in items.get().body
