"""The database queue: deferred retries and the real `manage.py db_worker` process."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core import mail
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from podkowa.notifications.models import OutboxMessage
from podkowa.notifications.services import outbox_enqueue
from podkowa.notifications.tasks import deliver_outbox_message
from tests.factories import UserFactory
from tests.notifications.conftest import use_smtp

REPO = Path(__file__).resolve().parents[2]
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _url_of_test_database() -> str:
    """A DATABASE_URL naming the database this test runs on, for a child process."""
    conf = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(conf["USER"] or "")
        if conf.get("PASSWORD"):
            auth += ":" + quote(conf["PASSWORD"])
        host = f"{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}"
        return f"postgis://{auth}@{host}/{conf['NAME']}"
    return "spatialite:///" + str(Path(conf["NAME"]).resolve())


def test_a_failed_attempt_is_queued_again_for_its_next_attempt(
    gmina, smtp_port, settings, django_capture_on_commit_callbacks
):
    use_smtp(settings, smtp_port, TASKS=DB_QUEUE)
    resident = UserFactory()
    message = outbox_enqueue(
        gmina=gmina, recipient=resident, channel="email", address=resident.email,
        subject="Reminder", body="Your appointment is tomorrow.",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_outbox_message.call(message.pk) == "retry"

    message.refresh_from_db()
    queued = DBTaskResult.objects.get(task_path=deliver_outbox_message.module_path)
    assert queued.args_kwargs == {"args": [message.pk], "kwargs": {}}
    assert queued.run_after == message.next_attempt_at


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_delivers_what_was_queued_on_commit(
    gmina, smtp_port, catcher_factory, settings
):
    settings.TASKS = DB_QUEUE
    folder = catcher_factory(smtp_port)
    resident = UserFactory(email="anna@example.org")
    with transaction.atomic():
        message = outbox_enqueue(
            gmina=gmina, recipient=resident, channel="email", address=resident.email,
            subject="Welcome", body="Your account is ready.",
        )

    # Queued in the database, not run: that is the worker's job.
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert mail.outbox == []
    assert not list(folder.glob("*.eml"))

    env = {key: value for key, value in os.environ.items() if key != "TASKS_IMMEDIATE"}
    env.update(
        DATABASE_URL=_url_of_test_database(),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        PODKOWA_TESTING="1",
    )
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
         "--no-reload", "--queue-name", "default"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert worker.returncode == 0, worker.stderr

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    (eml,) = folder.glob("*.eml")
    assert b"Subject: Welcome" in eml.read_bytes()
