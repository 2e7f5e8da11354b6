"""The cases part of the API: my cases and their threads, the types I may file, filing.

Only the caller's own cases: another person's case answers 404, the same as one that does
not exist. Filing goes through the same service as the website; a type the office keeps off
the app is refused to the mobile channel by that service (400, field "channel").
"""

import json
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from podkowa.cases.models import Status as CaseStatus
from podkowa.cases.selectors.cases import (
    case_attachment_for,
    case_detail_for,
    case_types_for_filing,
    cases_for_applicant,
    current_form_version,
)
from podkowa.cases.selectors.letters import letter_for_author, letters_for_author
from podkowa.cases.services.filing import case_file
from podkowa.cases.services.formdef import files_from_request
from podkowa.cases.services.letters import letter_submit
from podkowa.cases.services.lifecycle import case_transition
from podkowa.cases.services.messages import case_message_post, case_messages_mark_read
from podkowa.core.api_errors import ErrorOut, FieldErrorsOut
from podkowa.core.channels import LETTERS_SEND, web_only

router = Router(tags=["cases"])


class CaseTypeOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    deadline: str = Field(description="7d, 14d, 1m, 2m or days (then see deadline_days).")
    deadline_days: int | None
    app_allowed: bool = Field(description="May be filed from the mobile app.")
    form_version: int = Field(description="The version of the form a filing now uses.")
    form: list[dict] = Field(description=(
        "The form's fields: each has key, type, label, required and per type: max_length, "
        "min, max, choices, max_rows; attachments: kinds (image, pdf), max_size_mb, "
        "max_count."))


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    field: str = Field(description="The form field it was filed under; empty in messages.")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_field(obj) -> str:
        return obj.field_key


class CaseOut(Schema):
    id: int
    number: str
    case_type_id: int
    case_type: str
    status: str
    status_label: str
    filed_at: datetime
    due_date: date
    is_open: bool
    unread: int = Field(0, description="Messages from the office not read yet.")

    @staticmethod
    def resolve_case_type(obj) -> str:
        return obj.case_type.name

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_unread(obj) -> int:
        return getattr(obj, "unread", 0) or 0


class MessageOut(Schema):
    id: int
    body: str
    from_office: bool
    created_at: datetime
    read_by_applicant_at: datetime | None
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class TransitionOut(Schema):
    from_status: str
    to_status: str
    to_status_label: str
    at: datetime
    note: str

    @staticmethod
    def resolve_to_status_label(obj) -> str:
        return str(obj.get_to_status_display())


class CaseDetailOut(CaseOut):
    answers: dict = Field(description="The answers as filed, keyed by the form's field keys.")
    form: list[dict] = Field(description="The form version the case was filed with.")
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    history: list[TransitionOut]
    may_withdraw: bool


class CaseFileIn(Schema):
    case_type_id: int
    data: str = Field("{}", description=(
        "The answers as a JSON object keyed by the form's field keys: an address is "
        '{"street", "postal_code", "city"}, people a list of {"name", "birth_date"}, dates '
        "YYYY-MM-DD. Files go in parts named after their attachments field's key."))


class MessageIn(Schema):
    body: str = Field("", max_length=10000)


class MarkedOut(Schema):
    marked: int


def _own_detail(request: HttpRequest, case_id: int):
    try:
        found = case_detail_for(gmina=request.gmina, case_id=case_id, user=request.auth)
    except PermissionDenied:
        raise Http404 from None
    if found.as_office:
        # This API is the applicant's; the office works on the website.
        raise Http404
    return found


class _DetailView:
    """The case as CaseDetailOut reads it: the case's own fields plus what the selector
    gathered (an object, so that the schema's resolvers work as for a plain case)."""

    def __init__(self, found) -> None:
        case = found.case
        self._case = case
        self.unread = sum(1 for m in found.messages
                          if m.from_office and m.read_by_applicant_at is None)
        self.answers = case.data
        self.form = case.form_version.definition
        self.attachments = found.attachments
        self.messages = found.messages
        self.history = found.transitions
        self.may_withdraw = CaseStatus.WITHDRAWN in found.next_statuses

    def __getattr__(self, name):
        return getattr(self._case, name)


def _detail_out(found) -> _DetailView:
    return _DetailView(found)


@router.get("/cases", response={200: list[CaseOut], 401: ErrorOut})
def my_cases(request: HttpRequest, status: str | None = None):
    """The caller's own cases, newest first; `status` filters (e.g. needs_information)."""
    return list(cases_for_applicant(gmina=request.gmina, user=request.auth, status=status))


@router.get("/cases/types", response={200: list[CaseTypeOut], 401: ErrorOut})
def case_types(request: HttpRequest):
    """The kinds of case the caller may file through this channel, with their current form."""
    out = list(case_types_for_filing(gmina=request.gmina, channel=request.channel))
    for case_type in out:
        version = current_form_version(gmina=request.gmina, case_type_id=case_type.pk)
        case_type.form_version, case_type.form = version.number, version.definition
    return out


FILING_BODY = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object",
    "required": ["case_type_id"],
    "properties": {
        "case_type_id": {"type": "integer"},
        "data": {"type": "string", "description": CaseFileIn.model_fields["data"].description},
    },
    "additionalProperties": {
        "type": "array", "items": {"type": "string", "format": "binary"},
        "description": "Files of an attachments field, in parts named after the field's key.",
    },
}}}}}


@router.post("/cases", response={201: CaseDetailOut, 400: FieldErrorsOut, 401: ErrorOut},
             openapi_extra=FILING_BODY)
def file_a_case(request: HttpRequest, payload: Form[CaseFileIn]):
    """File a case (multipart/form-data). Bad answers or files: 400 with errors per field key;
    a type not allowed in the app, from the app: 400 with the error on "channel"."""
    try:
        answers = json.loads(payload.data or "{}")
    except ValueError:
        raise ValidationError({"data": _("The answers are not valid JSON.")}) from None
    version = current_form_version(gmina=request.gmina, case_type_id=payload.case_type_id)
    files = files_from_request(version.definition, request.FILES) if version else {}
    case = case_file(gmina=request.gmina, applicant=request.auth,
                     case_type_id=payload.case_type_id, data=answers, files=files,
                     channel=request.channel)
    return Status(201, _detail_out(_own_detail(request, case.pk)))


@router.get("/cases/{case_id}", response={200: CaseDetailOut, 401: ErrorOut, 404: ErrorOut})
def my_case(request: HttpRequest, case_id: int):
    """One of the caller's cases with its answers, files, thread and history."""
    return _detail_out(_own_detail(request, case_id))


@router.post("/cases/{case_id}/messages",
             response={201: MessageOut, 400: FieldErrorsOut, 401: ErrorOut, 404: ErrorOut})
def post_message(request: HttpRequest, case_id: int, payload: Form[MessageIn],
                 files: File[list[UploadedFile]] = None):
    """Write to the office (multipart/form-data; up to 5 images or PDFs in parts named
    `files`). While the office waits for information, this answers it and the case goes back
    to work."""
    _own_detail(request, case_id)
    message = case_message_post(gmina=request.gmina, case_id=case_id, author=request.auth,
                                body=payload.body, files=files or [])
    return Status(201, message)


@router.post("/cases/{case_id}/read", response={200: MarkedOut, 401: ErrorOut, 404: ErrorOut})
def mark_read(request: HttpRequest, case_id: int):
    """Mark the office's messages in the case as read; returns how many were unread."""
    _own_detail(request, case_id)
    return {"marked": case_messages_mark_read(gmina=request.gmina, case_id=case_id,
                                              reader=request.auth)}


@router.post("/cases/{case_id}/withdraw",
             response={200: CaseDetailOut, 400: FieldErrorsOut, 401: ErrorOut, 404: ErrorOut})
def withdraw(request: HttpRequest, case_id: int):
    """Withdraw the case; possible until the office starts working on it (`may_withdraw`)."""
    _own_detail(request, case_id)
    case_transition(gmina=request.gmina, case_id=case_id, to_status=CaseStatus.WITHDRAWN,
                    actor=request.auth)
    return _detail_out(_own_detail(request, case_id))


@router.get("/cases/attachments/{attachment_id}",
            response={200: None, 401: ErrorOut, 404: ErrorOut})
def attachment(request: HttpRequest, attachment_id: int):
    """Download a file of one of the caller's cases."""
    try:
        found = case_attachment_for(gmina=request.gmina, attachment_id=attachment_id,
                                    user=request.auth)
    except PermissionDenied:
        raise Http404 from None
    if found.case.applicant_id != request.auth.pk:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True,
                        filename=found.original_name, content_type=found.content_type)


# --- letters through ePUAP / e-Doręczenia: the website's channel only ---------------------


class LetterIn(Schema):
    channel: str = Field(description="epuap or e-Doręczenia (edoreczenia), as configured.")
    title: str
    body: str


class LetterOut(Schema):
    id: int
    channel: str
    title: str
    body: str
    status: str = Field(description="queued, sent, registered or failed.")
    created_at: datetime
    recipient_address: str
    attachments: list[dict] = Field(description="name, size and SHA-256 of each file.")
    receipt_kind: str = Field(description="UPP (ePUAP) or the e-Doręczenia evidence kind.")
    receipt_id: str
    submitted_at: datetime | None = Field(description="When the office received it.")
    case_id: int | None
    case_number: str | None = None
    last_error: str

    @staticmethod
    def resolve_case_number(obj) -> str | None:
        return obj.case.number if obj.case_id else None


def _own_letter(request: HttpRequest, letter_id: int):
    letter = letter_for_author(gmina=request.gmina, user=request.auth, letter_id=letter_id)
    if letter is None:
        raise Http404(_("No such letter."))
    return letter


@router.get("/letters", response={200: list[LetterOut], 401: ErrorOut, 403: ErrorOut},
            tags=["letters"])
@web_only(LETTERS_SEND)
def my_letters(request: HttpRequest):
    """The caller's letters to the office, newest first."""
    return list(letters_for_author(gmina=request.gmina, user=request.auth))


@router.post("/letters",
             response={201: LetterOut, 400: FieldErrorsOut, 401: ErrorOut, 403: ErrorOut},
             tags=["letters"])
@web_only(LETTERS_SEND)
def write_letter(request: HttpRequest, payload: Form[LetterIn],
                 files: File[list[UploadedFile]] = None):
    """Send a Pismo ogólne to the office (multipart/form-data; images or PDFs in parts named
    `files`). Answers at once with status `queued`; the receipt follows."""
    letter = letter_submit(gmina=request.gmina, author=request.auth, channel=payload.channel,
                           title=payload.title, body=payload.body, files=files or [],
                           via=request.channel)
    return Status(201, _own_letter(request, letter.pk))


@router.get("/letters/{letter_id}",
            response={200: LetterOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            tags=["letters"])
@web_only(LETTERS_SEND)
def my_letter(request: HttpRequest, letter_id: int):
    """One of the caller's letters, with its receipt's number once it has arrived."""
    return _own_letter(request, letter_id)
