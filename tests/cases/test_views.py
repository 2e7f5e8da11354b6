"""The case pages: a resident files and follows a case, the office works through its queue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from podkowa.accounts.models import Department, Role
from podkowa.cases.models import Case, CaseAttachment, CaseMessage, DeadlineExtension, Status
from podkowa.cases.services.lifecycle import case_transition
from podkowa.cases.services.messages import case_message_post
from podkowa.core.models import AuditLogEntry
from tests.admin_support import make_official, sign_in_with_second_factor
from tests.cases.conftest import jpeg_bytes, photo, stored_files
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def resident(applicant, client):
    applicant.email_confirmed_at = timezone.now()
    applicant.save()
    client.force_login(applicant)
    return applicant


@pytest.fixture
def office(client, clerk):
    sign_in_with_second_factor(client, clerk)
    return clerk


def good_post(**extra):
    data = {"name": "Anna", "agree": "1", "people-0-name": "", "people-0-birth_date": "",
            "photo": photo()}
    data.update(extra)
    return data


def test_the_catalogue_lists_the_types_and_the_form_renders_every_field(
        client, gmina, case_type, resident):
    page = client.get("/sprawy/nowa/").content.decode()
    assert "Test matter" in page
    form = client.get(f"/sprawy/nowa/{case_type.slug}/").content.decode()
    for label in ("Name", "Story", "Born", "Colour", "I agree", "Postal code", "Household",
                  "Photo", "Person 1", "Street and number"):
        assert label in form
    # Empty rows to fill without scripts, as many as the form allows (2 here).
    assert 'name="people-1-name"' in form and 'name="people-2-name"' not in form
    assert 'aria-describedby="f-photo-hint"' in form
    assert 'type="file"' in form and 'enctype="multipart/form-data"' in form


def test_filing_needs_a_login_and_a_confirmed_email(client, gmina, case_type, applicant):
    response = client.get(f"/sprawy/nowa/{case_type.slug}/")
    assert response.status_code == 302 and "/konto/logowanie/" in response["Location"]
    client.force_login(applicant)
    response = client.get(f"/sprawy/nowa/{case_type.slug}/")
    assert response.status_code == 403
    assert "Confirm your e-mail address first" in response.content.decode()


def test_a_resident_files_a_case_and_gets_the_number_and_receipt(
        client, gmina, case_type, resident, media):
    response = client.post(f"/sprawy/nowa/{case_type.slug}/", good_post(**{
        "people-0-name": "Jan Kowalski", "people-0-birth_date": "2015-03-01",
        "address.street": "Akacjowa 1", "address.postal_code": "05-807",
        "address.city": "Podkowa Leśna"}), follow=True)
    assert response.status_code == 200
    case = Case.objects.get()
    page = response.content.decode()
    assert "Your case has been filed" in page and case.number in page
    assert case.data["people"] == [{"name": "Jan Kowalski", "birth_date": "2015-03-01"}]
    assert case.data["address"]["city"] == "Podkowa Leśna"
    receipt = client.get(f"/sprawy/{case.pk}/potwierdzenie.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")

    mine = client.get("/sprawy/").content.decode()
    assert case.number in mine and "registered" in mine


@pytest.mark.parametrize(("post", "field", "error"), [
    ({"name": ""}, "Name", "This field is required."),
    ({"photo": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")},
     "Photo", ""),
    ({"photo": SimpleUploadedFile("big.jpg", jpeg_bytes(size=(3000, 3000)) + b"\0" * 1100000,
                                  content_type="image/jpeg")}, "Photo", ""),
    ({"docs": SimpleUploadedFile("fake.pdf", b"%PDF-1.4 but not really",
                                 content_type="application/pdf")}, "Documents", ""),
    ({"postal": "5807"}, "Postal code", "Enter a postal code as 00-000."),
])
def test_bad_input_is_named_and_nothing_is_stored(client, gmina, case_type, resident, media,
                                                  post, field, error):
    response = client.post(f"/sprawy/nowa/{case_type.slug}/", good_post(**post))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the marked fields" in page
    assert f"{field}: {error}" in page
    assert 'aria-invalid="true"' in page
    assert not Case.objects.exists()
    assert not CaseAttachment.objects.exists()
    assert stored_files(media) == []


def test_the_form_keeps_answers_after_an_error(client, gmina, case_type, resident, media):
    page = client.post(f"/sprawy/nowa/{case_type.slug}/",
                       good_post(name="", story="My long story")).content.decode()
    assert "My long story" in page
    assert "attach them again" in page


def test_another_resident_cannot_see_the_case_nor_its_files(client, gmina, file_case):
    case = file_case()
    attachment = case.attachments.get()
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(f"/sprawy/{case.pk}/").status_code == 403
    assert client.get(f"/sprawy/{case.pk}/potwierdzenie.pdf").status_code == 403
    assert client.get(f"/sprawy/zalacznik/{attachment.pk}/").status_code == 403
    assert client.post(f"/sprawy/{case.pk}/wiadomosc/", {"body": "hi"}).status_code == 403
    assert client.get("/sprawy/999999/").status_code == 404
    assert client.get("/sprawy/urzad/").status_code == 403
    assert not CaseMessage.objects.exists()


def test_the_resident_reads_the_thread_answers_and_downloads(
        client, gmina, file_case, clerk, resident, media):
    case = file_case()
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.IN_PROGRESS, actor=clerk)
    case_transition(gmina=gmina, case_id=case.pk, to_status=Status.NEEDS_INFORMATION,
                    actor=clerk, note="Send a better photo.")
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Please send a scan.")
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Secret remark",
                      internal=True)
    assert "1 new" in client.get("/sprawy/").content.decode()

    page = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert "Please send a scan." in page
    assert "Secret remark" not in page and "Internal note" not in page
    assert "The office needs more information from you" in page
    assert "Send a better photo." in page
    assert "1 new" not in client.get("/sprawy/").content.decode()

    response = client.post(f"/sprawy/{case.pk}/wiadomosc/", {
        "body": "Here it is.", "files": [photo("scan.jpg")]}, follow=True)
    assert "Message sent." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    sent = CaseMessage.objects.get(body="Here it is.").attachments.get()
    download = client.get(f"/sprawy/zalacznik/{sent.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8")
    assert "scan.jpg" in download["Content-Disposition"]


def test_an_empty_message_is_refused_with_a_reason(client, gmina, file_case, resident):
    case = file_case()
    page = client.post(f"/sprawy/{case.pk}/wiadomosc/", {"body": " "}, follow=True)
    assert "Write a message or attach a file." in page.content.decode()
    assert not CaseMessage.objects.exists()


def test_the_resident_withdraws_before_work_starts(client, gmina, file_case, resident):
    case = file_case()
    page = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert "Withdraw the case" in page
    client.post(f"/sprawy/{case.pk}/wycofaj/")
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    assert "Withdraw the case" not in client.get(f"/sprawy/{case.pk}/").content.decode()


def test_the_queue_filters_searches_and_highlights_overdue(client, gmina, file_case, office):
    first = file_case(data={"name": "Apolonia", "agree": True})
    second = file_case(data={"name": "Bożydar", "agree": True})
    other_department = Department.objects.create(gmina=gmina, name="Referat Gospodarki")
    Case.objects.filter(pk=second.pk).update(department=other_department,
                                             due_date="2020-01-02")
    page = client.get("/sprawy/urzad/").content.decode()
    assert first.number in page and second.number in page
    assert "overdue" in page
    assert page.index(second.number) < page.index(first.number)  # due date first

    page = client.get("/sprawy/urzad/", {"q": "bożydar"}).content.decode()
    assert second.number in page and first.number not in page
    page = client.get("/sprawy/urzad/", {"department": other_department.pk}).content.decode()
    assert second.number in page and first.number not in page
    page = client.get("/sprawy/urzad/", {"overdue": "on"}).content.decode()
    assert second.number in page and first.number not in page
    page = client.get("/sprawy/urzad/", {"mine": "on"}).content.decode()
    assert first.number not in page and second.number not in page
    client.post(f"/sprawy/urzad/{first.pk}/przydziel/", {"to_me": "1"})
    page = client.get("/sprawy/urzad/", {"mine": "on"}).content.decode()
    assert first.number in page and second.number not in page
    page = client.get("/sprawy/urzad/", {"status": Status.IN_PROGRESS}).content.decode()
    assert first.number not in page


def test_the_office_handles_a_case(client, gmina, file_case, office, applicant, notified):
    case = file_case()
    page = client.get(f"/sprawy/urzad/{case.pk}/").content.decode()
    assert applicant.email in page
    assert AuditLogEntry.objects.filter(object_ref=f"cases.case:{case.pk}").exists()
    assert 'value="in_progress"' in page and 'value="closed"' not in page

    client.post(f"/sprawy/urzad/{case.pk}/status/", {"to_status": "in_progress"})
    response = client.post(f"/sprawy/urzad/{case.pk}/status/", {
        "to_status": "needs_information", "note": "Which street?"}, follow=True)
    assert "The case is now: waiting for information from you." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFORMATION
    assert case.transitions.last().note == "Which street?"

    response = client.post(f"/sprawy/urzad/{case.pk}/status/", {"to_status": "closed"},
                           follow=True)
    assert "cannot become" in response.content.decode()

    client.post(f"/sprawy/{case.pk}/wiadomosc/", {"body": "Checked the register.",
                                                 "internal": "on"})
    client.post(f"/sprawy/{case.pk}/wiadomosc/", {"body": "We wrote to you."})
    note = CaseMessage.objects.get(body="Checked the register.")
    assert note.is_internal and note.from_office
    page = client.get(f"/sprawy/urzad/{case.pk}/").content.decode()
    assert "Internal note" in page and "thread__item--internal" in page

    colleague = make_official(gmina, Role.CASE_CLERK)
    client.post(f"/sprawy/urzad/{case.pk}/przydziel/", {"assignee": colleague.pk})
    case.refresh_from_db()
    assert case.assigned_to == colleague

    later = case.due_date.replace(year=case.due_date.year + 1)
    response = client.post(f"/sprawy/urzad/{case.pk}/termin/",
                           {"new_due_date": "", "reason": ""}, follow=True)
    assert "New due date: This field is required." in response.content.decode()
    client.post(f"/sprawy/urzad/{case.pk}/termin/",
                {"new_due_date": later.isoformat(), "reason": "An expert opinion is needed."})
    assert DeadlineExtension.objects.get().new_due_date == later


def test_the_office_inserts_a_reply_template(client, gmina, file_case, office):
    from podkowa.cases.models import ReplyTemplate

    template = ReplyTemplate.objects.create(gmina=gmina, title="Pickup",
                                            body="Your card is ready for pickup.")
    case = file_case()
    page = client.get(f"/sprawy/urzad/{case.pk}/", {"template": template.pk}).content.decode()
    assert "Your card is ready for pickup.</textarea>" in page


def test_the_resident_never_sees_internal_notes_or_internal_files(
        client, gmina, file_case, clerk, resident):
    case = file_case()
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Internal only",
                      internal=True, files=[photo("memo.jpg")])
    memo = CaseAttachment.objects.get(original_name="memo.jpg")
    page = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert "Internal only" not in page and "memo.jpg" not in page
    assert client.get(f"/sprawy/zalacznik/{memo.pk}/").status_code == 403


def test_a_resident_cannot_use_the_office_actions(client, gmina, file_case, resident):
    case = file_case()
    assert client.post(f"/sprawy/urzad/{case.pk}/status/",
                       {"to_status": "in_progress"}).status_code == 403
    assert client.get(f"/sprawy/urzad/{case.pk}/").status_code == 403
    case.refresh_from_db()
    assert case.status == Status.REGISTERED


def test_errors_are_shown_in_the_residents_language(client, gmina, case_type, resident,
                                                    media, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    page = client.post(f"/sprawy/nowa/{case_type.slug}/", good_post(name="")).content.decode()
    assert "Name: To pole jest wymagane." in page
    assert not Case.objects.exists()


def test_an_official_following_a_case_link_lands_on_the_office_page(
        client, gmina, file_case, office):
    case = file_case()
    response = client.get(f"/sprawy/{case.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/sprawy/urzad/{case.pk}/"
    # One read of the applicant's data, one entry in the audit log.
    assert AuditLogEntry.objects.filter(object_ref=f"cases.case:{case.pk}").count() == 1
