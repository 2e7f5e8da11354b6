"""Queue the grave-lease reminders for every active town (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from podkowa.cemetery.tasks import send_lease_reminders
from podkowa.core.models import Gmina


class Command(BaseCommand):
    help = ("Queue the reminders to grave holders whose lease ends in 12 or 3 months, for every "
            "active town. Idempotent: each reminder is sent once, however often this runs.")

    def handle(self, *args, **options):
        for gmina in Gmina.objects.filter(is_active=True):
            send_lease_reminders.enqueue(gmina.pk)
            self.stdout.write(f"queued: {gmina.name}")
