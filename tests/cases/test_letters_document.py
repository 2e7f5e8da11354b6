"""The Pismo ogólne XML: what we build parses, carries the form's parts, and reads back."""

import base64

import pytest
from lxml import etree

from podkowa.cases.letters.document import (
    ADR,
    INST,
    META,
    OSO,
    STR,
    WNIO,
    Address,
    GeneralLetter,
    Institution,
    build_general_letter,
    parse_general_letter,
)
from podkowa.cases.letters.errors import MalformedDocument
from tests.cases.letters_fixtures import HERE, PHOTO, sample_letter

pytest_plugins = ["tests.cases.letters_fixtures.plugin"]
pytestmark = pytest.mark.usefixtures("letters_english")

NS = {"wnio": WNIO, "meta": META, "str": STR, "oso": OSO, "inst": INST, "adr": ADR}


def test_generated_letter_carries_the_forms_namespaces_and_required_parts():
    root = etree.fromstring(build_general_letter(sample_letter()))

    assert root.tag == f"{{{WNIO}}}Dokument"
    assert root.nsmap["wnio"] == "http://crd.gov.pl/wzor/2013/12/12/1410/"
    for prefix, schema in (("meta", "meta"), ("str", "struktura"), ("oso", "osoba"),
                           ("inst", "instytucja")):
        assert root.nsmap[prefix] == f"http://crd.gov.pl/xml/schematy/{schema}/2009/11/16/"
    assert root.nsmap["adr"] == "http://crd.gov.pl/xml/schematy/adres/2009/11/09/"
    for path in (
        "wnio:OpisDokumentu",
        "wnio:DaneDokumentu/str:Naglowek/str:NazwaDokumentu",
        "wnio:DaneDokumentu/str:Adresaci/meta:Podmiot/inst:Instytucja/inst:NazwaInstytucji",
        "wnio:DaneDokumentu/str:Adresaci/meta:Podmiot/inst:Instytucja/adr:Adres/adr:Miejscowosc",
        "wnio:DaneDokumentu/str:Nadawcy/meta:Podmiot/oso:Osoba/oso:Imie",
        "wnio:DaneDokumentu/str:Nadawcy/meta:Podmiot/oso:Osoba/oso:Nazwisko",
        "wnio:DaneDokumentu/str:Nadawcy/meta:Podmiot/oso:Osoba/oso:IdOsoby/oso:PESEL",
        "wnio:DaneDokumentu/str:Nadawcy/meta:Podmiot/oso:Osoba/adr:Adres/adr:Ulica",
        "wnio:DaneDokumentu/str:Nadawcy/meta:Podmiot/oso:Osoba/adr:Kontakt/adr:Email",
        "wnio:TrescDokumentu/wnio:MiejscowoscDokumentu",
        "wnio:TrescDokumentu/wnio:Tytul",
        "wnio:TrescDokumentu/wnio:RodzajWnioskuRozszerzony",
        "wnio:TrescDokumentu/wnio:Informacje/wnio:Informacja",
        "wnio:TrescDokumentu/str:Zalaczniki/str:Zalacznik/str:DaneZalacznika",
    ):
        assert root.find(path, NS) is not None, path
    assert root.findtext("wnio:DaneDokumentu/str:Naglowek/str:NazwaDokumentu", namespaces=NS) \
        == "Pismo ogólne do podmiotu publicznego"


def test_attachments_decode_to_the_uploaded_bytes():
    letter = sample_letter()
    root = etree.fromstring(build_general_letter(letter))

    attachments = root.findall("wnio:TrescDokumentu/str:Zalaczniki/str:Zalacznik", NS)
    assert [(a.get("nazwaPliku"), a.get("format"), a.get("kodowanie")) for a in attachments] == [
        ("zdjęcie-gałęzi.jpg", "image/jpeg", "base64"),
        ("opis.txt", "text/plain", "base64"),
    ]
    decoded = [base64.b64decode(a.findtext("str:DaneZalacznika", namespaces=NS))
               for a in attachments]
    assert decoded == [PHOTO, "Źdźbło trawy\n".encode()]


def test_polish_characters_survive_the_round_trip():
    letter = sample_letter()
    xml = build_general_letter(letter)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Gęślą-Jaźń".encode() in xml  # written as UTF-8, not as character references

    parsed = parse_general_letter(xml)

    assert parsed.sender.first_name == "Zażółć"
    assert parsed.sender.last_name == "Gęślą-Jaźń"
    assert parsed.sender.pesel == "44051401359"
    assert parsed.sender.email == "zazolc@example.org"
    assert parsed.sender.address.street == "Jana Pawła II"
    assert parsed.sender.address.unit == "3"
    assert parsed.recipient.name == "Urząd Miasta Podkowa Leśna"
    assert parsed.place == "Podkowa Leśna"
    assert parsed.title == letter.title
    assert parsed.body == letter.body
    assert parsed.attachments == letter.attachments
    assert parsed.created == letter.created


def test_a_letter_from_another_system_is_read(settings):
    parsed = parse_general_letter((HERE / "incoming_pismo_ogolne.xml").read_bytes())

    assert isinstance(parsed.sender, Institution)
    assert parsed.sender.name == "Ogrodnictwo „Żółty Tulipan” sp. z o.o."
    assert parsed.sender.regon == "192598184"
    assert parsed.sender.email == "biuro@tulipan.example"
    assert parsed.sender.address.street == "Łąkowa"
    assert parsed.body == "Przesyłamy ofertę nasadzeń.\n\nTermin: wiosna 2027."
    assert (parsed.kind, parsed.other_kind) == ("inne pismo", "oferta")
    assert parsed.attachments[0].filename == "cennik.txt"
    assert parsed.attachments[0].content.decode() == "Żółty tulipan: 12 zł"
    assert parsed.created is not None and parsed.created.date().isoformat() == "2026-11-02"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<wnio:Dokument xmlns:wnio='http://crd.gov.pl/wzor/2013/12/12/1410/'>",
         "not well-formed XML"),
        (b"", "empty"),
        (b"<Dokument/>", "not a Pismo og"),
        (b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x 'boom'>]>"
         b"<d xmlns='http://crd.gov.pl/wzor/2013/12/12/1410/'>&x;</d>", "DOCTYPE"),
        (b"<wnio:Dokument xmlns:wnio='http://crd.gov.pl/wzor/2013/12/12/1410/'/>",
         "lacks the required element DaneDokumentu"),
    ],
)
def test_malformed_documents_are_refused_with_a_clear_error(data, message):
    with pytest.raises(MalformedDocument, match=message):
        parse_general_letter(data)


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    data = (
        f"<!DOCTYPE d [<!ENTITY x SYSTEM 'file://{secret}'>]>"
        f"<d xmlns='http://crd.gov.pl/wzor/2013/12/12/1410/'>&x;</d>"
    ).encode()
    with pytest.raises(MalformedDocument) as caught:
        parse_general_letter(data)
    assert "top secret" not in str(caught.value)


def test_damaged_attachment_data_is_refused():
    xml = build_general_letter(sample_letter(attachments=[("a.txt", "text/plain", b"abc")]))
    damaged = xml.replace(base64.b64encode(b"abc"), b"@@not base64@@")
    with pytest.raises(MalformedDocument, match="Attachment 1 is not valid base64"):
        parse_general_letter(damaged)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "  "}, "Title is required"),
        ({"body": ""}, "Text is required"),
        ({"body": "bell \x07 character"}, "Text contains characters that cannot be sent"),
        ({"attachments": [("../etc/passwd", "text/plain", b"x")]}, "may not contain a path"),
        ({"attachments": [("empty.pdf", "application/pdf", b"")]}, "Attachment 1 is empty"),
        ({"attachments": [("a.bin", "binary", b"x")]}, "file type is not valid"),
        ({"attachments": [("a.pdf", "application/pdf", b"x" * (3 * 1024 * 1024))] * 2},
         r"too large together \(6.0 MB; at most 5 MB\)"),
        ({"recipient": Institution(name="", address=Address(town="Podkowa Leśna"))},
         "Name of the institution is required"),
    ],
)
def test_bad_letters_are_refused_naming_the_field(overrides, message):
    with pytest.raises(MalformedDocument, match=message):
        build_general_letter(sample_letter(**overrides))


def test_an_invalid_pesel_is_refused_with_the_identifier_message():
    letter = sample_letter()
    bad = GeneralLetter(**{**letter.__dict__, "sender": letter.sender.__class__(
        **{**letter.sender.__dict__, "pesel": "44051401358"})})
    with pytest.raises(MalformedDocument, match="check digit"):
        build_general_letter(bad)


def test_the_pesel_is_optional():
    letter = sample_letter()
    anonymous = GeneralLetter(**{**letter.__dict__, "sender": letter.sender.__class__(
        **{**letter.sender.__dict__, "pesel": ""})})
    root = etree.fromstring(build_general_letter(anonymous))
    assert root.find(".//oso:IdOsoby", NS) is None
    assert parse_general_letter(build_general_letter(anonymous)).sender.pesel == ""
