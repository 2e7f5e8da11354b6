"""Case pages: the resident's filing, own cases and thread; the office's queue and case page.

Thin: the services decide and validate, the selectors read (and audit an official's reads);
these views only carry request data to them and errors back to the page.
"""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from podkowa.accounts.models import Channel
from podkowa.cases import forms
from podkowa.cases.models import OPEN_STATUSES, Status
from podkowa.cases.selectors.cases import (
    case_attachment_for,
    case_detail_for,
    case_types_for_filing,
    cases_for_applicant,
    current_form_version,
    department_queue,
    overdue_cases,
    reply_templates_for,
)
from podkowa.cases.selectors.letters import (
    letter_document_bytes,
    letter_for_author,
    letter_receipt_bytes,
    letters_for_author,
)
from podkowa.cases.services.assignment import case_assign
from podkowa.cases.services.filing import case_file
from podkowa.cases.services.formdef import answers_as_text, answers_from_post, files_from_request
from podkowa.cases.services.letters import letter_channels_available, letter_submit
from podkowa.cases.services.lifecycle import case_deadline_extend, case_transition
from podkowa.cases.services.messages import case_message_post, case_messages_mark_read
from podkowa.cases.services.receipt import case_receipt_pdf

QUEUE_PAGE_SIZE = 50


def _errors_by_field(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {key: [str(m) for m in msgs] for key, msgs in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for problems in _errors_by_field(error).values():
        for problem in problems:
            messages.error(request, problem)


def _is_case_office(request: HttpRequest) -> bool:
    return rules.has_perm("cases.handle_case", request.user, request.gmina)


def _is_own(request: HttpRequest, case_id: int) -> bool:
    return cases_for_applicant(gmina=request.gmina, user=request.user).filter(
        pk=case_id).exists()


def _require_case_office(request: HttpRequest) -> None:
    if not _is_case_office(request):
        raise PermissionDenied(_("Only the office's case clerks may open this page."))


# --- the resident --------------------------------------------------------------------------


@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """The person's own cases: status, due date and unread office messages."""
    status = request.GET.get("status") or None
    if status not in Status.values:
        status = None
    cases = cases_for_applicant(gmina=request.gmina, user=request.user, status=status)
    return render(request, "cases/home.html", {
        "cases": cases, "status": status, "statuses": Status.choices,
        "is_case_office": _is_case_office(request),
    })


def catalogue(request: HttpRequest) -> HttpResponse:
    types = case_types_for_filing(gmina=request.gmina, channel=Channel.WEB)
    return render(request, "cases/catalogue.html", {"types": types})


@login_required
@never_cache
def file_case(request: HttpRequest, slug: str) -> HttpResponse:
    case_type = case_types_for_filing(gmina=request.gmina, channel=Channel.WEB).filter(
        slug=slug).first()
    if case_type is None:
        raise Http404(_("No such kind of case."))
    if not request.user.email_confirmed:
        return render(request, "cases/confirm_email_first.html", {"case_type": case_type},
                      status=403)
    version = current_form_version(gmina=request.gmina, case_type_id=case_type.pk)
    definition = version.definition
    answers: dict = {}
    errors: dict = {}
    if request.method == "POST":
        answers = answers_from_post(definition, request.POST)
        try:
            case = case_file(
                gmina=request.gmina, applicant=request.user, case_type_id=case_type.pk,
                data=answers, files=files_from_request(definition, request.FILES),
                channel=Channel.WEB,
            )
        except ValidationError as error:
            errors = _errors_by_field(error)
        else:
            return redirect("cases:filed", case_id=case.pk)
    fields = forms.filing_fields(definition, answers, errors)
    known = {f.key for f in fields}
    return render(request, "cases/file.html", {
        "case_type": case_type, "fields": fields,
        "error_fields": [f for f in fields if f.errors],
        "other_errors": [m for key, msgs in errors.items() if key not in known for m in msgs],
        "had_files": bool(errors) and any(f.type == "attachments" for f in fields),
    }, status=400 if errors else 200)


@login_required
@never_cache
def filed(request: HttpRequest, case_id: int) -> HttpResponse:
    detail = case_detail_for(gmina=request.gmina, case_id=case_id, user=request.user,
                             request=request)
    return render(request, "cases/filed.html", {"case": detail.case})


@login_required
@never_cache
def receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    detail = case_detail_for(gmina=request.gmina, case_id=case_id, user=request.user,
                             request=request)
    pdf = case_receipt_pdf(gmina=request.gmina, case_id=detail.case.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{detail.case.number}.pdf"'
    return response


@login_required
@never_cache
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    if _is_case_office(request) and not _is_own(request, case_id):
        # Before reading the case: the office page's read is the one that is audited.
        return redirect("cases:office_detail", case_id=case_id)
    found = case_detail_for(gmina=request.gmina, case_id=case_id, user=request.user,
                            request=request)
    # Opening the case is reading the office's messages (the count on the list drops).
    case_messages_mark_read(gmina=request.gmina, case_id=case_id, reader=request.user)
    return render(request, "cases/detail.html", {
        "detail": found, "case": found.case,
        "answers": answers_as_text(found.case.form_version.definition, found.case.data),
        "may_withdraw": Status.WITHDRAWN in found.next_statuses,
        "may_write": found.case.status not in (Status.CLOSED, Status.WITHDRAWN),
        "message_form": forms.MessageForm(),
    })


@login_required
@require_POST
def message_post(request: HttpRequest, case_id: int) -> HttpResponse:
    """The thread's one entry point for both sides; the service knows who writes."""
    form_class = forms.OfficeMessageForm if "internal" in request.POST else forms.MessageForm
    form = form_class(request.POST)
    if form.is_valid():
        internal = bool(form.cleaned_data.get("internal"))
        try:
            case_message_post(
                gmina=request.gmina, case_id=case_id, author=request.user,
                body=form.cleaned_data["body"], files=request.FILES.getlist("files"),
                internal=internal,
            )
        except ValidationError as error:
            _flash_errors(request, error)
        else:
            messages.success(request, _("Internal note saved.") if internal
                             else _("Message sent."))
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    # The applicant's own case page, or the office's page of someone else's case.
    name = "cases:office_detail" if _is_case_office(request) and not _is_own(request, case_id) \
        else "cases:detail"
    return redirect(reverse(name, kwargs={"case_id": case_id}) + "#thread")


@login_required
@require_POST
def withdraw(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case_transition(gmina=request.gmina, case_id=case_id, to_status=Status.WITHDRAWN,
                        actor=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Your case has been withdrawn."))
    return redirect("cases:detail", case_id=case_id)


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    found = case_attachment_for(gmina=request.gmina, attachment_id=attachment_id,
                                user=request.user, request=request)
    response = FileResponse(found.file.open("rb"), as_attachment=True,
                            filename=found.original_name, content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- letters through ePUAP / e-Doręczenia (the website only) ------------------------------


def _own_letter(request: HttpRequest, letter_id: int):
    letter = letter_for_author(gmina=request.gmina, user=request.user, letter_id=letter_id)
    if letter is None:
        raise Http404(_("No such letter."))
    return letter


@login_required
@never_cache
def letters(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/letters.html", {
        "letters": letters_for_author(gmina=request.gmina, user=request.user),
        "can_write": bool(letter_channels_available()),
    })


@login_required
@never_cache
def letter_write(request: HttpRequest) -> HttpResponse:
    if not request.user.email_confirmed:
        return render(request, "cases/confirm_email_first.html",
                      {"case_type": {"name": _("a letter to the office")}}, status=403)
    channels = letter_channels_available()
    if not channels:
        raise Http404(_("Letters through the national channels are not set up here."))
    form = forms.LetterForm(request.POST or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            letter = letter_submit(
                gmina=request.gmina, author=request.user, channel=form.cleaned_data["channel"],
                title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                files=request.FILES.getlist("files"), via=Channel.WEB,
            )
        except ValidationError as error:
            for key, problems in _errors_by_field(error).items():
                for problem in problems:
                    form.add_error(key if key in form.fields else None, problem)
        else:
            messages.success(request, _("Your letter has been sent to the office."))
            return redirect("cases:letter", letter_id=letter.pk)
    return render(request, "cases/letter_write.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@never_cache
def letter_detail(request: HttpRequest, letter_id: int) -> HttpResponse:
    return render(request, "cases/letter_detail.html",
                  {"letter": _own_letter(request, letter_id)})


@login_required
@never_cache
def letter_document(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = _own_letter(request, letter_id)
    response = HttpResponse(letter_document_bytes(letter), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="pismo-{letter.pk}.xml"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def letter_receipt(request: HttpRequest, letter_id: int) -> HttpResponse:
    raw = letter_receipt_bytes(_own_letter(request, letter_id))
    if raw is None:
        raise Http404(_("The receipt has not arrived yet."))
    response = HttpResponse(raw, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="potwierdzenie-{letter_id}.xml"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the office ----------------------------------------------------------------------------


@login_required
@never_cache
def office_queue(request: HttpRequest) -> HttpResponse:
    _require_case_office(request)
    form = forms.QueueFilterForm(request.GET or None, gmina=request.gmina)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or ""
    cases = department_queue(
        gmina=request.gmina,
        department_id=filters["department"].pk if filters.get("department") else None,
        status=None if status == "all" else (status or list(OPEN_STATUSES)),
        search=filters.get("q") or None,
        assigned_to=request.user if filters.get("mine") else None,
        order=filters.get("order") or "due_date",
    )
    if filters.get("overdue"):
        cases = cases.filter(pk__in=overdue_cases(gmina=request.gmina).values("pk"))
    page = Paginator(cases, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/office/queue.html", {
        "form": form, "page": page, "query": query.urlencode(),
    })


@login_required
@never_cache
def office_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    _require_case_office(request)
    found = case_detail_for(gmina=request.gmina, case_id=case_id, user=request.user,
                            request=request)
    if not found.as_office:
        return redirect("cases:detail", case_id=case_id)
    case_messages_mark_read(gmina=request.gmina, case_id=case_id, reader=request.user)
    templates = reply_templates_for(gmina=request.gmina, department_id=found.case.department_id)
    chosen = templates.filter(pk=request.GET.get("template")).first() \
        if (request.GET.get("template") or "").isdigit() else None
    return render(request, "cases/office/detail.html", {
        "detail": found, "case": found.case,
        "answers": answers_as_text(found.case.form_version.definition, found.case.data),
        "message_form": forms.OfficeMessageForm(
            initial={"body": chosen.body} if chosen else None),
        "templates": templates, "chosen_template": chosen,
        "assign_form": forms.AssignForm(gmina=request.gmina,
                                        initial={"assignee": found.case.assigned_to_id}),
        "status_form": forms.StatusForm(),
        "next_statuses": [(s, Status(s).label) for s in found.next_statuses],
        "extend_form": forms.ExtendDeadlineForm(),
        "may_extend": found.case.status in OPEN_STATUSES,
    })


def _back_to_case(case_id: int) -> HttpResponse:
    return redirect("cases:office_detail", case_id=case_id)


@login_required
@require_POST
def office_status(request: HttpRequest, case_id: int) -> HttpResponse:
    _require_case_office(request)
    form = forms.StatusForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        case = case_transition(gmina=request.gmina, case_id=case_id,
                               to_status=request.POST.get("to_status", ""), actor=request.user,
                               note=note)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("The case is now: %(status)s.")
                         % {"status": case.get_status_display()})
    return _back_to_case(case_id)


@login_required
@require_POST
def office_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    _require_case_office(request)
    if request.POST.get("to_me"):
        assignee = request.user
    else:
        form = forms.AssignForm(request.POST, gmina=request.gmina)
        if not form.is_valid():
            messages.error(request, _("Choose a colleague from the list."))
            return _back_to_case(case_id)
        assignee = form.cleaned_data["assignee"]
    try:
        case_assign(gmina=request.gmina, case_id=case_id, assignee=assignee, actor=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("Assigned.") if assignee else _("Returned to the queue."))
    return _back_to_case(case_id)


@login_required
@require_POST
def office_extend(request: HttpRequest, case_id: int) -> HttpResponse:
    _require_case_office(request)
    form = forms.ExtendDeadlineForm(request.POST)
    if not form.is_valid():
        for name, problems in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for problem in problems:
                messages.error(request, f"{label}: {problem}" if label else problem)
        return _back_to_case(case_id)
    try:
        case_deadline_extend(gmina=request.gmina, case_id=case_id,
                             new_due_date=form.cleaned_data["new_due_date"],
                             reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("The due date was changed and the applicant informed."))
    return _back_to_case(case_id)
