"""Payment reminders through the notifications service: a charge due in 7 days, and an
overdue one, to residents who subscribed to the "payment reminders" topic.

Each charge is reminded of once per kind (the dedup key), however often the job runs. A
tax is named only as "a local tax instalment": the details of taxes are for the website, and
a reminder may reach a phone.
"""

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from podkowa.core.models import Gmina
from podkowa.notifications.models import Subscription, Topic
from podkowa.notifications.services import notify
from podkowa.payments.models import Payer
from podkowa.payments.selectors import charge_rows
from podkowa.payments.templatetags.payments_tags import zl

TOPIC = "payment-reminders"
DAYS_AHEAD = 7


def reminder_topic(*, gmina: Gmina) -> Topic:
    with translation.override("pl"):
        topic, _created = Topic.objects.get_or_create(gmina=gmina, slug=TOPIC, defaults={
            "name": str(_("Payment reminders")),
            "description": str(_("A charge due in 7 days, and a charge not paid on time.")),
            "is_system": False,
        })
    return topic


@transaction.atomic
def payment_reminders_send(*, gmina: Gmina, on: date) -> int:
    """Remind subscribed residents of charges due on `on` + 7 days and of overdue ones.
    Returns how many charges were reminded of (for a repeat, notify() is a no-op)."""
    topic = reminder_topic(gmina=gmina)
    subscribers = set(Subscription.objects.filter(gmina=gmina, topic=topic)
                      .values_list("user_id", flat=True))
    sent = 0
    payers = Payer.objects.filter(gmina=gmina, user_id__in=subscribers).select_related("user")
    for payer in payers:
        for charge in charge_rows(gmina=gmina, payer=payer):
            if charge.outstanding <= 0:
                continue
            if charge.due_date == on + timedelta(days=DAYS_AHEAD):
                kind, subject = "due7", _("A payment is due in 7 days")
            elif charge.due_date < on:
                kind, subject = "overdue", _("A payment is overdue")
            else:
                continue
            what = _("A local tax instalment") if charge.is_tax else charge.title
            body = _("%(what)s: %(amount)s, due on %(date)s.") % {
                "what": what, "amount": zl(charge.outstanding),
                "date": charge.due_date.strftime("%d.%m.%Y")}
            notify(gmina=gmina, recipient=payer.user, topic=topic, subject=subject, body=body,
                   url=reverse("payments:home"), dedup_key=f"payments:{kind}:{charge.pk}")
            sent += 1
    return sent
