"""Shared data of the letters tests (the fixtures are in ``plugin.py``)."""

import datetime as dt
from pathlib import Path

from podkowa.cases.letters.document import Address, GeneralLetter, Institution, Person

HERE = Path(__file__).parent
OFFICE_BOX = "/podkowalesna/skrytka"
OFFICE_ADE = "AE:PL-14050-21000-PODKW-01"
RESIDENT_ADE = "AE:PL-51705-21484-KOWAL-11"
# Not a real image: the tests only need bytes that are not text (every byte value once).
PHOTO = bytes(range(256)) * 40


def sample_letter(**overrides) -> GeneralLetter:
    office = Institution(
        name="Urząd Miasta Podkowa Leśna",
        address=Address(town="Podkowa Leśna", postal_code="05-807", street="Akacjowa",
                        building="39/41"),
    )
    resident = Person(
        first_name="Zażółć",
        last_name="Gęślą-Jaźń",
        pesel="44051401359",
        email="zazolc@example.org",
        address=Address(town="Podkowa Leśna", postal_code="05-807", street="Jana Pawła II",
                        building="12", unit="3"),
    )
    values = {
        "sender": resident,
        "recipient": office,
        "place": "Podkowa Leśna",
        "title": "Wniosek o przycięcie gałęzi przy ulicy Lipowej",
        "body": "Szanowni Państwo,\n\nproszę o przycięcie gałęzi — zasłaniają znak „STOP”.\n"
                "Łączę wyrazy szacunku.",
        "attachments": [("zdjęcie-gałęzi.jpg", "image/jpeg", PHOTO),
                        ("opis.txt", "text/plain", "Źdźbło trawy\n".encode())],
        "created": dt.datetime(2026, 11, 29, 10, 30, tzinfo=dt.UTC),
    }
    values.update(overrides)
    return GeneralLetter(**values)
