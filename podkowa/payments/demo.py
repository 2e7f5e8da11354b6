"""The demo town's payments (idempotent: a second run changes nothing).

Jan Kowalski (verified at the desk) is a payer with water bills, the waste fee and a property
tax decision; part of it is already paid by bank transfer so that the history and the
receipts have something to show. Names and titles are the town's own data, in Polish.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from podkowa.accounts.models import Channel, User
from podkowa.core.models import Gmina
from podkowa.payments.models import (
    ChargeSource,
    GatewayKind,
    LombardRate,
    Payer,
    Payment,
    PaymentSettings,
    SourceKind,
    TaxDecision,
    WasteDeclaration,
    WaterMeter,
)
from podkowa.payments.services.accounts import individual_account_ensure
from podkowa.payments.services.ledger import (
    charge_create,
    payer_create,
    payer_link_account,
    payment_record,
)
from podkowa.payments.services.taxes import tax_decision_issue
from podkowa.payments.services.water_waste import meter_reading_submit

# The demo resident's PESEL (as load_demo verifies him with): only its keyed hash is kept.
DEMO_PESEL = "44051401359"

SOURCES = [
    ("woda", "Woda i ścieki", SourceKind.WATER),
    ("odpady", "Opłata za gospodarowanie odpadami", SourceKind.WASTE),
    ("podatek-od-nieruchomosci", "Podatek od nieruchomości", SourceKind.PROPERTY_TAX),
    ("podatek-rolny", "Podatek rolny", SourceKind.AGRICULTURAL_TAX),
    ("podatek-lesny", "Podatek leśny", SourceKind.FOREST_TAX),
    ("najem", "Najem lokali użytkowych", SourceKind.RENT),
    ("bilety", "Bilety na wydarzenia", SourceKind.TICKET),
    ("inne", "Inne należności", SourceKind.OTHER),
]


# The NBP lombard rate as the interest table needs it (dated configuration: the rate on tax
# arrears is 200 % of it + 2 points, at least 8 %, from the day it changes). Each date is
# the day the Monetary Policy Council's resolution took effect (the day after its
# decision), as NBP's communiqués reported them:
#   6.25 % from 5.10.2023 (→ 14.5 % interest);
#   5.75 % from 8.05.2025 (→ 13.5 %; businessinsider.com.pl, bs.limanowa.pl, May 2025);
#   5.50 % from 3.07.2025 (→ 13.0 %; biznes.wprost.pl, 3.12.2025, list of the 2025 cuts);
#   5.25 % from 4.09.2025 (→ 12.5 %; same list);
#   5.00 % from 9.10.2025 (→ 12.0 %; fakt.pl, 8.10.2025: "wejdą w życie 9 października");
#   4.75 % from 6.11.2025 (→ 11.5 %; resolution of 5.11.2025, newsfin.pl);
#   4.50 % from 4.12.2025 (→ 11.0 %; biznes.wprost.pl: "wchodzi w życie 4 grudnia 2025");
#   unchanged in February 2026 (dorzeczy.pl, 4.02.2026);
#   4.25 % from 5.03.2026 (→ 10.5 %; nowiny.press, bsbrodnica.pl: "od dnia 5 marca 2026").
# Changes after March 2026 could not be confirmed here: check nbp.pl and add them (the
# finance department's "NBP lombard rates" in the administration) before relying on
# interest for later days.
LOMBARD_RATES = [
    (date(2023, 10, 5), Decimal("6.25")),
    (date(2025, 5, 8), Decimal("5.75")),
    (date(2025, 7, 3), Decimal("5.50")),
    (date(2025, 9, 4), Decimal("5.25")),
    (date(2025, 10, 9), Decimal("5.00")),
    (date(2025, 11, 6), Decimal("4.75")),
    (date(2025, 12, 4), Decimal("4.50")),
    (date(2026, 3, 5), Decimal("4.25")),
]


@transaction.atomic
def load_payments_demo(gmina: Gmina) -> None:
    PaymentSettings.objects.get_or_create(gmina=gmina, defaults={
        "gateway": GatewayKind.SANDBOX, "recipient_name": "UM Podkowa Leśna",
        # Demo values, not the town's resolution or tariff (neither could be confirmed
        # here). Podkowa Leśna bills the waste fee by the water a property uses (a rate per
        # m³ declared in the "deklaracja", less 0.60 zł per m³ for composting, capped by
        # ucpg art. 6j; archiwum.podkowalesna.pl/srodowisko/deklaracje): the declaration's
        # monthly amount below stands for that result. Set the dates and the water price
        # from the council's resolution and the tariff before using real data.
        "waste_fee_due_dates": ["03-15", "05-15", "09-15", "11-15"],
        "water_price_per_m3": 1_250})
    for valid_from, percent in LOMBARD_RATES:
        LombardRate.objects.get_or_create(valid_from=valid_from, defaults={"percent": percent})
    sources = {}
    for code, name, kind in SOURCES:
        sources[kind], _created = ChargeSource.objects.get_or_create(
            gmina=gmina, code=code, defaults={"name": name, "kind": kind})
    user = User.objects.filter(email="jan.kowalski@podkowa.test").first()
    if user is None:
        return
    payer = Payer.objects.filter(gmina=gmina, user=user).first()
    if payer is None:
        payer = payer_create(gmina=gmina, name="Jan Kowalski",
                             address="ul. Lilpopa 10, 05-807 Podkowa Leśna", email=user.email,
                             pesel=DEMO_PESEL)
        payer = payer_link_account(gmina=gmina, payer_id=payer.pk, user=user)
    individual_account_ensure(gmina=gmina, payer=payer)

    today = timezone.localdate()
    year = today.year
    water = [
        (f"demo-woda-{year}-a", f"Woda i ścieki, odczyt 08–09/{year}", 7_920,
         date(year, 10, 15)),
        (f"demo-woda-{year}-b", f"Woda i ścieki, odczyt 10–11/{year}", 8_450,
         max(today + timedelta(days=10), date(year, 12, 15))),
    ]
    for external_id, title, amount, due in water:
        _charge(gmina, payer, sources[SourceKind.WATER], external_id, title, amount, due,
                reference=f"FW/{year}/{external_id[-1].upper()}/0412")
    waste = [(f"demo-odpady-{year}-q3", f"Opłata za odpady, III kwartał {year}", 13_200,
              date(year, 9, 15)),
             (f"demo-odpady-{year}-q4", f"Opłata za odpady, IV kwartał {year}", 13_200,
              max(today + timedelta(days=5), date(year, 11, 15)))]
    for external_id, title, amount, due in waste:
        _charge(gmina, payer, sources[SourceKind.WASTE], external_id, title, amount, due,
                reference=f"DO.6845.{year}.0412")
    number = f"FN.3120.412.{year}"
    if not TaxDecision.objects.filter(gmina=gmina, number=number).exists():
        tax_decision_issue(gmina=gmina, payer=payer, source=sources[SourceKind.PROPERTY_TAX],
                           number=number, year=year, amount=84_200,
                           issued_on=date(year, 2, 10))
    # His declaration: the finance department issues each period's waste fee from it
    # (administration → charges → "Issue charges for a period"). A demo value.
    WasteDeclaration.objects.get_or_create(gmina=gmina, number="DO.6845.0412", defaults={
        "payer": payer, "address": payer.address, "monthly_amount": 4_400,
        "valid_from": date(2020, 1, 1)})
    meter, _created = WaterMeter.objects.get_or_create(
        gmina=gmina, serial="WM-0412", defaults={"payer": payer, "address": payer.address})
    if not meter.readings.exists():
        meter_reading_submit(gmina=gmina, user=user, meter_id=meter.pk, value="412,300",
                             read_on=date(year, 10, 1), channel=Channel.WEB)
    # The summer's bank transfer: paid the third quarter's waste fee and the first water bill.
    payment_record(gmina=gmina, payer_id=payer.pk, amount=13_200 + 7_920,
                   method=Payment.Method.BANK, reference=f"demo-przelew-{year}-09",
                   title="Opłata za odpady III kw., woda 08-09",
                   charge_ids=list(payer.charges.filter(external_id__in=[
                       f"demo-odpady-{year}-q3", f"demo-woda-{year}-a"]).values_list(
                           "pk", flat=True)))


def _charge(gmina, payer, source, external_id, title, amount, due, reference=""):
    if payer.charges.filter(external_id=external_id).exists():
        return
    charge_create(gmina=gmina, payer_id=payer.pk, source=source, title=title, amount=amount,
                  due_date=due, reference=reference, external_id=external_id)
