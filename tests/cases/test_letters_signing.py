"""Enveloped XAdES-BES signatures: a signed letter verifies; any change afterwards does not."""

import base64
import datetime as dt
import shutil
import subprocess

import pytest
from lxml import etree

from podkowa.cases.letters.document import build_general_letter, parse_general_letter
from podkowa.cases.letters.errors import SignatureInvalid
from podkowa.cases.letters.signing import (
    DS,
    SIGNED_PROPERTIES_TYPE,
    XADES,
    sign_enveloped,
    verify_enveloped,
)
from podkowa.cases.letters.transports.wssecurity import (
    SOAP,
    WSU,
    build_envelope,
    sign_envelope,
    verify_envelope,
)
from tests.cases.letters_fixtures import sample_letter

pytest_plugins = ["tests.cases.letters_fixtures.plugin"]
pytestmark = pytest.mark.usefixtures("letters_english")

NS = {"ds": DS, "xades": XADES}


@pytest.fixture
def signed(letter_system_key):
    return sign_enveloped(build_general_letter(sample_letter()), letter_system_key)


def test_a_signed_letter_verifies_and_names_its_signer(signed, letter_system_key):
    [info] = verify_enveloped(signed, trusted_certificates=[letter_system_key.certificate])

    assert info.certificate == letter_system_key.certificate
    assert abs(info.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    # The signed letter is still an ordinary Pismo ogólne to every reader.
    assert parse_general_letter(signed).title == sample_letter().title


def test_the_signature_is_enveloped_xades_bes(signed, letter_system_key):
    root = etree.fromstring(signed)
    signature = root[-1]
    assert signature.tag == f"{{{DS}}}Signature"
    refs = signature.findall("ds:SignedInfo/ds:Reference", NS)
    assert refs[0].get("URI") == ""
    assert [t.get("Algorithm") for t in refs[0].findall("ds:Transforms/ds:Transform", NS)] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    assert refs[1].get("Type") == SIGNED_PROPERTIES_TYPE
    assert signature.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm") \
        == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    props = signature.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties", NS)
    assert props.findtext(".//xades:SigningTime", namespaces=NS)
    cert_digest = props.findtext(".//xades:CertDigest/ds:DigestValue", namespaces=NS)
    assert base64.b64decode(cert_digest) == letter_system_key.sha256_thumbprint


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Wniosek o przycięcie".encode(), "Wniosek o wycięcie".encode()),  # the title
        (b"44051401359", b"02211307589"),  # the sender's PESEL
        (b"image/jpeg", b"image/png"),  # an attachment's type
    ],
)
def test_a_changed_document_fails_verification(signed, old, new):
    assert old in signed
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        verify_enveloped(signed.replace(old, new, 1))


def test_a_changed_attachment_fails_verification(signed):
    root = etree.fromstring(signed)
    data = root.find(".//{http://crd.gov.pl/xml/schematy/struktura/2009/11/16/}DaneZalacznika")
    data.text = base64.b64encode(b"another photo").decode()
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        verify_enveloped(etree.tostring(root))


def test_a_changed_signing_time_fails_verification(signed):
    root = etree.fromstring(signed)
    root.find(".//xades:SigningTime", NS).text = "2020-01-01T00:00:00Z"
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        verify_enveloped(etree.tostring(root))


def test_a_forged_signature_value_fails(signed):
    root = etree.fromstring(signed)
    value = root.find(".//ds:SignatureValue", NS)
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 0xFF
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureInvalid, match="signature value does not match"):
        verify_enveloped(etree.tostring(root))


def test_a_resigned_document_with_a_swapped_certificate_is_caught(signed, letter_stranger_key):
    root = etree.fromstring(signed)
    root.find(".//ds:X509Certificate", NS).text = base64.b64encode(
        letter_stranger_key.certificate_der).decode()
    with pytest.raises(SignatureInvalid):
        verify_enveloped(etree.tostring(root))


def test_an_untrusted_signer_is_refused(signed, letter_stranger_key):
    with pytest.raises(SignatureInvalid, match="certificate we do not trust"):
        verify_enveloped(signed, trusted_certificates=[letter_stranger_key.certificate])


def test_an_unsigned_document_is_refused():
    with pytest.raises(SignatureInvalid, match="not signed"):
        verify_enveloped(build_general_letter(sample_letter()))


def test_signing_twice_is_refused(signed, letter_system_key):
    with pytest.raises(SignatureInvalid, match="already signed"):
        sign_enveloped(signed, letter_system_key)


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed")
def test_the_signature_verifies_with_xmlsec(signed, letter_system_key, tmp_path):
    """Interoperability: libxmlsec (what most national-service verifiers build on) agrees."""
    (tmp_path / "signed.xml").write_bytes(signed)
    (tmp_path / "cert.pem").write_bytes(letter_system_key.certificate_pem())
    result = subprocess.run(
        ["xmlsec1", "--verify", "--enabled-reference-uris", "empty,same-doc",
         "--pubkey-cert-pem", str(tmp_path / "cert.pem"), "--id-attr:Id", "SignedProperties",
         str(tmp_path / "signed.xml")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    (tmp_path / "changed.xml").write_bytes(signed.replace(b"Akacjowa", b"Lipowa", 1))
    changed = subprocess.run(
        ["xmlsec1", "--verify", "--enabled-reference-uris", "empty,same-doc",
         "--pubkey-cert-pem", str(tmp_path / "cert.pem"), "--id-attr:Id", "SignedProperties",
         str(tmp_path / "changed.xml")],
        capture_output=True, text=True, check=False,
    )
    assert changed.returncode != 0


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed")
def test_the_soap_signature_verifies_with_xmlsec(letter_system_key, tmp_path):
    (tmp_path / "envelope.xml").write_bytes(sign_envelope(_envelope(), letter_system_key))
    (tmp_path / "cert.pem").write_bytes(letter_system_key.certificate_pem())
    result = subprocess.run(
        ["xmlsec1", "--verify", "--enabled-reference-uris", "same-doc",
         "--pubkey-cert-pem", str(tmp_path / "cert.pem"),
         "--id-attr:Id", f"{SOAP}:Body", "--id-attr:Id", f"{WSU}:Timestamp",
         str(tmp_path / "envelope.xml")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


# --- WS-Security (the SOAP side of the same machinery) ------------------------------------


def _envelope():
    payload = etree.Element("{http://wsdl.epuap.gov.pl/obiekty/}ZapytaniePullOczekujace")
    etree.SubElement(payload, "podmiot").text = "podkowalesna"
    return build_envelope(payload)


def test_a_signed_soap_envelope_verifies(letter_system_key):
    verified = verify_envelope(sign_envelope(_envelope(), letter_system_key),
                               trusted_certificates=[letter_system_key.certificate])
    assert verified.payload.findtext("podmiot") == "podkowalesna"
    assert verified.certificate == letter_system_key.certificate


def test_a_changed_soap_body_fails(letter_system_key):
    body = sign_envelope(_envelope(), letter_system_key).replace(b"podkowalesna", b"milanowek")
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        verify_envelope(body, trusted_certificates=[letter_system_key.certificate])


def test_an_old_soap_message_is_refused(letter_system_key):
    old = sign_envelope(_envelope(), letter_system_key,
                        now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    with pytest.raises(SignatureInvalid, match="expired"):
        verify_envelope(old, trusted_certificates=[letter_system_key.certificate])


def test_a_wrapped_soap_body_is_refused(letter_system_key):
    """The signed Body moved into the header and a new Body put in its place."""
    root = etree.fromstring(sign_envelope(_envelope(), letter_system_key))
    body = root.find(f"{{{SOAP}}}Body")
    root.find(f"{{{SOAP}}}Header").append(body)
    evil = etree.SubElement(root, f"{{{SOAP}}}Body")
    etree.SubElement(evil, "anything").text = "evil"
    with pytest.raises(SignatureInvalid, match="does not cover the SOAP Body"):
        verify_envelope(etree.tostring(root), trusted_certificates=[letter_system_key.certificate])
