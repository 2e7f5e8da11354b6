"""Telling the app a charge belongs to that it has been paid in full.

A charge often stands for something another app gives once it is paid: a grave kept another
20 years, a ticket. That app registers a handler for its charge-source kind, once, in its
AppConfig.ready():

    from podkowa.payments.paid import on_charge_paid
    on_charge_paid(SourceKind.CEMETERY, lease_charge_paid)

The ledger calls `handler(gmina=…, charge=…, payment=…)` inside the transaction whose
allocation brought the charge's outstanding amount to zero (a payment, a bank statement, an
overpayment used by a new charge): the app's effect commits or rolls back with the money. It
is called once per charge — a replayed notification or the same transfer twice allocates
nothing, and money paid on an already paid charge goes elsewhere — but a handler should still
check its own state under a row lock, so that it stays correct whatever calls it.

A handler runs with the payer's row locked: it may lock its own rows after that, never ask
the ledger for another payer.
"""

from collections.abc import Callable

from podkowa.core.models import Gmina

Handler = Callable[..., None]
_HANDLERS: dict[str, list[Handler]] = {}


def on_charge_paid(kind: str, handler: Handler) -> None:
    """Call `handler` for every charge of a source of `kind` once it is paid in full."""
    handlers = _HANDLERS.setdefault(str(kind), [])
    if handler not in handlers:
        handlers.append(handler)


def watched_kinds() -> set[str]:
    """The charge-source kinds some app listens to (a bulk path skips the others' charges)."""
    return {kind for kind, handlers in _HANDLERS.items() if handlers}


def charges_paid(*, gmina: Gmina, paid: list) -> None:
    """Called by the ledger with the (charge, payment) pairs its allocations just completed."""
    if not paid or not _HANDLERS:
        return
    from podkowa.payments.models import ChargeSource

    kinds = dict(ChargeSource.objects.filter(
        gmina=gmina, pk__in={charge.source_id for charge, _payment in paid})
        .values_list("pk", "kind"))
    for charge, payment in paid:
        for handler in _HANDLERS.get(kinds.get(charge.source_id, ""), ()):
            handler(gmina=gmina, charge=charge, payment=payment)
