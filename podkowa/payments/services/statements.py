"""Bank statement import: every transfer into the town's accounts matched to its payer.

Matching, in order: (1) the individual account the money was paid into names the payer (and,
for an account per decision, the decision's charges); (2) otherwise a decision or notice
number in the title together with exactly the amount still owed on that charge; (3) otherwise
the line waits in the clerk's queue. Debits are kept as "not a payment to us".

Re-importing changes nothing: the same file is recognised by its hash, the same transfer in
another file by its bank reference (unique per town), and the payment by its reference.
The whole file is one transaction: a file that cannot be read leaves no line behind.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.payments.models import (
    BankStatement,
    Charge,
    IndividualAccount,
    Payer,
    Payment,
    StatementLine,
)
from podkowa.payments.services.bulk import insert_rows
from podkowa.payments.services.ledger import (
    Incoming,
    payment_record,
    payments_record_many_ids,
)
from podkowa.payments.statements import ParsedLine, StatementFormatError, camt, mt940

TOKEN = re.compile(r"[\s,;]+")
LINE_FIELDS = ["gmina", "statement", "line_number", "booked_on", "amount", "currency",
               "bank_reference", "title", "counterparty", "counterparty_account",
               "target_account", "status", "matched_by", "payer", "payment"]
_TARGET, _STATUS, _MATCHED_BY, _PAYER, _PAYMENT = (
    LINE_FIELDS.index(name) for name in ("target_account", "status", "matched_by", "payer",
                                         "payment"))
REFERENCE_CHUNK = 900  # below SQLite's limit of variables in one query


@dataclass(frozen=True)
class ImportResult:
    statement: BankStatement
    created: bool
    matched: int = 0
    unmatched: int = 0
    ignored: int = 0
    already_known: int = 0


def statement_parse(data: bytes):
    head = data.lstrip()[:200]
    if head.startswith(b"<") or b"BkToCstmrStmt" in data[:2000]:
        return camt.parse(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1250", "replace")  # what many Polish banks still send
    return mt940.parse(text)


class _Matcher:
    """What is known before the lines are read: every individual account, every open charge
    by its decision or notice number with what is still owed on it, and the charges of each
    decision — a few queries for the whole file, none per line."""

    def __init__(self, gmina: Gmina) -> None:
        self.gmina = gmina
        self.accounts = {
            number: (payer_id, decision_id) for number, payer_id, decision_id in
            IndividualAccount.objects.filter(gmina=gmina).values_list(
                "number", "payer_id", "decision_id")}
        self.by_reference: dict[str, list[int]] = {}
        # charge id → (payer id, outstanding) as it stood before this file: the file's own
        # credits are written together at the end.
        self.owed: dict[int, tuple[int, int]] = {}
        for charge_id, payer_id, reference, amount, paid in (
                Charge.objects.filter(gmina=gmina, cancelled_at__isnull=True)
                .exclude(reference="")
                .annotate(paid=Coalesce(Sum("allocations__amount"), Value(0)))
                .values_list("pk", "payer_id", "reference", "amount", "paid")):
            self.by_reference.setdefault(reference.upper(), []).append(charge_id)
            self.owed[charge_id] = (payer_id, amount - paid)
        self._decision_charges: dict[int, list[int]] = {}
        if any(decision_id for _payer, decision_id in self.accounts.values()):
            for charge_id, decision_id in (Charge.objects.filter(
                    gmina=gmina, decision__isnull=False).values_list("pk", "decision_id")):
                self._decision_charges.setdefault(decision_id, []).append(charge_id)
        # A charge matched by its title once is not offered to a second line of the file.
        self._taken: set[int] = set()

    def decision_charges(self, decision_id: int) -> list[int]:
        return self._decision_charges.get(decision_id, [])

    def match(self, line: ParsedLine):
        """(payer id, picked charge ids, matched_by, target account) or None."""
        for account in line.target_accounts:
            found = self.accounts.get(account)
            if found is not None:
                payer_id, decision_id = found
                picked = self.decision_charges(decision_id) if decision_id else []
                return payer_id, picked, StatementLine.MatchedBy.ACCOUNT, account
        candidates = set()
        for token in TOKEN.split(line.title.upper()):
            candidates.update(self.by_reference.get(token.strip(".:/"), ()))
        exact = [pk for pk in candidates - self._taken if self.owed[pk][1] == line.amount]
        if len(exact) == 1:
            self._taken.add(exact[0])
            return self.owed[exact[0]][0], exact, StatementLine.MatchedBy.TITLE, ""
        return None


def _known_references(gmina: Gmina, references: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(references), REFERENCE_CHUNK):
        chunk = references[start:start + REFERENCE_CHUNK]
        known.update(StatementLine.objects.filter(gmina=gmina, bank_reference__in=chunk)
                     .values_list("bank_reference", flat=True))
    return known


def _received_at(line: ParsedLine, memo: dict | None = None) -> datetime:
    """Noon of the booking day, Warsaw time (a statement has few distinct days: `memo`
    keeps each one made once)."""
    if memo is not None and line.booked_on in memo:
        return memo[line.booked_on]
    at = timezone.make_aware(datetime.combine(line.booked_on, time(12, 0)))
    if memo is not None:
        memo[line.booked_on] = at
    return at


@transaction.atomic
def statement_import(*, gmina: Gmina, data: bytes, file_name: str = "",
                     actor=None) -> ImportResult:
    digest = hashlib.sha256(data).hexdigest()
    existing = BankStatement.objects.filter(gmina=gmina, sha256=digest).first()
    if existing is not None:
        return ImportResult(existing, False, already_known=existing.lines_total)
    try:
        parsed = statement_parse(data)
    except StatementFormatError as error:
        raise ValidationError({"file": str(error)}) from None
    statement = BankStatement.objects.create(
        gmina=gmina, format=parsed.format, account=parsed.account[:34],
        statement_id=parsed.statement_id[:100], sha256=digest, file_name=file_name[:200],
        imported_by=actor)
    references = [line.bank_reference or f"{parsed.statement_id}:{line.number}"
                  for line in parsed.lines]
    known = _known_references(gmina, references)
    matcher = _Matcher(gmina)
    # One tuple per line in the order of LINE_FIELDS (a model instance per line would be
    # most of the import's time); the payment id is filled in once the payments exist.
    rows: list[list] = []
    counts = {"matched": 0, "unmatched": 0, "ignored": 0, "already_known": 0}
    seen: set[str] = set()
    credits: list[tuple[list, Incoming]] = []
    noon: dict = {}
    for line, reference in zip(parsed.lines, references, strict=True):
        if reference in known or reference in seen:
            counts["already_known"] += 1
            continue
        seen.add(reference)
        row = [gmina.pk, statement.pk, line.number, line.booked_on, line.amount, line.currency,
               reference[:120], line.title[:500], line.counterparty[:300],
               line.counterparty_account[:34],
               (line.target_accounts[0] if line.target_accounts else "")[:34],
               StatementLine.Status.UNMATCHED, "", None, None]
        rows.append(row)
        if line.amount <= 0 or line.currency != "PLN":
            if line.amount <= 0:
                row[_STATUS] = StatementLine.Status.IGNORED
            counts["ignored" if line.amount <= 0 else "unmatched"] += 1
            continue
        found = matcher.match(line)
        if found is None:
            counts["unmatched"] += 1
            continue
        payer_id, picked, matched_by, target = found
        row[_STATUS], row[_MATCHED_BY], row[_PAYER] = (StatementLine.Status.MATCHED,
                                                       matched_by, payer_id)
        if target:
            row[_TARGET] = target
        credits.append((row, Incoming(
            payer_id=payer_id, amount=line.amount, reference=f"bank:{reference}",
            title=line.title, received_at=_received_at(line, noon), charge_ids=tuple(picked))))
        counts["matched"] += 1
    recorded = payments_record_many_ids(gmina=gmina, method=Payment.Method.BANK,
                                        incoming=[item for _row, item in credits])
    for row, item in credits:
        row[_PAYMENT] = recorded[item.reference][0]
    insert_rows(StatementLine, LINE_FIELDS, rows)
    statement.lines_total = len(rows)
    statement.lines_matched = counts["matched"]
    statement.save(update_fields=["lines_total", "lines_matched"])
    return ImportResult(statement, True, **counts)


@transaction.atomic
def statement_line_assign(*, gmina: Gmina, line_id: int, payer_id: int, actor,
                          charge_ids: list[int] | None = None) -> StatementLine:
    """A clerk says whose money an unmatched line is; it is then credited like any other."""
    line = StatementLine.objects.select_for_update().filter(gmina=gmina, pk=line_id).first()
    if line is None:
        raise ValidationError({"line": _("No such statement line.")})
    if line.status != StatementLine.Status.UNMATCHED:
        raise ValidationError({"line": _("This line is not waiting for a clerk.")})
    if line.amount <= 0 or line.currency != "PLN":
        raise ValidationError({"line": _("Only a transfer in złoty into our account can be "
                                         "credited.")})
    if not Payer.objects.filter(gmina=gmina, pk=payer_id).exists():
        raise ValidationError({"payer": _("No such payer in this town.")})
    recorded = payment_record(
        gmina=gmina, payer_id=payer_id, amount=line.amount, method=Payment.Method.BANK,
        reference=f"bank:{line.bank_reference}", title=line.title,
        received_at=timezone.make_aware(datetime.combine(line.booked_on, time(12, 0))),
        charge_ids=charge_ids)
    line.status, line.matched_by = StatementLine.Status.MATCHED, StatementLine.MatchedBy.CLERK
    line.payer_id, line.payment = payer_id, recorded.payment
    line.save(update_fields=["status", "matched_by", "payer", "payment"])
    return line
