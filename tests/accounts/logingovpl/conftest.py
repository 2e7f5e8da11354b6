"""The local login.gov.pl simulator on a free port, the site configured to trust it, and a
helper that walks the test client through the real protocol (as a browser would)."""

import html
import http.client
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from podkowa.accounts.logingovpl.simulator import LoginGovSimulator
from podkowa.cases.letters.credentials import generate_self_signed

SP_ENTITY = "https://podkowa.test/sp"


@pytest.fixture(scope="session")
def sp_signing():
    return generate_self_signed("Podkowa SP signing (test)", key_type="ec")


@pytest.fixture(scope="session")
def sp_encryption():
    return generate_self_signed("Podkowa SP encryption (test)", key_type="ec")


@pytest.fixture(scope="session")
def node_key():
    return generate_self_signed("login.gov.pl simulator (test)", key_type="ec")


@pytest.fixture(scope="session")
def stranger_key():
    return generate_self_signed("Not the node", key_type="ec")


def _write(tmp_path, name, creds):
    cert, key = tmp_path / f"{name}.crt.pem", tmp_path / f"{name}.key.pem"
    cert.write_bytes(creds.certificate_pem())
    key.write_bytes(creds.private_key_pem())
    return str(cert), str(key)


@pytest.fixture
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def node(settings, tmp_path, sp_signing, sp_encryption, node_key):
    """The simulator, started; the settings point the site at it with the test keys."""
    simulator = LoginGovSimulator(
        credentials=node_key, sp_certificates=[sp_signing.certificate],
        sp_encryption_certificate=sp_encryption.certificate,
    ).start()
    settings.LOGINGOVPL_ENABLED = True
    settings.LOGINGOVPL_NODE = "local"
    settings.LOGINGOVPL_ENTITY_ID = SP_ENTITY
    settings.LOGINGOVPL_SIMULATOR_HOST, settings.LOGINGOVPL_SIMULATOR_PORT = (
        simulator.server.server_address[:2])
    settings.LOGINGOVPL_SIGNING_CERT_FILE, settings.LOGINGOVPL_SIGNING_KEY_FILE = _write(
        tmp_path, "sp-signing", sp_signing)
    settings.LOGINGOVPL_ENCRYPTION_CERT_FILE, settings.LOGINGOVPL_ENCRYPTION_KEY_FILE = _write(
        tmp_path, "sp-encryption", sp_encryption)
    settings.LOGINGOVPL_NODE_CERT_FILE = _write(tmp_path, "node", node_key)[0]
    yield simulator
    simulator.stop()


def _field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} in the page"
    return html.unescape(match.group(1))


def _post(url: str, form: dict, cookie: str = "") -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("POST", parts.path, body=urlencode(form), headers=headers)
    response = connection.getresponse()
    response.text = response.read().decode()
    return response


def node_login(client, node, pesel: str, *, start_data=None, action: str = "login"):
    """Start at the site, pick ``pesel`` at the simulator; returns (ACS path+query, cookie).

    The artifact is not yet brought back: the caller does that (``client.get``), so that tests
    can also replay it."""
    page = client.post(reverse("accounts:logingov_start"), start_data or {})
    assert page.status_code == 200, page.content[:500]
    text = page.content.decode()
    action_url = re.search(r'<form method="post" action="([^"]+)" data-autosubmit', text)[1]
    login_page = _post(html.unescape(action_url), {
        "SAMLRequest": _field(text, "SAMLRequest"), "RelayState": _field(text, "RelayState")})
    assert login_page.status == 200, login_page.text
    back = _post(f"{node.base_url}/login/wybierz", {
        "token": _field(login_page.text, "token"), "pesel": pesel, "action": action})
    assert back.status == 303, back.text
    location = urlsplit(back.headers["Location"])
    cookie = (back.headers.get("Set-Cookie") or "").split(";")[0]
    return f"{location.path}?{location.query}", cookie


def artifact_of(acs: str) -> str:
    return parse_qs(urlsplit(acs).query)["SAMLart"][0]


def post_to(url: str, form: dict, cookie: str = ""):
    return _post(url, form, cookie)
