"""Background work of the payments app: tasks take ids and call the services."""

from django.utils import timezone
from django_scopes import scope
from django_tasks import task

from podkowa.core.models import Gmina
from podkowa.payments.services.notices import payment_reminders_send


@task()
def send_payment_reminders(gmina_id: int) -> int:
    """Once a day per town (dedup keys make a second run the same day harmless)."""
    gmina = Gmina.objects.get(pk=gmina_id)
    with scope(gmina=gmina):
        return payment_reminders_send(gmina=gmina, on=timezone.localdate())
