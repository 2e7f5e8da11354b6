"""Local stand-ins for ePUAP and e-Doręczenia, for development (``manage.py letters_simulator``)
and for the tests: enough of each protocol to exercise the clients end to end on 127.0.0.1.

- ePUAP: ``POST /epuap/skrytka`` (nadaj) and ``POST /epuap/pull`` (oczekujaceDokumenty,
  pobierzNastepny, potwierdzOdebranie). Requests must carry a valid WS-Security signature by a
  trusted client certificate; answers are signed with the simulator's own key, and ``nadaj``
  returns a signed UPP.
- e-Doręczenia: ``POST /edoreczenia/token`` (client_credentials with a signed JWT assertion),
  ``/edoreczenia/api/<ADE>/messages`` (send, list received), ``…/<id>/evidences``,
  ``…/<id>/receive``. Evidences are signed with the simulator's key.

Everything is kept in memory (and, with ``store_dir``, received documents are also written to
files for a developer to open).
"""

import base64
import collections
import datetime as dt
import json
import logging
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509
from lxml import etree

from .credentials import SystemCredentials
from .errors import AddressInvalid, LetterError, SignatureInvalid
from .receipts import build_evidence, build_upp
from .transports.edoreczenia import ASSERTION_TYPE, SUBMISSION_EVIDENCE, clean_ade
from .transports.epuap import OB, clean_box_address, pull_digest
from .transports.jwt import decode_rs256
from .transports.wssecurity import build_envelope, fault_envelope, sign_envelope, verify_envelope

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 100 * 1024 * 1024
TOKEN_LIFETIME = 900


def _ob(name: str) -> str:
    return f"{{{OB}}}{name}"


def _child(parent, name, text=None):
    el = etree.SubElement(parent, name)
    if text is not None:
        el.text = str(text)
    return el


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class LettersSimulator:
    def __init__(
        self,
        *,
        credentials: SystemCredentials,
        client_certificates: list[x509.Certificate],
        host: str = "127.0.0.1",
        port: int = 0,
        store_dir: Path | None = None,
        office_name: str = "Urząd Miasta Podkowa Leśna",
    ):
        self.credentials = credentials
        self.client_certificates = list(client_certificates)
        self.store_dir = Path(store_dir) if store_dir else None
        self.office_name = office_name
        self.lock = threading.Lock()
        # ePUAP
        self.epuap_received: list[dict] = []
        self.epuap_boxes: dict[str, collections.deque] = collections.defaultdict(
            collections.deque)
        # e-Doręczenia
        self.tokens: dict[str, float] = {}
        self.used_jti: set[str] = set()
        self.edoreczenia_sent: dict[str, dict] = {}
        self.edoreczenia_inbox: dict[str, list[dict]] = collections.defaultdict(list)

        simulator = self

        class Handler(_Handler):
            sim = simulator

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LettersSimulator":
        # A short poll interval keeps stop() quick (the tests start one per test).
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="letters-simulator", kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    # --- putting documents in the office's way -----------------------------------------

    def offer_epuap(
        self, content: bytes, *, box_address: str, filename: str = "pismo.xml",
        sender_login: str = "jan.kowalski", sender_name: str = "Jan Kowalski",
        reply_address: str = "/jkowalski/skrytka",
    ) -> None:
        first, _sep, last = sender_name.partition(" ")
        with self.lock:
            self.epuap_boxes[clean_box_address(box_address)].append({
                "filename": filename, "mime": "text/xml", "content": content,
                "login": sender_login, "first": first, "last": last,
                "reply": reply_address, "sent_at": dt.datetime.now(dt.UTC),
            })

    def offer_edoreczenia(
        self, content: bytes, *, recipient: str, sender_address: str,
        sender_name: str = "Jan Kowalski", filename: str = "pismo.xml",
        subject: str = "Pismo ogólne",
    ) -> str:
        message_id = uuid.uuid4().hex
        with self.lock:
            self.edoreczenia_inbox[clean_ade(recipient)].append({
                "messageId": message_id, "status": "NEW", "subject": subject,
                "sender": {"address": clean_ade(sender_address), "name": sender_name},
                "receivedAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "attachments": [{"filename": filename, "contentType": "application/xml",
                                 "content": base64.b64encode(content).decode()}],
            })
        return message_id

    def _keep(self, kind: str, ident: str, content: bytes) -> None:
        if self.store_dir:
            self.store_dir.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            (self.store_dir / f"{stamp}-{kind}-{ident}.xml").write_bytes(content)

    # --- ePUAP ---------------------------------------------------------------------------

    def _signed_answer(self, payload) -> bytes:
        return sign_envelope(build_envelope(payload), self.credentials)

    def epuap_skrytka(self, body: bytes) -> bytes:
        verified = self._verify_soap(body)
        header = {etree.QName(el).localname: (el.text or "").strip()
                  for el in verified.header if isinstance(el.tag, str)}
        dokument = verified.payload
        if dokument is None or dokument.tag != _ob("Dokument"):
            raise _Refusal(500, "Client", "The Body must hold ob:Dokument.")
        try:
            recipient = clean_box_address(header.get("AdresSkrytki", ""))
        except AddressInvalid as exc:
            raise _Refusal(500, "Client", str(exc)) from None
        try:
            content = base64.b64decode(
                "".join((dokument.findtext("zawartosc") or "").split()), validate=True
            )
        except ValueError:  # binascii.Error is a ValueError
            raise _Refusal(500, "Client", "The document is not valid base64.") from None
        document_id = uuid.uuid4().hex
        upp = build_upp(
            receipt_id=f"UPP-{uuid.uuid4().hex}",
            document_id=document_id,
            document=content,
            sender_name=header.get("IdentyfikatorPodmiotu", ""),
            sender_id=header.get("AdresOdpowiedzi", ""),
            recipient_name=recipient,
            recipient_id=recipient,
            delivered_at=dt.datetime.now(dt.UTC),
            credentials=self.credentials,
        )
        with self.lock:
            self.epuap_received.append({
                "id": document_id, "recipient": recipient,
                "reply": header.get("AdresOdpowiedzi", ""),
                "trial": header.get("CzyProbne") == "true",
                "filename": dokument.findtext("nazwaPliku") or "",
                "content": content, "upp": upp,
            })
            # Like ePUAP itself, a document sent to a box waits there for the box's owner
            # to pull it (the office sending to its own box is how the website's letters
            # reach the office's intake in development).
            self.epuap_boxes[recipient].append({
                "filename": dokument.findtext("nazwaPliku") or "pismo.xml",
                "mime": dokument.findtext("typPliku") or "text/xml", "content": content,
                "login": header.get("IdentyfikatorPodmiotu", ""), "first": "",
                "last": header.get("IdentyfikatorPodmiotu", ""),
                "reply": header.get("AdresOdpowiedzi", ""),
                "sent_at": dt.datetime.now(dt.UTC),
            })
        self._keep("epuap", document_id, content)
        answer = etree.Element(_ob("OdpowiedzSkrytki"), nsmap={"ob": OB})
        status = _child(answer, "status")
        _child(status, "kod", 1)
        _child(status, "komunikat", "OK")
        _child(answer, "identyfikatorDokumentu", document_id)
        _child(answer, "identyfikatorUpp", upp_id := document_id + "-upp")
        zal = _child(answer, "zalacznik")
        _child(zal, "nazwaPliku", f"{upp_id}.xml")
        _child(zal, "typPliku", "text/xml")
        _child(zal, "zawartosc", base64.b64encode(upp).decode())
        return self._signed_answer(answer)

    def epuap_pull(self, body: bytes) -> bytes:
        query = self._verify_soap(body).payload
        if query is None:
            raise _Refusal(500, "Client", "Empty Body.")
        try:
            box = clean_box_address(query.findtext("adresSkrytki") or "")
        except AddressInvalid as exc:
            raise _Refusal(500, "Client", str(exc)) from None
        kind = etree.QName(query).localname
        with self.lock:
            queue = self.epuap_boxes[box]
            if kind == "ZapytaniePullOczekujace":
                answer = etree.Element(_ob("OdpowiedzPullOczekujace"), nsmap={"ob": OB})
                self._status(answer, 1)
                _child(answer, "oczekujace", len(queue))
            elif kind == "ZapytaniePullPobierz":
                answer = etree.Element(_ob("OdpowiedzPullPobierz"), nsmap={"ob": OB})
                if not queue:
                    self._status(answer, 0, "Brak dokumentów")
                else:
                    item = queue[0]
                    self._status(answer, 1)
                    podmiot = _child(answer, "danePodmiotu")
                    _child(podmiot, "identyfikator", item["login"])
                    _child(podmiot, "typOsoby", "F")
                    _child(podmiot, "imieSkrot", item["first"])
                    _child(podmiot, "nazwiskoNazwa", item["last"])
                    _child(podmiot, "zgoda", "true")
                    _child(_child(answer, "daneNadawcy"), "uzytkownik", item["login"])
                    _child(answer, "dataNadania", item["sent_at"].isoformat())
                    _child(answer, "nazwaSkrytki", box.rsplit("/", 1)[-1])
                    _child(answer, "adresSkrytki", box)
                    _child(answer, "adresOdpowiedzi", item["reply"])
                    _child(answer, "czyTestowe", "false")
                    _child(answer, "daneDodatkowe", "")
                    dok = _child(answer, "dokument")
                    _child(dok, "nazwaPliku", item["filename"])
                    _child(dok, "typPliku", item["mime"])
                    _child(dok, "zawartosc", base64.b64encode(item["content"]).decode())
            elif kind == "ZapytaniePullPotwierdz":
                skrot = (query.findtext("skrot") or "").strip()
                if not queue or pull_digest(queue[0]["content"]) != skrot:
                    raise _Refusal(500, "Client", "No waiting document has this digest.")
                queue.popleft()
                answer = etree.Element(_ob("OdpowiedzPullPotwierdz"), nsmap={"ob": OB})
                self._status(answer, 1)
            else:
                raise _Refusal(500, "Client", f"Unknown pull operation {kind}.")
        return self._signed_answer(answer)

    @staticmethod
    def _status(answer, code: int, message: str = "OK") -> None:
        status = _child(answer, "status")
        _child(status, "kod", code)
        _child(status, "komunikat", message)

    def _verify_soap(self, body: bytes):
        try:
            return verify_envelope(body, trusted_certificates=self.client_certificates)
        except LetterError as exc:
            raise _Refusal(500, "Client", f"WS-Security check failed: {exc}") from None

    # --- e-Doręczenia --------------------------------------------------------------------

    def edoreczenia_token(self, body: bytes, audience: str) -> dict:
        form = {k: v[0] for k, v in parse_qs(body.decode("ascii", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            raise _Refusal(400, "unsupported_grant_type", "Only client_credentials is offered.")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise _Refusal(400, "invalid_client", "A JWT client assertion is required.")
        try:
            _header, claims, _cert = decode_rs256(form.get("client_assertion", ""),
                                                  self.client_certificates)
        except SignatureInvalid as exc:
            raise _Refusal(401, "invalid_client", str(exc)) from None
        now = time.time()
        problems = []
        if not claims.get("iss") or claims.get("iss") != claims.get("sub"):
            problems.append("iss and sub must both name the client")
        if form.get("client_id") and form["client_id"] != claims.get("iss"):
            problems.append("client_id differs from the assertion's issuer")
        if claims.get("aud") != audience:
            problems.append(f"aud must be {audience}")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or not isinstance(iat, int):
            problems.append("iat and exp are required")
        elif exp < now or iat > now + 60 or exp - iat > 600:
            problems.append("the assertion has expired or lives too long")
        jti = claims.get("jti")
        if not jti:
            problems.append("jti is required")
        with self.lock:
            if jti in self.used_jti:
                problems.append("the assertion was used before")
            if problems:
                raise _Refusal(401, "invalid_client", "; ".join(problems))
            self.used_jti.add(jti)
            token = secrets.token_urlsafe(32)
            self.tokens[token] = now + TOKEN_LIFETIME
        return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}

    def _check_bearer(self, authorization: str) -> None:
        scheme, _sep, token = (authorization or "").partition(" ")
        with self.lock:
            valid_until = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if not valid_until or valid_until < time.time():
            raise _Refusal(401, "invalid_token", "A valid access token is required.")

    def edoreczenia_send(self, mailbox: str, body: bytes, content_type: str) -> dict:
        parts = _parse_multipart(body, content_type)
        try:
            metadata = json.loads(parts["metadata"][1])
            recipients = [clean_ade(r["address"]) for r in metadata["recipients"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise _Refusal(400, "invalid_request", f"Bad metadata: {exc}") from None
        except AddressInvalid as exc:
            raise _Refusal(400, "invalid_recipient", str(exc)) from None
        if "attachment" not in parts:
            raise _Refusal(400, "invalid_request", "The message carries no attachment.")
        filename, content = parts["attachment"]
        message_id = uuid.uuid4().hex
        evidence = build_evidence(
            evidence_id=f"EV-{uuid.uuid4().hex}",
            message_id=message_id,
            document=content,
            sender_address=mailbox,
            recipient_address=recipients[0],
            submitted_at=dt.datetime.now(dt.UTC),
            credentials=self.credentials,
        )
        with self.lock:
            self.edoreczenia_sent[message_id] = {
                "sender": mailbox, "recipients": recipients, "filename": filename,
                "subject": metadata.get("subject", ""), "content": content,
                "evidences": [{"id": message_id + "-ev", "type": SUBMISSION_EVIDENCE,
                               "content": base64.b64encode(evidence).decode()}],
            }
            # What is sent to an address arrives in that address's inbox.
            for recipient in recipients:
                self.edoreczenia_inbox[recipient].append({
                    "messageId": message_id, "status": "NEW",
                    "subject": metadata.get("subject", ""),
                    "sender": {"address": mailbox, "name": mailbox},
                    "receivedAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "attachments": [{"filename": filename, "contentType": "application/xml",
                                     "content": base64.b64encode(content).decode()}],
                })
        self._keep("edoreczenia", message_id, content)
        return {"messageId": message_id}

    def edoreczenia_evidences(self, mailbox: str, message_id: str) -> dict:
        with self.lock:
            message = self.edoreczenia_sent.get(message_id)
        if message is None or message["sender"] != mailbox:
            raise _Refusal(404, "not_found", "No such message in this mailbox.")
        return {"evidences": message["evidences"]}

    def edoreczenia_list(self, mailbox: str) -> dict:
        with self.lock:
            return {"messages": [m for m in self.edoreczenia_inbox[mailbox]
                                 if m["status"] == "NEW"]}

    def edoreczenia_receive(self, mailbox: str, message_id: str) -> dict:
        with self.lock:
            for message in self.edoreczenia_inbox[mailbox]:
                if message["messageId"] == message_id:
                    message["status"] = "RECEIVED"
                    return {"messageId": message_id, "status": "RECEIVED"}
        raise _Refusal(404, "not_found", "No such message in this mailbox.")


    # --- control (development and browser tests; not part of either national service) ----

    def control(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        """``POST /simulator/epuap/incoming?box=…`` and ``/simulator/edoreczenia/incoming?
        recipient=…&sender=…`` put the request body in the office's way;
        ``GET /simulator/received`` lists what the office sent."""
        arg = {k: v[0] for k, v in query.items()}
        try:
            if method == "POST" and path == "/simulator/epuap/incoming":
                self.offer_epuap(
                    body, box_address=arg.get("box", ""),
                    filename=arg.get("filename", "pismo.xml"),
                    sender_name=arg.get("sender", "Jan Kowalski"),
                    reply_address=arg.get("reply", "/jkowalski/skrytka"),
                )
                return 201, {"queued": True}
            if method == "POST" and path == "/simulator/edoreczenia/incoming":
                message_id = self.offer_edoreczenia(
                    body, recipient=arg.get("recipient", ""),
                    sender_address=arg.get("sender", ""),
                    sender_name=arg.get("name", "Jan Kowalski"),
                    filename=arg.get("filename", "pismo.xml"),
                )
                return 201, {"messageId": message_id}
        except AddressInvalid as exc:
            raise _Refusal(400, "invalid_address", str(exc)) from None
        if method == "GET" and path == "/simulator/received":
            with self.lock:
                return 200, {
                    "epuap": [{"id": r["id"], "recipient": r["recipient"],
                               "filename": r["filename"], "size": len(r["content"])}
                              for r in self.epuap_received],
                    "edoreczenia": [{"messageId": k, "recipients": m["recipients"],
                                     "filename": m["filename"], "size": len(m["content"])}
                                    for k, m in self.edoreczenia_sent.items()],
                }
        raise _Refusal(404, "not_found", "No such resource.")


def _parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[str, bytes]]:
    """name → (filename, bytes) for each part; bytes kept exactly as sent."""
    boundary = ""
    for param in content_type.split(";")[1:]:
        key, _sep, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not content_type.lower().startswith("multipart/form-data") or not boundary:
        raise _Refusal(400, "invalid_request", "Expected multipart/form-data.")
    parts = {}
    delimiter = b"--" + boundary.encode()
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _sep, content = chunk.partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        name = filename = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for item in line.split(";")[1:]:
                    key, _sep, value = item.strip().partition("=")
                    if key == "name":
                        name = value.strip('"')
                    elif key == "filename*" and value.lower().startswith("utf-8''"):
                        filename = unquote(value[7:])
                    elif key == "filename" and not filename:
                        filename = value.strip('"')
        if name:
            parts[name] = (filename, content)
    return parts


class _Handler(BaseHTTPRequestHandler):
    sim: LettersSimulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        logger.debug("letters simulator: " + format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            raise _Refusal(413, "too_large", "The request is too large.")
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/")
        soap = path.startswith("/epuap/")
        try:
            body = self._body() if method == "POST" else b""
            if soap:
                if method != "POST":
                    raise _Refusal(405, "Client", "SOAP needs POST.")
                handler = {"/epuap/skrytka": self.sim.epuap_skrytka,
                           "/epuap/pull": self.sim.epuap_pull}.get(path)
                if handler is None:
                    raise _Refusal(404, "Client", "No such service.")
                self._send(200, handler(body), "text/xml; charset=utf-8")
                return
            if path == "/edoreczenia/token" and method == "POST":
                audience = f"http://{self.headers.get('Host', '')}{url.path}"
                self._json(200, self.sim.edoreczenia_token(body, audience))
                return
            prefix = "/edoreczenia/api/"
            if path.startswith(prefix):
                self.sim._check_bearer(self.headers.get("Authorization", ""))
                segments = [unquote(s) for s in path[len(prefix):].split("/")]
                mailbox = clean_ade(segments[0])
                rest = segments[1:]
                if rest == ["messages"] and method == "POST":
                    self._json(201, self.sim.edoreczenia_send(
                        mailbox, body, self.headers.get("Content-Type", "")))
                elif rest == ["messages"] and method == "GET":
                    self._json(200, self.sim.edoreczenia_list(mailbox))
                elif len(rest) == 3 and rest[0] == "messages" and rest[2] == "evidences" \
                        and method == "GET":
                    self._json(200, self.sim.edoreczenia_evidences(mailbox, rest[1]))
                elif len(rest) == 3 and rest[0] == "messages" and rest[2] == "receive" \
                        and method == "POST":
                    self._json(200, self.sim.edoreczenia_receive(mailbox, rest[1]))
                else:
                    raise _Refusal(404, "not_found", "No such resource.")
                return
            if path.startswith("/simulator/"):
                self._json(*self.sim.control(method, path, parse_qs(url.query), body))
                return
            raise _Refusal(404, "not_found", "No such resource.")
        except _Refusal as refusal:
            if soap:
                detail = etree.Element(_ob("Wyjatek"), nsmap={"ob": OB})
                _child(detail, "kod", refusal.status)
                _child(detail, "komunikat", refusal.message)
                self._send(refusal.status, fault_envelope(refusal.code, refusal.message,
                                                          detail=detail),
                           "text/xml; charset=utf-8")
            else:
                self._json(refusal.status, {"error": refusal.code,
                                            "error_description": refusal.message})
        except AddressInvalid as exc:
            self._json(404, {"error": "not_found", "error_description": str(exc)})
        except Exception:  # a simulator must answer, whatever a test throws at it
            logger.exception("letters simulator failed")
            self._json(500, {"error": "server_error"})

    def do_POST(self):
        self._dispatch("POST")

    def do_GET(self):
        self._dispatch("GET")
