"""The case's thread: messages between the applicant and the office, internal notes."""

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from podkowa.cases.models import CaseAttachment, CaseMessage, Status
from podkowa.cases.services import notify as case_notifications
from podkowa.cases.services.filing import check_files, delete_written, store_files
from podkowa.cases.services.lifecycle import Actor, actor_kinds, apply_transition, lock_case
from podkowa.cases.services.notify import applicant_language
from podkowa.core.models import Gmina

# What may be attached to a message (the office's scans, the resident's documents).
MESSAGE_FILES = {"key": "files", "type": "attachments", "label": "files",
                 "kinds": ["image", "pdf"], "max_size_mb": 10, "max_count": 5}
BODY_MAX = 10000


@transaction.atomic
def case_message_post(*, gmina: Gmina, case_id: int, author, body: str, files=None,
                      internal: bool = False) -> CaseMessage:
    """Post to the thread. The applicant's message while the office waits for information
    answers it: the case goes back to "in progress" and its clock runs again."""
    case = lock_case(gmina=gmina, case_id=case_id)
    kinds = actor_kinds(case=case, user=author)
    if not kinds:
        raise PermissionDenied(_g("You may not write in this case."))
    from_office = Actor.APPLICANT not in kinds
    if internal and not rules.has_perm("cases.post_internal_note", author, case):
        raise PermissionDenied(_g("Only the office writes internal notes."))
    body = (body or "").strip()
    uploads = list(files or [])
    errors = {}
    if not body and not uploads:
        errors["body"] = _("Write a message or attach a file.")
    elif len(body) > BODY_MAX:
        errors["body"] = _g("Use at most %(limit)s characters.") % {"limit": BODY_MAX}
    if not from_office and case.status in (Status.CLOSED, Status.WITHDRAWN):
        errors["case"] = _("This case is closed; please file a new one.")
    checked, file_errors = check_files([MESSAGE_FILES], {"files": uploads} if uploads else {})
    errors.update(file_errors)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    message = CaseMessage.objects.create(
        gmina_id=case.gmina_id, case=case, author=author, from_office=from_office, body=body,
        is_internal=internal, created_at=now,
        # The writer's own side has read it.
        read_by_office_at=now if from_office else None,
        read_by_applicant_at=None if from_office else now,
    )
    written: list[str] = []
    storage = CaseAttachment._meta.get_field("file").storage
    try:
        with transaction.atomic():
            store_files(case=case, files={"": checked.get("files", [])}, uploaded_by=author,
                        written=written, message=message, internal=internal)
            if not from_office and case.status == Status.NEEDS_INFORMATION:
                apply_transition(case=case, to_status=Status.IN_PROGRESS, actor=author,
                                 kinds={Actor.APPLICANT},
                                 note=_g("The applicant answered in the messages."))
            if from_office and not internal:
                with applicant_language(case):
                    case_notifications.case_notify(
                        case=case,
                        subject=_g("Case %(number)s: a new message from the office")
                        % {"number": case.number},
                        body=_g("The office wrote in your case %(number)s (%(type)s). "
                                "Sign in to read the message.")
                        % {"number": case.number, "type": case.case_type.name},
                        dedup_key=f"case-{case.pk}-message-{message.pk}",
                    )
    except BaseException:
        delete_written(storage, written)
        raise
    return message


@transaction.atomic
def case_messages_mark_read(*, gmina: Gmina, case_id: int, reader) -> int:
    """Mark the other side's messages as read by the reader's side; returns how many."""
    case = lock_case(gmina=gmina, case_id=case_id)
    kinds = actor_kinds(case=case, user=reader)
    now = timezone.now()
    if Actor.APPLICANT in kinds:
        return CaseMessage.objects.filter(
            gmina=gmina, case=case, from_office=True, is_internal=False,
            read_by_applicant_at__isnull=True,
        ).update(read_by_applicant_at=now)
    if Actor.OFFICIAL in kinds:
        return CaseMessage.objects.filter(
            gmina=gmina, case=case, from_office=False, read_by_office_at__isnull=True,
        ).update(read_by_office_at=now)
    raise PermissionDenied(_g("You may not read this case."))
