import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from podkowa.cemetery.models import Burial, Cemetery, Grave
from podkowa.cemetery.services.imports import ImportRefused, burials_import

HEADER = "surname,given_names,family_name,birth_date,death_date,burial_date,quarter,row,number"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def test_command_creates_the_cemetery_and_imports_every_row(gmina, tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(csv_bytes(
        "Łukasiewicz,Ignacy,,1822-03-23,1882-03-07,1882-03-10,A,1,1",
        "Kowalska,Anna,Nowak,1901,1970,1970-05-02,A,1,1",
        "Zięba,Marta,,,1955-02-01,1955-02-04,B,2,7"))
    out = io.StringIO()
    call_command("import_burials", str(path), "--cemetery", "stary", stdout=out)
    assert "Imported 3 burial(s); 2 new grave(s)." in out.getvalue()
    cemetery = Cemetery.objects.get(gmina=gmina, slug="stary")
    assert cemetery.location is None
    anna = Burial.objects.get(gmina=gmina, surname="Kowalska")
    assert (anna.birth_date, anna.birth_year, anna.family_name) == (None, 1901, "Nowak")
    assert anna.grave.place == "A/1/1"
    assert Grave.objects.filter(gmina=gmina, cemetery=cemetery).count() == 2


def test_xlsx_works_the_same(gmina):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["Nowak", "Jan", None, 1930, "1999-12-31", "2000-01-04", "C", 3, 5])
    out = io.BytesIO()
    book.save(out)
    report = burials_import(gmina=gmina, cemetery_slug="nowy", content=out.getvalue(),
                            filename="ksiega.xlsx")
    assert report.imported == 1
    jan = Burial.objects.get(gmina=gmina)
    assert jan.birth_year == 1930 and jan.grave.place == "C/3/5"


def test_missing_columns_are_named_and_nothing_is_imported(gmina):
    content = b"surname,given_names,quarter\nNowak,Jan,A\n"
    with pytest.raises(ImportRefused) as refused:
        burials_import(gmina=gmina, cemetery_slug="x", content=content, filename="a.csv")
    problem = refused.value.report.problems[0]
    assert problem.row == 1
    assert "family_name" in problem.field and "birth_date" in problem.field
    assert not Cemetery.objects.filter(gmina=gmina).exists()


def test_each_bad_row_is_named_and_nothing_is_imported(gmina, cemetery, grave, tmp_path):
    # The test cemetery has a plan (quarter I, row 1): places elsewhere do not exist.
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(
        "Nowak,Jan,,1950-01-01,1990-01-01,1990-01-05,I,1,8",  # fine
        "Nowak,Ewa,,1990-01-01,1950-01-01,1950-01-05,I,1,9",  # death before birth
        "Lis,Adam,,1920,1980-03-02,1980-02-01,I,1,10",  # burial before death
        "Sowa,Jan,,1920,1980-13-02,,I,1,11",  # impossible date
        "Wilk,Jan,,1920,1980,1980-05-05,Z,1,1",  # no such quarter
        "Wilk,Ewa,,1920,1980,1980-05-05,I,9,1",  # no such row
    ))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_burials", str(path), "--cemetery", cemetery.slug, stderr=err)
    report = err.getvalue()
    assert "Row 3, death_date" in report
    assert "Row 4, burial_date" in report
    assert "Row 5, death_date" in report
    assert "Row 6, quarter: Quarter Z does not exist in this cemetery." in report
    assert "Row 7, row" in report
    assert "Row 2" not in report
    assert not Burial.objects.filter(gmina=gmina).exists()
    assert Grave.objects.filter(gmina=gmina).count() == 1


def test_an_empty_file_and_a_broken_workbook_are_refused(gmina):
    with pytest.raises(ImportRefused):
        burials_import(gmina=gmina, cemetery_slug="x", content=b"", filename="a.csv")
    with pytest.raises(Exception, match="XLSX"):
        burials_import(gmina=gmina, cemetery_slug="x", content=b"PK\x03\x04broken",
                       filename="a.xlsx")


def test_clerk_screen_previews_then_imports(client, gmina):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from podkowa.accounts.models import Role
    from tests.admin_support import make_official, sign_in_with_second_factor

    sign_in_with_second_factor(client, make_official(gmina, Role.CEMETERY_CLERK))
    client.cookies["django_language"] = "en"
    bad = client.post("/cmentarz/urzad/import/", {"cemetery": "nowy", "file": SimpleUploadedFile(
        "b.csv", csv_bytes("Nowak,Jan,,1990,1980,,A,1,1"))})
    assert "Row 2, death_date" in bad.content.decode()
    assert client.post("/cmentarz/urzad/import/", {"action": "confirm"}).status_code == 302
    assert not Burial.objects.filter(gmina=gmina).exists()
    good = client.post("/cmentarz/urzad/import/", {"cemetery": "nowy", "file": SimpleUploadedFile(
        "g.csv", csv_bytes("Nowak,Jan,,1920,1980,1980-05-05,A,1,1"))})
    assert "Preview of g.csv: 1 row" in good.content.decode()
    assert not Burial.objects.filter(gmina=gmina).exists()
    client.post("/cmentarz/urzad/import/", {"action": "confirm"})
    assert Burial.objects.filter(gmina=gmina, surname="Nowak").count() == 1


def test_the_report_is_in_polish_by_default(gmina, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("Nowak,Ewa,,1990-01-01,1950-01-01,,A,1,9"))
    err = io.StringIO()
    # The command runs in the site's language (a request before may have left another).
    with translation.override(settings.LANGUAGE_CODE), pytest.raises(CommandError):
        call_command("import_burials", str(path), "--cemetery", "x", stderr=err)
    assert "Wiersz 2, death_date: Data zgonu jest wcześniejsza niż data urodzenia." in (
        err.getvalue())
