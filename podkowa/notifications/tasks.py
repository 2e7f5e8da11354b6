"""Background work of the outbox. Tasks take ids and call the services."""

from django_scopes import scope, scopes_disabled
from django_tasks import task

from podkowa.core.models import Gmina
from podkowa.notifications.models import OutboxMessage
from podkowa.notifications.services import outbox_deliver, outbox_flush


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Attempt one outbox message; idempotent, so running it twice or late is harmless."""
    # A task runs outside any request, so no tenant scope is open, and it carries only the
    # message id. The row's own gmina is the one place to learn the town from: read it with
    # the scope deliberately lifted (one row, by primary key), then do the real work inside
    # that town's scope like any other tenant code.
    with scopes_disabled():
        gmina_id = (
            OutboxMessage.objects.filter(pk=message_id).values_list("gmina_id", flat=True).first()
        )
    if gmina_id is None:
        return "missing"
    gmina = Gmina.objects.get(pk=gmina_id)
    with scope(gmina=gmina):
        return outbox_deliver(gmina=gmina, message_id=message_id)


@task()
def flush_outbox() -> int:
    """Queue every message that is due (run it periodically as a safety net)."""
    return outbox_flush()
