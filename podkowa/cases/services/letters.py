"""Letters to the office through the national channels: write, deliver, receive as a case.

1. ``letter_submit`` (the website only): the resident's text and files become the standard
   "Pismo ogólne do podmiotu publicznego", sealed with the office's system certificate and
   stored with the Letter row in one transaction; delivery is queued for after the commit.
2. ``letter_deliver`` (a task): hands the sealed XML to ePUAP or e-Doręczenia, addressed to the
   office's own box, and keeps the service's signed receipt (UPP / submission evidence) — the
   resident's proof of the date the letter reached the office (KPA art. 57 §5). Failures are
   retried with the outbox's back-off; a refusal by the service is final.
3. ``letters_receive`` (a task, and ``manage.py letters_sync`` from cron): the office's intake
   pulls what waits in its box, keeps every document as it arrived (IncomingLetter) and only
   then acknowledges it, so nothing is lost between the service and the database. A document
   that is one of our own letters (same SHA-256) becomes a case of the letter case type, with
   the letter's attachments stored byte for byte as the XML carries them.

The resident authenticates to this site, not to ePUAP: the seal attests that the document is
what was written here; a resident's own trusted-profile signature is not part of this flow.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import Channel, ResidentProfile
from podkowa.cases.letters.compose import compose_general_letter, read_incoming_letter
from podkowa.cases.letters.credentials import system_credentials
from podkowa.cases.letters.document import (
    MAX_ATTACHMENTS,
    MAX_ATTACHMENTS_TOTAL_BYTES,
    Address,
    GeneralLetter,
    Institution,
    Person,
)
from podkowa.cases.letters.errors import AddressInvalid, DeliveryRefused, LetterError
from podkowa.cases.letters.transports import Incoming, get_transport
from podkowa.cases.models import (
    LETTER_CASE_TYPE_SLUG,
    CaseType,
    Deadline,
    FormVersion,
    IncomingLetter,
    Letter,
    LetterChannel,
)
from podkowa.cases.selectors.letters import letter_document_bytes
from podkowa.cases.services.attachments import CheckedFile, attachment_check
from podkowa.cases.services.filing import case_file, delete_written
from podkowa.cases.services.notify import CASE_TOPIC
from podkowa.core.models import Gmina
from podkowa.notifications.services.outbox import retry_delay

LETTER_KINDS = ["pdf", "image"]
MAX_FILE_BYTES = MAX_ATTACHMENTS_TOTAL_BYTES
MAX_TITLE = 200
MAX_BODY = 20_000
# A letter whose delivery keeps failing for about a day (with the outbox's back-off) is
# given up and the resident told, rather than retried for ever.
MAX_ATTEMPTS = 12
# How long a delivery attempt holds the letter before another worker may try it.
DELIVERY_LEASE_SECONDS = 300
# ePUAP hands out one document at a time; one intake run takes at most this many.
MAX_INTAKE_PER_RUN = 200

LETTER_FORM = [
    {"key": "subject", "type": "text", "label": "Temat", "required": True, "max_length": 500},
    {"key": "content", "type": "textarea", "label": "Treść", "required": True},
    {"key": "attachments", "type": "attachments", "label": "Załączniki",
     "max_count": MAX_ATTACHMENTS, "kinds": LETTER_KINDS, "max_size_mb": 5},
]


def letter_channels_available() -> list[str]:
    """The channels this install is configured to send through (website choices)."""
    available = []
    if settings.EPUAP_SKRYTKA_URL and settings.EPUAP_PULL_URL:
        available.append(LetterChannel.EPUAP)
    if settings.EDORECZENIA_API_URL and settings.EDORECZENIA_ADDRESS:
        available.append(LetterChannel.EDORECZENIA)
    return available


def office_address(channel: str) -> str:
    """The office's own box the letters are addressed to (and its intake pulls from)."""
    if channel == LetterChannel.EPUAP:
        return settings.EPUAP_ADRES_SKRYTKI
    return settings.EDORECZENIA_ADDRESS


_STREET_NUMBER = re.compile(
    r"^(?P<street>.*?)\s+(?P<building>\d+[A-Za-z]?)(?:\s*/\s*(?P<unit>\w+))?$")


def split_street(value: str) -> tuple[str, str, str]:
    """'ul. Jaśminowa 5/2' → ('ul. Jaśminowa', '5', '2'): the form keeps them apart."""
    value = (value or "").strip()
    match = _STREET_NUMBER.match(value)
    if not match:
        return value, "", ""
    return match["street"], match["building"], match["unit"] or ""


def letter_sender(*, gmina: Gmina, user) -> Person:
    """The resident as the letter's sender; a clear error when the profile lacks what the
    standard form needs (name and postal address)."""
    profile = ResidentProfile.objects.filter(gmina=gmina, user=user).first()
    problems = []
    if not (user.first_name or "").strip() or not (user.last_name or "").strip():
        problems.append(_("Give your first and last name in your profile first."))
    if profile is None or not profile.city.strip() or not profile.postal_code.strip():
        problems.append(_("Give your postal address in your profile first."))
    if problems:
        raise ValidationError({"__all__": problems})
    street, building, unit = split_street(profile.street)
    return Person(
        first_name=user.first_name, last_name=user.last_name, email=user.email,
        address=Address(town=profile.city, postal_code=profile.postal_code, street=street,
                        building=building, unit=unit),
    )


def office_as_recipient(gmina: Gmina) -> Institution:
    street, building, unit = split_street(gmina.address)
    return Institution(
        name=gmina.official_name or gmina.name, email=gmina.email,
        address=Address(town=gmina.city or gmina.name, postal_code=gmina.postal_code,
                        street=street, building=building, unit=unit),
    )


def _check_letter_files(files: list) -> list[CheckedFile]:
    uploads = [f for f in files or [] if f is not None]
    errors = []
    if len(uploads) > MAX_ATTACHMENTS:
        errors.append(_g("Attach at most %(n)s files.") % {"n": MAX_ATTACHMENTS})
    checked = []
    for upload in uploads[:MAX_ATTACHMENTS]:
        try:
            checked.append(attachment_check(upload, kinds=LETTER_KINDS,
                                            max_bytes=MAX_FILE_BYTES))
        except ValidationError as error:
            errors.extend(error.messages)
    total = sum(item.size for item in checked)
    if total > MAX_ATTACHMENTS_TOTAL_BYTES:
        errors.append(_g("The attachments are too large together (at most %(max)s MB).")
                      % {"max": MAX_ATTACHMENTS_TOTAL_BYTES // (1024 * 1024)})
    if errors:
        raise ValidationError({"files": errors})
    return checked


def letter_submit(*, gmina: Gmina, author, channel: str, title: str, body: str,
                  files: list | None = None, via: str = Channel.WEB) -> Letter:
    """Write a letter to the office and queue its delivery. The website only.

    Raises ValidationError keyed by field ("channel", "title", "body", "files", "__all__")
    and stores nothing.
    """
    if via == Channel.MOBILE:
        raise ValidationError({"channel": _(
            "Letters through ePUAP or e-Doręczenia can be sent only on the website.")})
    errors: dict[str, list] = {}
    if channel not in letter_channels_available():
        errors["channel"] = [_("Choose how to send the letter.")]
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = [_("Give the letter a subject.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_g("At most %(n)s characters.") % {"n": MAX_TITLE}]
    if not body:
        errors["body"] = [_("Write what the letter is about.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_g("At most %(n)s characters.") % {"n": MAX_BODY}]
    try:
        checked = _check_letter_files(files or [])
    except ValidationError as error:
        errors.update(error.message_dict)
        checked = []
    try:
        sender = letter_sender(gmina=gmina, user=author)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    document = GeneralLetter(
        sender=sender, recipient=office_as_recipient(gmina), place=sender.address.town,
        title=title, body=body,
        attachments=[(item.name, item.content_type, item.content) for item in checked],
    )
    try:
        xml = compose_general_letter(document, credentials=system_credentials(channel.upper()))
    except LetterError as error:
        raise ValidationError({"__all__": [str(error)]}) from None
    return _letter_store(gmina=gmina, author=author, channel=channel, title=title, body=body,
                         xml=xml, checked=checked)


def _letter_store(*, gmina: Gmina, author, channel: str, title: str, body: str, xml: bytes,
                  checked: list[CheckedFile]) -> Letter:
    letter = Letter(
        gmina=gmina, author=author, channel=channel, title=title, body=body,
        attachments=[{"name": i.name, "size": i.size, "sha256": i.sha256} for i in checked],
        document_sha256=hashlib.sha256(xml).hexdigest(),
        recipient_address=office_address(channel),
    )
    storage = Letter._meta.get_field("document").storage
    letter.document.save("pismo.xml", ContentFile(xml), save=False)
    try:
        with transaction.atomic():
            letter.save()
            transaction.on_commit(lambda: queue_letter_delivery(letter.pk))
    except BaseException:
        delete_written(storage, [letter.document.name])
        raise
    return letter


def queue_letter_delivery(letter_id: int) -> None:
    from podkowa.cases.tasks import deliver_letter

    deliver_letter.enqueue(letter_id)


def queue_letters_receive(gmina_id: int, channel: str) -> None:
    from podkowa.cases.tasks import receive_letters

    receive_letters.enqueue(gmina_id, channel)


def _claim(*, gmina: Gmina, letter_id: int) -> bool:
    """Take the letter for one attempt (a conditional UPDATE: two workers never both send)."""
    now = timezone.now()
    return bool(Letter.objects.filter(
        gmina=gmina, pk=letter_id, status=Letter.Status.QUEUED, next_attempt_at__lte=now,
    ).update(next_attempt_at=now + timedelta(seconds=DELIVERY_LEASE_SECONDS)))


def letter_deliver(*, gmina: Gmina, letter_id: int) -> str:
    """One delivery attempt: "sent", "retry", "failed" or "skipped" (not due / done)."""
    if not _claim(gmina=gmina, letter_id=letter_id):
        return "skipped"
    letter = Letter.objects.select_related("author").get(gmina=gmina, pk=letter_id)
    xml = letter_document_bytes(letter)
    try:
        receipt = get_transport(letter.channel).send(
            xml, recipient_address=letter.recipient_address)
    except LetterError as error:
        return _record_failure(gmina=gmina, letter=letter, error=error)

    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(gmina=gmina, pk=letter_id)
        letter.receipt.save(f"{receipt.kind.lower()}.xml", ContentFile(receipt.raw), save=False)
        letter.receipt_kind = receipt.kind
        letter.receipt_id = receipt.receipt_id
        letter.submitted_at = receipt.delivered_at or timezone.now()
        letter.status = Letter.Status.SENT
        letter.attempts += 1
        letter.last_error = ""
        letter.save()
        transaction.on_commit(lambda: queue_letters_receive(gmina.pk, letter.channel))
    return "sent"


def _record_failure(*, gmina: Gmina, letter: Letter, error: LetterError) -> str:
    with transaction.atomic():
        letter = Letter.objects.select_for_update().select_related("author").get(pk=letter.pk)
        letter.attempts += 1
        letter.last_error = str(error)
        # A refusal or an address the service can never accept will not heal by waiting.
        final = (isinstance(error, DeliveryRefused | AddressInvalid)
                 or letter.attempts >= MAX_ATTEMPTS)
        if final:
            letter.status = Letter.Status.FAILED
            letter.save()
            _tell_author(letter=letter, subject=_("Your letter could not be sent"), body=_(
                "The letter “%(title)s” could not be delivered to the office: %(reason)s. "
                "Please send it again or bring it to the office.")
                % {"title": letter.title, "reason": letter.last_error},
                key="failed")
            return "failed"
        letter.next_attempt_at = timezone.now() + retry_delay(letter.attempts)
        letter.save()
    return "retry"


def _tell_author(*, letter: Letter, subject, body, key: str) -> None:
    from django.urls import reverse

    from podkowa.notifications.services import notify

    notify(gmina=letter.gmina, recipient=letter.author, topic=CASE_TOPIC, subject=subject,
           body=body, url=reverse("cases:letter", kwargs={"letter_id": letter.pk}),
           dedup_key=f"letter:{letter.pk}:{key}")


def letters_due_ids(*, now=None) -> list[int]:
    """Letters waiting for a (next) delivery attempt — the periodic safety net."""
    from django_scopes import scopes_disabled

    now = now or timezone.now()
    with scopes_disabled():
        return list(Letter.objects.filter(status=Letter.Status.QUEUED,
                                          next_attempt_at__lte=now)
                    .values_list("pk", flat=True)[:1000])


# --- the office's intake ----------------------------------------------------------------


def letter_case_type_ensure(*, gmina: Gmina) -> CaseType:
    """The case type received letters are registered as; officials may rename it, give it a
    department or another deadline in the admin."""
    from podkowa.cases.services.catalogue import form_version_publish

    case_type, _created = CaseType.objects.get_or_create(
        gmina=gmina, slug=LETTER_CASE_TYPE_SLUG,
        defaults={"name": "Pismo ogólne (ePUAP / e-Doręczenia)", "number_prefix": "PO",
                  "deadline": Deadline.MONTH_1, "app_allowed": False,
                  "description": "Pismo złożone przez stronę internetową kanałem krajowym.",
                  "notify_statuses": ["registered", "needs_information", "decided",
                                      "ready_for_pickup", "closed"]},
    )
    if not FormVersion.objects.filter(gmina=gmina, case_type=case_type).exists():
        form_version_publish(gmina=gmina, case_type_id=case_type.pk, definition=LETTER_FORM)
    return case_type


@dataclass(frozen=True)
class IntakeResult:
    incoming: IncomingLetter
    created: bool


def letter_intake(*, gmina: Gmina, incoming: Incoming) -> IntakeResult:
    """Store one received document (idempotent per channel message) and, when it is one of
    our residents' letters, register it as a case. One transaction."""
    with transaction.atomic():
        existing = IncomingLetter.objects.filter(
            gmina=gmina, channel=incoming.channel, message_id=incoming.message_id).first()
        if existing is not None:
            return IntakeResult(existing, created=False)
        content = incoming.document.content
        digest = hashlib.sha256(content).hexdigest()
        row = IncomingLetter(
            gmina=gmina, channel=incoming.channel, message_id=incoming.message_id[:200],
            sender=incoming.sender[:300], sender_address=incoming.sender_address[:200],
            received_at=incoming.received_at, document_sha256=digest,
        )
        row.document.save("received.xml", ContentFile(content), save=False)
        try:
            parsed, signatures = read_incoming_letter(incoming)
        except LetterError as error:
            row.problem = str(error)
            row.save()
            return IntakeResult(row, created=True)
        row.title = parsed.title[:300]
        row.signer = ", ".join(s.certificate.subject.rfc4514_string() for s in signatures)[:300]
        letter = (Letter.objects.select_for_update()
                  .filter(gmina=gmina, document_sha256=digest).first())
        row.letter = letter
        if letter is not None and letter.case_id is None:
            row.case = _register_as_case(gmina=gmina, letter=letter, parsed=parsed)
        elif letter is not None:
            row.case_id = letter.case_id
        else:
            row.problem = _g("Not written on this website: register it by hand.")
        row.save()
        return IntakeResult(row, created=True)


def _register_as_case(*, gmina: Gmina, letter: Letter, parsed: GeneralLetter):
    case_type = letter_case_type_ensure(gmina=gmina)
    files = [CheckedFile(name=a.filename, content=a.content, content_type=a.mime)
             for a in parsed.attachments]
    case = case_file(
        gmina=gmina, applicant=letter.author, case_type_id=case_type.pk,
        data={"subject": parsed.title, "content": parsed.body},
        checked_files={"attachments": files},
    )
    letter.case = case
    letter.status = Letter.Status.REGISTERED
    letter.save(update_fields=["case", "status"])
    return case


def letters_receive(*, gmina: Gmina, channel: str) -> int:
    """Pull what waits in the office's box on `channel`; returns how many were new."""
    transport = get_transport(channel)
    new = 0
    for _round in range(MAX_INTAKE_PER_RUN):
        batch = transport.fetch_incoming()
        if not batch:
            break
        for incoming in batch:
            result = letter_intake(gmina=gmina, incoming=incoming)
            new += result.created
            # Only once the document is safely ours may the service forget it.
            transport.acknowledge(incoming)
    return new
