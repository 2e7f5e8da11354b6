"""Water and the waste fee: schedules and bills from the town's own configuration.

Waste fee: the council's resolution (ucpg art. 6l) sets the due dates, kept per town in
PaymentSettings.waste_fee_due_dates; a declared monthly fee is spread over them in equal
shares of the year. A due date on a day off moves to the next working day (Ordynacja
podatkowa art. 12 §5 applies to the fee).

Water: the payer enters a meter reading in the panel; with a price per m³ set, the
consumption since the previous reading becomes a charge due after the town's number of days.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from podkowa.core.calendar import next_working_day
from podkowa.core.models import Gmina
from podkowa.payments.models import (
    ChargeSource,
    MeterReading,
    Payer,
    SourceKind,
    WaterMeter,
)
from podkowa.payments.services.accounts import payment_settings_for
from podkowa.payments.services.ledger import charge_create

MAX_LITRES = 10**12


def waste_due_dates(*, gmina: Gmina, year: int) -> list[date]:
    config = payment_settings_for(gmina=gmina).waste_fee_due_dates or []
    dates = []
    for value in config:
        try:
            month, day = (int(part) for part in str(value).split("-"))
            dates.append(date(year, month, day))
        except (TypeError, ValueError):
            raise ValidationError({"waste_fee_due_dates": _(
                'The waste fee due dates must be days of the year as "MM-DD".')}) from None
    if not dates or 12 % len(dates):
        raise ValidationError({"waste_fee_due_dates": _(
            "Set 1, 2, 3, 4, 6 or 12 waste fee due dates for the town first.")})
    return sorted(dates)


@transaction.atomic
def waste_fee_charges_issue(*, gmina: Gmina, payer: Payer, year: int, monthly_amount: int,
                            declaration: str, actor=None) -> list:
    """The year's waste fee of one declaration, one charge per configured due date."""
    if not isinstance(monthly_amount, int) or monthly_amount <= 0:
        raise ValidationError({"monthly_amount": _(
            "The amount must be a positive number of grosze.")})
    source = ChargeSource.objects.filter(gmina=gmina, kind=SourceKind.WASTE,
                                         is_active=True).first()
    if source is None:
        raise ValidationError({"source": _("The town has no waste fee charge source.")})
    dates = waste_due_dates(gmina=gmina, year=year)
    months = 12 // len(dates)
    charges = []
    for number, due in enumerate(dates, start=1):
        with translation.override(settings.LANGUAGE_CODE):
            title = _("%(source)s %(year)s, period %(number)s of %(count)s") % {
                "source": source.name, "year": year, "number": number, "count": len(dates)}
        charges.append(charge_create(
            gmina=gmina, payer_id=payer.pk, source=source, title=title,
            amount=monthly_amount * months, due_date=next_working_day(due),
            reference=declaration, external_id=f"waste:{declaration}:{year}:{number}",
            actor=actor))
    return charges


def _litres(value) -> int:
    try:
        cubic = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        raise ValidationError({"value": _("Give the reading in m³, e.g. 123,456.")}) from None
    litres = cubic * 1000
    if cubic < 0 or litres != litres.to_integral_value() or litres > MAX_LITRES:
        raise ValidationError({"value": _("Give the reading in m³ with at most three "
                                          "decimals, e.g. 123,456.")})
    return int(litres)


@transaction.atomic
def meter_reading_submit(*, gmina: Gmina, user, meter_id: int, value, read_on: date,
                         channel: str) -> MeterReading:
    meter = (WaterMeter.objects.select_for_update()
             .filter(gmina=gmina, pk=meter_id, is_active=True, payer__user=user)
             .select_related("payer").first())
    if meter is None:
        raise ValidationError({"meter": _("This is not one of your water meters.")})
    litres = _litres(value)
    previous = (MeterReading.objects.filter(gmina=gmina, meter=meter, read_on__lt=read_on)
                .order_by("-read_on").first())
    if previous is not None and litres < previous.litres:
        raise ValidationError({"value": _(
            "The reading is lower than the previous one (%(previous)s m³ on %(day)s).") % {
                "previous": f"{previous.litres / 1000:.3f}".replace(".", ","),
                "day": previous.read_on.strftime("%d.%m.%Y")}})
    try:
        with transaction.atomic():
            reading = MeterReading.objects.create(gmina=gmina, meter=meter, read_on=read_on,
                                                  litres=litres, entered_by=user,
                                                  channel=channel)
    except IntegrityError:
        raise ValidationError({"value": _("A reading of this meter was already entered "
                                          "today.")}) from None
    config = payment_settings_for(gmina=gmina)
    used = litres - previous.litres if previous is not None else 0
    source = ChargeSource.objects.filter(gmina=gmina, kind=SourceKind.WATER,
                                         is_active=True).first()
    if previous is not None and used > 0 and config.water_price_per_m3 and source:
        amount = (used * config.water_price_per_m3 + 500) // 1000  # to the nearest grosz
        with translation.override(settings.LANGUAGE_CODE):
            title = _("%(source)s, %(used)s m³ (%(start)s–%(end)s)") % {
                "source": source.name, "used": f"{used / 1000:.3f}".replace(".", ","),
                "start": previous.read_on.strftime("%d.%m.%Y"),
                "end": read_on.strftime("%d.%m.%Y")}
        if amount > 0:
            reading.charge = charge_create(
                gmina=gmina, payer_id=meter.payer_id, source=source, title=title,
                amount=amount, reference=meter.serial,
                due_date=next_working_day(read_on + timedelta(days=config.water_bill_days)))
            reading.save(update_fields=["charge"])
    return reading
