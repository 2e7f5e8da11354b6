"""Bank statement formats: MT940 (SWIFT, as Polish banks deliver it) and ISO 20022 camt.053.

Both parse into the same `ParsedLine`s; matching them to payers is the service's work
(services/statements.py).
"""

from dataclasses import dataclass
from datetime import date


class StatementFormatError(ValueError):
    """The file is not a statement we can read; the message names the line or element."""


@dataclass(frozen=True)
class ParsedLine:
    number: int  # 1-based position in the file, for error messages and the clerk
    booked_on: date
    amount: int  # grosze; positive = money in
    currency: str
    bank_reference: str
    title: str
    counterparty: str
    counterparty_account: str
    # Accounts of ours the line names (the individual account it was paid into).
    target_accounts: tuple[str, ...]


@dataclass(frozen=True)
class ParsedStatement:
    format: str
    account: str
    statement_id: str
    lines: list[ParsedLine]
