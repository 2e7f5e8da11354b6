"""Local fakes of the gateways' published REST APIs, on a free port of 127.0.0.1.

Each fake checks what the real service checks (credentials, the request's signature, the
fields it needs) with its own code — written from the published formulas, not by calling
ours — and answers in the service's shape. Requests are recorded for the tests to inspect.
"""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

P24_MERCHANT = 11111
P24_API_KEY = "p24-api-key"
P24_CRC = "a1b2c3d4e5f6a7b8"
PAYU_CLIENT_ID = "300746"
PAYU_CLIENT_SECRET = "2ee86a66e5d97e3fadc400c9f19b065d"
PAYU_POS = "300746"
PAYU_SECOND_KEY = "b6ca15b0d1020e8094d9b5f8d163db54"
PAYNOW_API_KEY = "paynow-api-key"
PAYNOW_SIGNATURE_KEY = "paynow-signature-key"


SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def p24_hash(fields: list[tuple[str, object]]) -> str:
    """sha384 of PHP's json_encode(…, UNESCAPED_UNICODE|UNESCAPED_SLASHES): built by hand."""
    parts = []
    for key, value in fields:
        if isinstance(value, int):
            encoded = str(value)
        else:
            encoded = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f'"{key}":{encoded}')
    return hashlib.sha384(("{" + ",".join(parts) + "}").encode("utf-8")).hexdigest()


class FakeGateways:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.verified: list[dict] = []
        self.verify_answer = "success"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, data: dict, headers: dict | None = None):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                fake.requests.append({"method": self.command, "path": self.path,
                                      "headers": dict(self.headers.items()), "body": body})
                route = (self.command, self.path)
                handler = {
                    ("POST", "/api/v1/transaction/register"): fake.p24_register,
                    ("PUT", "/api/v1/transaction/verify"): fake.p24_verify,
                    ("POST", "/pl/standard/user/oauth/authorize"): fake.payu_oauth,
                    ("POST", "/api/v2_1/orders"): fake.payu_order,
                    ("POST", "/v3/payments"): fake.paynow_payment,
                }.get(route)
                if handler is None:
                    return self._reply(404, {"error": "not found"})
                return self._reply(*handler(self.headers, body))

            do_POST = _handle
            do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # --- Przelewy24 -------------------------------------------------------------------
    def _p24_auth_ok(self, headers) -> bool:
        expected = base64.b64encode(f"{P24_MERCHANT}:{P24_API_KEY}".encode()).decode()
        return headers.get("Authorization") == f"Basic {expected}"

    def p24_register(self, headers, body):
        if not self._p24_auth_ok(headers):
            return 401, {"error": "Incorrect authentication", "code": 401}
        data = json.loads(body)
        needed = ["merchantId", "posId", "sessionId", "amount", "currency", "description",
                  "email", "country", "language", "urlReturn", "urlStatus", "sign"]
        if any(key not in data for key in needed):
            return 400, {"error": "Invalid input data", "code": 400}
        sign = p24_hash([("sessionId", data["sessionId"]), ("merchantId", data["merchantId"]),
                         ("amount", data["amount"]), ("currency", data["currency"]),
                         ("crc", P24_CRC)])
        if data["sign"] != sign:
            return 400, {"error": "Incorrect sign", "code": 400}
        return 200, {"data": {"token": f"TOKEN-{data['sessionId'][:8]}"}, "responseCode": 0}

    def p24_verify(self, headers, body):
        if not self._p24_auth_ok(headers):
            return 401, {"error": "Incorrect authentication", "code": 401}
        data = json.loads(body)
        sign = p24_hash([("sessionId", data["sessionId"]), ("orderId", data["orderId"]),
                         ("amount", data["amount"]), ("currency", data["currency"]),
                         ("crc", P24_CRC)])
        if data.get("sign") != sign:
            return 400, {"error": "Incorrect sign", "code": 400}
        self.verified.append(data)
        return 200, {"data": {"status": self.verify_answer}, "responseCode": 0}

    # --- PayU -------------------------------------------------------------------------
    def payu_oauth(self, headers, body):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form != {"grant_type": "client_credentials", "client_id": PAYU_CLIENT_ID,
                    "client_secret": PAYU_CLIENT_SECRET}:
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": "payu-token", "token_type": "bearer",
                     "expires_in": 43199, "grant_type": "client_credentials"}

    def payu_order(self, headers, body):
        if headers.get("Authorization") != "Bearer payu-token":
            return 401, {"status": {"statusCode": "UNAUTHORIZED"}}
        data = json.loads(body)
        needed = ["notifyUrl", "customerIp", "merchantPosId", "description", "currencyCode",
                  "totalAmount", "extOrderId", "products"]
        if any(key not in data for key in needed) or data["merchantPosId"] != PAYU_POS:
            return 400, {"status": {"statusCode": "ERROR_VALUE_MISSING"}}
        redirect = f"{self.url}/pay/?orderId=WZHF5FFDRJ140731GUEST000P01"
        # PayU answers 302 with the order in the body.
        return 302, {"status": {"statusCode": "SUCCESS"}, "redirectUri": redirect,
                     "orderId": "WZHF5FFDRJ140731GUEST000P01",
                     "extOrderId": data["extOrderId"]}, {"Location": redirect}

    # --- Paynow -----------------------------------------------------------------------
    def paynow_payment(self, headers, body):
        if headers.get("Api-Key") != PAYNOW_API_KEY:
            return 401, {"statusCode": 401, "errors": [{"errorType": "UNAUTHORIZED"}]}
        # v3: the signature covers the two headers, the query parameters (none here) and the
        # raw body as a string, in a JSON built as PHP's json_encode(…, UNESCAPED_SLASHES)
        # writes it — spelled out here by hand, not with our own code.
        def php_string(text: str) -> str:
            out = []
            for ch in text:
                if ch in '"\\':
                    out.append("\\" + ch)
                elif ch in SHORT_ESCAPES:
                    out.append(SHORT_ESCAPES[ch])
                elif ord(ch) < 0x20 or ord(ch) > 0x7F:
                    out.append("".join(f"\\u{unit:04x}" for unit in _utf16(ch)))
                else:
                    out.append(ch)
            return '"' + "".join(out) + '"'

        idempotency = headers.get("Idempotency-Key") or ""
        signed = ('{"headers":{"Api-Key":' + php_string(headers.get("Api-Key", ""))
                  + ',"Idempotency-Key":' + php_string(idempotency)
                  + '},"parameters":{},"body":' + php_string(body.decode("utf-8")) + "}")
        expected = base64.b64encode(hmac.new(PAYNOW_SIGNATURE_KEY.encode(), signed.encode(),
                                             hashlib.sha256).digest()).decode()
        if headers.get("Signature") != expected or not idempotency:
            return 400, {"statusCode": 400, "errors": [{"errorType": "VALIDATION_ERROR"}]}
        return 201, {"redirectUrl": f"{self.url}/paywall/NOLV-8F9-08K-WGD",
                     "paymentId": "NOLV-8F9-08K-WGD", "status": "NEW"}


def p24_config(url: str) -> dict:
    return {"merchant_id": P24_MERCHANT, "pos_id": P24_MERCHANT, "api_key": P24_API_KEY,
            "crc": P24_CRC, "base_url": url}


def payu_config(url: str) -> dict:
    return {"client_id": PAYU_CLIENT_ID, "client_secret": PAYU_CLIENT_SECRET,
            "pos_id": PAYU_POS, "second_key": PAYU_SECOND_KEY, "base_url": url}


def paynow_config(url: str) -> dict:
    return {"api_key": PAYNOW_API_KEY, "signature_key": PAYNOW_SIGNATURE_KEY, "base_url": url}
