import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from podkowa.accounts.logingovpl.simulator import LoginGovSimulator
from podkowa.cases.letters.credentials import development_credentials, load_certificate


class Command(BaseCommand):
    help = ("Development stand-in for login.gov.pl: SAML SSO with demo identities, artifact "
            "resolution over SOAP, single logout, on a local port.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.LOGINGOVPL_SIMULATOR_HOST)
        parser.add_argument("--port", type=int, default=settings.LOGINGOVPL_SIMULATOR_PORT)

    def handle(self, *args, host: str, port: int, **options):
        directory = Path(settings.LOGINGOVPL_CREDENTIALS_DIR)
        # The service's keys as the site uses them: its configured files, else the generated
        # development pairs (the same files the site reads).
        if settings.LOGINGOVPL_SIGNING_CERT_FILE:
            signing = load_certificate(settings.LOGINGOVPL_SIGNING_CERT_FILE)
        else:
            signing = development_credentials(directory, "sp-signing", key_type="ec").certificate
        if settings.LOGINGOVPL_ENCRYPTION_CERT_FILE:
            encryption = load_certificate(settings.LOGINGOVPL_ENCRYPTION_CERT_FILE)
        else:
            encryption = development_credentials(directory, "sp-encryption",
                                                 key_type="ec").certificate
        try:
            simulator = LoginGovSimulator(
                credentials=development_credentials(directory, "simulator", key_type="ec"),
                sp_certificates=[signing], sp_encryption_certificate=encryption,
                host=host, port=port,
            )
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from None
        simulator.start()
        self.stdout.write(f"login.gov.pl simulator on {simulator.base_url} "
                          f"(entity id {simulator.entity_id})")
        self.stdout.flush()  # the banner says "listening" to whoever waits on the pipe
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            simulator.stop()
