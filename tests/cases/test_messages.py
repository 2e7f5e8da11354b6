"""The case thread: who writes what, internal notes, answers that restart the clock, unread."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from podkowa.accounts.models import Role
from podkowa.cases.models import CaseMessage, Status
from podkowa.cases.selectors.cases import (
    applicant_unread_total,
    case_detail_for,
    cases_for_applicant,
    department_queue,
)
from podkowa.cases.services.lifecycle import case_transition
from podkowa.cases.services.messages import case_message_post, case_messages_mark_read
from tests.admin_support import make_official
from tests.cases.conftest import minimal_pdf, stored_files
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("in_english")


def test_an_office_message_notifies_and_counts_as_unread_until_read(
        gmina, file_case, clerk, applicant, notified):
    case = file_case()
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Please call us.")
    assert len(notified) == 1
    assert "new message" in notified[0]["subject"]
    assert notified[0]["dedup_key"].startswith(f"case-{case.pk}-message-")
    assert applicant_unread_total(gmina=gmina, user=applicant) == 1
    assert cases_for_applicant(gmina=gmina, user=applicant).get().unread == 1
    assert case_messages_mark_read(gmina=gmina, case_id=case.pk, reader=applicant) == 1
    assert applicant_unread_total(gmina=gmina, user=applicant) == 0


def test_internal_notes_stay_inside_the_office(gmina, file_case, clerk, applicant, notified):
    case = file_case()
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Check the register.",
                      internal=True, files=[SimpleUploadedFile("memo.pdf", minimal_pdf())])
    assert notified == []
    assert applicant_unread_total(gmina=gmina, user=applicant) == 0
    seen = case_detail_for(gmina=gmina, case_id=case.pk, user=applicant)
    assert seen.messages == []
    office = case_detail_for(gmina=gmina, case_id=case.pk, user=clerk)
    assert [m.body for m in office.messages] == ["Check the register."]
    assert office.messages[0].attachments.get().is_internal
    with pytest.raises(PermissionDenied):
        case_message_post(gmina=gmina, case_id=case.pk, author=applicant, body="x",
                          internal=True)


def test_the_applicants_answer_restarts_the_case(gmina, file_case, clerk, applicant, media):
    case = file_case()
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.IN_PROGRESS, actor=clerk)
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.NEEDS_INFORMATION,
                    actor=clerk, note="Please send the lease agreement.")
    files_before = len(stored_files(media))
    message = case_message_post(gmina=gmina, case_id=case.pk, author=applicant,
                                body="Here it is.",
                                files=[SimpleUploadedFile("lease.pdf", minimal_pdf())])
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.paused_since is None
    last = case.transitions.last()
    assert (last.actor, last.to_status) == (applicant, Status.IN_PROGRESS)
    assert message.attachments.get().original_name == "lease.pdf"
    assert len(stored_files(media)) == files_before + 1
    # The office sees one unread message from the applicant in its queue.
    assert department_queue(gmina=gmina).get().unread == 1
    case_messages_mark_read(gmina=gmina, case_id=case.pk, reader=clerk)
    assert department_queue(gmina=gmina).get().unread == 0


def test_bad_messages_are_refused_and_nothing_is_stored(gmina, file_case, applicant, media):
    case = file_case()
    before = len(stored_files(media))
    with pytest.raises(ValidationError) as error:
        case_message_post(gmina=gmina, case_id=case.pk, author=applicant, body="",
                          files=[SimpleUploadedFile("x.pdf", b"%PDF-1.4 not really")])
    assert "x.pdf is not a valid PDF document." in error.value.message_dict["files"]
    with pytest.raises(ValidationError) as error:
        case_message_post(gmina=gmina, case_id=case.pk, author=applicant, body="  ")
    assert "body" in error.value.message_dict
    assert not CaseMessage.objects.exists()
    assert len(stored_files(media)) == before


def test_strangers_cannot_write_and_closed_cases_take_no_resident_messages(
        gmina, file_case, applicant):
    case = file_case()
    for stranger in (UserFactory(), make_official(gmina, Role.FINANCE)):
        with pytest.raises(PermissionDenied):
            case_message_post(gmina=gmina, case_id=case.pk, author=stranger, body="hi")
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.WITHDRAWN, actor=applicant)
    with pytest.raises(ValidationError) as error:
        case_message_post(gmina=gmina, case_id=case.pk, author=applicant, body="hello?")
    assert "closed" in error.value.message_dict["case"][0]
