"""A resident's letter from the website to a case in the office, through the local ePUAP and
e-Doręczenia simulators: the document, its delivery with the receipt, the intake, and what
goes wrong on the way."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from podkowa.accounts.models import ResidentProfile
from podkowa.accounts.services.tokens import api_token_create
from podkowa.cases.letters.document import (
    NSMAP,
    WNIO,
    Attachment,
    build_general_letter,
    parse_general_letter,
)
from podkowa.cases.letters.receipts import parse_receipt
from podkowa.cases.letters.signing import sign_enveloped, verify_enveloped
from podkowa.cases.letters.transports import Incoming
from podkowa.cases.models import Case, IncomingLetter, Letter
from podkowa.cases.services.letters import (
    LETTER_CASE_TYPE_SLUG,
    letter_intake,
    letter_submit,
    letters_receive,
)
from podkowa.notifications.models import InboxItem
from tests.cases.conftest import jpeg_bytes, minimal_pdf, stored_files
from tests.cases.letters_fixtures import OFFICE_BOX, sample_letter

pytest_plugins = ["tests.cases.letters_fixtures.plugin"]
pytestmark = pytest.mark.usefixtures("letters_english", "media")


@pytest.fixture
def writer(gmina, applicant):
    ResidentProfile.objects.create(gmina=gmina, user=applicant, street="ul. Jaśminowa 5/2",
                                   postal_code="05-807", city="Podkowa Leśna")
    applicant.email_confirmed_at = timezone.now()
    applicant.save()
    return applicant


def pdf_upload(name="skan.pdf"):
    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


def submit(gmina, writer, channel="epuap", **overrides):
    params = {"gmina": gmina, "author": writer, "channel": channel,
              "title": "Prośba o naprawę chodnika", "body": "Chodnik przy ul. Lipowej 3 "
              "jest zapadnięty.\nŁączę pozdrowienia.", "files": [pdf_upload()]}
    params.update(overrides)
    return letter_submit(**params)


@pytest.mark.parametrize("channel, receipt_kind", [("epuap", "UPP"),
                                                   ("edoreczenia", "evidence")])
def test_a_letter_reaches_the_office_with_its_receipt_and_becomes_a_case(
        gmina, writer, national, channel, receipt_kind, letter_service_key,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        letter = submit(gmina, writer, channel=channel)

    letter.refresh_from_db()
    assert letter.status == Letter.Status.REGISTERED
    assert letter.attempts == 1 and letter.last_error == ""
    # The national service's signed receipt, kept as it came: it names our document.
    receipt = parse_receipt(letter.receipt.read(),
                            trusted_certificates=[letter_service_key.certificate])
    assert receipt.receipt_id == letter.receipt_id
    assert letter.receipt_kind == receipt.kind == receipt_kind
    assert receipt.covers(letter.document.open("rb").read())
    assert letter.submitted_at is not None

    case = letter.case
    assert case.applicant == writer
    assert case.case_type.slug == LETTER_CASE_TYPE_SLUG
    assert case.status == "registered"
    assert case.data == {"subject": "Prośba o naprawę chodnika",
                         "content": "Chodnik przy ul. Lipowej 3 jest zapadnięty.\n"
                                    "Łączę pozdrowienia."}
    [attachment] = case.attachments.all()
    assert attachment.original_name == "skan.pdf"
    assert attachment.file.read() == minimal_pdf()
    [incoming] = IncomingLetter.objects.filter(gmina=gmina)
    assert incoming.letter == letter and incoming.case == case and incoming.problem == ""
    assert incoming.document_sha256 == letter.document_sha256


def test_the_document_is_the_standard_pismo_ogolne_sealed_by_the_office(
        gmina, writer, national, letter_system_key):
    photo = jpeg_bytes()
    letter = submit(gmina, writer, files=[
        pdf_upload("wniosek.pdf"),
        SimpleUploadedFile("zdjęcie.jpg", photo, content_type="image/jpeg")])
    xml = letter.document.open("rb").read()
    assert hashlib.sha256(xml).hexdigest() == letter.document_sha256

    root = etree.fromstring(xml)
    assert root.tag == f"{{{WNIO}}}Dokument"
    assert {ns for ns in root.nsmap.values()} >= set(NSMAP.values())
    for path in ("wnio:OpisDokumentu", "wnio:DaneDokumentu/str:Adresaci",
                 "wnio:DaneDokumentu/str:Nadawcy", "wnio:TrescDokumentu/wnio:Tytul",
                 "wnio:TrescDokumentu/wnio:MiejscowoscDokumentu",
                 "wnio:TrescDokumentu/wnio:RodzajWnioskuRozszerzony",
                 "wnio:TrescDokumentu/wnio:Informacje",
                 "wnio:TrescDokumentu/str:Zalaczniki"):
        assert root.find(path, NSMAP) is not None, path

    parsed = parse_general_letter(xml)
    assert parsed.sender.first_name == "Zofia" and parsed.sender.last_name == "Żółkiewska"
    assert (parsed.sender.address.street, parsed.sender.address.building,
            parsed.sender.address.unit) == ("ul. Jaśminowa", "5", "2")
    assert parsed.title == "Prośba o naprawę chodnika"
    # The PDF travels unchanged; the photo as the re-encoded copy (no EXIF) the site stores.
    assert parsed.attachments[0].content == minimal_pdf()
    assert parsed.attachments[1].filename == "zdjęcie.jpg"
    assert parsed.attachments[1].content[:2] == b"\xff\xd8"
    [signature] = verify_enveloped(xml, trusted_certificates=[letter_system_key.certificate])
    assert signature.certificate == letter_system_key.certificate


def test_with_the_service_down_the_letter_waits_and_a_later_sync_delivers_it_once(
        gmina, writer, national, settings, django_capture_on_commit_callbacks):
    working = settings.EPUAP_SKRYTKA_URL
    settings.EPUAP_SKRYTKA_URL = "http://127.0.0.1:9/epuap/skrytka"  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        letter = submit(gmina, writer)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED
    assert letter.attempts == 1 and letter.last_error
    assert letter.next_attempt_at > timezone.now()
    assert not Case.objects.filter(gmina=gmina).exists()

    settings.EPUAP_SKRYTKA_URL = working
    call_command("letters_sync")  # not yet due: the back-off holds
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.QUEUED
    Letter.objects.filter(pk=letter.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("letters_sync")
    call_command("letters_sync")

    letter.refresh_from_db()
    assert letter.status == Letter.Status.REGISTERED and letter.attempts == 2
    assert len(national.epuap_received) == 1
    assert Case.objects.filter(gmina=gmina).count() == 1


def test_a_letter_to_an_impossible_address_fails_for_good_and_the_author_is_told(
        gmina, writer, national, settings, django_capture_on_commit_callbacks):
    settings.EPUAP_ADRES_SKRYTKI = "not a box"
    with django_capture_on_commit_callbacks(execute=True):
        letter = submit(gmina, writer)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.FAILED and letter.last_error
    assert national.epuap_received == []
    [item] = InboxItem.objects.filter(gmina=gmina, recipient=writer)
    assert item.subject == "Your letter could not be sent"
    assert letter.title in item.body
    # A later sync leaves a failed letter alone.
    call_command("letters_sync")
    assert Letter.objects.get(pk=letter.pk).attempts == 1


def test_the_same_document_offered_twice_is_one_case(gmina, writer, national,
                                                     django_capture_on_commit_callbacks):
    letter = submit(gmina, writer)  # stored, not delivered (no commit callbacks run)
    xml = letter.document.open("rb").read()
    incoming = Incoming(channel="epuap", message_id="m-1", sender="Zofia Żółkiewska",
                        sender_address="/podkowalesna/skrytka", received_at=None,
                        documents=(Attachment("pismo.xml", "text/xml", xml),))
    first = letter_intake(gmina=gmina, incoming=incoming)
    again = letter_intake(gmina=gmina, incoming=incoming)
    assert first.created and not again.created
    assert again.incoming.pk == first.incoming.pk
    assert Case.objects.filter(gmina=gmina).count() == 1
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REGISTERED and letter.case is not None


def test_a_letter_not_written_here_is_kept_for_a_person_to_register(
        gmina, national, letter_system_key):
    outside = sign_enveloped(build_general_letter(sample_letter()), letter_system_key)
    national.offer_epuap(outside, box_address=OFFICE_BOX)
    assert letters_receive(gmina=gmina, channel="epuap") == 1
    [incoming] = IncomingLetter.objects.filter(gmina=gmina)
    assert incoming.title == "Wniosek o przycięcie gałęzi przy ulicy Lipowej"
    assert incoming.problem and incoming.case is None
    assert not Case.objects.filter(gmina=gmina).exists()
    # Acknowledged: the box is empty and a second pull finds nothing new.
    assert letters_receive(gmina=gmina, channel="epuap") == 0


def test_a_document_changed_on_the_way_is_not_made_a_case(gmina, writer, national):
    letter = submit(gmina, writer)
    xml = letter.document.open("rb").read().replace(b"chodnika", "chodnikó".encode())
    national.offer_epuap(xml, box_address=OFFICE_BOX)
    letters_receive(gmina=gmina, channel="epuap")
    [incoming] = IncomingLetter.objects.filter(gmina=gmina)
    assert "changed after it was signed" in incoming.problem
    assert not Case.objects.filter(gmina=gmina).exists()


@pytest.mark.parametrize("overrides, field, words", [
    ({"title": " "}, "title", "subject"),
    ({"body": ""}, "body", "Write what"),
    ({"channel": "fax"}, "channel", "Choose how"),
    ({"files": [SimpleUploadedFile("notes.txt", b"plain text")]}, "files", "not of an allowed"),
    ({"files": [SimpleUploadedFile("fake.pdf", b"%PDF-1.4 not really")]}, "files", "PDF"),
    ({"files": [SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))]},
     "files", "MB"),
])
def test_bad_input_names_the_field_and_stores_nothing(gmina, writer, national, media,
                                                      overrides, field, words):
    with pytest.raises(Exception) as raised:
        submit(gmina, writer, **overrides)
    assert words in " ".join(raised.value.message_dict[field])
    assert not Letter.objects.filter(gmina=gmina).exists()
    assert stored_files(media) == []


def test_without_a_postal_address_the_resident_is_sent_to_the_profile(gmina, applicant,
                                                                       national, media):
    with pytest.raises(Exception) as raised:
        submit(gmina, applicant)
    assert "postal address" in " ".join(raised.value.message_dict["__all__"])
    assert stored_files(media) == []


def test_the_mobile_channel_cannot_send_letters(gmina, writer, national):
    with pytest.raises(Exception) as raised:
        submit(gmina, writer, via="mobile")
    assert "only on the website" in " ".join(raised.value.message_dict["channel"])


# --- the website and the API --------------------------------------------------------------


def test_the_website_sends_a_letter_and_shows_the_receipt(
        client, gmina, writer, national, django_capture_on_commit_callbacks):
    client.force_login(writer)
    page = client.get("/sprawy/pisma/nowe/")
    assert page.status_code == 200
    assert b'value="epuap"' in page.content and b'value="edoreczenia"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/sprawy/pisma/nowe/", {
            "channel": "epuap", "title": "Wycinka", "body": "Proszę o informację.",
            "files": [pdf_upload()]})
    letter = Letter.objects.get(gmina=gmina)
    assert answer.status_code == 302 and answer["Location"] == f"/sprawy/pisma/{letter.pk}/"
    letter.refresh_from_db()
    detail = client.get(answer["Location"]).content.decode()
    assert letter.receipt_id in detail and letter.case.number in detail
    receipt = client.get(f"/sprawy/pisma/{letter.pk}/potwierdzenie.xml")
    assert receipt.status_code == 200 and receipt.content == letter.receipt.open("rb").read()
    case_page = client.get(f"/sprawy/{letter.case.pk}/").content.decode()
    assert letter.receipt_id in case_page


def test_the_form_shows_what_is_wrong_and_keeps_nothing(client, gmina, writer, national):
    client.force_login(writer)
    answer = client.post("/sprawy/pisma/nowe/", {"channel": "epuap", "title": "",
                                                  "body": "x"})
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.content.decode()
    assert not Letter.objects.filter(gmina=gmina).exists()


def test_another_persons_letter_is_not_found(client, gmina, writer, national):
    from tests.factories import UserFactory

    letter = submit(gmina, writer)
    client.force_login(UserFactory())
    for path in ("", "pismo.xml", "potwierdzenie.xml"):
        assert client.get(f"/sprawy/pisma/{letter.pk}/{path}").status_code == 404
    assert client.get(f"/api/v1/letters/{letter.pk}").status_code == 404


def test_the_api_lists_and_sends_letters_on_the_web_channel_only(
        client, gmina, writer, national, django_capture_on_commit_callbacks):
    _token, plain = api_token_create(gmina=gmina, user=writer, name="My phone")
    phone = {"Authorization": f"Bearer {plain}"}
    fields = {"channel": "epuap", "title": "Pytanie", "body": "Treść"}
    for method, path in (("get", "/api/v1/letters"), ("post", "/api/v1/letters")):
        refused = getattr(client, method)(path, fields if method == "post" else None,
                                          headers=phone)
        assert refused.status_code == 403 and refused.json()["code"] == "web_only"
    assert not Letter.objects.filter(gmina=gmina).exists()

    client.force_login(writer)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/letters", {
            "channel": "edoreczenia", "title": "Pytanie", "body": "Kiedy odbiór odpadów?",
            "files": [pdf_upload()]})
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "queued"
    [listed] = client.get("/api/v1/letters").json()
    assert listed["status"] == "registered" and listed["case_number"].startswith("PO.")
    assert listed["receipt_id"]
