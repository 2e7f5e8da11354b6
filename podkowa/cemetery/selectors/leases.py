"""Reading leases: the cemetery's fee table, a grave's prolongations with the state of their
charges, the prolongations waiting for payment (an office's list: audited, it names holders).
"""

from dataclasses import dataclass

from podkowa.cemetery.models import Cemetery, Grave, GraveKind, LeaseFee, LeaseProlongation
from podkowa.core.models import AuditLogEntry, Gmina


@dataclass(frozen=True)
class FeeRow:
    kind: str
    label: str
    amount_grosze: int | None

    @property
    def as_input(self) -> str:
        if self.amount_grosze is None:
            return ""
        return f"{self.amount_grosze // 100},{self.amount_grosze % 100:02d}"


def lease_fee_table(*, gmina: Gmina, cemetery: Cemetery) -> list[FeeRow]:
    """Every grave type with its 20-year fee (None where none is set)."""
    fees = dict(LeaseFee.objects.filter(gmina=gmina, cemetery=cemetery)
                .values_list("kind", "amount_grosze"))
    return [FeeRow(kind, label, fees.get(kind)) for kind, label in GraveKind.choices]


def lease_fee_for(*, gmina: Gmina, grave: Grave) -> int | None:
    return (LeaseFee.objects.filter(gmina=gmina, cemetery_id=grave.cemetery_id, kind=grave.kind)
            .values_list("amount_grosze", flat=True).first())


def _with_outstanding(prolongations: list[LeaseProlongation]) -> list[LeaseProlongation]:
    from podkowa.payments.services.ledger import charge_outstanding

    for item in prolongations:
        item.outstanding = charge_outstanding(item.charge)
        item.is_waiting = (item.status == LeaseProlongation.Status.PENDING
                           and item.charge.cancelled_at is None)
    return prolongations


def pending_prolongation(*, gmina: Gmina, grave: Grave) -> LeaseProlongation | None:
    """The prolongation of the grave waiting for its payment (its charge not cancelled), with
    `outstanding` grosze."""
    found = (LeaseProlongation.objects.filter(
        gmina=gmina, grave=grave, status=LeaseProlongation.Status.PENDING,
        charge__cancelled_at__isnull=True).select_related("charge__payer", "holder").first())
    return _with_outstanding([found])[0] if found else None


def grave_prolongations(*, gmina: Gmina, grave: Grave, limit: int = 10
                        ) -> list[LeaseProlongation]:
    """The grave's prolongations, newest first, each with `outstanding` and `is_waiting`."""
    return _with_outstanding(list(
        LeaseProlongation.objects.filter(gmina=gmina, grave=grave)
        .select_related("charge__payer", "holder", "lease_payment")[:limit]))


def waiting_prolongations(*, gmina: Gmina, cemetery: Cemetery, actor, request=None,
                          limit: int = 200) -> list[LeaseProlongation]:
    """The cemetery's prolongations waiting for payment, oldest first. The list names the
    holders, so the official's read is audited (one entry for the list)."""
    rows = _with_outstanding(list(
        LeaseProlongation.objects.filter(gmina=gmina, grave__cemetery=cemetery,
                                         status=LeaseProlongation.Status.PENDING,
                                         charge__cancelled_at__isnull=True)
        .select_related("charge", "holder", "grave__quarter", "grave__row")
        .order_by("requested_at", "pk")[:limit]))
    if rows:
        AuditLogEntry.objects.create(
            gmina=gmina, actor=actor, actor_label=actor.email, subject=None, subject_label="",
            action=AuditLogEntry.Action.LIST, what="cemetery: grave lease prolongations",
            object_ref=f"cemetery.cemetery:{cemetery.pk}",
            path=(request.get_full_path()[:500] if request is not None else ""))
    return rows
