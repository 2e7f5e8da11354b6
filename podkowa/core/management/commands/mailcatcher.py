import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from podkowa.notifications.mailcatcher import start_mail_catcher


class Command(BaseCommand):
    help = "Development mail catcher: receive SMTP on a local port, write each mail as a .eml file."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1025)
        parser.add_argument("--dir", default=str(settings.MAIL_CATCHER_DIR),
                            help="Folder for the .eml files (created if missing).")

    def handle(self, *args, host: str, port: int, dir: str, **options):
        directory = Path(dir).resolve()
        controller = start_mail_catcher(port=port, directory=directory, hostname=host)
        self.stdout.write(f"Mail catcher on {host}:{port}, writing to {directory}")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
