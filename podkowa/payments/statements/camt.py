"""ISO 20022 camt.053 (BankToCustomerStatement), any version: elements are found by local
name, so camt.053.001.02 and later read alike.

Per entry (Ntry): Amt and its Ccy, CdtDbtInd, BookgDt, AcctSvcrRef; per transaction
(NtryDtls/TxDtls, or the entry itself when it has none): Refs/AcctSvcrRef or EndToEndId,
RltdPties (Dbtr name, DbtrAcct, CdtrAcct — the individual account it was paid into) and
RmtInf/Ustrd (the title).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from podkowa.payments.statements import ParsedLine, ParsedStatement, StatementFormatError
from podkowa.payments.statements.mt940 import NRB


def _x(node, path: str):
    parts = "/".join(f"*[local-name()='{p}']" for p in path.split("/"))
    found = node.xpath(parts)
    return found[0] if found else None


def _text(node, path: str) -> str:
    found = _x(node, path)
    return (found.text or "").strip() if found is not None else ""


def _account(node, path: str) -> str:
    return (_text(node, f"{path}/Id/IBAN") or _text(node, f"{path}/Id/Othr/Id")).replace(
        " ", "").removeprefix("PL")


def parse(data: bytes) -> ParsedStatement:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise StatementFormatError(f"The camt.053 file is not valid XML: {error}") from None
    statement = _x(root, "BkToCstmrStmt/Stmt")
    if statement is None:
        raise StatementFormatError("This is not a camt.053 statement (no BkToCstmrStmt/Stmt).")
    lines: list[ParsedLine] = []
    for index, entry in enumerate(statement.xpath("*[local-name()='Ntry']"), start=1):
        amount_node = _x(entry, "Amt")
        try:
            amount = int((Decimal(amount_node.text.strip()) * 100).to_integral_exact())
        except (AttributeError, InvalidOperation, ArithmeticError):
            raise StatementFormatError(f"Entry {index}: the amount cannot be read.") from None
        if _text(entry, "CdtDbtInd") == "DBIT":
            amount = -amount
        booked_text = _text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm")[:10]
        try:
            booked = date.fromisoformat(booked_text)
        except ValueError:
            raise StatementFormatError(f"Entry {index}: the booking date cannot be read."
                                       ) from None
        details = entry.xpath("*[local-name()='NtryDtls']/*[local-name()='TxDtls']") or [entry]
        for sub, tx in enumerate(details, start=1):
            title = " ".join(t.text.strip() for t in tx.xpath(
                "*[local-name()='RmtInf']/*[local-name()='Ustrd']") if t.text)
            target = _account(tx, "RltdPties/CdtrAcct")
            targets = [target] if target else []
            targets += [m.replace(" ", "") for m in NRB.findall(title)]
            reference = (_text(tx, "Refs/AcctSvcrRef") or _text(entry, "AcctSvcrRef")
                         or _text(tx, "Refs/EndToEndId"))
            if len(details) > 1:
                reference = f"{reference}/{sub}"
            tx_amount = amount
            if len(details) > 1 and _x(tx, "Amt") is not None:
                tx_amount = int(Decimal(_text(tx, "Amt")) * 100) * (1 if amount > 0 else -1)
            lines.append(ParsedLine(
                number=index, booked_on=booked, amount=tx_amount,
                currency=amount_node.get("Ccy", "PLN"), bank_reference=reference,
                title=title, counterparty=_text(tx, "RltdPties/Dbtr/Nm")
                or _text(tx, "RltdPties/Dbtr/Pty/Nm"),
                counterparty_account=_account(tx, "RltdPties/DbtrAcct"),
                target_accounts=tuple(dict.fromkeys(targets))))
    return ParsedStatement(format="camt053", account=_account(statement, "Acct"),
                           statement_id=_text(statement, "Id"), lines=lines)
