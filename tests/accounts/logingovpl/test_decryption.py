"""The EncryptedAssertion as the node sends it: against the committed fixed vector and against
what the simulator produces."""

import base64
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

from podkowa.accounts.logingovpl import saml
from podkowa.accounts.logingovpl.errors import LoginGovError
from podkowa.accounts.logingovpl.simulator import DEMO_IDENTITIES, NodeIssuer
from podkowa.accounts.logingovpl.xmlenc import (
    XENC,
    EncryptionInputs,
    decrypt_element,
    encrypt_element,
)
from tests.accounts.logingovpl.vectors import make_vector

VECTORS = Path(make_vector.__file__).resolve().parent


def _vector():
    key = load_pem_private_key((VECTORS / "sp_encryption_key.pem").read_bytes(), None)
    encrypted = etree.fromstring((VECTORS / "encrypted_assertion.xml").read_bytes())
    return key, encrypted


def _cipher_values(element) -> list[str]:
    return [v.text for v in element.iter(f"{{{XENC}}}CipherValue")]


def test_the_fixed_vector_decrypts_to_its_plaintext():
    key, encrypted = _vector()
    assert decrypt_element(encrypted, key) == (VECTORS / "plaintext_assertion.xml").read_bytes()


def test_the_fixed_inputs_reproduce_the_committed_ciphertext():
    # ECDH, ConcatKDF, key wrap and GCM are deterministic given the inputs: any change in how
    # the key is derived (e.g. the OtherInfo octets) shows here.
    _key, committed = _vector()
    inputs = EncryptionInputs(
        ephemeral_key=make_vector.fixed_key("podkowa vector: node ephemeral key"),
        content_key=make_vector.fixed_bytes("podkowa vector: content key", 32),
        iv=make_vector.fixed_bytes("podkowa vector: iv", 12),
    )
    certificate_der = base64.b64decode(committed.findtext(".//{*}X509Certificate"))
    again = encrypt_element(
        make_vector.PLAINTEXT, x509.load_der_x509_certificate(certificate_der),
        originator=make_vector.ORIGINATOR, recipient_entity=make_vector.RECIPIENT,
        inputs=inputs)
    assert _cipher_values(again) == _cipher_values(committed)


def test_an_altered_ciphertext_is_refused():
    key, encrypted = _vector()
    value = list(encrypted.iter(f"{{{XENC}}}CipherValue"))[-1]
    raw = bytearray(base64.b64decode(value.text))
    raw[20] ^= 1
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(LoginGovError) as refused:
        decrypt_element(encrypted, key)
    assert refused.value.code == "decryption"
    assert "GCM" in refused.value.detail


@pytest.fixture(scope="module")
def simulator_answer(node_key, sp_encryption):
    issuer = NodeIssuer(entity_id="http://127.0.0.1:1/idp", credentials=node_key)
    return issuer.response(identity=DEMO_IDENTITIES[1], request_id="ID-r",
                           sp_entity_id="https://podkowa.test/sp", acs_url="http://x/acs",
                           encryption_certificate=sp_encryption.certificate)


def test_what_the_simulator_encrypts_decrypts_to_a_signed_assertion(simulator_answer,
                                                                     sp_encryption, node_key):
    encrypted = simulator_answer.find(f".//{{{XENC}}}EncryptedData")
    assertion = etree.fromstring(decrypt_element(encrypted, sp_encryption.private_key))
    assert assertion.tag == saml.q(saml.SAML, "Assertion")
    assert saml.verify_signed(assertion, [node_key.certificate], what="Assertion")
    values = [v.text for v in assertion.iter(saml.q(saml.SAML, "AttributeValue"))]
    assert values == ["Anna", "Nowak", "2002-01-13", "02211307589"]


def test_the_simulators_answer_does_not_open_with_another_key(simulator_answer, stranger_key):
    encrypted = simulator_answer.find(f".//{{{XENC}}}EncryptedData")
    with pytest.raises(LoginGovError) as refused:
        decrypt_element(encrypted, stranger_key.private_key)
    assert refused.value.code == "decryption"


@pytest.mark.parametrize("algorithm", [
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",  # not what the node sends: refused
])
def test_another_cipher_is_refused(simulator_answer, sp_encryption, algorithm):
    encrypted = simulator_answer.find(f".//{{{XENC}}}EncryptedData")
    clone = etree.fromstring(etree.tostring(encrypted))
    clone.find(f"{{{XENC}}}EncryptionMethod").set("Algorithm", algorithm)
    with pytest.raises(LoginGovError):
        decrypt_element(clone, sp_encryption.private_key)
