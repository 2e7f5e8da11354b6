"""Payment reminders go through notify(), once per charge, to subscribed residents only."""

from datetime import date

import pytest

from podkowa.notifications.models import InboxItem, Subscription
from podkowa.payments.services.notices import payment_reminders_send, reminder_topic
from tests.payments.conftest import verified_user

pytestmark = pytest.mark.django_db


def test_due_soon_and_overdue_reminders_reach_subscribers_once(town, payer, resident,
                                                               charge_factory):
    Subscription.objects.create(gmina=town, user=resident, topic=reminder_topic(gmina=town))
    charge_factory(kind="water", title="Woda 01/2026", amount=8_450, due=date(2026, 3, 17))
    charge_factory(kind="property_tax", title="Podatek od nieruchomości 2026, rata 1",
                   amount=21_050, due=date(2026, 3, 1))
    charge_factory(kind="waste", amount=100, due=date(2026, 4, 30))  # not yet
    assert payment_reminders_send(gmina=town, on=date(2026, 3, 10)) == 2
    payment_reminders_send(gmina=town, on=date(2026, 3, 10))  # the job ran twice today
    items = list(InboxItem.objects.filter(gmina=town, recipient=resident).order_by("id"))
    assert len(items) == 2
    bodies = " ".join(item.body for item in items)
    assert "Woda 01/2026" in bodies and "84,50" in bodies
    # A tax is named only generically: a reminder may reach a phone.
    assert "Podatek od nieruchomości" not in bodies


def test_residents_who_did_not_opt_in_get_nothing(town, payer, resident, charge_factory):
    charge_factory(amount=100, due=date(2026, 3, 1))
    payment_reminders_send(gmina=town, on=date(2026, 3, 10))
    other = verified_user(town)
    Subscription.objects.create(gmina=town, user=other, topic=reminder_topic(gmina=town))
    payment_reminders_send(gmina=town, on=date(2026, 3, 10))
    assert not InboxItem.objects.filter(gmina=town).exists()
