"""Tax decisions and their instalments (ustawa o podatkach i opłatach lokalnych).

Persons (art. 6 ust. 7): four instalments by 15 March, 15 May, 15 September and 15 November;
a tax of at most 100 zł is paid at once by the first date (art. 6 ust. 11a). When the decision
is delivered after a date has passed, what fell due before is due 14 days after delivery.
Firms (legal persons, art. 6 ust. 9): monthly by the 15th, January by the 31st.
A date on a Saturday, Sunday or public holiday moves to the next working day (Ordynacja
podatkowa art. 12 §5), by podkowa/core/calendar.py.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from podkowa.core.calendar import next_working_day
from podkowa.core.models import Gmina
from podkowa.payments.models import ChargeSource, Payer, TaxDecision
from podkowa.payments.services.accounts import individual_account_ensure
from podkowa.payments.services.ledger import charge_create, payer_taxpayer_pesel_set

PERSON_DATES = ((3, 15), (5, 15), (9, 15), (11, 15))
AT_ONCE_LIMIT = 100_00  # grosze: 100 zł
DAYS_AFTER_DELIVERY = 14


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    amount: int


def _split(amount: int, parts: int) -> list[int]:
    # The first instalment carries the grosze that do not divide evenly.
    base, rest = divmod(amount, parts)
    return [base + rest] + [base] * (parts - 1)


def instalment_schedule(*, year: int, amount: int, firm: bool = False,
                        delivered_on: date | None = None) -> list[Instalment]:
    if amount <= 0:
        return []
    if firm:
        nominal = [date(year, 1, 31)] + [date(year, month, 15) for month in range(2, 13)]
    else:
        nominal = [date(year, m, d) for m, d in PERSON_DATES]
        if amount <= AT_ONCE_LIMIT:
            nominal = nominal[:1]
    amounts = _split(amount, len(nominal))
    if delivered_on is not None:
        late = delivered_on + timedelta(days=DAYS_AFTER_DELIVERY)
        merged_amount = sum(a for d, a in zip(nominal, amounts, strict=True) if d < late)
        kept = [(d, a) for d, a in zip(nominal, amounts, strict=True) if d >= late]
        pairs = ([(late, merged_amount)] if merged_amount else []) + kept
    else:
        pairs = list(zip(nominal, amounts, strict=True))
    return [Instalment(number=i, due_date=next_working_day(d), amount=a)
            for i, (d, a) in enumerate(pairs, start=1)]


@transaction.atomic
def tax_decision_issue(*, gmina: Gmina, payer: Payer, source: ChargeSource, number: str,
                       year: int, amount: int, issued_on: date,
                       delivered_on: date | None = None, actor=None,
                       pesel: str = "") -> TaxDecision:
    """A decision and its instalments as charges (and its own account number when the town
    numbers per decision). `pesel`: the taxpayer's, for a person — kept on the payer, since
    the tax obligation (and the upomnienie that may follow) names the person by it."""
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Give the decision number.")})
    if not source.is_tax or source.gmina_id != gmina.pk:
        raise ValidationError({"source": _("Choose one of the town's taxes.")})
    if payer.gmina_id != gmina.pk:
        raise ValidationError({"payer": _("The payer belongs to another town.")})
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount": _("The amount must be a positive number of grosze.")})
    if not 2000 <= year <= 2200:
        raise ValidationError({"year": _("Give a tax year.")})
    if TaxDecision.objects.filter(gmina=gmina, number=number).exists():
        raise ValidationError({"number": _("A decision with this number already exists.")})
    if pesel:
        payer_taxpayer_pesel_set(gmina=gmina, payer=payer, pesel=pesel)
    decision = TaxDecision.objects.create(gmina=gmina, payer=payer, source=source,
                                          number=number, year=year, amount=amount,
                                          issued_on=issued_on)
    schedule = instalment_schedule(year=year, amount=amount,
                                   firm=payer.kind == Payer.Kind.FIRM,
                                   delivered_on=delivered_on)
    for part in schedule:
        # Stored in the office's language: the title is printed on notices and statements.
        with translation.override(settings.LANGUAGE_CODE):
            title = (_("%(tax)s %(year)s") if len(schedule) == 1
                     else _("%(tax)s %(year)s, instalment %(number)s")) % {
                "tax": source.name, "year": year, "number": part.number}
        charge_create(gmina=gmina, payer_id=payer.pk, source=source, title=title,
                      amount=part.amount, due_date=part.due_date, reference=number,
                      decision=decision, instalment=part.number, actor=actor)
    individual_account_ensure(gmina=gmina, payer=payer, decision=decision)
    return decision
