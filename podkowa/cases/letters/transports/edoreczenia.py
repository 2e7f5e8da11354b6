"""e-Doręczenia (public registered electronic delivery): REST with an OIDC client assertion.

The system authenticates with OAuth2 ``client_credentials`` and a JWT signed by the system
certificate's key (RFC 7523: ``private_key_jwt``), then posts messages from the office's
electronic delivery address (ADE) with the letter's XML as an attachment, and fetches the
evidence of submission. Paths follow the shape of the mailbox (User Agent) API, scoped by the
office's own ADE; the base URLs come from settings.
"""

import base64
import binascii
import datetime as dt
import json
import re
import threading
import time
import uuid
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..credentials import SystemCredentials, service_certificates, system_credentials
from ..document import Attachment
from ..errors import AddressInvalid, ConfigurationError, DeliveryRefused, TransportError
from ..receipts import Receipt, parse_receipt
from . import Incoming, LetterTransport
from .http import check_endpoint, request
from .jwt import encode_rs256

# AE:PL-XXXXX-XXXXX-YYYYY-ZZ: two groups of five digits, five letters, two check digits.
ADE_PATTERN = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
SUBMISSION_EVIDENCE = "SubmissionAcceptance"


def clean_ade(value: str) -> str:
    """Normalise an electronic delivery address or raise AddressInvalid."""
    address = (value or "").strip().upper()
    if not ADE_PATTERN.match(address):
        raise AddressInvalid(
            _("An e-Delivery address looks like AE:PL-12345-67890-ABCDE-12; %(value)s is not "
              "one.") % {"value": (value or "").strip() or "—"}
        )
    return address


def client_assertion(
    *, client_id: str, audience: str, credentials: SystemCredentials, now: float | None = None
) -> str:
    issued = int(now if now is not None else time.time())
    return encode_rs256(
        {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": str(uuid.uuid4()),
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME,
        },
        credentials,
    )


def multipart(fields: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    """multipart/form-data from (name, filename, content type, bytes) parts."""
    boundary = f"podkowa-{uuid.uuid4().hex}"
    chunks = []
    for name, filename, content_type, data in fields:
        disposition = f'form-data; name="{name}"'
        if filename:
            ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
            disposition += f'; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(filename)}'
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class EDoreczeniaTransport(LetterTransport):
    channel = "edoreczenia"

    def __init__(
        self,
        *,
        token_url: str,
        api_url: str,
        client_id: str,
        sender_address: str,
        credentials: SystemCredentials,
        service_certificates: list,
        timeout: float = 30,
    ):
        self.token_url = check_endpoint(token_url, setting="EDORECZENIA_TOKEN_URL")
        self.api_url = check_endpoint(api_url, setting="EDORECZENIA_API_URL").rstrip("/")
        if not client_id:
            raise ConfigurationError(_("Set EDORECZENIA_CLIENT_ID."))
        self.client_id = client_id
        self.sender_address = clean_ade(sender_address)
        self.credentials = credentials
        self.service_certificates = list(service_certificates)
        if not self.service_certificates:
            raise ConfigurationError(_("Set EDORECZENIA_SERVICE_CERT_FILE: the certificate "
                                       "e-Doręczenia signs its evidences with."))
        self.timeout = timeout
        self._token = ""
        self._token_valid_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> "EDoreczeniaTransport":
        s = settings
        creds, service = system_credentials("EDORECZENIA"), service_certificates("EDORECZENIA")
        return cls(
            token_url=s.EDORECZENIA_TOKEN_URL,
            api_url=s.EDORECZENIA_API_URL,
            client_id=s.EDORECZENIA_CLIENT_ID,
            sender_address=s.EDORECZENIA_ADDRESS,
            credentials=creds,
            service_certificates=service,
            timeout=s.EDORECZENIA_TIMEOUT,
        )

    # --- authentication ------------------------------------------------------------------

    def access_token(self, *, renew: bool = False) -> str:
        with self._lock:
            if not renew and self._token and time.monotonic() < self._token_valid_until:
                return self._token
            form = urlencode({
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": client_assertion(
                    client_id=self.client_id, audience=self.token_url,
                    credentials=self.credentials,
                ),
            }).encode()
            response = request(
                "POST", self.token_url, body=form, timeout=self.timeout,
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Accept": "application/json"},
            )
            data = self._json(response, action=_("signing in"))
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise TransportError(_("e-Doręczenia issued no access token."))
            lifetime = int(data.get("expires_in") or 60)
            self._token = token
            # Renew a little early so that a token never expires mid-request.
            self._token_valid_until = time.monotonic() + max(lifetime - 30, 1)
            return token

    def _authorised(self, method: str, url: str, *, body=None, headers=None):
        for attempt in (0, 1):
            token = self.access_token(renew=attempt == 1)
            response = request(
                method, url, body=body, timeout=self.timeout,
                headers={**(headers or {}), "Authorization": f"Bearer {token}",
                         "Accept": "application/json"},
            )
            if response.status != 401:
                return response
        return response

    def _json(self, response, *, action) -> dict:
        try:
            data = json.loads(response.body or b"{}")
        except ValueError:
            data = None
        if 400 <= response.status < 500:
            detail = ""
            if isinstance(data, dict):
                detail = str(data.get("error_description") or data.get("detail")
                             or data.get("error") or "")
            raise DeliveryRefused(
                _("e-Doręczenia refused %(action)s: %(reason)s")
                % {"action": action, "reason": detail or response.status}
            )
        if response.status >= 300 or not isinstance(data, dict):
            raise TransportError(
                _("e-Doręczenia failed while %(action)s (HTTP %(status)s).")
                % {"action": action, "status": response.status}
            )
        return data

    def _mailbox_url(self, *parts: str) -> str:
        return "/".join([self.api_url, quote(self.sender_address, safe=""), "messages",
                         *(quote(p, safe="") for p in parts)])

    # --- sending -------------------------------------------------------------------------

    def send(
        self, letter_xml: bytes, *, recipient_address: str, filename: str = "pismo_ogolne.xml",
        subject: str = "Pismo ogólne do podmiotu publicznego",
    ) -> Receipt:
        recipient = clean_ade(recipient_address)
        metadata = json.dumps({
            "subject": subject,
            "sender": {"address": self.sender_address},
            "recipients": [{"address": recipient}],
        }, ensure_ascii=False).encode()
        body, content_type = multipart([
            ("metadata", "", "application/json; charset=utf-8", metadata),
            ("attachment", filename, "application/xml", letter_xml),
        ])
        response = self._authorised("POST", self._mailbox_url(), body=body,
                                    headers={"Content-Type": content_type})
        message_id = str(self._json(response, action=_("the letter")).get("messageId") or "")
        if not message_id:
            raise TransportError(_("e-Doręczenia accepted the letter but named no message."))

        evidences = self._json(
            self._authorised("GET", self._mailbox_url(message_id, "evidences")),
            action=_("the evidence request"),
        ).get("evidences") or []
        for evidence in evidences:
            if isinstance(evidence, dict) and evidence.get("type") == SUBMISSION_EVIDENCE:
                try:
                    raw = base64.b64decode(evidence.get("content") or "", validate=True)
                except (binascii.Error, ValueError):
                    raise TransportError(_("e-Doręczenia's evidence is damaged.")) from None
                receipt = parse_receipt(raw, trusted_certificates=self.service_certificates)
                if receipt.document_digest and not receipt.covers(letter_xml):
                    raise TransportError(
                        _("e-Doręczenia's evidence does not name the letter we sent."))
                return receipt
        raise TransportError(_("e-Doręczenia sent no evidence of submission yet."))

    # --- receiving -----------------------------------------------------------------------

    def fetch_incoming(self) -> list[Incoming]:
        url = self._mailbox_url() + "?" + urlencode({"folder": "RECEIVED", "status": "NEW"})
        messages = self._json(self._authorised("GET", url),
                              action=_("the list of messages")).get("messages") or []
        incoming = []
        for message in messages:
            files = []
            for item in message.get("attachments") or []:
                try:
                    content = base64.b64decode(item.get("content") or "", validate=True)
                except (binascii.Error, ValueError):
                    raise TransportError(_("e-Doręczenia sent a damaged attachment.")) from None
                files.append(Attachment(str(item.get("filename") or "attachment"),
                                        str(item.get("contentType") or "application/octet-stream"),
                                        content))
            if not files:
                continue
            try:
                received = dt.datetime.fromisoformat(str(message.get("receivedAt")))
            except ValueError:
                received = None  # an odd date is no reason to leave a letter behind
            sender = message.get("sender") or {}
            incoming.append(Incoming(
                channel=self.channel,
                message_id=str(message.get("messageId")),
                sender=str(sender.get("name") or ""),
                sender_address=str(sender.get("address") or ""),
                received_at=received,
                documents=tuple(files),
                ack_token=str(message.get("messageId")),
                extra={"subject": message.get("subject") or ""},
            ))
        return incoming

    def acknowledge(self, incoming: Incoming) -> None:
        self._json(
            self._authorised("POST", self._mailbox_url(incoming.ack_token, "receive"), body=b""),
            action=_("the acknowledgement"),
        )
