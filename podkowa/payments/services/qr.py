"""The payment QR code of Polish banks (ZBP recommendation "Standard 2D", 2013).

Nine fields joined by "|": recipient NIP | country | account (26 digits) | amount in grosze
(at least 6 digits) | recipient name (≤ 20) | title (≤ 32) | direct-debit id | Invoobill id |
reserved. A pipe is not allowed inside a field, so it is replaced, and long texts are cut.
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


def qr_svg(data: str, *, title: str = "") -> str:
    """An inline SVG (no image request, nothing from elsewhere)."""
    qr = segno.make(data, error="m", micro=False)
    return qr.svg_inline(scale=3, title=title or None, svgclass="payment-qr", border=2)
