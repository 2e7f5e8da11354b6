"""Filing: each field type's errors, attachments checked by content, nothing stored on error."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from podkowa.accounts.models import Channel
from podkowa.cases.models import Case, CaseAttachment, CaseNumberCounter, FormVersion
from podkowa.cases.services.catalogue import form_version_publish, form_version_update
from podkowa.cases.services.filing import case_content_hash
from podkowa.cases.services.formdef import answers_from_post, form_definition_validate
from tests.cases.conftest import (
    FULL_FORM,
    VALID_ANSWERS,
    jpeg_bytes,
    minimal_pdf,
    photo,
    stored_files,
)

pytestmark = pytest.mark.usefixtures("in_english")


def errors_of(file_case, **overrides) -> dict:
    with pytest.raises(ValidationError) as error:
        file_case(**overrides)
    return error.value.message_dict


def test_a_valid_filing_is_registered_with_a_number_hash_and_clean_answers(
        gmina, file_case, media, case_type):
    answers = {
        "name": " Anna ", "story": "Line one\nline two", "email": "Anna@Example.ORG",
        "phone": "+48 22 759 21 00", "born": "1980-05-14", "count": "3", "colour": "green",
        "agree": "on", "pesel": "44051401359", "postal": "05-807",
        "address": {"street": "Jana Pawła II 1", "postal_code": "05-807",
                    "city": "Podkowa Leśna"},
        "people": [{"name": "Jan Kowalski", "birth_date": "2015-02-01"},
                   {"name": "", "birth_date": ""}],
    }
    case = file_case(data=answers, files={"photo": [photo()],
                                          "docs": [SimpleUploadedFile("scan.pdf",
                                                                      minimal_pdf())]})
    assert re.fullmatch(r"TM\.\d{4}\.00001", case.number)
    assert case.data["name"] == "Anna"
    assert case.data["email"] == "anna@example.org"
    assert case.data["count"] == 3
    assert case.data["agree"] is True
    assert case.data["people"] == [{"name": "Jan Kowalski", "birth_date": "2015-02-01"}]
    assert case.form_version.number == 1
    assert case.department == case_type.department
    assert case.channel == Channel.WEB
    names = sorted(case.attachments.values_list("field_key", "original_name", "content_type"))
    assert names == [("docs", "scan.pdf", "application/pdf"), ("photo", "photo.jpg",
                                                              "image/jpeg")]
    assert len(stored_files(media)) == 2
    assert len(case.content_hash) == 64
    assert case_content_hash(case) == case.content_hash
    assert file_case().number.endswith(".00002")


@pytest.mark.parametrize(("answers", "field", "message"), [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "x" * 21}, "name", "at most 20 characters"),
    ({"agree": False}, "agree", "Tick this box."),
    ({"agree": "false"}, "agree", "Tick this box."),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"phone": "12"}, "phone", "at least 9 digits"),
    ({"born": "14.05.1980"}, "born", "YYYY-MM-DD"),
    ({"born": "2999-01-01"}, "born", "cannot be in the future"),
    ({"count": "three"}, "count", "whole number"),
    ({"count": 9}, "count", "at most 5"),
    ({"count": 0}, "count", "at least 1"),
    ({"colour": "blue"}, "colour", "Choose one of the options."),
    ({"pesel": "44051401358"}, "pesel", "check digit"),
    ({"postal": "05807"}, "postal", "00-000"),
    ({"address": {"street": "", "postal_code": "x", "city": "Podkowa"}}, "address",
     "street"),
    ({"address": "Main Street 1"}, "address", "street, postal code and city"),
    ({"people": [{"name": "", "birth_date": "2010-01-01"}]}, "people", "Person 1: enter the"),
    ({"people": [{"name": "A", "birth_date": "soon"}]}, "people", "Person 1: Enter a date"),
    ({"people": [{"name": "A", "birth_date": "2001-01-01"}] * 3}, "people", "at most 2"),
    ({"unknown": "x"}, "unknown", "no such field"),
])
def test_each_field_type_names_its_error(file_case, answers, field, message):
    errors = errors_of(file_case, data={**VALID_ANSWERS, **answers})
    assert message in " ".join(errors[field])


def test_all_errors_come_back_at_once_and_nothing_is_stored(file_case, media):
    errors = errors_of(file_case, data={"email": "x"}, files={})
    assert set(errors) == {"name", "agree", "email", "photo"}
    assert errors["photo"] == ["Attach at least one file."]
    assert not Case.objects.exists()
    assert not CaseAttachment.objects.exists()
    assert not CaseNumberCounter.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_file_is_refused_by_name(file_case, media):
    big = SimpleUploadedFile("huge.jpg", jpeg_bytes() + b"\0" * (1024 * 1024))
    errors = errors_of(file_case, files={"photo": [big]})
    assert errors == {"photo": ["huge.jpg is larger than 1 MB."]}
    assert stored_files(media) == []


def test_too_many_files_are_refused(file_case):
    pdf = minimal_pdf()
    errors = errors_of(file_case, files={"photo": [photo()], "docs": [
        SimpleUploadedFile(f"{n}.pdf", pdf) for n in range(3)]})
    assert errors == {"docs": ["Attach at most 2 files."]}


def test_the_type_is_judged_by_content_not_by_name(file_case, media):
    errors = errors_of(file_case, files={"photo": [
        SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a program", "image/jpeg")]})
    assert errors == {"photo": [
        "photo.jpg is not of an allowed type; send an image (JPEG or PNG)."]}
    # A real PDF is still not a photo.
    errors = errors_of(file_case, files={"photo": [SimpleUploadedFile("a.jpg", minimal_pdf())]})
    assert "not of an allowed type" in errors["photo"][0]
    assert not Case.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\nthis is only the magic number",
    b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n",  # no startxref
    b"%PDF-1.4\nstartxref\n999999\n%%EOF\n",  # no object, xref outside the file
    b"Hello, I am a PDF, trust me.\n%%EOF",
])
def test_a_fake_pdf_is_refused(file_case, media, content):
    errors = errors_of(file_case, files={"photo": [photo()],
                                         "docs": [SimpleUploadedFile("report.pdf", content)]})
    assert "report.pdf" in errors["docs"][0]
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_a_real_pdf_from_weasyprint_is_accepted(file_case):
    from weasyprint import HTML

    pdf = HTML(string="<p>Zażółć gęślą jaźń</p>").write_pdf()
    case = file_case(files={"photo": [photo()], "docs": [SimpleUploadedFile("w.pdf", pdf)]})
    assert case.attachments.get(field_key="docs").sha256


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 7.0, 21.0)
    gps[3] = "E"
    gps[4] = (20.0, 43.0, 43.0)
    return exif.tobytes()


def test_photos_are_re_encoded_without_exif_and_gps(file_case, media):
    original = jpeg_bytes(exif=_exif_with_gps())
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825)  # the upload really carries a position
    case = file_case(files={"photo": [photo("IMG_0001.JPG", original)]})
    stored = case.attachments.get()
    content = stored.file.read()
    assert content != original
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 30)
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"PhoneMaker" not in content and b"Exif" not in content
    assert stored.original_name == "IMG_0001.jpg"
    import hashlib

    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def test_png_stays_png_and_loses_its_metadata(file_case):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "52.12N 20.73E")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=info)
    case = file_case(files={"photo": [photo("shot.png", out.getvalue())]})
    content = case.attachments.get().file.read()
    assert content.startswith(b"\x89PNG")
    assert b"52.12N" not in content


def test_the_mobile_channel_cannot_file_a_type_not_allowed_in_the_app(file_case, case_type):
    case_type.app_allowed = False
    case_type.save()
    errors = errors_of(file_case, channel=Channel.MOBILE)
    assert "cannot be filed from the mobile app" in errors["channel"][0]
    assert not Case.objects.exists()
    case_type.app_allowed = True
    case_type.save()
    assert file_case(channel=Channel.MOBILE).channel == Channel.MOBILE


def test_an_inactive_or_foreign_type_cannot_be_filed(file_case, case_type):
    case_type.is_active = False
    case_type.save()
    assert "case_type" in errors_of(file_case)


def test_a_failure_while_writing_removes_the_files_already_written(file_case, media,
                                                                   monkeypatch):
    from podkowa.cases.services import filing

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(filing, "content_hash", broken)
    with pytest.raises(RuntimeError):
        file_case()
    assert not Case.objects.exists()
    assert not CaseAttachment.objects.exists()
    assert stored_files(media) == []


# --- the form definitions -------------------------------------------------------------------


def test_a_definition_with_an_unknown_type_is_refused_clearly():
    with pytest.raises(ValidationError) as error:
        form_definition_validate([{"key": "x", "type": "colour-picker", "label": "X"}])
    assert "unknown type “colour-picker”" in error.value.message_dict["definition"][0]


@pytest.mark.parametrize(("field", "problem"), [
    ({"key": "Bad Key", "type": "text", "label": "X"}, "the key must start"),
    ({"key": "x", "type": "text", "label": ""}, "the label is missing"),
    ({"key": "x", "type": "choice", "label": "X"}, "non-empty list of options"),
    ({"key": "x", "type": "attachments", "label": "X", "kinds": ["exe"], "max_size_mb": 1},
     "allowed kinds"),
    ({"key": "x", "type": "attachments", "label": "X", "kinds": ["pdf"], "max_size_mb": 500},
     "largest file size"),
])
def test_definition_problems_name_the_field(field, problem):
    with pytest.raises(ValidationError) as error:
        form_definition_validate([field])
    assert problem in " ".join(error.value.message_dict["definition"])


def test_duplicate_keys_are_refused():
    with pytest.raises(ValidationError):
        form_definition_validate([{"key": "a", "type": "text", "label": "A"}] * 2)


def test_a_used_version_is_frozen_and_the_case_keeps_it(gmina, file_case, case_type):
    case = file_case()
    version = case.form_version
    version.definition = [{"key": "a", "type": "text", "label": "A"}]
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        form_version_update(gmina=gmina, form_version_id=version.pk,
                            definition=[{"key": "a", "type": "text", "label": "A"}])
    new = form_version_publish(gmina=gmina, case_type_id=case_type.pk, definition=[
        {"key": "subject", "type": "text", "label": "Subject", "required": True}])
    assert new.number == 2
    later = file_case(data={"subject": "Hello"}, files={})
    assert later.form_version == new
    case.refresh_from_db()
    assert case.form_version.number == 1
    assert FormVersion.objects.get(pk=version.pk).definition == FULL_FORM


def test_an_unused_version_may_be_corrected(gmina, case_type):
    version = case_type.form_versions.get()
    fixed = form_version_update(gmina=gmina, form_version_id=version.pk,
                                definition=[{"key": "a", "type": "text", "label": "A"}])
    assert fixed.number == 1


def test_html_form_posts_become_answers():
    from django.http import QueryDict

    post = QueryDict(mutable=True)
    post.update({"name": "Anna", "agree": "on", "address.street": "Lipowa 1",
                 "address.postal_code": "05-807", "address.city": "Podkowa Leśna",
                 "people-0-name": "Jan", "people-0-birth_date": "2010-01-01",
                 "people-1-name": "", "people-1-birth_date": ""})
    data = answers_from_post(FULL_FORM, post)
    assert data["agree"] is True
    assert data["address"]["city"] == "Podkowa Leśna"
    assert len(data["people"]) == 2

    from django.utils.datastructures import MultiValueDict

    from podkowa.cases.services.formdef import files_from_request

    uploads = MultiValueDict({"photo": [photo()], "docs": [photo("a.jpg"), photo("b.jpg")]})
    files = files_from_request(FULL_FORM, uploads)
    assert [len(files["photo"]), len(files["docs"])] == [1, 2]


def test_a_single_file_instead_of_a_list_is_taken_as_one(file_case):
    case = file_case(files={"photo": photo()})
    assert case.attachments.count() == 1


def test_a_form_corrected_while_the_resident_filled_it_is_not_filed_against(
        gmina, file_case, case_type, media, monkeypatch):
    from podkowa.cases.services import filing

    real = filing.answers_validate

    def corrected_meanwhile(definition, data):
        FormVersion.objects.filter(case_type=case_type).update(
            definition=[{"key": "x", "type": "text", "label": "X"}])
        return real(definition, data)

    monkeypatch.setattr(filing, "answers_validate", corrected_meanwhile)
    errors = errors_of(file_case)
    assert "form was changed" in errors["case_type"][0]
    assert not Case.objects.exists()
    assert stored_files(media) == []
