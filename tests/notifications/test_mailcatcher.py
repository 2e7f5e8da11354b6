import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.mail import EmailMultiAlternatives, get_connection

from tests.notifications.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def _read(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_a_mail_sent_over_smtp_lands_as_an_eml_file(catcher_factory, smtp_port):
    folder = catcher_factory(smtp_port)
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=smtp_port,
        use_tls=False, username="", password="", timeout=5,
    )
    mail = EmailMultiAlternatives(
        "Zażółć gęślą jaźń", "Treść po polsku: źdźbło.", "urzad@podkowalesna.pl",
        ["anna@example.org"], bcc=["archive@example.org"], connection=connection,
    )
    mail.attach_alternative("<p>Treść</p>", "text/html")
    mail.send()
    EmailMultiAlternatives(
        "Second", "Another one.", "urzad@podkowalesna.pl", ["jan@example.org"],
        connection=connection,
    ).send()

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    first = _read(files[0])
    assert first["Subject"] == "Zażółć gęślą jaźń"
    assert first["To"] == "anna@example.org"
    assert "archive@example.org" in first["X-Catcher-Envelope-To"]
    assert first.get_body(("plain",)).get_content().strip() == "Treść po polsku: źdźbło."
    assert "<p>Treść</p>" in first.get_body(("html",)).get_content()
    assert _read(files[1])["Subject"] == "Second"
    assert not list(folder.glob(".*.part"))


def test_the_mailcatcher_command_serves_until_stopped(tmp_path):
    port = free_port()
    folder = tmp_path / "var-mail"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "mailcatcher", "--port", str(port), "--dir", str(folder)],
        cwd=REPO, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port,
            use_tls=False, username="", password="", timeout=5,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                connection.open()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        EmailMultiAlternatives(
            "Hello", "From the command.", "a@example.org", ["b@example.org"],
            connection=connection,
        ).send()
        connection.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)

    (eml,) = folder.glob("*.eml")
    assert _read(eml)["Subject"] == "Hello"
    assert process.returncode == 0
