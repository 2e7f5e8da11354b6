"""What the service sends the node: the AuthnRequest with the eIDAS extensions and the
ArtifactResolve, both signed ECDSA-SHA256; and the logout that ends both sessions."""

import base64
import html
import re

from django.urls import reverse
from lxml import etree

from podkowa.accounts.logingovpl import saml
from podkowa.accounts.logingovpl.config import LOA_SUBSTANTIAL
from podkowa.accounts.models import ExternalLoginRefusal
from podkowa.cases.letters.signing import ECDSA_SHA256
from tests.accounts.logingovpl.conftest import SP_ENTITY, node_login, post_to

JAN = "44051401359"


def _sent_request(client):
    page = client.post(reverse("accounts:logingov_start")).content.decode()
    encoded = re.search(r'name="SAMLRequest" value="([^"]+)"', page)[1]
    return page, etree.fromstring(base64.b64decode(encoded))


def test_the_authn_request_asks_for_the_eidas_attributes_signed(client, gmina, node,
                                                                sp_signing):
    page, request = _sent_request(client)

    assert request.tag == saml.q(saml.SAMLP, "AuthnRequest")
    assert request.get("ProtocolBinding") == saml.ARTIFACT_BINDING
    assert request.get("ForceAuthn") == "true"
    assert request.get("AssertionConsumerServiceURL") == "http://testserver/konto/login-gov/acs/"
    assert request.get("Destination") == node.base_url + "/login/SingleSignOnService"
    assert request.findtext(saml.q(saml.SAML, "Issuer")) == SP_ENTITY
    ns = {"e": saml.EIDAS, "p": saml.SAMLP, "a": saml.SAML, "ds": saml.DS}
    assert request.xpath("string(p:Extensions/e:SPType)", namespaces=ns) == "public"
    requested = request.xpath("p:Extensions/e:RequestedAttributes/e:RequestedAttribute/@Name",
                              namespaces=ns)
    assert requested == [saml.GIVEN_NAME, saml.FAMILY_NAME, saml.DATE_OF_BIRTH,
                         saml.PERSON_IDENTIFIER]
    assert request.xpath("string(p:RequestedAuthnContext/a:AuthnContextClassRef)",
                         namespaces=ns) == LOA_SUBSTANTIAL
    method = request.xpath("string(ds:Signature/ds:SignedInfo/ds:SignatureMethod/@Algorithm)",
                           namespaces=ns)
    assert method == ECDSA_SHA256
    assert saml.verify_signed(request, [sp_signing.certificate], what="AuthnRequest")
    # The page may send its form to the node and nowhere else.
    csp = client.post(reverse("accounts:logingov_start"))["Content-Security-Policy"]
    assert f"form-action 'self' {node.base_url}" in csp
    assert "accounts/autosubmit" in page


def test_the_session_keeps_the_request_id_for_in_response_to(client, gmina, node):
    _page, request = _sent_request(client)
    assert client.session["logingov_request"]["id"] == request.get("ID")


def test_an_altered_authn_request_is_refused_by_the_node(client, gmina, node):
    _page, request = _sent_request(client)
    request.set("AssertionConsumerServiceURL", "https://evil.example/acs")
    answer = post_to(node.base_url + "/login/SingleSignOnService",
                     {"SAMLRequest": base64.b64encode(etree.tostring(request)).decode()})
    assert answer.status == 403


def test_the_artifact_resolve_signature_covers_the_artifact(sp_signing):
    message = saml.artifact_resolve(entity_id=SP_ENTITY, artifact="QUJD",
                                    destination="http://node/ar", credentials=sp_signing)
    resolve = saml.soap_payload(message.xml, what="ArtifactResolve")
    assert saml.verify_signed(resolve, [sp_signing.certificate], what="ArtifactResolve")
    resolve.find(saml.q(saml.SAMLP, "Artifact")).text = "WFla"
    try:
        saml.verify_signed(resolve, [sp_signing.certificate], what="ArtifactResolve")
    except saml.LoginGovError as error:
        assert error.code == "signature"
    else:
        raise AssertionError("a changed artifact passed the signature check")


def test_logout_ends_the_session_here_and_at_the_node(client, gmina, node):
    acs, node_cookie = node_login(client, node, JAN)
    client.get(acs)
    client.post(reverse("accounts:logingov_email"), {"email": "jan@example.org"})
    assert "_auth_user_id" in client.session
    assert "Zalogowany jako Jan" in _node_status(node, node_cookie)

    page = client.post(reverse("accounts:logout"))

    assert "_auth_user_id" not in client.session
    text = page.content.decode()
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', text)[1])
    assert action == node.base_url + "/login/SingleLogoutService"
    logout_request = etree.fromstring(base64.b64decode(
        re.search(r'name="SAMLRequest" value="([^"]+)"', text)[1]))
    assert logout_request.tag == saml.q(saml.SAMLP, "LogoutRequest")
    at_node = post_to(action, {
        "SAMLRequest": re.search(r'name="SAMLRequest" value="([^"]+)"', text)[1],
        "RelayState": html.unescape(re.search(r'name="RelayState" value="([^"]+)"', text)[1]),
    }, node_cookie)
    assert at_node.status == 200
    assert "Nie jesteś zalogowany" in _node_status(node, node_cookie)
    back = {"SAMLResponse": re.search(r'name="SAMLResponse" value="([^"]+)"', at_node.text)[1],
            "RelayState": html.unescape(
                re.search(r'name="RelayState" value="([^"]+)"', at_node.text)[1])}
    # The node posts from another site: no session cookie comes with it.
    client.cookies.clear()
    returned = client.post(reverse("accounts:logingov_logout_return"), back)
    assert returned.context["node_confirmed"] is True
    assert not ExternalLoginRefusal.objects.exists()
    # The same answer again: already used.
    again = client.post(reverse("accounts:logingov_logout_return"), back)
    assert again.context["node_confirmed"] is False
    assert ExternalLoginRefusal.objects.get().code == "replay"
    # Without the RelayState it answers no logout started here.
    stray = client.post(reverse("accounts:logingov_logout_return"),
                        {"SAMLResponse": back["SAMLResponse"]})
    assert stray.context["node_confirmed"] is False
    assert ExternalLoginRefusal.objects.filter(code="in_response_to").exists()


def _node_status(node, cookie: str) -> str:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(node.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", "/", headers={"Cookie": cookie})
    return connection.getresponse().read().decode()
