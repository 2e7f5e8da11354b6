"""The payment QR code of Polish banks (ZBP recommendation "Standard 2D", 2013).

Nine fields joined by "|": recipient NIP | country | account (26 digits) | amount in grosze
(at least 6 digits) | recipient name (≤ 20) | title (≤ 32) | direct-debit id | Invoobill id |
reserved. A pipe is not allowed inside a field, so it is replaced, and long texts are cut.
The field layout was checked against the recommendation ("Rekomendacja Związku Banków Polskich
dotycząca kodu dwuwymiarowego (2D)", version 1.0 of 3 Dec 2013, zbp.pl), which also asks for
a QR code with error correction level L and UTF-8 text: a bank app that reads the bytes as
UTF-8 would garble an "ó" that a QR library chose to store as Latin-1.
"""

import segno


def _field(value: str, limit: int) -> str:
    return " ".join(value.replace("|", " ").split())[:limit].strip()


def zbp_2d_string(*, nip: str, account: str, amount: int, recipient: str, title: str) -> str:
    account = account.replace(" ", "").removeprefix("PL")
    if len(account) != 26 or not account.isdigit():
        raise ValueError("The account must be an NRB of 26 digits.")
    if amount < 0:
        raise ValueError("The amount cannot be negative.")
    nip = "".join(ch for ch in nip if ch.isdigit())
    return "|".join([
        nip if len(nip) == 10 else "",
        "PL",
        account,
        f"{amount:06d}",
        _field(recipient, 20),
        _field(title, 32),
        "", "", "",
    ])


def _payment_qr(data: str):
    return segno.make(data, error="l", boost_error=False, encoding="utf-8", micro=False)


def qr_svg(data: str, *, title: str = "") -> str:
    """An inline SVG (no image request, nothing from elsewhere)."""
    return _payment_qr(data).svg_inline(scale=3, title=title or None, svgclass="payment-qr",
                                        border=2)


def qr_png_data_uri(data: str) -> str:
    """A PNG for printed notices: a raster image with whole pixels per module, so that a
    printer or a scanner never sees a blurred edge."""
    return _payment_qr(data).png_data_uri(scale=8, border=4)
