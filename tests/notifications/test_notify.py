"""notify(): the inbox always, other channels by consent, preference, device and gateway."""

import json
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.db import transaction
from django.utils.translation import gettext_lazy

from podkowa.accounts.models import Language
from podkowa.accounts.services.registration import resident_profile_ensure
from podkowa.notifications.models import (
    DeliveryAttempt,
    InboxItem,
    OutboxMessage,
    PushSubscription,
    Subscription,
    Topic,
)
from podkowa.notifications.services import notify, push_subscription_register
from tests.factories import UserFactory
from tests.notifications.support import ELECTRONIC, PUSH, FakeBrowser, give_consent

Status = OutboxMessage.Status


@pytest.fixture
def resident(gmina):
    user = UserFactory(email="anna@example.org", language=Language.ENGLISH)
    resident_profile_ensure(gmina=gmina, user=user)
    return user


FIELDS = {"topic": "case-status", "subject": "Your resident card is ready",
          "body": "Collect it at the office.", "url": "/konto/sprawy/12/"}


@pytest.fixture
def tell(gmina, django_capture_on_commit_callbacks):
    """notify() as a caller's committed transaction: delivery runs after it (inline here)."""

    def run(user, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(**{"gmina": gmina, "recipient": user, **FIELDS, **overrides})

    return run


def channels(result) -> list[str]:
    return sorted(OutboxMessage.objects.filter(pk__in=result.message_ids)
                  .values_list("channel", flat=True))


def test_without_consent_the_resident_gets_only_the_inbox_item(
    gmina, resident, django_capture_on_commit_callbacks, tell):
    with django_capture_on_commit_callbacks(execute=True):
        result = tell(resident)

    item = InboxItem.objects.get(recipient=resident)
    assert item == result.inbox_item
    assert item.subject == "Your resident card is ready"
    assert item.topic.slug == "case-status" and item.topic.is_system
    assert item.read_at is None
    assert result.message_ids == []
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_a_notice_the_law_requires_also_goes_by_email_without_consent(
    gmina, resident, django_capture_on_commit_callbacks, tell):
    with django_capture_on_commit_callbacks(execute=True):
        result = tell(resident, legally_required=True)

    assert channels(result) == ["email"]
    assert [m.to for m in mail.outbox] == [["anna@example.org"]]
    assert InboxItem.objects.get().legally_required


def test_with_consent_an_email_in_html_and_text_links_back_to_the_site(
    gmina, resident, django_capture_on_commit_callbacks, tell):
    give_consent(gmina, resident, ELECTRONIC)
    with django_capture_on_commit_callbacks(execute=True):
        result = tell(resident)

    assert channels(result) == ["email"]
    (sent,) = mail.outbox
    assert sent.subject == "Your resident card is ready"
    assert "Collect it at the office." in sent.body
    assert "http://127.0.0.1:8000/konto/sprawy/12/" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="http://127.0.0.1:8000/konto/sprawy/12/"' in html
    assert "/konto/powiadomienia/" in sent.body
    message = OutboxMessage.objects.get()
    assert message.inbox_item == result.inbox_item
    assert list(DeliveryAttempt.objects.filter(message=message)
                .values_list("outcome", flat=True)) == ["sent"]


def test_the_email_is_written_in_the_residents_language(
    gmina, django_capture_on_commit_callbacks, tell):
    polish = UserFactory(email="jan@example.org", language=Language.POLISH)
    english = UserFactory(email="john@example.org", language=Language.ENGLISH)
    for user in (polish, english):
        give_consent(gmina, user, ELECTRONIC)

    with django_capture_on_commit_callbacks(execute=True):
        for user in (polish, english):
            tell(user, subject=gettext_lazy("Your account"), body=gettext_lazy("Consents"))

    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["jan@example.org"].subject == "Twoje konto"
    assert "Zgody" in by_address["jan@example.org"].body
    assert by_address["john@example.org"].subject == "Your account"
    assert 'lang="pl"' in by_address["jan@example.org"].alternatives[0][0]
    assert InboxItem.objects.get(recipient=polish).subject == "Twoje konto"


def test_the_profile_and_a_topic_preference_decide_the_email(gmina, resident, tell):
    give_consent(gmina, resident, ELECTRONIC)
    profile = resident_profile_ensure(gmina=gmina, user=resident)
    profile.notify_by_email = False
    profile.save()

    assert channels(tell(resident)) == []

    topic = Topic.objects.create(gmina=gmina, slug="road-works", name="Road works")
    Subscription.objects.create(gmina=gmina, user=resident, topic=topic, by_email=True)
    assert channels(tell(resident, topic="road-works")) == ["email"]
    # The override is per topic: case status still follows the profile.
    assert channels(tell(resident)) == []


def test_push_reaches_the_device_encrypted_and_signed(
    gmina, resident, push_service, vapid, django_capture_on_commit_callbacks, tell):
    give_consent(gmina, resident, ELECTRONIC, PUSH)
    browser = FakeBrowser()
    device = push_subscription_register(
        gmina=gmina, user=resident, endpoint=f"{push_service.url}/push/abc",
        p256dh=browser.p256dh, auth=browser.auth, user_agent="Firefox on Android",
    )

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        result = notify(gmina=gmina, recipient=resident, **FIELDS)
        assert push_service.received == []  # nothing leaves before the cause commits

    assert channels(result) == ["email", "push"]
    (request,) = push_service.received
    assert request.path == "/push/abc"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert f"k={vapid.public_key}" in request.headers["authorization"]
    assert request.headers["authorization"].startswith("vapid t=")
    assert browser.decrypt(request.body) == {
        "title": "Your resident card is ready",
        "body": "Collect it at the office.",
        "url": "/konto/sprawy/12/",
    }
    device.refresh_from_db()
    assert device.last_success_at is not None


def test_push_needs_the_push_consent(gmina, resident, push_service, vapid, tell):
    give_consent(gmina, resident, ELECTRONIC)
    browser = FakeBrowser()
    push_subscription_register(gmina=gmina, user=resident, endpoint=f"{push_service.url}/p",
                               p256dh=browser.p256dh, auth=browser.auth)

    assert channels(tell(resident)) == ["email"]
    assert push_service.received == []


def test_one_push_per_device_and_a_topic_may_switch_push_off(gmina, resident, push_service,
                                                             vapid, tell):
    give_consent(gmina, resident, ELECTRONIC, PUSH)
    phones = [FakeBrowser(), FakeBrowser()]
    for number, phone in enumerate(phones):
        push_subscription_register(gmina=gmina, user=resident,
                                   endpoint=f"{push_service.url}/d{number}",
                                   p256dh=phone.p256dh, auth=phone.auth)

    assert channels(tell(resident)) == ["email", "push", "push"]
    assert sorted(r.path for r in push_service.received) == ["/d0", "/d1"]

    topic = Topic.objects.create(gmina=gmina, slug="culture", name="Culture")
    Subscription.objects.create(gmina=gmina, user=resident, topic=topic, by_push=False)
    assert channels(tell(resident, topic="culture")) == ["email"]


def test_a_gone_subscription_is_removed_and_never_retried(gmina, resident, push_service,
                                                          vapid, tell):
    give_consent(gmina, resident, ELECTRONIC, PUSH)
    browser = FakeBrowser()
    push_subscription_register(gmina=gmina, user=resident, endpoint=f"{push_service.url}/old",
                               p256dh=browser.p256dh, auth=browser.auth)
    push_service.status_by_path["/old"] = 410

    result = tell(resident)

    push = OutboxMessage.objects.get(pk__in=result.message_ids, channel="push")
    assert push.status == Status.FAILED
    assert "410" in push.last_error
    assert not PushSubscription.objects.exists()
    attempt = DeliveryAttempt.objects.get(message=push)
    assert attempt.outcome == DeliveryAttempt.Outcome.GONE
    # The next notification no longer tries the dead device.
    assert channels(tell(resident, dedup_key="second")) == ["email"]
    assert len(push_service.received) == 1


def test_a_failing_push_service_is_retried(gmina, resident, push_service, vapid, tell):
    give_consent(gmina, resident, ELECTRONIC, PUSH)
    browser = FakeBrowser()
    device = push_subscription_register(gmina=gmina, user=resident,
                                        endpoint=f"{push_service.url}/busy",
                                        p256dh=browser.p256dh, auth=browser.auth)
    push_service.status = 503

    result = tell(resident)

    push = OutboxMessage.objects.get(pk__in=result.message_ids, channel="push")
    assert push.status == Status.PENDING
    assert push.attempts == 1
    device.refresh_from_db()
    assert device.failures == 1
    assert DeliveryAttempt.objects.get(message=push).outcome == DeliveryAttempt.Outcome.RETRY


def test_a_repeated_key_notifies_once(gmina, resident, django_capture_on_commit_callbacks, tell):
    give_consent(gmina, resident, ELECTRONIC)
    with django_capture_on_commit_callbacks(execute=True):
        first = tell(resident, dedup_key="case-12-ready")
    with django_capture_on_commit_callbacks(execute=True):
        again = tell(resident, dedup_key="case-12-ready")

    assert again.inbox_item == first.inbox_item
    assert InboxItem.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_nothing_is_written_when_the_cause_rolls_back(
    gmina, resident, django_capture_on_commit_callbacks, tell):
    give_consent(gmina, resident, ELECTRONIC)

    class CauseFailed(Exception):
        pass

    with (django_capture_on_commit_callbacks(execute=True), pytest.raises(CauseFailed),
          transaction.atomic()):
        notify(gmina=gmina, recipient=resident, **FIELDS)
        raise CauseFailed

    assert not InboxItem.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_bad_input_names_the_field_and_writes_nothing(gmina, resident, tell):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        tell(resident, subject=" ", body="", topic="case-status")
    assert set(error.value.message_dict) == {"subject", "body"}

    with pytest.raises(ValidationError) as error:
        tell(resident, topic="no-such-topic")
    assert set(error.value.message_dict) == {"topic"}
    assert not InboxItem.objects.exists()


def test_an_erased_account_is_not_notified(gmina, resident, tell):
    from django.utils import timezone

    resident.anonymised_at = timezone.now()
    resident.save()

    assert tell(resident, legally_required=True).inbox_item is None
    assert not InboxItem.objects.exists()


# --- SMS -----------------------------------------------------------------------------------


@pytest.fixture
def sms_gateway_service():
    from tests.notifications.support import LocalHttpService

    service = LocalHttpService(status=200, body=json.dumps(
        {"count": 1, "list": [{"id": "1", "points": 0.16, "status": "QUEUE"}]}).encode())
    yield service
    service.stop()


def _wants_sms(gmina, user, phone="600 100 200"):
    give_consent(gmina, user, ELECTRONIC)
    profile = resident_profile_ensure(gmina=gmina, user=user)
    profile.phone = phone
    profile.notify_by_sms = True
    profile.notify_by_email = False
    profile.save()


def test_sms_through_the_smsapi_adapter(gmina, resident, sms_gateway_service, settings, tell):
    settings.SMS_GATEWAY = "smsapi"
    settings.SMSAPI_URL = f"{sms_gateway_service.url}/sms.do"
    settings.SMSAPI_TOKEN = "secret-token"
    settings.SMSAPI_SENDER = "Podkowa"
    _wants_sms(gmina, resident)

    result = tell(resident)

    (sms,) = OutboxMessage.objects.filter(pk__in=result.message_ids)
    assert sms.channel == "sms" and sms.status == Status.SENT
    (request,) = sms_gateway_service.received
    assert request.path == "/sms.do"
    assert request.headers["authorization"] == "Bearer secret-token"
    form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
    assert form["to"] == "48600100200"
    assert form["from"] == "Podkowa"
    assert form["message"].startswith("Your resident card is ready http://127.0.0.1:8000/")
    assert form["idx"] == f"outbox-{sms.pk}"
    assert form["check_idx"] == "1"


def test_an_smsapi_error_is_retried(gmina, resident, sms_gateway_service, settings, tell):
    settings.SMS_GATEWAY = "smsapi"
    settings.SMSAPI_URL = f"{sms_gateway_service.url}/sms.do"
    sms_gateway_service.body = json.dumps({"error": 103, "message": "Not enough points"}).encode()
    _wants_sms(gmina, resident)

    result = tell(resident)

    sms = OutboxMessage.objects.get(pk__in=result.message_ids)
    assert sms.status == Status.PENDING
    assert "error 103 Not enough points" in sms.last_error


def test_no_sms_without_a_gateway_or_a_phone(gmina, resident, settings, tell):
    settings.SMS_GATEWAY = ""
    _wants_sms(gmina, resident)
    assert channels(tell(resident)) == []

    settings.SMS_GATEWAY = "file"
    _wants_sms(gmina, resident, phone="")
    assert channels(tell(resident)) == []


def test_the_file_gateway_writes_the_text_for_development(gmina, resident, settings,
                                                          tmp_path, tell):
    settings.SMS_GATEWAY = "file"
    settings.SMS_FILE_DIR = tmp_path / "sms"
    _wants_sms(gmina, resident)

    tell(resident)

    (written,) = (tmp_path / "sms").glob("*.json")
    data = json.loads(written.read_text())
    assert data["to"] == "48600100200"
    assert data["text"].startswith("Your resident card is ready")
