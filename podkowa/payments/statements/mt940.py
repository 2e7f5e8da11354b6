"""MT940 statements as Polish banks deliver them.

Fields used: :25: (our account), :28C: (statement number), :61: (one line: value date
YYMMDD, optional entry date MMDD, C/D/RC/RD, amount with a decimal comma, transaction type,
reference // bank reference) and the :86: that follows it, whose subfields (~20–~25 title,
~27–~29 and ~32–~33 name, ~30/~31 or ~38 the counterparty's account) Polish banks separate
with "~" (some with "^"). The individual account a payer paid into is found as any 26-digit
account number in the :86: text: banks put the virtual account in different subfields.
"""

import re
from datetime import date

from podkowa.payments.statements import ParsedLine, ParsedStatement, StatementFormatError

LINE_61 = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D)(?P<fund>[A-Z])?"
    r"(?P<amount>\d{1,12},\d{0,2})(?P<type>[A-Z0-9]{4})(?P<ref>[^/\n]{0,16})"
    r"(?://(?P<bankref>[^\n]{0,16}))?")
NRB = re.compile(r"(?<!\d)(?:PL)?(\d{2}(?: ?\d{4}){6})(?!\d)")


def _amount(text: str) -> int:
    whole, _sep, frac = text.partition(",")
    return int(whole) * 100 + int((frac + "00")[:2])


def _subfields(text: str) -> dict[str, str]:
    text = text.replace("^", "~").replace("\n", "")
    out: dict[str, str] = {}
    for part in text.split("~")[1:]:
        code, value = part[:2], part[2:]
        out[code] = out.get(code, "") + value
    return out


def _fields(text: str) -> list[tuple[str, str, int]]:
    fields: list[tuple[str, str, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        match = re.match(r"^:(\d{2}[A-Z]?):(.*)$", line)
        if match:
            fields.append((match.group(1), match.group(2), number))
        elif fields and line and line not in ("-", "-}"):
            tag, value, at = fields[-1]
            fields[-1] = (tag, value + "\n" + line, at)
    return fields


def parse(text: str) -> ParsedStatement:
    fields = _fields(text)
    if not any(tag == "61" for tag, _v, _n in fields) and not any(
            tag == "20" for tag, _v, _n in fields):
        raise StatementFormatError("This is not an MT940 statement (no :20: or :61: field).")
    account, statement_id, currency = "", "", "PLN"
    lines: list[ParsedLine] = []
    pending: dict | None = None

    def flush():
        nonlocal pending
        if pending is not None:
            lines.append(_line(pending, currency))
            pending = None

    for tag, value, at in fields:
        if tag == "25":
            account = value.strip().removeprefix("/")
        elif tag == "28C":
            statement_id = value.strip()
        elif tag in ("60F", "60M") and len(value) >= 10:
            currency = value[7:10]
        elif tag == "61":
            flush()
            match = LINE_61.match(value.replace("\n", ""))
            if not match:
                raise StatementFormatError(f"Line {at}: the :61: field cannot be read.")
            pending = {"m": match, "at": at, "info": ""}
        elif tag == "86" and pending is not None:
            pending["info"] = value
    flush()
    return ParsedStatement(format="mt940", account=account, statement_id=statement_id,
                           lines=lines)


def _line(pending: dict, currency: str) -> ParsedLine:
    match, info = pending["m"], pending["info"]
    value = match.group("value")
    booked = date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
    amount = _amount(match.group("amount"))
    if match.group("mark") in ("D", "RC"):
        amount = -amount
    sub = _subfields(info)
    title = "".join(sub.get(code, "") for code in ("20", "21", "22", "23", "24", "25"))
    name = "".join(sub.get(code, "") for code in ("27", "28", "29", "32", "33"))
    counterparty_account = sub.get("38", "") or (sub.get("30", "") + sub.get("31", ""))
    if not sub:
        title = info.replace("\n", " ")
    targets = tuple(dict.fromkeys(m.replace(" ", "") for m in NRB.findall(info)))
    reference = (match.group("bankref") or match.group("ref") or "").strip()
    return ParsedLine(
        number=pending["at"], booked_on=booked, amount=amount, currency=currency,
        bank_reference=reference or f"{value}-{pending['at']}", title=title.strip(),
        counterparty=name.strip(), counterparty_account=counterparty_account.strip(),
        target_accounts=targets)
