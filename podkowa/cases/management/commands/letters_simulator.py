import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from podkowa.cases.letters.credentials import development_credentials, load_certificate
from podkowa.cases.letters.simulators import LettersSimulator


class Command(BaseCommand):
    help = ("Development stand-ins for ePUAP (SOAP skrytka/pull) and e-Doręczenia (REST), "
            "listening on a local port; received letters are written to a folder.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.LETTERS_SIMULATOR_HOST)
        parser.add_argument("--port", type=int, default=settings.LETTERS_SIMULATOR_PORT)
        parser.add_argument("--dir",
                            default=str(Path(settings.LETTERS_CREDENTIALS_DIR) / "received"),
                            help="Folder for received documents (created if missing).")

    def handle(self, *args, host: str, port: int, dir: str, **options):
        credentials_dir = Path(settings.LETTERS_CREDENTIALS_DIR)
        # Trust whatever certificates the clients are configured with (the generated
        # development one unless EPUAP_CERT_FILE / EDORECZENIA_CERT_FILE say otherwise).
        trusted = [development_credentials(credentials_dir, "system").certificate]
        for path in (settings.EPUAP_CERT_FILE, settings.EDORECZENIA_CERT_FILE):
            if path:
                trusted.append(load_certificate(path))
        try:
            simulator = LettersSimulator(
                credentials=development_credentials(credentials_dir, "simulator"),
                client_certificates=trusted,
                host=host,
                port=port,
                store_dir=Path(dir),
            )
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from None
        simulator.start()
        self.stdout.write(
            f"Letters simulator on {simulator.base_url}: ePUAP at /epuap/skrytka and "
            f"/epuap/pull, e-Doręczenia at /edoreczenia/token and /edoreczenia/api; "
            f"received documents go to {Path(dir).resolve()}"
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            simulator.stop()
