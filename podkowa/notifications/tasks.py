"""Background work of the notifications app. Tasks take ids and call the services.

A task runs outside any request, so no tenant scope is open, and it carries only ids. The
row's own gmina is the one place to learn the town from: read it with the scope deliberately
lifted (one row, by primary key), then do the real work inside that town's scope.
"""

from django_scopes import scope, scopes_disabled
from django_tasks import task

from podkowa.core.models import Gmina
from podkowa.notifications.models import Announcement, OutboxMessage
from podkowa.notifications.services import (
    announcement_deliver_batch,
    announcement_fan_out,
    outbox_deliver,
    outbox_deliver_many,
    outbox_flush,
)


def _gmina_of(model, pk: int) -> Gmina | None:
    with scopes_disabled():
        gmina_id = model.objects.filter(pk=pk).values_list("gmina_id", flat=True).first()
    return Gmina.objects.get(pk=gmina_id) if gmina_id is not None else None


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Attempt one outbox message; idempotent, so running it twice or late is harmless."""
    gmina = _gmina_of(OutboxMessage, message_id)
    if gmina is None:
        return "missing"
    with scope(gmina=gmina):
        return outbox_deliver(gmina=gmina, message_id=message_id)


@task()
def deliver_outbox_batch(message_ids: list[int]) -> dict[str, int]:
    """Attempt a group of messages sharing connections; each one is claimed on its own."""
    with scopes_disabled():
        pairs = list(OutboxMessage.objects.filter(pk__in=message_ids)
                     .values_list("gmina_id", "pk").order_by("gmina_id", "pk"))
    counts: dict[str, int] = {}
    for gmina_id in sorted({gmina_id for gmina_id, _pk in pairs}):
        gmina = Gmina.objects.get(pk=gmina_id)
        with scope(gmina=gmina):
            ids = [pk for owner, pk in pairs if owner == gmina_id]
            for outcome, n in outbox_deliver_many(gmina=gmina, message_ids=ids).items():
                counts[outcome] = counts.get(outcome, 0) + n
    return counts


@task()
def flush_outbox() -> int:
    """Queue every message that is due (run it periodically as a safety net)."""
    return outbox_flush()


@task()
def fan_out_announcement(announcement_id: int) -> int:
    gmina = _gmina_of(Announcement, announcement_id)
    if gmina is None:
        return 0
    with scope(gmina=gmina):
        return announcement_fan_out(gmina=gmina, announcement_id=announcement_id)


@task()
def deliver_announcement_batch(announcement_id: int, user_ids: list[int]) -> int:
    gmina = _gmina_of(Announcement, announcement_id)
    if gmina is None:
        return 0
    with scope(gmina=gmina):
        return announcement_deliver_batch(gmina=gmina, announcement_id=announcement_id,
                                          user_ids=user_ids)
