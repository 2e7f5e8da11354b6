"""Who may read a case, the audit of the office's reads, the queue, assignment."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from podkowa.accounts.models import Department, Role
from podkowa.accounts.services.officials import official_appoint
from podkowa.cases.models import Status
from podkowa.cases.selectors.cases import (
    case_detail_for,
    case_types_for_filing,
    cases_for_applicant,
    department_queue,
)
from podkowa.cases.services.assignment import case_assign
from podkowa.cases.services.lifecycle import case_transition
from podkowa.core.models import AuditLogEntry
from tests.admin_support import make_official
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("in_english")


def test_the_applicant_reads_their_case_without_an_audit_entry(gmina, file_case, applicant):
    case = file_case()
    detail = case_detail_for(gmina=gmina, case_id=case.pk, user=applicant)
    assert detail.case == case
    assert not detail.as_office
    assert detail.next_statuses == [Status.WITHDRAWN]
    assert not AuditLogEntry.objects.exists()


def test_another_resident_cannot_read_the_case(gmina, file_case):
    case = file_case()
    with pytest.raises(PermissionDenied):
        case_detail_for(gmina=gmina, case_id=case.pk, user=UserFactory())


def test_an_official_without_the_case_role_cannot_read_it(gmina, file_case):
    case = file_case()
    other_department = Department.objects.create(gmina=gmina, name="Referat Finansowy")
    accountant = UserFactory()
    official_appoint(gmina=gmina, user=accountant, roles=[Role.FINANCE],
                     department=other_department)
    with pytest.raises(PermissionDenied):
        case_detail_for(gmina=gmina, case_id=case.pk, user=accountant)
    assert not AuditLogEntry.objects.exists()


def test_a_clerks_read_is_written_to_the_audit_log(gmina, file_case, clerk, applicant):
    case = file_case()
    detail = case_detail_for(gmina=gmina, case_id=case.pk, user=clerk)
    assert detail.as_office
    assert set(detail.next_statuses) == {Status.IN_PROGRESS}
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.subject, entry.action) == (clerk, applicant,
                                                          AuditLogEntry.Action.VIEW)
    assert entry.object_ref == f"cases.case:{case.pk}"


def test_the_queue_filters_searches_and_sorts(gmina, file_case, clerk, case_type,
                                             applicant):
    first = file_case(data={"name": "Łucja", "agree": True,
                            "address": {"street": "Główna 3", "postal_code": "05-807",
                                        "city": "Podkowa Leśna"}})
    second = file_case()
    second.due_date = first.due_date.replace(year=first.due_date.year - 1)
    second.save(update_fields=["due_date"])
    assert list(department_queue(gmina=gmina)) == [second, first]
    assert list(department_queue(gmina=gmina, order="-due_date")) == [first, second]
    assert list(department_queue(gmina=gmina, search="GŁÓWNA")) == [first]
    assert list(department_queue(gmina=gmina, search="łucja podkowa")) == [first]
    assert list(department_queue(gmina=gmina, search=second.number)) == [second]
    assert set(department_queue(gmina=gmina, search="Żółkiewska")) == {first, second}
    assert list(department_queue(gmina=gmina, search="nobody")) == []
    assert set(department_queue(gmina=gmina, department_id=case_type.department_id)) == {
        first, second}
    case_transition(gmina=gmina, case_id=first.pk, to_status=Status.IN_PROGRESS, actor=clerk)
    assert list(department_queue(gmina=gmina, status=Status.IN_PROGRESS)) == [first]
    case_assign(gmina=gmina, case_id=second.pk, assignee=clerk, actor=clerk)
    assert list(department_queue(gmina=gmina, assigned_to=clerk)) == [second]
    assert [c.pk for c in cases_for_applicant(gmina=gmina, user=applicant)] == [
        second.pk, first.pk]


def test_assignment_goes_to_case_clerks_only(gmina, file_case, clerk, applicant):
    case = file_case()
    colleague = make_official(gmina, Role.CASE_CLERK)
    assert case_assign(gmina=gmina, case_id=case.pk, assignee=colleague,
                       actor=clerk).assigned_to == colleague
    with pytest.raises(ValidationError):
        case_assign(gmina=gmina, case_id=case.pk, assignee=applicant, actor=clerk)
    with pytest.raises(PermissionDenied):
        case_assign(gmina=gmina, case_id=case.pk, assignee=applicant, actor=applicant)
    assert case_assign(gmina=gmina, case_id=case.pk, assignee=None,
                       actor=clerk).assigned_to is None


def test_the_mobile_app_lists_only_types_allowed_there(gmina, case_type):
    assert list(case_types_for_filing(gmina=gmina, channel="mobile")) == [case_type]
    case_type.app_allowed = False
    case_type.save()
    assert list(case_types_for_filing(gmina=gmina, channel="mobile")) == []
    assert list(case_types_for_filing(gmina=gmina, channel="web")) == [case_type]


def test_attachments_are_served_to_those_who_may_see_them(gmina, file_case, clerk, applicant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from podkowa.cases.selectors.cases import case_attachment_for
    from podkowa.cases.services.messages import case_message_post
    from tests.cases.conftest import minimal_pdf

    case = file_case()
    photo = case.attachments.get()
    assert case_attachment_for(gmina=gmina, attachment_id=photo.pk, user=applicant) == photo
    with pytest.raises(PermissionDenied):
        case_attachment_for(gmina=gmina, attachment_id=photo.pk, user=UserFactory())
    note = case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="memo",
                             internal=True,
                             files=[SimpleUploadedFile("memo.pdf", minimal_pdf())])
    memo = note.attachments.get()
    with pytest.raises(PermissionDenied):
        case_attachment_for(gmina=gmina, attachment_id=memo.pk, user=applicant)
    assert case_attachment_for(gmina=gmina, attachment_id=memo.pk, user=clerk) == memo
    assert AuditLogEntry.objects.filter(
        object_ref=f"cases.caseattachment:{memo.pk}", actor=clerk).exists()
