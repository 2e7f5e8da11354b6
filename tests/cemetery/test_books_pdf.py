import shutil
import subprocess

import pytest

from podkowa.accounts.models import Role
from podkowa.cemetery.selectors.books import book_pdf
from podkowa.cemetery.services.books import burial_register
from tests.admin_support import make_official, sign_in_with_second_factor


def pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    path = tmp_path / "book.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("book", ["pochowani", "groby", "alfabetyczny"])
def test_each_book_renders_polish_letters(gmina, cemetery, grave, burial, book, tmp_path):
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Żółkiewska", "given_names": "Łucja Ćwiklińska", "death_date": "1950"})
    text = pdf_text(book_pdf(gmina=gmina, cemetery=cemetery, book=book, language="pl"),
                    tmp_path)
    # Narrow columns may wrap a name; each word must come out whole, Polish letters included.
    for word in ("Łukasiewicz", "Ignacy", "Żółkiewska", "Łucja", "Ćwiklińska"):
        assert word in text
    assert {"pochowani": "Księga osób pochowanych", "groby": "Księga grobów",
            "alfabetyczny": "Spis alfabetyczny"}[book] in text
    assert "I/1/7" in text


def test_books_are_for_the_cemetery_clerk(client, gmina, cemetery, burial):
    assert client.get(f"/cmentarz/urzad/{cemetery.slug}/ksiegi/pochowani/").status_code == 302
    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    page = client.get(f"/cmentarz/urzad/{cemetery.slug}/ksiegi/pochowani/")
    assert "Łukasiewicz Ignacy" in page.content.decode()
    pdf = client.get(f"/cmentarz/urzad/{cemetery.slug}/ksiegi/groby.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(f"/cmentarz/urzad/{cemetery.slug}/ksiegi/inne/").status_code == 404
