"""ECDSA-SHA256 in the shared XML-DSig code: written by an EC key, verified only when the
caller accepts it (the letters' verifiers still insist on RSA)."""

import base64

import pytest
from lxml import etree

from podkowa.accounts.logingovpl import saml
from podkowa.cases.letters.errors import SignatureInvalid
from podkowa.cases.letters.signing import (
    ECDSA_SHA256,
    RSA_SHA256,
    verify_signature_element,
)


def _signed(credentials):
    element = etree.Element(saml.q(saml.SAMLP, "LogoutRequest"), nsmap=saml.NSMAP, ID="ID-x")
    etree.SubElement(element, saml.q(saml.SAML, "Issuer")).text = "https://sp"
    etree.SubElement(element, saml.q(saml.SAML, "NameID")).text = "someone"
    return saml.sign(element, credentials)


def test_an_ec_key_signs_ecdsa_sha256_with_a_raw_64_byte_value(sp_signing):
    element = _signed(sp_signing)
    signature = element.find(saml.q(saml.DS, "Signature"))
    method = signature.find(f"{{{saml.DS}}}SignedInfo/{{{saml.DS}}}SignatureMethod")
    assert method.get("Algorithm") == ECDSA_SHA256
    assert len(base64.b64decode(signature.findtext(saml.q(saml.DS, "SignatureValue")))) == 64
    covered = verify_signature_element(signature, certificate=sp_signing.certificate,
                                       methods=(ECDSA_SHA256,))
    assert covered[0].uri == "#ID-x"


def test_a_changed_element_fails(sp_signing):
    element = _signed(sp_signing)
    element.find(saml.q(saml.SAML, "NameID")).text = "someone else"
    with pytest.raises(SignatureInvalid):
        verify_signature_element(element.find(saml.q(saml.DS, "Signature")),
                                 certificate=sp_signing.certificate, methods=(ECDSA_SHA256,))


def test_another_key_fails(sp_signing, stranger_key):
    element = _signed(sp_signing)
    with pytest.raises(SignatureInvalid):
        verify_signature_element(element.find(saml.q(saml.DS, "Signature")),
                                 certificate=stranger_key.certificate, methods=(ECDSA_SHA256,))


def test_an_rsa_only_verifier_refuses_ecdsa(sp_signing):
    element = _signed(sp_signing)
    with pytest.raises(SignatureInvalid) as refused:
        verify_signature_element(element.find(saml.q(saml.DS, "Signature")),
                                 certificate=sp_signing.certificate, methods=(RSA_SHA256,))
    assert "RSA" in str(refused.value)
