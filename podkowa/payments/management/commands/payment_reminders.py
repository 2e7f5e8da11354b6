"""Queue today's payment reminders for every active town (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from podkowa.core.models import Gmina
from podkowa.payments.tasks import send_payment_reminders


class Command(BaseCommand):
    help = "Queue today's payment reminders (due in 7 days, overdue) for every active town."

    def handle(self, *args, **options):
        for gmina in Gmina.objects.filter(is_active=True):
            send_payment_reminders.enqueue(gmina.pk)
            self.stdout.write(f"queued: {gmina.name}")
