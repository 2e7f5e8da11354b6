"""Filing a case: answers and attachments checked against the type's current form, then the
case, its files and its number written in one transaction — all of it or nothing."""

import contextlib
import hashlib
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import Channel
from podkowa.cases.models import (
    LETTER_CASE_TYPE_SLUG,
    Case,
    CaseAttachment,
    CaseNumberCounter,
    CaseType,
    FormVersion,
    Status,
)
from podkowa.cases.services.attachments import CheckedFile, attachment_check
from podkowa.cases.services.formdef import answers_as_text, answers_validate, attachment_fields
from podkowa.cases.services.lifecycle import (
    Actor,
    apply_transition,
    due_date_for,
    warsaw_date,
)
from podkowa.core.models import Gmina

MB = 1024 * 1024


def case_number_allocate(*, gmina: Gmina, prefix: str, year: int) -> str:
    """The next case number for the prefix and year, e.g. KM.2026.00012.

    The counter row is created once (the unique constraint settles a race to create it), then
    incremented by one UPDATE whose row lock holds until our transaction ends: a concurrent
    filing waits for it and reads the number after ours, so no two cases get the same number.
    Must run inside the filing's transaction.
    """
    CaseNumberCounter.objects.get_or_create(gmina=gmina, prefix=prefix, year=year)
    counter = CaseNumberCounter.objects.filter(gmina=gmina, prefix=prefix, year=year)
    counter.update(last=F("last") + 1)
    number = counter.values_list("last", flat=True).get()
    return f"{prefix}.{year}.{number:05d}"


def content_hash(*, number: str, case_type_slug: str, form_version: int, data: dict,
                 attachments: Iterable[tuple[str, str, str]]) -> str:
    """SHA-256 of the canonical JSON of what was filed: the answers and each attachment's
    (field, name, SHA-256). The receipt prints it; anyone can recompute it from the case."""
    canonical = json.dumps(
        {
            "number": number,
            "case_type": case_type_slug,
            "form_version": form_version,
            "data": data,
            "attachments": sorted([list(a) for a in attachments]),
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def case_content_hash(case: Case) -> str:
    """The hash recomputed from the stored case (to verify a receipt)."""
    return content_hash(
        number=case.number, case_type_slug=case.case_type.slug,
        form_version=case.form_version.number, data=case.data,
        attachments=[(a.field_key, a.original_name, a.sha256)
                     for a in case.attachments.filter(message__isnull=True)],
    )


def check_files(definition: list[dict], files: dict) -> tuple[dict[str, list[CheckedFile]],
                                                              dict[str, list]]:
    """Cleaned copies of the uploads per attachment field, and per-field errors."""
    checked: dict[str, list[CheckedFile]] = {}
    errors: dict[str, list] = {}
    fields = {f["key"]: f for f in attachment_fields(definition)}
    for key in sorted(set(files) - set(fields)):
        if files[key]:
            errors[key] = [_("This form takes no files here.")]
    for key, field in fields.items():
        given = files.get(key) or []
        # One file instead of a list is a caller's slip worth forgiving, not iterating (an
        # UploadedFile iterates over its lines).
        given = given if isinstance(given, list | tuple) else [given]
        uploads = [u for u in given if u is not None]
        problems = []
        if field.get("required") and not uploads:
            problems.append(_("Attach at least one file."))
        limit = field.get("max_count", 1)
        if len(uploads) > limit:
            problems.append(_g("Attach at most %(n)s files.") % {"n": limit})
        good = []
        for upload in uploads[:limit]:
            try:
                good.append(attachment_check(
                    upload, kinds=field["kinds"], max_bytes=int(field["max_size_mb"] * MB)))
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            errors[key] = problems
        elif good:
            checked[key] = good
    return checked, errors


def search_text(*, number: str, case_type: CaseType, definition: list[dict], data: dict) -> str:
    parts = [number, case_type.name]
    parts += [answer for _label, answer in answers_as_text(definition, data)]
    return " ".join(parts).lower()


def store_files(*, case: Case, files: dict[str, list[CheckedFile]], uploaded_by,
                written: list[str], message=None, internal: bool = False
                ) -> list[CaseAttachment]:
    """Write checked files and their rows; `written` collects storage names to clean up."""
    stored = []
    for key, items in files.items():
        for item in items:
            attachment = CaseAttachment(
                gmina_id=case.gmina_id, case=case, message=message, field_key=key,
                original_name=item.name, content_type=item.content_type, size=item.size,
                sha256=item.sha256, uploaded_by=uploaded_by, is_internal=internal,
            )
            attachment.file.save(item.name, item.as_content_file(), save=False)
            written.append(attachment.file.name)
            attachment.save()
            stored.append(attachment)
    return stored


def delete_written(storage, names: list[str]) -> None:
    for name in names:
        # A stray file is harmless; hiding the error that brought us here is not.
        with contextlib.suppress(OSError):
            storage.delete(name)


@transaction.atomic
def case_file(*, gmina: Gmina, applicant, case_type_id: int, data: dict,
              files: dict | None = None, channel: str = Channel.WEB,
              checked_files: dict[str, list[CheckedFile]] | None = None) -> Case:
    """File a case: validate everything first, then write the case, its number and files.

    `checked_files` are files already checked elsewhere and stored exactly as given: the
    attachments of a letter the office received, which must stay byte for byte what the
    signed document carries.

    Raises ValidationError keyed by form field (or "case_type" / "channel") and stores nothing.
    """
    files = files or {}
    case_type = (CaseType.objects.filter(gmina=gmina, pk=case_type_id, is_active=True)
                 .select_related("department").first())
    if case_type is None:
        raise ValidationError({"case_type": _("This kind of case cannot be filed.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if case_type.slug == LETTER_CASE_TYPE_SLUG and checked_files is None:
        raise ValidationError({"case_type": _(
            "A letter to the office is written on the letters page, not filed as a form.")})
    if channel == Channel.MOBILE and not case_type.app_allowed:
        raise ValidationError({"channel": _(
            "This kind of case cannot be filed from the mobile app; please use the website.")})
    version = (FormVersion.objects.filter(gmina=gmina, case_type=case_type)
               .order_by("-number").first())
    if version is None:
        raise ValidationError({"case_type": _("This kind of case has no form yet.")})
    definition = version.definition
    cleaned, errors = answers_validate(definition, data)
    checked, file_errors = check_files(definition, files)
    for key, items in (checked_files or {}).items():
        checked.setdefault(key, []).extend(items)
        file_errors.pop(key, None)
    errors.update(file_errors)
    if errors:
        raise ValidationError(errors)

    filed_at = timezone.now()
    filed_on = warsaw_date(filed_at)
    number = case_number_allocate(gmina=gmina, prefix=case_type.number_prefix,
                                  year=filed_on.year)
    # An unused version may still be corrected (form_version_update locks it and checks it is
    # unused): lock it now, after the slow checks, and make sure we checked what it says.
    locked = FormVersion.objects.select_for_update().get(pk=version.pk)
    if locked.definition != definition:
        raise ValidationError({"case_type": _(
            "The form was changed while you were filling it in; please check your answers "
            "and send them again.")})
    case = Case(
        gmina=gmina, number=number, case_type=case_type, form_version=version,
        applicant=applicant, data=cleaned, status="", channel=channel, filed_at=filed_at,
        due_date=due_date_for(case_type=case_type, filed_on=filed_on),
        department=case_type.department,
        search_text=search_text(number=number, case_type=case_type, definition=definition,
                                data=cleaned),
    )
    written: list[str] = []
    storage = CaseAttachment._meta.get_field("file").storage
    try:
        with transaction.atomic():
            case.save()
            stored = store_files(case=case, files=checked, uploaded_by=applicant,
                                 written=written)
            case.content_hash = content_hash(
                number=number, case_type_slug=case_type.slug, form_version=version.number,
                data=cleaned,
                attachments=[(a.field_key, a.original_name, a.sha256) for a in stored],
            )
            case.save(update_fields=["content_hash"])
            apply_transition(case=case, to_status=Status.FILED, actor=applicant,
                             kinds={Actor.SYSTEM})
            apply_transition(case=case, to_status=Status.REGISTERED, actor=None,
                             kinds={Actor.SYSTEM},
                             note=_g("Registered as %(number)s.") % {"number": number})
    except BaseException:
        # The rows roll back with the savepoint; the files are ours to remove. (A caller that
        # wraps this service in a bigger transaction and rolls that back leaves orphan files
        # behind, harmless and sweepable; views and the API call it on its own.)
        delete_written(storage, written)
        raise
    return case
