from django.core.management.base import BaseCommand

from podkowa.notifications.services import outbox_flush


class Command(BaseCommand):
    help = (
        "Queue every outbox message that is due (or whose worker died). Run it periodically, "
        "e.g. every minute from cron: with no worker (TASKS_IMMEDIATE=1) it also performs the "
        "retries."
    )

    def handle(self, *args, **options):
        count = outbox_flush()
        self.stdout.write(f"Queued {count} outbox message(s) for delivery.")
