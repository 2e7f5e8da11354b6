"""Background work of the cases app: delivering and receiving letters. Tasks take ids and call
the services; each opens the scope of the row's own town (see notifications/tasks.py)."""

from django_scopes import scope, scopes_disabled
from django_tasks import task

from podkowa.cases.models import Letter
from podkowa.cases.services.letters import (
    letter_deliver,
    letters_receive,
)
from podkowa.core.models import Gmina


@task()
def deliver_letter(letter_id: int) -> str:
    """One delivery attempt; idempotent (a letter already sent is skipped)."""
    with scopes_disabled():
        gmina_id = Letter.objects.filter(pk=letter_id).values_list("gmina_id", flat=True).first()
    if gmina_id is None:
        return "missing"
    gmina = Gmina.objects.get(pk=gmina_id)
    with scope(gmina=gmina):
        return letter_deliver(gmina=gmina, letter_id=letter_id)


@task()
def receive_letters(gmina_id: int, channel: str) -> int:
    """Pull the office's box on one channel into the intake register."""
    gmina = Gmina.objects.get(pk=gmina_id)
    with scope(gmina=gmina):
        return letters_receive(gmina=gmina, channel=channel)

