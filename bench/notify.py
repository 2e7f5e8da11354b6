"""Scenario "notify": one announcement to 10,000 subscribed residents, delivered by the worker.

Builds its own data in a throwaway PostgreSQL database (`podkowa_bench_notify` on
postgis://postgres@127.0.0.1:5432, created and dropped here; BENCH_DATABASE_URL overrides) —
PostgreSQL, not SpatiaLite, because several worker processes write the outbox at once and
SQLite would serialise them. Falls back to a SpatiaLite file under var/bench/ when no
PostgreSQL answers (and says so in the figures).

Every resident has consented to electronic communication and push messages, has an e-mail
address and one push subscription, and follows the topic. Sinks on the loopback count what
arrives: an aiosmtpd SMTP server (by the outbox id each e-mail carries) and an HTTP server
playing the push service (by subscription endpoint; answers 201). The office sends the
announcement; the real `manage.py db_worker` processes (BENCH_WORKERS) fan it
out and deliver it (4 by default: on a 2-core machine a worker waits for a commit or a
sink often enough that 4 keep both cores busy). Measured: from "send" to the last message at
the sinks.

The peer: the same 10,000 e-mails and 10,000 encrypted, VAPID-signed pushes sent straight to
the same sinks in a tight loop (one SMTP connection, one HTTP session, no database) — what the
sinks need to take the messages at all. `ratio_vs_sinks` is our time over theirs.

Last line: {"scenario": "notify", "recipients": 10000, "seconds": …, "lost": 0,
"duplicated": 0, "ratio_vs_sinks": …}. Loopback only; nothing leaves the machine.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
TIMEOUT_S = float(os.environ.get("BENCH_TIMEOUT", "600"))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "podkowa_bench_notify"
TERYT = "1405021"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- sinks (in this process) ---------------------------------------------------------------


class PushSink:
    """Counts POSTs per path (one path per subscription); answers 201 like a push service."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.last_at = 0.0
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: requests' pool reuses connections

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.counts[self.path] += 1
                    sink.last_at = time.time()
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """aiosmtpd counting messages by their X-Podkowa-Outbox-Id (or Message-ID) header."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.counts: Counter = Counter()
        self.last_at = 0.0
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                content = envelope.original_content or envelope.content or b""
                if isinstance(content, str):
                    content = content.encode()
                key = None
                for line in content.split(b"\r\n", 200):
                    if not line:
                        break
                    if line.lower().startswith(b"x-podkowa-outbox-id:"):
                        key = line.split(b":", 1)[1].strip()
                        break
                sink.counts[key or secrets.token_hex(8).encode()] += 1
                sink.last_at = time.time()
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


# --- the database ----------------------------------------------------------------------------


def database_url() -> tuple[str, str]:
    """(url, kind): a fresh PostgreSQL database if one answers, else a SpatiaLite file."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"], "given"
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        return f"postgis://postgres@127.0.0.1:5432/{PG_DB}", "postgresql"
    except Exception as exc:
        sys.stderr.write(f"PostgreSQL not available ({exc}); using SpatiaLite\n")
        return "", "spatialite"


def drop_database(kind: str) -> None:
    if kind != "postgresql":
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def bench_env(workdir: Path, db_url: str, smtp_port: int, vapid: tuple[str, str]) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "PODKOWA_TESTING", "TASKS_IMMEDIATE"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "podkowa.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PESEL_HMAC_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PODKOWA_VAR_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": db_url or f"spatialite:///{workdir / 'notify.sqlite3'}",
        "DB_CONN_MAX_AGE": "600",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "WEBPUSH_VAPID_PRIVATE_KEY": vapid[0],
        "WEBPUSH_VAPID_PUBLIC_KEY": vapid[1],
        "WEBPUSH_VAPID_SUBJECT": "mailto:bench@podkowa.test",
        "SMS_GATEWAY": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


# --- child steps (run with the bench environment) -------------------------------------------


def _django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup_data(push_url: str) -> None:
    """A town, a topic, an official, RECIPIENTS consenting subscribers with a device each."""
    _django()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.db import transaction
    from django_scopes import scope

    from podkowa.accounts.models import (
        Consent,
        ConsentKind,
        ConsentText,
        ResidentProfile,
        Role,
        User,
    )
    from podkowa.accounts.services.officials import official_appoint
    from podkowa.core.models import Gmina
    from podkowa.notifications.models import Announcement, PushSubscription, Subscription
    from podkowa.notifications.services import topics_ensure_defaults
    from podkowa.notifications.vapid import b64url

    gmina = Gmina.objects.create(teryt=TERYT, name="Podkowa Leśna", slug="podkowa-lesna")
    # A handful of browser keys shared by the devices: the sink does not decrypt, and the
    # sender's work (a fresh ECDH per message) is the same whatever the key.
    browser_keys = [
        b64url(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        for _ in range(16)
    ]
    with scope(gmina=gmina), transaction.atomic():
        topic = {t.slug: t for t in topics_ensure_defaults(gmina=gmina)}["road-works"]
        clerk = User.objects.create_user("clerk@podkowa.test", None)
        official_appoint(gmina=gmina, user=clerk, roles=[Role.CASE_CLERK])
        users = User.objects.bulk_create(
            [User(email=f"resident{n:05d}@podkowa.test", password="!", first_name="R",  # noqa: S106 - unusable
                  last_name=str(n), language="pl" if n % 5 else "en")
             for n in range(RECIPIENTS)], batch_size=2000)
        texts = {kind: ConsentText.objects.create(gmina=gmina, kind=kind, version=1,
                                                  text="I agree.")
                 for kind in (ConsentKind.ELECTRONIC_COMMUNICATION, ConsentKind.PUSH)}
        Consent.objects.bulk_create(
            [Consent(gmina=gmina, user=u, kind=kind, text=text, granted_channel="web")
             for u in users for kind, text in texts.items()], batch_size=2000)
        ResidentProfile.objects.bulk_create(
            [ResidentProfile(gmina=gmina, user=u) for u in users], batch_size=2000)
        Subscription.objects.bulk_create(
            [Subscription(gmina=gmina, user=u, topic=topic) for u in users], batch_size=2000)
        PushSubscription.objects.bulk_create(
            [PushSubscription(gmina=gmina, user=u, endpoint=f"{push_url}/push/{u.pk}",
                              p256dh=browser_keys[n % len(browser_keys)],
                              auth=b64url(os.urandom(16)), user_agent="bench")
             for n, u in enumerate(users)], batch_size=2000)
        announcement = Announcement.objects.create(
            gmina=gmina, topic=topic, subject="Akacjowa closed on Monday",
            body="Road works from 7:00 to 15:00; detour through Jaśminowa.",
            url="/ogloszenia/1/", author=clerk)
    print(json.dumps({"announcement": announcement.pk, "clerk": clerk.pk}))


def send(announcement_id: int, clerk_id: int) -> None:
    """The official presses "send": prints the wall-clock moment just before."""
    _django()
    from django_scopes import scope

    from podkowa.accounts.models import User
    from podkowa.core.models import Gmina
    from podkowa.notifications.services import announcement_send

    gmina = Gmina.objects.get(teryt=TERYT)
    clerk = User.objects.get(pk=clerk_id)
    with scope(gmina=gmina):
        started = time.time()
        announcement_send(gmina=gmina, announcement_id=announcement_id, actor=clerk)
    print(json.dumps({"started": started}))


def straight(push_url: str, smtp_port: int, count: int, vapid_private: str) -> None:
    """The peer: the same messages sent straight to the sinks, no database, no queue."""
    _django()
    import requests
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.core.mail import EmailMultiAlternatives, get_connection
    from py_vapid import Vapid
    from pywebpush import webpush

    from podkowa.notifications.vapid import b64url

    p256dh = b64url(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    payload = json.dumps({"title": "Akacjowa closed on Monday",
                          "body": "Road works from 7:00 to 15:00; detour through Jaśminowa.",
                          "url": "/ogloszenia/1/"}, ensure_ascii=False)
    text = "Road works from 7:00 to 15:00; detour through Jaśminowa.\n" * 3
    vapid = Vapid.from_string(private_key=vapid_private)
    started = time.time()
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend",
                                host="127.0.0.1", port=smtp_port, use_tls=False,
                                username="", password="", timeout=10)
    connection.open()
    for n in range(count):
        mail = EmailMultiAlternatives("Akacjowa closed on Monday", text,
                                      "no-reply@podkowa.test", [f"r{n}@podkowa.test"],
                                      headers={"X-Podkowa-Outbox-Id": f"straight-{n}"},
                                      connection=connection)
        mail.attach_alternative(f"<p>{text}</p>", "text/html")
        mail.send()
    connection.close()
    session = requests.Session()
    for n in range(count):
        webpush({"endpoint": f"{push_url}/straight/{n}",
                 "keys": {"p256dh": p256dh, "auth": b64url(os.urandom(16))}},
                data=payload, vapid_private_key=vapid,
                vapid_claims={"sub": "mailto:bench@podkowa.test"},
                content_encoding="aes128gcm", ttl=86400, timeout=10,
                requests_session=session)
    print(json.dumps({"started": started, "finished": time.time()}))


# --- the run --------------------------------------------------------------------------------


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=900)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(cmd[:4])}")
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def wait_for(total: int, sinks, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if sum(sum(sink.counts.values()) for sink in sinks) >= total:
            return True
        time.sleep(0.05)
    return False


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from podkowa.notifications.vapid import vapid_keys_generate

    bench_root = ROOT / "var" / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="notify-", dir=bench_root))
    (workdir / "static").mkdir()
    keys = vapid_keys_generate()
    push_sink, smtp_sink = PushSink(), SmtpSink()
    db_url, db_kind = database_url()
    env = bench_env(workdir, db_url, smtp_sink.port, (keys.private_key, keys.public_key))
    workers: list[subprocess.Popen] = []
    try:
        manage = [PYTHON, str(ROOT / "manage.py")]
        run([*manage, "migrate", "--noinput", "-v", "0"], env)
        run([*manage, "createcachetable"], env)
        ids = json.loads(run([PYTHON, __file__, "--setup", push_sink.url], env))

        for number in range(WORKERS):
            workers.append(subprocess.Popen(
                [*manage, "db_worker", "--queue-name", "default", "--interval", "0.05",
                 "--no-reload", "--no-startup-delay", "--worker-id", f"bench-{number}"],
                env=env, cwd=ROOT, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            ))
        time.sleep(2.0)  # the workers import Django and start polling
        started = json.loads(run([PYTHON, __file__, "--send", str(ids["announcement"]),
                                  str(ids["clerk"])], env))["started"]
        complete = wait_for(2 * RECIPIENTS, [push_sink, smtp_sink],
                            time.monotonic() + TIMEOUT_S)
        finished = max(push_sink.last_at, smtp_sink.last_at)
        # Anything sent twice would arrive shortly after: keep listening a little longer.
        time.sleep(3.0)
        ours = finished - started
        pushes, mails = Counter(push_sink.counts), Counter(smtp_sink.counts)
        lost = (RECIPIENTS - len(pushes)) + (RECIPIENTS - len(mails))
        duplicated = (sum(pushes.values()) - len(pushes)) + (sum(mails.values()) - len(mails))

        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        workers.clear()

        push_sink.counts.clear()
        smtp_sink.counts.clear()
        peer = json.loads(run([PYTHON, __file__, "--straight", push_sink.url,
                               str(smtp_sink.port), str(RECIPIENTS), keys.private_key], env))
        theirs = peer["finished"] - peer["started"]
        peer_ok = (len(push_sink.counts) == RECIPIENTS and len(smtp_sink.counts) == RECIPIENTS)
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        push_sink.stop()
        smtp_sink.stop()
        if not os.environ.get("BENCH_KEEP"):
            drop_database(db_kind)
        shutil.rmtree(workdir, ignore_errors=True)

    if not complete:
        sys.stderr.write(f"not everything arrived within {TIMEOUT_S} s\n")
    if not peer_ok:
        sys.stderr.write("the straight run did not reach the sinks completely\n")
    print(json.dumps({
        "scenario": "notify",
        "database": db_kind,
        "workers": WORKERS,
        "straight_seconds": round(theirs, 2),
        "recipients": RECIPIENTS,
        "seconds": round(ours, 2),
        "lost": lost,
        "duplicated": duplicated,
        "ratio_vs_sinks": round(ours / theirs, 2) if theirs > 0 else None,
    }))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--setup"]:
        setup_data(sys.argv[2])
    elif sys.argv[1:2] == ["--send"]:
        send(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] == ["--straight"]:
        straight(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        main()
