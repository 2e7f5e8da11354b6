"""Every answer of the node that is not exactly right is refused with a clear error, and the
refusal is logged (ExternalLoginRefusal): bad signature, wrong audience, expired, replayed
artifact / assertion / InResponseTo, an assertion meant for another service."""

import datetime as dt

import pytest
from django.utils import timezone

from podkowa.accounts.logingovpl import saml
from podkowa.accounts.logingovpl.errors import LoginGovError
from podkowa.accounts.logingovpl.simulator import DEMO_IDENTITIES, NodeIssuer, Spoil
from podkowa.accounts.models import ExternalLoginRefusal
from podkowa.accounts.services.login_gov import login_gov_artifact_resolve
from podkowa.core.identifiers import pesel_hmac
from tests.accounts.logingovpl.conftest import SP_ENTITY

ACS = "http://testserver/konto/login-gov/acs/"
REQUEST_ID = "ID-the-request-in-the-session"


@pytest.fixture
def resolve(gmina, node, node_key, sp_encryption):
    """resolve(spoil=…, tamper=…, …): run the service against a node answering as told."""

    def run(*, spoil=None, tamper=None, artifact=None, request_id=REQUEST_ID, now=None,
            response=None, answer_to=REQUEST_ID):
        issuer = NodeIssuer(entity_id=node.entity_id, credentials=node_key)
        spoil = spoil or Spoil()

        def transport(url, body, timeout):
            assert url == node.base_url + "/login-services/idpArtifactResolutionService"
            question = saml.soap_payload(body, what="ArtifactResolve")
            saml.verify_signed(question, node.sp_certificates, what="ArtifactResolve")
            inner = response if response is not None else issuer.response(
                identity=DEMO_IDENTITIES[0], request_id=answer_to, sp_entity_id=SP_ENTITY,
                acs_url=ACS, encryption_certificate=sp_encryption.certificate, spoil=spoil)
            out = issuer.artifact_response(resolve_id=question.get("ID"), response=inner,
                                           spoil=spoil)
            return tamper(out) if tamper else out

        return login_gov_artifact_resolve(
            gmina=gmina, artifact=artifact or saml.make_artifact(node.entity_id),
            request_id=request_id, acs_url=ACS, transport=transport, now=now)

    run.issuer = lambda: NodeIssuer(entity_id=node.entity_id, credentials=node_key)
    return run


def _refused(run, code: str, **kwargs) -> str:
    with pytest.raises(LoginGovError) as refused:
        run(**kwargs)
    assert refused.value.code == code, refused.value.detail
    logged = ExternalLoginRefusal.objects.order_by("-id").first()
    assert logged is not None and logged.code == code
    assert logged.message == str(refused.value)
    return str(refused.value)


def test_a_good_answer_gives_the_person_as_a_keyed_hash(resolve):
    person = resolve()
    assert person.pesel_hmac == pesel_hmac(DEMO_IDENTITIES[0].pesel)
    assert (person.given_name, person.family_name, person.date_of_birth) == (
        "Jan", "Kowalski", "1944-05-14")
    assert DEMO_IDENTITIES[0].pesel not in repr(person)
    assert not ExternalLoginRefusal.objects.exists()


def _alter_signed_content(xml: bytes) -> bytes:
    # A changed character inside the signed ArtifactResponse (its IssueInstant's year).
    return xml.replace(b'IssueInstant="2', b'IssueInstant="3', 1)


def test_bad_signature_altered_content(resolve, english_messages):
    message = _refused(resolve, "signature", tamper=_alter_signed_content)
    assert "signature" in message


def test_bad_signature_signed_by_someone_else(resolve, stranger_key):
    _refused(resolve, "signature", spoil=Spoil(sign_with=stranger_key))


def test_unsigned_answer(resolve):
    _refused(resolve, "signature", spoil=Spoil(unsigned=True))


def test_wrong_issuer(resolve):
    _refused(resolve, "issuer", spoil=Spoil(issuer="https://evil.example/idp"))


def test_wrong_audience(resolve, english_messages):
    message = _refused(resolve, "audience", spoil=Spoil(audience="https://other.example/sp"))
    assert "another service" in message


def test_assertion_encrypted_for_another_service(resolve, stranger_key, english_messages):
    message = _refused(resolve, "decryption", spoil=Spoil(encrypt_for=stranger_key.certificate))
    assert "could not be decrypted for this service" in message


def test_assertion_addressed_to_another_services_endpoint(resolve):
    _refused(resolve, "recipient", spoil=Spoil(recipient="https://other.example/acs"))


def test_expired(resolve, english_messages):
    message = _refused(resolve, "expired", now=timezone.now() + dt.timedelta(minutes=10))
    assert "expired" in message


def test_not_yet_valid(resolve):
    _refused(resolve, "not_yet_valid",
             spoil=Spoil(not_before=timezone.now() + dt.timedelta(minutes=10)))


def test_too_weak_a_login(resolve):
    _refused(resolve, "loa", spoil=Spoil(loa="http://eidas.europa.eu/LoA/low"))


def test_mismatched_in_response_to(resolve):
    _refused(resolve, "in_response_to", answer_to="ID-somebody-elses-request")


def test_no_request_in_the_session(resolve):
    _refused(resolve, "in_response_to", request_id="")


def test_replayed_artifact(resolve, node):
    artifact = saml.make_artifact(node.entity_id)
    resolve(artifact=artifact)
    _refused(resolve, "replay", artifact=artifact)


def test_replayed_in_response_to(resolve):
    resolve()
    # A second, fresh answer to the same AuthnRequest: one request, one login.
    _refused(resolve, "replay")


def test_replayed_assertion(resolve, node, sp_encryption):
    response = resolve.issuer().response(
        identity=DEMO_IDENTITIES[1], request_id="ID-first", sp_entity_id=SP_ENTITY,
        acs_url=ACS, encryption_certificate=sp_encryption.certificate)
    resolve(response=response, request_id="ID-first")
    # The same assertion, brought by a new artifact (a copied or re-sent answer).
    _refused(resolve, "replay", response=response, request_id="ID-first")


def test_artifact_of_another_node(resolve):
    _refused(resolve, "issuer", artifact=saml.make_artifact("https://other-node.example/idp"))


def test_damaged_artifact(resolve):
    _refused(resolve, "artifact", artifact="bm90IGFuIGFydGlmYWN0")


def test_damaged_xml(resolve):
    _refused(resolve, "malformed", tamper=lambda xml: xml[:200])


def test_guards_past_their_time_are_forgotten(resolve):
    from podkowa.accounts.models import SamlOneTimeUse

    SamlOneTimeUse.objects.create(kind="artifact", digest="0" * 64,
                                  expires_at=timezone.now() - dt.timedelta(days=1))
    resolve()
    assert not SamlOneTimeUse.objects.filter(digest="0" * 64).exists()
    assert SamlOneTimeUse.objects.count() == 3  # this login's artifact, assertion, request
