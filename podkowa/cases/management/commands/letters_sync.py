from django.conf import settings
from django.core.management.base import BaseCommand

from podkowa.cases.letters.errors import LetterError
from podkowa.cases.services.letters import letter_channels_available, letters_due_ids
from podkowa.cases.tasks import deliver_letter, receive_letters
from podkowa.core.models import Gmina


class Command(BaseCommand):
    help = (
        "Deliver the letters whose (next) attempt is due and pull the office's ePUAP / "
        "e-Doręczenia boxes into the intake register. Run it periodically, e.g. every minute "
        "from cron."
    )

    def handle(self, *args, **options):
        outcomes = [deliver_letter.call(pk) for pk in letters_due_ids()]
        received = 0
        # The channels' settings (box, certificates) are the install's: they belong to the
        # office of the default town. Per-town channel settings would lift this.
        gmina = Gmina.objects.filter(teryt=settings.DEFAULT_GMINA_TERYT, is_active=True).first()
        for channel in letter_channels_available() if gmina else []:
            try:
                received += receive_letters.call(gmina.pk, channel)
            except LetterError as error:
                # One channel's trouble must not keep the other's letters waiting.
                self.stderr.write(f"Receiving through {channel} failed: {error}")
        self.stdout.write(f"Letters: {outcomes.count('sent')} of {len(outcomes)} due sent, "
                          f"{received} received.")
