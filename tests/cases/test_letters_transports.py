"""ePUAP and e-Doręczenia clients against their local simulators on a free port."""

import json
import os
import time

import pytest

from podkowa.cases.letters.compose import compose_general_letter, read_incoming_letter
from podkowa.cases.letters.document import (
    MAX_ATTACHMENTS_TOTAL_BYTES,
    build_general_letter,
    parse_general_letter,
)
from podkowa.cases.letters.errors import (
    AddressInvalid,
    ConfigurationError,
    DeliveryRefused,
    SignatureInvalid,
    TransportError,
)
from podkowa.cases.letters.receipts import UPO, document_digest, parse_receipt
from podkowa.cases.letters.signing import sign_enveloped
from podkowa.cases.letters.transports import get_transport
from podkowa.cases.letters.transports.edoreczenia import (
    EDoreczeniaTransport,
    clean_ade,
    client_assertion,
)
from podkowa.cases.letters.transports.epuap import EpuapTransport
from podkowa.cases.letters.transports.http import request
from tests.cases.letters_fixtures import HERE, OFFICE_ADE, OFFICE_BOX, RESIDENT_ADE, sample_letter

pytest_plugins = ["tests.cases.letters_fixtures.plugin"]
pytestmark = pytest.mark.usefixtures("letters_english")

OTHER_OFFICE_BOX = "/starostwogrodzisk/skrytka"


@pytest.fixture
def signed_letter(letter_system_key):
    return sign_enveloped(build_general_letter(sample_letter()), letter_system_key)


# --- ePUAP -------------------------------------------------------------------------------


def test_epuap_send_returns_the_signed_upp_for_this_letter(
    epuap_transport, letters_simulator, signed_letter, letter_service_key
):
    receipt = epuap_transport.send(signed_letter, recipient_address=OTHER_OFFICE_BOX)

    assert receipt.kind == "UPP"
    assert receipt.receipt_id.startswith("UPP-")
    assert receipt.recipient == OTHER_OFFICE_BOX
    assert receipt.document_digest == document_digest(signed_letter)
    assert receipt.covers(signed_letter)
    assert receipt.delivered_at is not None
    # The stored proof is the receipt exactly as ePUAP signed it, readable later on its own.
    assert receipt.raw.startswith(b"<?xml")
    assert f"{{{UPO}}}Dokument".split("}")[0][1:] in receipt.raw.decode()
    assert parse_receipt(receipt.raw,
                         trusted_certificates=[letter_service_key.certificate]) == receipt
    [delivered] = letters_simulator.epuap_received
    assert delivered["recipient"] == OTHER_OFFICE_BOX
    assert delivered["reply"] == OFFICE_BOX
    assert delivered["content"] == signed_letter
    assert parse_general_letter(delivered["content"]).sender.last_name == "Gęślą-Jaźń"


def test_the_largest_letter_allowed_travels_through_epuap(epuap_transport, letter_system_key):
    big = os.urandom(MAX_ATTACHMENTS_TOTAL_BYTES - 1024)
    letter = sign_enveloped(
        build_general_letter(sample_letter(attachments=[("scan.pdf", "application/pdf", big)])),
        letter_system_key,
    )
    assert epuap_transport.send(letter, recipient_address=OTHER_OFFICE_BOX).covers(letter)


def test_epuap_refuses_a_request_signed_with_an_unknown_certificate(
    epuap_transport, letters_simulator, signed_letter, letter_stranger_key
):
    epuap_transport.credentials = letter_stranger_key
    with pytest.raises(DeliveryRefused, match=r"WS-Security check failed"):
        epuap_transport.send(signed_letter, recipient_address=OTHER_OFFICE_BOX)
    assert letters_simulator.epuap_received == []


def test_a_receipt_from_an_impostor_is_not_accepted(
    epuap_transport, signed_letter, letter_stranger_key
):
    epuap_transport.service_certificates = [letter_stranger_key.certificate]
    with pytest.raises(TransportError, match="signature check"):
        epuap_transport.send(signed_letter, recipient_address=OTHER_OFFICE_BOX)


def test_a_receipt_for_another_document_is_not_accepted(epuap_transport, signed_letter,
                                                       monkeypatch):
    from podkowa.cases.letters import simulators

    real = simulators.build_upp
    monkeypatch.setattr(simulators, "build_upp",
                        lambda **kwargs: real(**{**kwargs, "document": b"another letter"}))
    with pytest.raises(TransportError, match="does not name the letter we sent"):
        epuap_transport.send(signed_letter, recipient_address=OTHER_OFFICE_BOX)


def test_a_wrong_box_address_is_refused_before_anything_is_sent(
    epuap_transport, letters_simulator, signed_letter
):
    with pytest.raises(AddressInvalid, match="/subject/box"):
        epuap_transport.send(signed_letter, recipient_address="starostwo skrytka")
    assert letters_simulator.epuap_received == []


def test_pull_hands_out_incoming_documents_until_acknowledged(epuap_transport, letters_simulator):
    letter = (HERE / "incoming_pismo_ogolne.xml").read_bytes()
    letters_simulator.offer_epuap(letter, box_address=OFFICE_BOX, filename="oferta.xml",
                          sender_name="Jan Kowalski", reply_address="/jkowalski/skrytka")
    letters_simulator.offer_epuap(b"<second/>", box_address=OFFICE_BOX)
    letters_simulator.offer_epuap(b"<elsewhere/>", box_address="/milanowek/skrytka")

    assert epuap_transport.pending_count() == 2
    [first] = epuap_transport.fetch_incoming()
    assert first.document.filename == "oferta.xml"
    assert first.document.content == letter
    assert first.sender == "Jan Kowalski"
    assert first.sender_address == "/jkowalski/skrytka"
    assert parse_general_letter(first.document.content).title == "Oferta nasadzeń w parku"
    # Not acknowledged yet: after a crash the same document would come again.
    assert epuap_transport.fetch_incoming()[0].document.content == letter

    epuap_transport.acknowledge(first)

    [second] = epuap_transport.fetch_incoming()
    assert second.document.content == b"<second/>"
    epuap_transport.acknowledge(second)
    assert epuap_transport.fetch_incoming() == []
    assert epuap_transport.pending_count() == 0


def test_acknowledging_a_document_twice_is_refused(epuap_transport, letters_simulator):
    letters_simulator.offer_epuap(b"<only/>", box_address=OFFICE_BOX)
    [item] = epuap_transport.fetch_incoming()
    epuap_transport.acknowledge(item)
    with pytest.raises(DeliveryRefused, match="No waiting document"):
        epuap_transport.acknowledge(item)


def test_an_unreachable_service_is_a_transport_error(letter_system_key, letter_service_key):
    transport = EpuapTransport(
        skrytka_url="http://127.0.0.1:9/epuap/skrytka", pull_url="http://127.0.0.1:9/epuap/pull",
        podmiot="podkowalesna", box_name="skrytka", box_address=OFFICE_BOX,
        credentials=letter_system_key, service_certificates=[letter_service_key.certificate],
        timeout=2,
    )
    with pytest.raises(TransportError, match="could not be reached"):
        transport.fetch_incoming()


def test_plain_http_to_a_remote_host_is_refused(letter_system_key, letter_service_key):
    with pytest.raises(ConfigurationError, match="EPUAP_SKRYTKA_URL must use HTTPS"):
        EpuapTransport(
            skrytka_url="http://epuap.gov.pl/skrytka", pull_url="https://epuap.gov.pl/pull",
            podmiot="podkowalesna", box_name="skrytka", box_address=OFFICE_BOX,
            credentials=letter_system_key,
            service_certificates=[letter_service_key.certificate],
        )


# --- e-Doręczenia ------------------------------------------------------------------------


def test_edoreczenia_send_returns_the_evidence_for_this_letter(
    edoreczenia_transport, letters_simulator, signed_letter
):
    receipt = edoreczenia_transport.send(signed_letter, recipient_address=RESIDENT_ADE.lower())

    assert receipt.kind == "evidence"
    assert receipt.receipt_id.startswith("EV-")
    assert receipt.sender == OFFICE_ADE
    assert receipt.recipient == RESIDENT_ADE
    assert receipt.covers(signed_letter)
    [message] = letters_simulator.edoreczenia_sent.values()
    assert message["recipients"] == [RESIDENT_ADE]
    assert message["content"] == signed_letter
    assert message["filename"] == "pismo_ogolne.xml"


def test_the_access_token_is_reused_and_each_assertion_is_fresh(
    edoreczenia_transport, letters_simulator, signed_letter
):
    edoreczenia_transport.send(signed_letter, recipient_address=RESIDENT_ADE)
    edoreczenia_transport.send(signed_letter, recipient_address=RESIDENT_ADE)
    assert len(letters_simulator.tokens) == 1
    edoreczenia_transport.access_token(renew=True)
    assert len(letters_simulator.tokens) == 2 and len(letters_simulator.used_jti) == 2


@pytest.mark.parametrize("address", ["AE:PL-1234-67890-ABCDE-12", "PL-12345-67890-ABCDE-12",
                                     "AE:PL-12345-67890-AB1DE-12", "jan@example.org", ""])
def test_a_malformed_edelivery_address_is_refused(
    edoreczenia_transport, letters_simulator, signed_letter, address
):
    with pytest.raises(AddressInvalid, match="AE:PL-12345-67890-ABCDE-12"):
        edoreczenia_transport.send(signed_letter, recipient_address=address)
    assert letters_simulator.edoreczenia_sent == {}


def test_an_address_is_normalised():
    assert clean_ade(" ae:pl-12345-67890-abcde-12 ") == "AE:PL-12345-67890-ABCDE-12"


def test_an_assertion_signed_by_an_unknown_key_gets_no_token(
    edoreczenia_transport, letter_stranger_key
):
    edoreczenia_transport.credentials = letter_stranger_key
    with pytest.raises(DeliveryRefused, match="e-Doręczenia refused signing in"):
        edoreczenia_transport.access_token()


def test_a_replayed_or_misaddressed_assertion_gets_no_token(letters_simulator, letter_system_key):
    token_url = f"{letters_simulator.base_url}/edoreczenia/token"

    def ask(assertion):
        form = (f"grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3A"
                f"oauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={assertion}")
        return request("POST", token_url, body=form.encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})

    good = client_assertion(client_id="podkowa", audience=token_url,
                            credentials=letter_system_key)
    assert ask(good).status == 200
    replay = ask(good)
    assert replay.status == 401 and b"used before" in replay.body
    elsewhere = client_assertion(client_id="podkowa", audience="https://elsewhere/token",
                                 credentials=letter_system_key)
    assert b"aud must be" in ask(elsewhere).body
    stale = client_assertion(client_id="podkowa", audience=token_url,
                             credentials=letter_system_key, now=time.time() - 3600)
    assert b"expired" in ask(stale).body


def test_the_api_refuses_requests_without_a_token(letters_simulator):
    response = request("GET", f"{letters_simulator.base_url}/edoreczenia/api/{OFFICE_ADE}/messages")
    assert response.status == 401


def test_incoming_edelivery_messages_until_acknowledged(edoreczenia_transport, letters_simulator):
    letter = (HERE / "incoming_pismo_ogolne.xml").read_bytes()
    letters_simulator.offer_edoreczenia(letter, recipient=OFFICE_ADE, sender_address=RESIDENT_ADE,
                                sender_name="Ogrodnictwo Żółty Tulipan")

    [incoming] = edoreczenia_transport.fetch_incoming()
    assert incoming.sender == "Ogrodnictwo Żółty Tulipan"
    assert incoming.sender_address == RESIDENT_ADE
    assert incoming.document.content == letter
    assert len(edoreczenia_transport.fetch_incoming()) == 1  # still there until acknowledged

    edoreczenia_transport.acknowledge(incoming)

    assert edoreczenia_transport.fetch_incoming() == []


# --- configuration -----------------------------------------------------------------------


def test_development_settings_reach_the_simulator(settings, tmp_path, letters_simulator):
    """With DEBUG and no certificate files, both sides use the generated development pair."""
    from podkowa.cases.letters.credentials import development_credentials

    settings.DEBUG = True
    settings.LETTERS_CREDENTIALS_DIR = tmp_path / "letters"
    for name in ("EPUAP_CERT_FILE", "EPUAP_SERVICE_CERT_FILE", "EDORECZENIA_CERT_FILE",
                 "EDORECZENIA_SERVICE_CERT_FILE"):
        setattr(settings, name, "")
    settings.EPUAP_SKRYTKA_URL = f"{letters_simulator.base_url}/epuap/skrytka"
    settings.EPUAP_PULL_URL = f"{letters_simulator.base_url}/epuap/pull"
    settings.EDORECZENIA_TOKEN_URL = f"{letters_simulator.base_url}/edoreczenia/token"
    settings.EDORECZENIA_API_URL = f"{letters_simulator.base_url}/edoreczenia/api"
    settings.EDORECZENIA_ADDRESS = OFFICE_ADE
    system = development_credentials(settings.LETTERS_CREDENTIALS_DIR, "system")
    letters_simulator.credentials = development_credentials(settings.LETTERS_CREDENTIALS_DIR,
                                                    "simulator")
    letters_simulator.client_certificates = [system.certificate]
    letter = sign_enveloped(build_general_letter(sample_letter()), system)

    assert get_transport("epuap").send(letter, recipient_address=OTHER_OFFICE_BOX).covers(letter)
    assert get_transport("edoreczenia").send(letter, recipient_address=RESIDENT_ADE).covers(
        letter)
    assert (settings.LETTERS_CREDENTIALS_DIR / "system.key.pem").stat().st_mode & 0o077 == 0


def test_production_without_certificates_is_a_clear_configuration_error(settings):
    settings.DEBUG = False
    settings.EPUAP_CERT_FILE = ""
    settings.EDORECZENIA_CERT_FILE = ""
    with pytest.raises(ConfigurationError, match="EPUAP_CERT_FILE"):
        get_transport("epuap")
    with pytest.raises(ConfigurationError, match="EDORECZENIA_CERT_FILE"):
        EDoreczeniaTransport.from_settings()


# --- the steps around the transports -------------------------------------------------------


def test_a_composed_letter_arrives_as_a_letter_with_its_signer(
    epuap_transport, letters_simulator, letter_system_key
):
    sealed = compose_general_letter(sample_letter(), credentials=letter_system_key)
    letters_simulator.offer_epuap(sealed, box_address=OFFICE_BOX)

    [incoming] = epuap_transport.fetch_incoming()
    letter, [signature] = read_incoming_letter(incoming)

    assert letter.title == sample_letter().title
    assert letter.attachments == sample_letter().attachments
    assert signature.certificate == letter_system_key.certificate


def test_an_unsigned_incoming_letter_is_read_without_signatures(epuap_transport,
                                                                letters_simulator):
    letters_simulator.offer_epuap((HERE / "incoming_pismo_ogolne.xml").read_bytes(),
                                  box_address=OFFICE_BOX)
    [incoming] = epuap_transport.fetch_incoming()
    letter, signatures = read_incoming_letter(incoming)
    assert letter.sender.name.startswith("Ogrodnictwo") and signatures == []


def test_an_incoming_letter_changed_on_the_way_is_refused(epuap_transport, letters_simulator,
                                                          letter_system_key):
    sealed = compose_general_letter(sample_letter(), credentials=letter_system_key)
    letters_simulator.offer_epuap(sealed.replace("gałęzi".encode(), b"drzew", 1),
                                  box_address=OFFICE_BOX)
    [incoming] = epuap_transport.fetch_incoming()
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        read_incoming_letter(incoming)


def test_the_simulator_takes_incoming_documents_over_http(epuap_transport, edoreczenia_transport,
                                                          letters_simulator, signed_letter):
    base = f"{letters_simulator.base_url}/simulator"
    assert request("POST", f"{base}/epuap/incoming?box={OFFICE_BOX}&filename=a.xml",
                   body=b"<a/>").status == 201
    assert request("POST", f"{base}/edoreczenia/incoming?recipient={OFFICE_ADE}"
                           f"&sender={RESIDENT_ADE}", body=b"<b/>").status == 201
    bad = request("POST", f"{base}/epuap/incoming?box=nowhere", body=b"<c/>")
    # (the simulator explains in the office language; the code is what a client reads)
    assert bad.status == 400 and b"invalid_address" in bad.body

    assert epuap_transport.fetch_incoming()[0].document.content == b"<a/>"
    assert edoreczenia_transport.fetch_incoming()[0].document.content == b"<b/>"
    epuap_transport.send(signed_letter, recipient_address=OTHER_OFFICE_BOX)
    listing = json.loads(request("GET", f"{base}/received").body)
    assert [r["recipient"] for r in listing["epuap"]] == [OTHER_OFFICE_BOX]
    assert listing["edoreczenia"] == []
