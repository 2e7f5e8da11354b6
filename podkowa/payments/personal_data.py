"""The payments app's exporter and shredder of a person's data (registered at start-up)."""

from django.utils.translation import gettext_lazy as _

from podkowa.core.personal_data import PersonalDataHandler, register

RETENTION = _(
    "Charges, tax decisions, payments and their receipts are accounting and tax records: "
    "the office keeps them for five years from the end of the year in which the tax or fee "
    "fell due (Ordynacja podatkowa art. 70, the accounting act art. 74) and cannot erase them "
    "on request. Erasing the account unlinks it from the payer record; the payer's name and "
    "address stay in the ledger for that period, and so does a taxpayer's PESEL while a tax "
    "decision of theirs is within it; after that the PESEL is erased."
)


def _when(value):
    return value.isoformat() if value else None


def export(*, gmina, user) -> dict:
    from podkowa.payments.selectors import charge_rows, payers_for_user, payments_for

    result = []
    for payer in payers_for_user(gmina=gmina, user=user):
        result.append({
            "name": payer.name,
            "address": payer.address,
            "nip": payer.nip,
            "pesel": payer.pesel,
            "charges": [
                {"title": c.title, "amount_grosze": c.amount, "due_date": _when(c.due_date),
                 "reference": c.reference, "outstanding_grosze": c.outstanding,
                 "cancelled": _when(c.cancelled_at)}
                for c in charge_rows(gmina=gmina, payer=payer)
            ],
            "payments": [
                {"number": p.number, "amount_grosze": p.amount, "received": _when(p.received_at),
                 "method": p.get_method_display(), "title": p.title}
                for p in payments_for(gmina=gmina, payer=payer)
            ],
            "waste_declarations": [
                {"number": d.number, "address": d.address,
                 "monthly_amount_grosze": d.monthly_amount, "valid_from": _when(d.valid_from),
                 "valid_to": _when(d.valid_to)}
                for d in payer.waste_declarations.order_by("valid_from")
            ],
            "water_meters": [
                {"meter": m.serial, "address": m.address,
                 "readings": [{"read_on": _when(r.read_on), "m3": r.litres / 1000}
                              for r in m.readings.order_by("read_on")]}
                for m in payer.meters.all()
            ],
        })
    return {"payers": result}


RETENTION_YEARS = 5


def shred(*, gmina, user) -> None:
    """The ledger is kept (see RETENTION); the link to the account is cut, and a PESEL no
    tax decision within the retention period needs any more is erased."""
    from django.utils import timezone

    from podkowa.payments.models import Payer, TaxDecision

    oldest_kept = timezone.localdate().year - RETENTION_YEARS
    for payer in Payer.objects.filter(gmina=gmina, user=user):
        payer.user = None
        fields = ["user"]
        if payer.pesel and not TaxDecision.objects.filter(
                gmina=gmina, payer=payer, year__gte=oldest_kept).exists():
            payer.pesel = ""
            fields.append("pesel")
        payer.save(update_fields=fields)


register(PersonalDataHandler(name="payments", export=export, shred=shred, retention=RETENTION))
