"""Issuing a period's charges for the whole town (or one payer): the waste fee of every
declaration in force, and the water bills of readings not yet billed.

The finance official first sees a plan (how many charges, their total) and then confirms
it; the confirmation is one transaction, and it is refused if the plan changed meanwhile.
Each charge carries an external id made of what it is for (the declaration and the period,
the meter and the reading), so issuing the same period again adds only what is missing —
and two officials confirming at once cannot both charge: the unique external id decides.

Waste fee periods: the town's resolution (ucpg art. 6l) sets the due dates, kept per town
in PaymentSettings.waste_fee_due_dates; n dates split the year into n periods of 12/n
months, period k paid by the k-th date (moved to the next working day). A declaration pays
its monthly fee for each month of the period it is in force in.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from podkowa.core.calendar import next_working_day
from podkowa.core.models import Gmina
from podkowa.payments.models import (
    Charge,
    ChargeSource,
    MeterReading,
    Payer,
    SourceKind,
    WasteDeclaration,
    WaterMeter,
)
from podkowa.payments.services.accounts import payment_settings_for
from podkowa.payments.services.ledger import charge_create
from podkowa.payments.services.water_waste import waste_due_dates


@dataclass(frozen=True)
class Period:
    year: int
    number: int
    count: int
    start: date
    end: date
    due_date: date


@dataclass(frozen=True)
class Planned:
    payer_id: int
    payer_name: str
    title: str
    amount: int
    due_date: date
    reference: str
    external_id: str
    reading_id: int | None = None


@dataclass
class Plan:
    kind: str
    description: str
    new: list[Planned] = field(default_factory=list)
    already_issued: int = 0

    @property
    def count(self) -> int:
        return len(self.new)

    @property
    def total(self) -> int:
        return sum(item.amount for item in self.new)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def waste_periods(*, gmina: Gmina, year: int) -> list[Period]:
    dates = waste_due_dates(gmina=gmina, year=year)
    months = 12 // len(dates)
    return [Period(year=year, number=k, count=len(dates),
                   start=date(year, (k - 1) * months + 1, 1),
                   end=_month_end(year, k * months),
                   due_date=next_working_day(due))
            for k, due in enumerate(dates, start=1)]


def _waste_source(gmina: Gmina) -> ChargeSource:
    source = ChargeSource.objects.filter(gmina=gmina, kind=SourceKind.WASTE,
                                         is_active=True).order_by("pk").first()
    if source is None:
        raise ValidationError({"kind": _("The town has no waste fee charge source.")})
    return source


def _payer_filter(gmina: Gmina, payer_id: int | None) -> Q:
    if payer_id is None:
        return Q()
    if not Payer.objects.filter(gmina=gmina, pk=payer_id).exists():
        raise ValidationError({"payer": _("No such payer in this town.")})
    return Q(payer_id=payer_id)


def waste_fee_plan(*, gmina: Gmina, year: int, period: int,
                   payer_id: int | None = None) -> Plan:
    periods = waste_periods(gmina=gmina, year=year)
    if not 1 <= period <= len(periods):
        raise ValidationError({"period": _("Choose a period from 1 to %(count)s.")
                               % {"count": len(periods)}})
    chosen = periods[period - 1]
    source = _waste_source(gmina)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(source)s %(year)s, period %(number)s of %(count)s") % {
            "source": source.name, "year": year, "number": chosen.number,
            "count": chosen.count}
        description = _("Waste fee, %(year)s, period %(number)s of %(count)s "
                        "(%(start)s–%(end)s), due %(due)s") % {
            "year": year, "number": chosen.number, "count": chosen.count,
            "start": chosen.start.strftime("%d.%m.%Y"), "end": chosen.end.strftime("%d.%m.%Y"),
            "due": chosen.due_date.strftime("%d.%m.%Y")}
    declarations = (WasteDeclaration.objects
                    .filter(_payer_filter(gmina, payer_id), gmina=gmina,
                            valid_from__lte=chosen.end)
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=chosen.start))
                    .select_related("payer").order_by("payer__name", "number"))
    plan = Plan(kind="waste", description=description)
    wanted = {}
    for declaration in declarations:
        months = 0
        for month in range(chosen.start.month, chosen.end.month + 1):
            first, last = date(year, month, 1), _month_end(year, month)
            if declaration.valid_from <= last and (declaration.valid_to is None
                                                   or declaration.valid_to >= first):
                months += 1
        if months:
            wanted[f"waste:{declaration.number}:{year}:{chosen.number}"] = (declaration, months)
    issued = set(Charge.objects.filter(gmina=gmina, external_id__in=list(wanted))
                 .values_list("external_id", flat=True))
    for external_id, (declaration, months) in wanted.items():
        if external_id in issued:
            plan.already_issued += 1
            continue
        plan.new.append(Planned(
            payer_id=declaration.payer_id, payer_name=declaration.payer.name, title=title,
            amount=declaration.monthly_amount * months, due_date=chosen.due_date,
            reference=declaration.number, external_id=external_id))
    return plan


def water_bills_plan(*, gmina: Gmina, until: date, payer_id: int | None = None) -> Plan:
    """For each meter, the consumption from its last billed reading (or its first reading)
    to its last reading on or before `until`, at the town's price per m³."""
    config = payment_settings_for(gmina=gmina)
    if not config.water_price_per_m3:
        raise ValidationError({"kind": _("Set the town's water price per m³ first.")})
    source = ChargeSource.objects.filter(gmina=gmina, kind=SourceKind.WATER,
                                         is_active=True).order_by("pk").first()
    if source is None:
        raise ValidationError({"kind": _("The town has no water charge source.")})
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Water and sewage: readings up to %(day)s not billed yet") % {
            "day": until.strftime("%d.%m.%Y")}
    plan = Plan(kind="water", description=description)
    meters = (WaterMeter.objects.filter(_payer_filter(gmina, payer_id), gmina=gmina,
                                        is_active=True).select_related("payer")
              .order_by("payer__name", "serial"))
    readings: dict[int, list[MeterReading]] = {}
    for reading in (MeterReading.objects.filter(gmina=gmina, meter__in=meters,
                                                read_on__lte=until)
                    .order_by("meter_id", "read_on")):
        readings.setdefault(reading.meter_id, []).append(reading)
    for meter in meters:
        rows = readings.get(meter.pk, [])
        billed = [r for r in rows if r.charge_id]
        base = billed[-1] if billed else (rows[0] if rows else None)
        if base is None or rows[-1].read_on <= base.read_on:
            continue
        last = rows[-1]
        used = last.litres - base.litres
        amount = (used * config.water_price_per_m3 + 500) // 1000  # to the nearest grosz
        if amount <= 0:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            title = _("%(source)s, %(used)s m³ (%(start)s–%(end)s)") % {
                "source": source.name, "used": f"{used / 1000:.3f}".replace(".", ","),
                "start": base.read_on.strftime("%d.%m.%Y"),
                "end": last.read_on.strftime("%d.%m.%Y")}
        plan.new.append(Planned(
            payer_id=meter.payer_id, payer_name=meter.payer.name, title=title, amount=amount,
            due_date=next_working_day(last.read_on + timedelta(days=config.water_bill_days)),
            reference=meter.serial, external_id=f"water:{meter.serial}:{last.read_on}",
            reading_id=last.pk))
    return plan


@transaction.atomic
def waste_fee_period_issue(*, gmina: Gmina, year: int, period: int, payer_id: int | None,
                           expected_count: int, expected_total: int, actor) -> Plan:
    """Issue the period's waste fee charges the official previewed (`expected_*`)."""
    plan = waste_fee_plan(gmina=gmina, year=year, period=period, payer_id=payer_id)
    return _issue(gmina=gmina, plan=plan, expected_count=expected_count,
                  expected_total=expected_total, actor=actor)


@transaction.atomic
def water_bills_issue(*, gmina: Gmina, until: date, payer_id: int | None,
                      expected_count: int, expected_total: int, actor) -> Plan:
    """Issue the water bills the official previewed (`expected_*`)."""
    plan = water_bills_plan(gmina=gmina, until=until, payer_id=payer_id)
    return _issue(gmina=gmina, plan=plan, expected_count=expected_count,
                  expected_total=expected_total, actor=actor)


def _issue(*, gmina: Gmina, plan: Plan, expected_count: int, expected_total: int,
           actor) -> Plan:
    """Write the charges of a plan made inside the caller's transaction, all or none.
    `expected_*` are what the official saw and confirmed: if the plan differs now (someone
    issued or changed something meanwhile), nothing is written and they look again."""
    if plan.count != expected_count or plan.total != expected_total:
        raise ValidationError({"plan": _(
            "The charges to issue changed since the preview (now %(count)s for %(total)s "
            "grosze); check the preview again.") % {"count": plan.count,
                                                    "total": plan.total}})
    if not plan.new:
        raise ValidationError({"plan": _("There is nothing to issue: every charge of this "
                                         "period has been issued already.")})
    sources = {kind: ChargeSource.objects.filter(gmina=gmina, kind=kind, is_active=True)
               .order_by("pk").first() for kind in (SourceKind.WASTE, SourceKind.WATER)}
    source = sources[SourceKind.WASTE if plan.kind == "waste" else SourceKind.WATER]
    try:
        with transaction.atomic():
            for item in plan.new:
                charge = charge_create(
                    gmina=gmina, payer_id=item.payer_id, source=source, title=item.title,
                    amount=item.amount, due_date=item.due_date, reference=item.reference,
                    external_id=item.external_id, actor=actor)
                if item.reading_id is not None:
                    MeterReading.objects.filter(gmina=gmina, pk=item.reading_id,
                                                charge__isnull=True).update(charge=charge)
    except (IntegrityError, ValidationError) as error:
        if isinstance(error, ValidationError) and "external_id" not in getattr(
                error, "error_dict", {}):
            raise
        raise ValidationError({"plan": _(
            "Someone issued some of these charges a moment ago; check the preview "
            "again.")}) from None
    return plan
