"""Reading cases: the applicant's own, the office's queue, one case with its thread."""

from dataclasses import dataclass
from datetime import date

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _g

from podkowa.accounts.models import Channel
from podkowa.cases.models import (
    LETTER_CASE_TYPE_SLUG,
    RUNNING_CLOCK_STATUSES,
    Case,
    CaseAttachment,
    CaseMessage,
    CaseTransition,
    CaseType,
    DeadlineExtension,
    FormVersion,
    ReplyTemplate,
)
from podkowa.cases.services.lifecycle import Actor, actor_kinds, allowed_next, warsaw_today
from podkowa.core.models import AuditLogEntry, Gmina
from podkowa.core.services import audit_personal_data_read

QUEUE_ORDERS = {
    "due_date": ("due_date", "id"),
    "-due_date": ("-due_date", "-id"),
    "filed_at": ("filed_at", "id"),
    "-filed_at": ("-filed_at", "-id"),
    "number": ("number",),
}


def _applicant_unread():
    return Count("messages", filter=Q(messages__from_office=True, messages__is_internal=False,
                                      messages__read_by_applicant_at__isnull=True),
                 distinct=True)


def _office_unread():
    return Count("messages", filter=Q(messages__from_office=False,
                                      messages__read_by_office_at__isnull=True), distinct=True)


def cases_for_applicant(*, gmina: Gmina, user, status: str | None = None) -> QuerySet[Case]:
    """The person's own cases, newest first, each with `unread` (office messages not read)."""
    queryset = (Case.objects.filter(gmina=gmina, applicant=user)
                .select_related("case_type").annotate(unread=_applicant_unread())
                .order_by("-filed_at", "-id"))
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def applicant_unread_total(*, gmina: Gmina, user) -> int:
    return CaseMessage.objects.filter(
        gmina=gmina, case__applicant=user, from_office=True, is_internal=False,
        read_by_applicant_at__isnull=True,
    ).count()


def department_queue(*, gmina: Gmina, department_id: int | None = None,
                     status: str | list[str] | None = None, search: str | None = None,
                     assigned_to=None, order: str = "due_date") -> QuerySet[Case]:
    """The office's work list. Each case carries `unread` (the applicant's unread messages).

    `search` matches the case number, the type, the answers and the applicant's name or
    e-mail, case-insensitively also for Polish letters (answers are stored lower-cased).
    The caller checks that the reader is an official who handles cases.
    """
    queryset = (Case.objects.filter(gmina=gmina)
                .select_related("case_type", "applicant", "assigned_to", "department")
                .annotate(unread=_office_unread()))
    if department_id is not None:
        queryset = queryset.filter(department_id=department_id)
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else status)
    if assigned_to is not None:
        queryset = queryset.filter(assigned_to=assigned_to)
    for term in (search or "").split():
        low = term.lower()
        queryset = queryset.filter(
            Q(search_text__contains=low) | Q(applicant__first_name__icontains=term)
            | Q(applicant__last_name__icontains=term) | Q(applicant__email__icontains=term)
        )
    return queryset.order_by(*QUEUE_ORDERS.get(order, QUEUE_ORDERS["due_date"]))


def overdue_cases(*, gmina: Gmina, today: date | None = None) -> QuerySet[Case]:
    """Cases past their due date whose clock runs (a paused case is not late)."""
    return (Case.objects.filter(gmina=gmina, status__in=RUNNING_CLOCK_STATUSES,
                                due_date__lt=today or warsaw_today())
            .select_related("case_type", "applicant").order_by("due_date", "id"))


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    as_office: bool
    messages: list[CaseMessage]
    attachments: list[CaseAttachment]  # the filing's attachments (not the thread's)
    transitions: list[CaseTransition]
    extensions: list[DeadlineExtension]
    next_statuses: list[str]
    overdue: bool


def case_detail_for(*, gmina: Gmina, case_id: int, user, request=None) -> CaseDetail:
    """One case as `user` may see it: the applicant without internal notes, a case clerk with
    everything (and that read goes to the audit log). Anyone else: PermissionDenied."""
    case = (Case.objects.filter(gmina=gmina, pk=case_id)
            .select_related("case_type", "form_version", "applicant", "assigned_to",
                            "department").first())
    if case is None:
        raise Http404(_g("No such case."))
    kinds = actor_kinds(case=case, user=user)
    if not rules.has_perm("cases.view_case", user, case) or not kinds:
        raise PermissionDenied(_g("You may not see this case."))
    as_office = Actor.OFFICIAL in kinds and Actor.APPLICANT not in kinds
    messages = case.messages.select_related("author").prefetch_related("attachments")
    if not as_office:
        messages = messages.filter(is_internal=False)
    attachments = case.attachments.filter(message__isnull=True)
    if not as_office:
        attachments = attachments.filter(is_internal=False)
    if as_office:
        audit_personal_data_read(
            gmina=gmina, actor=user, subject=case.applicant, what=_audit_what(),
            action=AuditLogEntry.Action.VIEW, object_ref=f"cases.case:{case.pk}",
            request=request,
        )
    return CaseDetail(
        case=case,
        as_office=as_office,
        messages=list(messages),
        attachments=list(attachments),
        transitions=list(case.transitions.select_related("actor")),
        extensions=list(case.extensions.all()),
        next_statuses=allowed_next(case.status, kinds),
        overdue=case.is_overdue(),
    )


def _audit_what() -> str:
    from django.conf import settings
    from django.utils import translation

    # Recorded in the office's language whatever the official browses in (as the admin does).
    with translation.override(settings.LANGUAGE_CODE):
        return _g("case")


def case_types_for_filing(*, gmina: Gmina, channel: str = Channel.WEB) -> QuerySet[CaseType]:
    """Types a resident may file through the channel: active, with a published form (not
    the letter type: letters arrive through ePUAP / e-Doręczenia, see services/letters.py)."""
    queryset = CaseType.objects.filter(gmina=gmina, is_active=True,
                                       form_versions__isnull=False).exclude(
        slug=LETTER_CASE_TYPE_SLUG).distinct()
    if channel == Channel.MOBILE:
        queryset = queryset.filter(app_allowed=True)
    return queryset.order_by("name")


def current_form_version(*, gmina: Gmina, case_type_id: int) -> FormVersion | None:
    return (FormVersion.objects.filter(gmina=gmina, case_type_id=case_type_id)
            .order_by("-number").first())


def reply_templates_for(*, gmina: Gmina, department_id: int | None = None
                        ) -> QuerySet[ReplyTemplate]:
    queryset = ReplyTemplate.objects.filter(gmina=gmina)
    if department_id is not None:
        queryset = queryset.filter(Q(department_id=department_id) | Q(department__isnull=True))
    return queryset.order_by("title")


def case_attachment_for(*, gmina: Gmina, attachment_id: int, user, request=None
                        ) -> CaseAttachment:
    """One attachment for download, if `user` may see it (internal ones: the office only);
    an official's download is audited like reading the case."""
    attachment = (CaseAttachment.objects.filter(gmina=gmina, pk=attachment_id)
                  .select_related("case", "case__applicant").first())
    if attachment is None:
        raise Http404(_g("No such attachment."))
    kinds = actor_kinds(case=attachment.case, user=user)
    as_office = Actor.OFFICIAL in kinds and Actor.APPLICANT not in kinds
    if not kinds or (attachment.is_internal and not as_office):
        raise PermissionDenied(_g("You may not see this attachment."))
    if as_office:
        audit_personal_data_read(
            gmina=gmina, actor=user, subject=attachment.case.applicant, what=_audit_what(),
            action=AuditLogEntry.Action.VIEW,
            object_ref=f"cases.caseattachment:{attachment.pk}", request=request,
        )
    return attachment
