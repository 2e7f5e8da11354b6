"""Test doubles that run on the loopback: a push service that decrypts what it receives as a
browser would, a browser's push subscription keys, an HTTP server playing an SMS gateway."""

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from podkowa.accounts.models import ConsentKind, ConsentText
from podkowa.accounts.services.consents import consent_grant


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeBrowser:
    """What a browser keeps for one push subscription: its P-256 key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key,
                                 auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class LocalHttpService:
    """An HTTP server on 127.0.0.1 recording every POST; answers `status` (or per path)."""

    def __init__(self, status: int = 201, body: bytes = b"") -> None:
        self.status = status
        self.body = body
        self.status_by_path: dict[str, int] = {}
        self.received: list[Received] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                service.received.append(Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, data))
                status = service.status_by_path.get(self.path, service.status)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(service.body)))
                self.end_headers()
                self.wfile.write(service.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def give_consent(gmina, user, *kinds: str) -> None:
    for kind in kinds:
        text = ConsentText.objects.filter(gmina=gmina, kind=kind).first() or \
            ConsentText.objects.create(gmina=gmina, kind=kind, version=1, text="I agree.")
        consent_grant(gmina=gmina, user=user, kind=kind, channel="web", text_id=text.pk)


ELECTRONIC = ConsentKind.ELECTRONIC_COMMUNICATION
PUSH = ConsentKind.PUSH
