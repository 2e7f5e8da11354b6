"""A local stand-in for login.gov.pl (``manage.py logingovpl_simulator``, and the tests).

It speaks the node's protocol with its own EC key: it takes the signed AuthnRequest (HTTP-POST),
shows a page listing demo identities, redirects back with a SAML artifact, answers the signed
ArtifactResolve over SOAP with a signed ArtifactResponse whose assertion is encrypted for the
service (ECDH-ES, ConcatKDF, AES key wrap, AES-GCM), and ends its session on a signed
LogoutRequest. Requests not signed by a trusted service certificate are refused.

``NodeIssuer`` builds the node's answers on its own, with knobs to spoil them, so that the tests
can check every refusal of the service provider.
"""

import base64
import datetime as dt
import html
import logging
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from lxml import etree

from podkowa.cases.letters.credentials import SystemCredentials
from podkowa.cases.letters.errors import LetterError
from podkowa.cases.letters.xmlsafe import parse_xml

from . import saml
from .config import LOA_SUBSTANTIAL
from .errors import LoginGovError
from .saml import NSMAP, SAML, SAMLP, q
from .xmlenc import EncryptionInputs, encrypt_element

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
ARTIFACT_LIFETIME = dt.timedelta(minutes=5)
ASSERTION_LIFETIME = dt.timedelta(minutes=5)
SP_LOGOUT_PATH = "/konto/login-gov/wylogowano/"


@dataclass(frozen=True)
class DemoIdentity:
    pesel: str
    given_name: str
    family_name: str
    date_of_birth: str


DEMO_IDENTITIES = (
    DemoIdentity("44051401359", "Jan", "Kowalski", "1944-05-14"),
    DemoIdentity("02211307589", "Anna", "Nowak", "2002-01-13"),
    DemoIdentity("88071524610", "Piotr", "Wiśniewski", "1988-07-15"),
    DemoIdentity("71033021083", "Małgorzata", "Zielińska", "1971-03-30"),
)


@dataclass(frozen=True)
class Spoil:
    """What to get wrong on purpose in an answer (tests only)."""

    audience: str | None = None
    recipient: str | None = None
    in_response_to: str | None = None
    issuer: str | None = None
    not_on_or_after: dt.datetime | None = None
    not_before: dt.datetime | None = None
    encrypt_for: x509.Certificate | None = None
    loa: str | None = None
    sign_with: SystemCredentials | None = None
    unsigned: bool = False


@dataclass
class AuthnSession:
    request_id: str
    sp_entity_id: str
    acs_url: str
    relay_state: str


@dataclass
class NodeIssuer:
    """Builds the node's signed, encrypted answers."""

    entity_id: str
    credentials: SystemCredentials

    def response(
        self, *, identity: DemoIdentity, request_id: str, sp_entity_id: str, acs_url: str,
        encryption_certificate: x509.Certificate, name_id: str = "", session_index: str = "",
        now: dt.datetime | None = None, spoil: Spoil = Spoil(),
        encryption_inputs: EncryptionInputs | None = None,
    ) -> etree._Element:
        """The signed saml2p:Response carrying the encrypted assertion."""
        now = now or dt.datetime.now(dt.UTC)
        issuer = spoil.issuer or self.entity_id
        signer = spoil.sign_with or self.credentials
        response = etree.Element(
            q(SAMLP, "Response"), nsmap=NSMAP, ID=saml.new_id(),
            InResponseTo=spoil.in_response_to or request_id, IssueInstant=saml.instant(now),
            Version="2.0", Destination=spoil.recipient or acs_url,
        )
        etree.SubElement(response, q(SAML, "Issuer")).text = issuer
        self._success(response)
        assertion = self.assertion(
            identity=identity, request_id=spoil.in_response_to or request_id,
            sp_entity_id=spoil.audience or sp_entity_id, acs_url=spoil.recipient or acs_url,
            name_id=name_id, session_index=session_index, now=now, spoil=spoil, issuer=issuer,
            signer=signer,
        )
        encrypted = encrypt_element(
            etree.tostring(assertion), spoil.encrypt_for or encryption_certificate,
            originator=self.entity_id, recipient_entity=sp_entity_id, inputs=encryption_inputs,
        )
        etree.SubElement(response, q(SAML, "EncryptedAssertion")).append(encrypted)
        if not spoil.unsigned:
            saml.sign(response, signer)
        return response

    def assertion(self, *, identity, request_id, sp_entity_id, acs_url, name_id,
                  session_index, now, spoil, issuer, signer) -> etree._Element:
        nsmap = {"saml2": SAML, "ds": saml.DS, "xsi": saml.XSI,
                 "naturalperson": saml.NATURAL}
        assertion = etree.Element(q(SAML, "Assertion"), nsmap=nsmap, ID=saml.new_id(),
                                  IssueInstant=saml.instant(now), Version="2.0")
        etree.SubElement(assertion, q(SAML, "Issuer")).text = issuer
        subject = etree.SubElement(assertion, q(SAML, "Subject"))
        etree.SubElement(subject, q(SAML, "NameID"),
                         Format=saml.NAMEID_UNSPECIFIED).text = name_id or identity.pesel
        confirmation = etree.SubElement(subject, q(SAML, "SubjectConfirmation"),
                                        Method=saml.BEARER)
        until = spoil.not_on_or_after or now + ASSERTION_LIFETIME
        etree.SubElement(confirmation, q(SAML, "SubjectConfirmationData"),
                         InResponseTo=request_id, NotOnOrAfter=saml.instant(until),
                         Recipient=acs_url)
        conditions = etree.SubElement(
            assertion, q(SAML, "Conditions"),
            NotBefore=saml.instant(spoil.not_before or now - dt.timedelta(seconds=5)),
            NotOnOrAfter=saml.instant(until),
        )
        etree.SubElement(etree.SubElement(conditions, q(SAML, "AudienceRestriction")),
                         q(SAML, "Audience")).text = sp_entity_id
        statement = etree.SubElement(assertion, q(SAML, "AuthnStatement"),
                                     AuthnInstant=saml.instant(now),
                                     SessionIndex=session_index or saml.new_id())
        etree.SubElement(etree.SubElement(statement, q(SAML, "AuthnContext")),
                         q(SAML, "AuthnContextClassRef")).text = spoil.loa or LOA_SUBSTANTIAL
        attributes = etree.SubElement(assertion, q(SAML, "AttributeStatement"))
        for name, friendly, kind, value in (
            (saml.GIVEN_NAME, "FirstName", "CurrentGivenNameType", identity.given_name),
            (saml.FAMILY_NAME, "FamilyName", "CurrentFamilyNameType", identity.family_name),
            (saml.DATE_OF_BIRTH, "DateOfBirth", "DateOfBirthType", identity.date_of_birth),
            (saml.PERSON_IDENTIFIER, "PersonIdentifier", "PersonIdentifierType",
             identity.pesel),
        ):
            attribute = etree.SubElement(attributes, q(SAML, "Attribute"), Name=name,
                                         FriendlyName=friendly, NameFormat=saml.URI_FORMAT)
            etree.SubElement(attribute, q(SAML, "AttributeValue"),
                             {q(saml.XSI, "type"): f"naturalperson:{kind}"}).text = value
        if not spoil.unsigned:
            saml.sign(assertion, signer)
        return assertion

    def artifact_response(self, *, resolve_id: str, response: etree._Element | None,
                          now: dt.datetime | None = None, spoil: Spoil = Spoil()) -> bytes:
        now = now or dt.datetime.now(dt.UTC)
        root = etree.Element(q(SAMLP, "ArtifactResponse"), nsmap=NSMAP, ID=saml.new_id(),
                             InResponseTo=resolve_id, IssueInstant=saml.instant(now),
                             Version="2.0")
        etree.SubElement(root, q(SAML, "Issuer")).text = spoil.issuer or self.entity_id
        self._success(root)
        if response is not None:
            root.append(response)
        if not spoil.unsigned:
            saml.sign(root, spoil.sign_with or self.credentials)
        return saml.soap_envelope(root)

    def logout_response(self, *, request_id: str, destination: str) -> bytes:
        root = etree.Element(q(SAMLP, "LogoutResponse"), nsmap=NSMAP, ID=saml.new_id(),
                             InResponseTo=request_id,
                             IssueInstant=saml.instant(dt.datetime.now(dt.UTC)),
                             Version="2.0", Destination=destination)
        etree.SubElement(root, q(SAML, "Issuer")).text = self.entity_id
        self._success(root)
        saml.sign(root, self.credentials)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    @staticmethod
    def _success(parent: etree._Element) -> None:
        etree.SubElement(etree.SubElement(parent, q(SAMLP, "Status")), q(SAMLP, "StatusCode"),
                         Value=saml.STATUS_SUCCESS)


class _Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


_PAGE = """<!DOCTYPE html>
<html lang="pl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — login.gov.pl (symulator)</title></head>
<body><header><p>login.gov.pl — <strong>symulator</strong> dla środowiska deweloperskiego
(nie jest to prawdziwy węzeł krajowy)</p></header>
<main><h1>{title}</h1>{body}</main></body></html>"""

_AUTOSUBMIT_JS = (b"document.querySelectorAll('form[data-autosubmit]')"
                  b".forEach(function (form) { form.submit(); });\n")


class LoginGovSimulator:
    def __init__(
        self,
        *,
        credentials: SystemCredentials,
        sp_certificates: Iterable[x509.Certificate],
        sp_encryption_certificate: x509.Certificate,
        host: str = "127.0.0.1",
        port: int = 0,
        identities: Iterable[DemoIdentity] = DEMO_IDENTITIES,
        sp_logout_path: str = SP_LOGOUT_PATH,
    ):
        self.sp_certificates = tuple(sp_certificates)
        self.sp_encryption_certificate = sp_encryption_certificate
        self.identities = {i.pesel: i for i in identities}
        self.sp_logout_path = sp_logout_path
        self.lock = threading.Lock()
        self.pending: dict[str, AuthnSession] = {}
        self.artifacts: dict[str, tuple[dt.datetime, bytes, etree._Element]] = {}
        self.sessions: dict[str, dict] = {}  # browser cookie → who is logged in
        self.resolved: list[str] = []

        simulator = self

        class Handler(_Handler):
            sim = simulator

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.issuer = NodeIssuer(entity_id=self.base_url + "/idp", credentials=credentials)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def entity_id(self) -> str:
        return self.issuer.entity_id

    def start(self) -> "LoginGovSimulator":
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="logingovpl-simulator",
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # --- protocol ------------------------------------------------------------------------

    def _signed_message(self, encoded: str, root_name: str) -> etree._Element:
        try:
            root = parse_xml(base64.b64decode(encoded, validate=True), what=root_name)
        except (ValueError, LetterError) as exc:
            raise _Refusal(400, f"{root_name} is not readable: {exc}") from None
        if root.tag != q(SAMLP, root_name):
            raise _Refusal(400, f"expected {root_name}")
        try:
            saml.verify_signed(root, self.sp_certificates, what=root_name)
        except LoginGovError as exc:
            raise _Refusal(403, f"{root_name} signature refused: {exc.detail}") from None
        return root

    def sso(self, form: dict) -> str:
        request = self._signed_message(form.get("SAMLRequest", ""), "AuthnRequest")
        acs_url = request.get("AssertionConsumerServiceURL", "")
        if urlsplit(acs_url).scheme not in {"http", "https"}:
            raise _Refusal(400, "AssertionConsumerServiceURL is required")
        if request.get("ProtocolBinding") != saml.ARTIFACT_BINDING:
            raise _Refusal(400, "only the HTTP-Artifact binding is offered")
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.pending[token] = AuthnSession(
                request_id=request.get("ID", ""),
                sp_entity_id=(request.findtext(q(SAML, "Issuer")) or "").strip(),
                acs_url=acs_url, relay_state=form.get("RelayState", ""),
            )
        return self._login_page(token)

    def _login_page(self, token: str) -> str:
        options = "".join(
            f'<li><input type="radio" name="pesel" id="who-{i.pesel}" value="{i.pesel}"'
            f'{" checked" if n == 0 else ""}> <label for="who-{i.pesel}">'
            f'{html.escape(i.given_name)} {html.escape(i.family_name)}, PESEL {i.pesel}, '
            f'ur. {i.date_of_birth}</label></li>'
            for n, i in enumerate(self.identities.values())
        )
        body = (
            '<p>Wybierz osobę, jako która chcesz się zalogować (Profil Zaufany, e-dowód i '
            'bankowość są tu tylko udawane).</p>'
            f'<form method="post" action="/login/wybierz"><input type="hidden" name="token" '
            f'value="{html.escape(token)}"><fieldset><legend>Tożsamość demonstracyjna</legend>'
            f'<ul>{options}</ul></fieldset>'
            '<p><button type="submit" name="action" value="login">Zaloguj</button> '
            '<button type="submit" name="action" value="cancel">Anuluj</button></p></form>'
        )
        return _PAGE.format(title="Zaloguj się", body=body)

    def choose(self, form: dict) -> tuple[str, str]:
        """(redirect URL, session cookie) after the person picked an identity."""
        with self.lock:
            pending = self.pending.pop(form.get("token", ""), None)
        if pending is None:
            raise _Refusal(400, "This login page has expired; start again from the service.")
        query = {"RelayState": pending.relay_state} if pending.relay_state else {}
        if form.get("action") == "cancel":
            # Cancelled: still an artifact, whose Response says AuthnFailed.
            artifact = saml.make_artifact(self.entity_id)
            with self.lock:
                self.artifacts[artifact] = (dt.datetime.now(dt.UTC), b"", self._failure(
                    pending))
            return _with_query(pending.acs_url, {"SAMLart": artifact, **query}), ""
        identity = self.identities.get(form.get("pesel", ""))
        if identity is None:
            raise _Refusal(400, "Choose one of the identities.")
        name_id = secrets.token_hex(12)
        session_index = saml.new_id()
        response = self.issuer.response(
            identity=identity, request_id=pending.request_id,
            sp_entity_id=pending.sp_entity_id, acs_url=pending.acs_url,
            encryption_certificate=self.sp_encryption_certificate,
            name_id=name_id, session_index=session_index,
        )
        artifact = saml.make_artifact(self.entity_id)
        cookie = secrets.token_urlsafe(16)
        with self.lock:
            self.artifacts[artifact] = (dt.datetime.now(dt.UTC), b"", response)
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(pending.acs_url))
            self.sessions[cookie] = {"name_id": name_id, "identity": identity,
                                     "sp_origin": origin}
        return _with_query(pending.acs_url, {"SAMLart": artifact, **query}), cookie

    def _failure(self, pending: AuthnSession) -> etree._Element:
        response = etree.Element(q(SAMLP, "Response"), nsmap=NSMAP, ID=saml.new_id(),
                                 InResponseTo=pending.request_id, Version="2.0",
                                 IssueInstant=saml.instant(dt.datetime.now(dt.UTC)),
                                 Destination=pending.acs_url)
        etree.SubElement(response, q(SAML, "Issuer")).text = self.entity_id
        code = etree.SubElement(etree.SubElement(response, q(SAMLP, "Status")),
                                q(SAMLP, "StatusCode"), Value=saml.STATUS_RESPONDER)
        etree.SubElement(code, q(SAMLP, "StatusCode"), Value=saml.STATUS_AUTHN_FAILED)
        return saml.sign(response, self.issuer.credentials)

    def artifact_resolve(self, body: bytes) -> bytes:
        try:
            resolve = saml.soap_payload(body, what="ArtifactResolve")
        except LoginGovError as exc:
            raise _Refusal(400, exc.detail) from None
        if resolve.tag != q(SAMLP, "ArtifactResolve"):
            raise _Refusal(400, "expected ArtifactResolve")
        try:
            saml.verify_signed(resolve, self.sp_certificates, what="ArtifactResolve")
        except LoginGovError as exc:
            raise _Refusal(403, f"ArtifactResolve signature refused: {exc.detail}") from None
        artifact = (resolve.findtext(q(SAMLP, "Artifact")) or "").strip()
        with self.lock:
            # One resolution per artifact, as the node does: a second one gets no Response.
            entry = self.artifacts.pop(artifact, None)
            self.resolved.append(artifact)
        response = None
        if entry is not None and dt.datetime.now(dt.UTC) - entry[0] < ARTIFACT_LIFETIME:
            response = entry[2]
        return self.issuer.artifact_response(resolve_id=resolve.get("ID", ""),
                                             response=response)

    def logout(self, form: dict, cookie: str) -> str:
        request = self._signed_message(form.get("SAMLRequest", ""), "LogoutRequest")
        name_id = (request.findtext(q(SAML, "NameID")) or "").strip()
        with self.lock:
            origin = ""
            for key, session in list(self.sessions.items()):
                if session["name_id"] == name_id or key == cookie:
                    origin = origin or session["sp_origin"]
                    del self.sessions[key]
        if not origin:
            raise _Refusal(400, "Nobody with this NameID is logged in here.")
        destination = origin + self.sp_logout_path
        answer = self.issuer.logout_response(request_id=request.get("ID", ""),
                                             destination=destination)
        body = (
            '<p>Wylogowano z login.gov.pl (symulator). Wracasz do serwisu…</p>'
            f'<form method="post" action="{html.escape(destination)}" data-autosubmit>'
            f'<input type="hidden" name="SAMLResponse" '
            f'value="{base64.b64encode(answer).decode()}">'
            + (f'<input type="hidden" name="RelayState" '
               f'value="{html.escape(form["RelayState"])}">' if form.get("RelayState") else "")
            +
            '<p><button type="submit">Wróć do serwisu</button></p></form>'
            '<script src="/static/autosubmit.js"></script>'
        )
        return _PAGE.format(title="Wylogowano", body=body)

    def status_page(self, cookie: str) -> str:
        with self.lock:
            session = self.sessions.get(cookie)
        if session is None:
            body = '<p id="sim-status">Nie jesteś zalogowany w login.gov.pl (symulator).</p>'
        else:
            who = session["identity"]
            body = (f'<p id="sim-status">Zalogowany jako {html.escape(who.given_name)} '
                    f'{html.escape(who.family_name)}.</p>')
        return _PAGE.format(title="login.gov.pl (symulator)", body=body)


def _with_query(url: str, params: dict) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class _Handler(BaseHTTPRequestHandler):
    sim: LoginGovSimulator
    protocol_version = "HTTP/1.1"
    COOKIE = "wk_symulator"

    def log_message(self, format, *args):
        logger.debug("login.gov.pl simulator: " + format, *args)

    def _cookie(self) -> str:
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _sep, value = part.strip().partition("=")
            if name == self.COOKIE:
                return value
        return ""

    def _send(self, status: int, body: bytes, content_type: str, headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _html(self, status: int, text: str, headers=()) -> None:
        self._send(status, text.encode(), "text/html; charset=utf-8", headers)

    def _form(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            raise _Refusal(413, "The request is too large.")
        body = self.rfile.read(length) if length else b""
        self._raw = body
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/static/autosubmit.js":
            self._send(200, _AUTOSUBMIT_JS, "text/javascript; charset=utf-8")
        elif path in {"/", "/login"}:
            self._html(200, self.sim.status_page(self._cookie()))
        else:
            self._html(404, _PAGE.format(title="Nie znaleziono", body="<p>Brak strony.</p>"))

    def do_POST(self):
        path = urlsplit(self.path).path
        try:
            form = self._form()
            if path == "/login/SingleSignOnService":
                self._html(200, self.sim.sso(form))
            elif path == "/login/wybierz":
                location, cookie = self.sim.choose(form)
                headers = [("Location", location)]
                if cookie:
                    headers.append(("Set-Cookie",
                                    f"{self.COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax"))
                self._send(303, b"", "text/plain", headers)
            elif path == "/login-services/idpArtifactResolutionService":
                self._send(200, self.sim.artifact_resolve(self._raw), "text/xml; charset=utf-8")
            elif path == "/login/SingleLogoutService":
                page = self.sim.logout(form, self._cookie())
                self._html(200, page, [("Set-Cookie",
                                        f"{self.COOKIE}=; Path=/; Max-Age=0; HttpOnly")])
            else:
                raise _Refusal(404, "No such service.")
        except _Refusal as refusal:
            logger.warning("login.gov.pl simulator refused %s: %s", path, refusal.message)
            self._html(refusal.status, _PAGE.format(
                title="Błąd", body=f"<p>{html.escape(refusal.message)}</p>"))
        except Exception:  # a simulator must answer whatever a test throws at it
            logger.exception("login.gov.pl simulator failed")
            self._html(500, _PAGE.format(title="Błąd", body="<p>Błąd symulatora.</p>"))


__all__ = ["DEMO_IDENTITIES", "DemoIdentity", "LoginGovSimulator", "NodeIssuer", "Spoil"]
