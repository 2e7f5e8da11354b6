"""The ledger: payers, charges, payments and their allocation, every grosz accounted for.

Each write locks the payer's row first, so that two payments of one payer (a notification
and a bank statement, say) are allocated one after the other, never both against the same
outstanding amount. Entries are appended, never changed: cancelling a charge appends a
reversal, and the allocations it had are undone by negative allocations.

Allocation: the charges the payer picked first (an online payment names them), then the
rest of the payer's open charges, oldest due date first. What is left over is an
overpayment: it stays on the payer's account and pays their next charge. A charge paid off
is reported to its app in the same transaction (podkowa/payments/paid.py).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.accounts.models import ResidentProfile, VerificationLevel
from podkowa.core.models import Gmina
from podkowa.payments.models import (
    Allocation,
    Charge,
    ChargeSource,
    LedgerEntry,
    Payer,
    Payment,
    ReceiptCounter,
    TaxDecision,
)
from podkowa.payments.paid import charges_paid

MAX_AMOUNT = 10_000_000_000  # 100 million zł in grosze: far above any local charge


def _sum(queryset, field: str = "amount") -> int:
    return queryset.aggregate(total=Sum(field))["total"] or 0


def charge_outstanding(charge: Charge) -> int:
    if charge.cancelled_at is not None:
        return 0
    # By the charge alone: with the town in the filter too, SQLite may walk the (huge) gmina
    # index instead of the charge's.
    return charge.amount - _sum(Allocation.objects.filter(charge_id=charge.pk))


def payment_unallocated(payment: Payment) -> int:
    return payment.amount - _sum(Allocation.objects.filter(payment_id=payment.pk))


def _lock_payer(gmina: Gmina, payer_id: int) -> Payer:
    payer = Payer.objects.select_for_update().filter(gmina=gmina, pk=payer_id).first()
    if payer is None:
        raise ValidationError({"payer": _("No such payer in this town.")})
    return payer


def _check_amount(amount: int, field: str = "amount") -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError({field: _("The amount must be a positive number of grosze.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})


@transaction.atomic
def payer_create(*, gmina: Gmina, name: str, kind: str = Payer.Kind.PERSON, nip: str = "",
                 address: str = "", email: str = "", user=None, pesel: str = "") -> Payer:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the payer's name.")})
    if kind not in Payer.Kind.values:
        raise ValidationError({"kind": _("Choose a person or a firm.")})
    if nip:
        from stdnum.pl import nip as nip_number

        if not nip_number.is_valid(nip):
            raise ValidationError({"nip": _("This NIP is not valid.")})
        nip = nip_number.compact(nip)
    if user is not None:
        _check_verified(gmina, user)
    digest = ""
    if pesel:
        from podkowa.core.identifiers import pesel_hmac

        try:
            digest = pesel_hmac(pesel)
        except ValidationError as error:
            raise ValidationError({"pesel": error.messages}) from None
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a clash
            return Payer.objects.create(gmina=gmina, name=name, kind=kind, nip=nip,
                                        address=address, email=email, user=user,
                                        pesel_hmac=digest)
    except IntegrityError:
        if user is None:
            raise
        # Two requests made the account's payer at once (payer_once_per_account): the
        # other one's is the payer, and the insert waited for it to commit.
        return Payer.objects.get(gmina=gmina, user=user)


@transaction.atomic
def payer_taxpayer_pesel_set(*, gmina: Gmina, payer: Payer, pesel: str) -> Payer:
    """Keep a taxpayer's PESEL (see Payer.pesel for why only theirs). It must be the same
    person's as the keyed hash the payer may already carry."""
    from podkowa.core.identifiers import clean_pesel, pesel_hmac

    if payer.gmina_id != gmina.pk:
        raise ValidationError({"payer": _("The payer belongs to another town.")})
    if payer.kind != Payer.Kind.PERSON:
        raise ValidationError({"pesel": _("Only a person has a PESEL; a firm is named by "
                                          "its NIP.")})
    try:
        digits = clean_pesel(pesel)
    except ValidationError as error:
        raise ValidationError({"pesel": error.messages}) from None
    digest = pesel_hmac(digits)
    if payer.pesel_hmac and payer.pesel_hmac != digest:
        raise ValidationError({"pesel": _("This PESEL is not the one the payer record was "
                                          "created with.")})
    payer.pesel, payer.pesel_hmac = digits, digest
    payer.save(update_fields=["pesel", "pesel_hmac"])
    return payer


@transaction.atomic
def payer_link_verified(*, gmina: Gmina, user) -> Payer | None:
    """Link the account to the payer record with the same person's PESEL, once the account's
    identity is verified (the verification ledger holds the same keyed hash). Idempotent;
    None when there is nothing to link."""
    from podkowa.accounts.models import PersonIdentity

    if not getattr(user, "is_authenticated", False):
        return None
    identity = PersonIdentity.objects.filter(user=user).first()
    profile = ResidentProfile.objects.filter(gmina=gmina, user=user).first()
    if (identity is None or profile is None
            or profile.verification_level < VerificationLevel.IDENTITY_VERIFIED
            or Payer.objects.filter(gmina=gmina, user=user).exists()):
        return None
    payer = (Payer.objects.select_for_update()
             .filter(gmina=gmina, pesel_hmac=identity.pesel_hmac, user__isnull=True)
             .order_by("pk").first())
    if payer is None:
        return None
    payer.user = user
    payer.save(update_fields=["user"])
    return payer


def _check_verified(gmina: Gmina, user) -> None:
    """Charges carry a person's taxes: an account sees them only once its identity is known."""
    profile = ResidentProfile.objects.filter(gmina=gmina, user=user).first()
    if profile is None or profile.verification_level < VerificationLevel.IDENTITY_VERIFIED:
        raise ValidationError({"user": _(
            "Only an account whose identity has been verified can be linked to a payer.")})


@transaction.atomic
def payer_link_account(*, gmina: Gmina, payer_id: int, user) -> Payer:
    payer = _lock_payer(gmina, payer_id)
    _check_verified(gmina, user)
    if payer.user_id not in (None, user.pk):
        raise ValidationError({"user": _("This payer is already linked to another account.")})
    if Payer.objects.filter(gmina=gmina, user=user).exclude(pk=payer.pk).exists():
        raise ValidationError({"user": _("This account is already linked to another payer.")})
    payer.user = user
    payer.save(update_fields=["user"])
    return payer


@transaction.atomic
def charge_create(*, gmina: Gmina, payer_id: int, source: ChargeSource, title: str,
                  amount: int, due_date: date, reference: str = "",
                  decision: TaxDecision | None = None, instalment: int | None = None,
                  external_id: str = "", actor=None) -> Charge:
    """A new charge and its ledger entry; an overpayment the payer holds pays it at once."""
    payer = _lock_payer(gmina, payer_id)
    _check_amount(amount)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the charge a title.")})
    if source.gmina_id != gmina.pk:
        raise ValidationError({"source": _("The charge source belongs to another town.")})
    if not isinstance(due_date, date):
        raise ValidationError({"due_date": _("Give the due date.")})
    if external_id and Charge.objects.filter(gmina=gmina, external_id=external_id).exists():
        raise ValidationError({"external_id": _("A charge with this id already exists.")})
    charge = Charge.objects.create(
        gmina=gmina, payer=payer, source=source, title=title[:200], amount=amount,
        due_date=due_date, reference=reference, decision=decision, instalment=instalment,
        external_id=external_id,
    )
    LedgerEntry.objects.create(gmina=gmina, payer=payer, kind=LedgerEntry.Kind.CHARGE,
                               amount=amount, charge=charge, created_by=actor)
    _apply_credit(gmina, payer)
    return charge


@transaction.atomic
def charge_cancel(*, gmina: Gmina, charge_id: int, actor, note: str = "") -> Charge:
    """Take a charge back: its allocations return to their payments (and pay other charges),
    its entry is reversed. The charge itself stays, marked cancelled."""
    charge = Charge.objects.filter(gmina=gmina, pk=charge_id).first()
    if charge is None:
        raise ValidationError({"charge": _("No such charge.")})
    payer = _lock_payer(gmina, charge.payer_id)
    charge = Charge.objects.select_for_update().get(gmina=gmina, pk=charge_id)
    if charge.cancelled_at is not None:
        raise ValidationError({"charge": _("The charge is already cancelled.")})
    for row in (Allocation.objects.filter(gmina=gmina, charge=charge).values("payment_id")
                .annotate(total=Sum("amount")).filter(total__gt=0)):
        Allocation.objects.create(gmina=gmina, payment_id=row["payment_id"], charge=charge,
                                  amount=-row["total"])
    entry = LedgerEntry.objects.get(gmina=gmina, charge=charge, kind=LedgerEntry.Kind.CHARGE)
    LedgerEntry.objects.create(gmina=gmina, payer=payer, kind=LedgerEntry.Kind.REVERSAL,
                               amount=-entry.amount, charge=charge, reverses=entry,
                               note=note[:200], created_by=actor)
    charge.cancelled_at = timezone.now()
    charge.save(update_fields=["cancelled_at"])
    _apply_credit(gmina, payer)
    return charge


def _next_receipt_number(gmina: Gmina, year: int) -> str:
    return _reserve_receipt_numbers(gmina, year, 1)[0]


def _reserve_receipt_numbers(gmina: Gmina, year: int, count: int) -> list[str]:
    """`count` consecutive receipt numbers of the year; the counter's row lock makes
    concurrent payments wait their turn, so no number is given twice."""
    for _attempt in range(3):
        counter = ReceiptCounter.objects.select_for_update().filter(gmina=gmina,
                                                                    year=year).first()
        if counter is not None:
            break
        try:
            with transaction.atomic():
                ReceiptCounter.objects.create(gmina=gmina, year=year)
        except IntegrityError:
            pass  # another payment created this year's counter first
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"WP/{year}/{n:06d}" for n in range(first, counter.last + 1)]


def _open_charges(gmina: Gmina, payer: Payer):
    """The payer's charges not cancelled, oldest due first, each with `allocated` (one query
    for all, not one per charge: a statement credits thousands of payers in a row)."""
    return (Charge.objects.filter(gmina=gmina, payer=payer, cancelled_at__isnull=True)
            .annotate(allocated=Coalesce(Sum("allocations__amount"), Value(0)))
            .order_by("due_date", "id"))


def _allocate(gmina: Gmina, payment: Payment, charges, left: int, sink=None,
              paid: list | None = None) -> int:
    """Apply up to `left` of the payment to `charges` in their order; returns what is left.
    The allocations are saved one by one, or handed to `sink` to be saved in bulk. Charges
    this payment pays off are added to `paid` as (charge, payment), for `charges_paid`."""
    for charge in charges:
        if left <= 0:
            break
        owed = charge.amount - charge.allocated
        if owed <= 0:
            continue
        part = min(owed, left)
        allocation = Allocation(gmina=gmina, payment=payment, charge=charge, amount=part)
        if sink is None:
            allocation.save()
        else:
            sink(allocation)
        charge.allocated += part
        left -= part
        if paid is not None and charge.allocated >= charge.amount:
            paid.append((charge, payment))
    return left


def _apply_credit(gmina: Gmina, payer: Payer) -> None:
    """Overpayments (unallocated money) pay the oldest open charges. Called with the payer
    locked."""
    payments = Payment.objects.filter(gmina=gmina, payer=payer).order_by("received_at", "id")
    charges = list(_open_charges(gmina, payer))
    if not charges:
        return
    paid: list = []
    for payment in payments:
        left = payment_unallocated(payment)
        if left > 0:
            _allocate(gmina, payment, charges, left, paid=paid)
    charges_paid(gmina=gmina, paid=paid)


@dataclass(frozen=True)
class Recorded:
    payment: Payment
    created: bool


@transaction.atomic
def payment_record(*, gmina: Gmina, payer_id: int, amount: int, method: str, reference: str,
                   title: str = "", received_at: datetime | None = None,
                   charge_ids: list[int] | None = None) -> Recorded:
    """Money received. The same (method, reference) a second time changes nothing and
    returns the payment recorded the first time: the unique constraint decides, whoever
    races."""
    payer = _lock_payer(gmina, payer_id)
    _check_amount(amount)
    if method not in Payment.Method.values:
        raise ValidationError({"method": _("Unknown payment method.")})
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("A payment needs its reference.")})
    existing = Payment.objects.filter(gmina=gmina, method=method, reference=reference).first()
    if existing is not None:
        return Recorded(existing, False)
    received_at = received_at or timezone.now()
    year = timezone.localtime(received_at).year
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                gmina=gmina, payer=payer, amount=amount, method=method, reference=reference,
                number=_next_receipt_number(gmina, year), title=title[:200],
                received_at=received_at,
            )
    except IntegrityError:
        existing = Payment.objects.filter(gmina=gmina, method=method,
                                          reference=reference).first()
        if existing is None:
            raise
        return Recorded(existing, False)
    LedgerEntry.objects.create(gmina=gmina, payer=payer, kind=LedgerEntry.Kind.PAYMENT,
                               amount=-amount, payment=payment, at=received_at)
    open_charges = list(_open_charges(gmina, payer))
    left = amount
    paid: list = []
    if charge_ids:
        wanted = set(charge_ids)
        left = _allocate(gmina, payment, [c for c in open_charges if c.pk in wanted], left,
                         paid=paid)
    if left > 0:
        _allocate(gmina, payment, open_charges, left, paid=paid)
    charges_paid(gmina=gmina, paid=paid)
    return Recorded(payment, True)


@dataclass(frozen=True)
class Incoming:
    payer_id: int
    amount: int
    reference: str
    title: str = ""
    received_at: datetime | None = None
    charge_ids: tuple[int, ...] = ()


CHUNK = 900  # below SQLite's limit of variables in one query


def _chunks(values: list) -> list[list]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


@transaction.atomic
def payments_record_many(*, gmina: Gmina, method: str, incoming: list[Incoming]
                         ) -> list[Recorded]:
    """`payment_record` for a whole bank statement: the same rules (a reference credits once,
    picked charges first, then oldest due first, the rest an overpayment), in a few queries
    per thousand payments instead of a dozen per payment. The payers' rows are locked first,
    as `payment_record` does, so a notification crediting one of them meanwhile waits."""
    ids = payments_record_many_ids(gmina=gmina, method=method, incoming=incoming)
    payments = {}
    for chunk in _chunks(sorted({pk for pk, _created in ids.values()})):
        payments.update(Payment.objects.in_bulk(chunk))
    return [Recorded(payments[ids[item.reference][0]], ids[item.reference][1])
            for item in incoming]


def payments_record_many_ids(*, gmina: Gmina, method: str, incoming: list[Incoming]
                             ) -> dict[str, tuple[int, bool]]:
    """The work of `payments_record_many`, without a model instance per row: payments,
    their ledger entries and allocations go in as multi-row INSERTs of plain values (the
    statement import writes a row of each per transfer). Returns reference → (payment id,
    created now). Call it inside a transaction."""
    from podkowa.payments.services.bulk import insert_rows

    if method not in Payment.Method.values:
        raise ValidationError({"method": _("Unknown payment method.")})
    for item in incoming:
        _check_amount(item.amount)
        if not item.reference.strip():
            raise ValidationError({"reference": _("A payment needs its reference.")})
    out: dict[str, tuple[int, bool]] = {}
    for chunk in _chunks(sorted({item.reference for item in incoming})):
        out.update((reference, (pk, False)) for reference, pk in Payment.objects.filter(
            gmina=gmina, method=method, reference__in=chunk).values_list("reference", "pk"))
    payer_ids = sorted({item.payer_id for item in incoming})
    found = set()
    for chunk in _chunks(payer_ids):
        found.update(Payer.objects.select_for_update().filter(gmina=gmina, pk__in=chunk)
                     .values_list("pk", flat=True))
    if len(found) != len(payer_ids):
        raise ValidationError({"payer": _("No such payer in this town.")})
    now = timezone.now()
    new = list({item.reference: item for item in incoming
                if item.reference not in out}.values())
    if not new:
        return out
    by_year: dict[int, list[Incoming]] = {}
    year_of: dict[datetime, int] = {}  # a statement's transfers share a few booking days
    for item in new:
        at = item.received_at or now
        if at not in year_of:
            year_of[at] = timezone.localtime(at).year
        by_year.setdefault(year_of[at], []).append(item)
    numbered: list[tuple[Incoming, str]] = []
    for year, items in sorted(by_year.items()):
        numbers = _reserve_receipt_numbers(gmina, year, len(items))
        numbered += list(zip(items, numbers, strict=True))
    made = insert_rows(
        Payment, ["gmina", "payer", "amount", "method", "reference", "number", "title",
                  "received_at"],
        [(gmina.pk, item.payer_id, item.amount, method, item.reference, number,
          item.title[:200], item.received_at or now) for item, number in numbered],
        returning=("reference", "id"))
    payment_id = dict(made)
    insert_rows(
        LedgerEntry, ["gmina", "payer", "kind", "amount", "payment", "note", "at"],
        [(gmina.pk, item.payer_id, LedgerEntry.Kind.PAYMENT, -item.amount,
          payment_id[item.reference], "", item.received_at or now) for item, _n in numbered])
    # Each payer's open charges, oldest due first, as [id, amount, allocated] (one query per
    # thousand payers, not a model per charge).
    charges_of: dict[int, list[list[int]]] = {}
    for chunk in _chunks(sorted({item.payer_id for item in new})):
        for pk, payer_id, amount, allocated, source_id in (
                Charge.objects.filter(gmina=gmina, payer_id__in=chunk,
                                      cancelled_at__isnull=True)
                .annotate(allocated=Coalesce(Sum("allocations__amount"), Value(0)))
                .order_by("due_date", "id").values_list("pk", "payer_id", "amount",
                                                        "allocated", "source_id")):
            charges_of.setdefault(payer_id, []).append([pk, amount, allocated, source_id])
    allocations: list[tuple] = []
    paid_off: list[tuple[int, int, int]] = []  # (charge id, source id, payment id)

    def allocate(pk: int, at, charges: list[list[int]], left: int) -> int:
        for charge in charges:
            if left <= 0:
                break
            owed = charge[1] - charge[2]
            if owed <= 0:
                continue
            part = min(owed, left)
            allocations.append((gmina.pk, pk, charge[0], part, at))
            charge[2] += part
            left -= part
            if charge[2] >= charge[1]:
                paid_off.append((charge[0], charge[3], pk))
        return left

    # In the order of `payment_record` one by one: by time received, then receipt number.
    for item, _number in sorted(numbered, key=lambda pair: (pair[0].received_at or now,
                                                           pair[1])):
        open_charges = charges_of.get(item.payer_id, [])
        pk, at = payment_id[item.reference], now
        left = item.amount
        if item.charge_ids:
            wanted = set(item.charge_ids)
            left = allocate(pk, at, [c for c in open_charges if c[0] in wanted], left)
        if left > 0:
            allocate(pk, at, open_charges, left)
    insert_rows(Allocation, ["gmina", "payment", "charge", "amount", "at"], allocations)
    _report_paid_off(gmina, paid_off)
    out.update((reference, (pk, True)) for reference, pk in made)
    return out


def _report_paid_off(gmina: Gmina, paid_off: list[tuple[int, int, int]]) -> None:
    """`charges_paid` for the bulk path: model instances are made only for the charges of
    a kind some app listens to (a statement pays off thousands of water and waste charges
    nobody watches)."""
    from podkowa.payments import paid as paid_hook

    watched = paid_hook.watched_kinds()
    if not paid_off or not watched:
        return
    sources = {pk for pk, kind in ChargeSource.objects.filter(
        gmina=gmina, pk__in={source for _c, source, _p in paid_off}).values_list("pk", "kind")
        if kind in watched}
    wanted = [(charge, payment) for charge, source, payment in paid_off if source in sources]
    if not wanted:
        return
    charges = Charge.objects.in_bulk([c for c, _p in wanted])
    payments = Payment.objects.in_bulk([p for _c, p in wanted])
    charges_paid(gmina=gmina, paid=[(charges[c], payments[p]) for c, p in wanted])
