import socket

import pytest

from podkowa.notifications.mailcatcher import start_mail_catcher


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    """A local port where nothing listens (yet)."""
    return free_port()


@pytest.fixture
def catcher_factory(tmp_path):
    """Start mail catchers on demand; each writes into tmp_path/mail; all stop at the end."""
    started = []
    directory = tmp_path / "mail"

    def start(port: int):
        controller = start_mail_catcher(port=port, directory=directory)
        started.append(controller)
        return directory

    yield start
    for controller in started:
        controller.stop()


def use_smtp(settings, port: int, **more) -> None:
    """Send through Django's real SMTP backend to 127.0.0.1:port for this test.

    Only through pytest-django's `settings` fixture: mixing it with @override_settings on the
    same test restores the settings in the wrong order and leaks them into later tests.
    """
    values = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": 5,
        **more,
    }
    for name, value in values.items():
        setattr(settings, name, value)


@pytest.fixture
def push_service():
    """A Web Push service on the loopback; stopped at the end."""
    from tests.notifications.support import LocalHttpService

    service = LocalHttpService(status=201)
    yield service
    service.stop()


@pytest.fixture
def vapid(settings):
    """This install's VAPID keys for the test (production-like: from settings)."""
    from podkowa.notifications.vapid import vapid_keys_generate

    keys = vapid_keys_generate()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = keys.private_key
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys.public_key
    return keys
