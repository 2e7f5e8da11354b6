"""Background work of the cemetery: the daily lease reminders. Tasks take ids."""

from django_scopes import scope
from django_tasks import task

from podkowa.cemetery.services.leases import lease_reminders_send
from podkowa.core.models import Gmina


@task()
def send_lease_reminders(gmina_id: int) -> dict[str, int]:
    """Run daily; sending twice is harmless (each reminder carries a dedup key)."""
    gmina = Gmina.objects.get(pk=gmina_id)
    with scope(gmina=gmina):
        return lease_reminders_send(gmina=gmina)
