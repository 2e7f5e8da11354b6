"""The PDF receipt, the demo catalogue and the personal-data exporter."""

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from podkowa.cases.demo import load_case_demo
from podkowa.cases.models import CaseType, FormVersion
from podkowa.cases.services.filing import case_file
from podkowa.cases.services.receipt import case_receipt_pdf
from podkowa.core.personal_data import handlers
from tests.cases.conftest import minimal_pdf, photo

pytestmark = pytest.mark.usefixtures("in_english")


def pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_receipt_is_a_pdf_with_the_number_answers_and_hashes(gmina, file_case, tmp_path):
    case = file_case(data={"name": "Zażółć Gęślą", "agree": True},
                     files={"photo": [photo("twarz.jpg")],
                            "docs": [SimpleUploadedFile("umowa.pdf", minimal_pdf())]})
    pdf = case_receipt_pdf(gmina=gmina, case_id=case.pk, language="en")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert case.number in text
    assert "Podkowa Leśna" in text
    assert "Zażółć Gęślą" in text  # Polish letters survive (DejaVu fonts)
    assert "Test matter" in text
    assert "twarz.jpg" in text and "umowa.pdf" in text
    sha = case.attachments.get(field_key="photo").sha256
    flat = "".join(text.split())
    assert sha in flat
    assert case.content_hash in flat
    assert "Europe/Warsaw" in text


def test_the_demo_catalogue_loads_twice_without_change(gmina, applicant, media):
    load_case_demo(gmina)
    load_case_demo(gmina)
    slugs = set(CaseType.objects.values_list("slug", flat=True))
    assert slugs == {"karta-mieszkanca", "zaswiadczenie", "usuniecie-drzewa", "wniosek-ogolny",
                     "pismo-ogolne"}
    assert FormVersion.objects.count() == 5
    certificate = CaseType.objects.get(slug="zaswiadczenie")
    assert certificate.deadline == "7d"
    card = CaseType.objects.get(slug="karta-mieszkanca")
    case = case_file(gmina=gmina, applicant=applicant, case_type_id=card.pk, channel="mobile",
                     data={"first_name": "Zofia", "last_name": "Żółkiewska",
                           "pesel": "02211307589",
                           "address": {"street": "Lilpopa 1", "postal_code": "05-807",
                                       "city": "Podkowa Leśna"},
                           "household": [{"name": "Jan Żółkiewski",
                                          "birth_date": "2012-03-04"}],
                           "declaration": True},
                     files={"photo": [photo()]})
    assert case.number.startswith("KM.")
    assert case.department.name == "Referat Organizacyjny"


def test_the_export_holds_the_persons_cases_but_not_internal_notes(gmina, file_case,
                                                                  applicant, clerk):
    from podkowa.cases.services.messages import case_message_post

    case = file_case()
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="secret", internal=True)
    case_message_post(gmina=gmina, case_id=case.pk, author=clerk, body="Hello")
    handler = next(h for h in handlers() if h.name == "cases")
    exported = handler.export(gmina=gmina, user=applicant)
    assert [c["number"] for c in exported["cases"]] == [case.number]
    assert [m["text"] for m in exported["cases"][0]["messages"]] == ["Hello"]
    assert "archive" in str(handler.retention)
    handler.shred(gmina=gmina, user=applicant)
    case.refresh_from_db()
    assert case.data["name"] == "Anna"  # the record stays as filed
