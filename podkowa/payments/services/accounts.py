"""Individual account numbers (NRB) and the payment QR code of Polish banks.

An NRB is 2 check digits, the bank's 8-digit settlement number and a 16-digit account part.
The account part here is the town's prefix, one digit saying what the number belongs to
(1 payer, 2 decision) and that row's id, zero-padded: unique by construction, and a bank
statement line names its payer without anyone reading the title.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum import iban

from podkowa.core.models import Gmina
from podkowa.payments.models import (
    AccountMode,
    IndividualAccount,
    Payer,
    PaymentSettings,
    TaxDecision,
)

OWNER_PAYER = "1"
OWNER_DECISION = "2"


def nrb_check_digits(bban: str) -> str:
    """98 − (BBAN + "PL00" as digits) mod 97, the ISO 13616 rule for Polish accounts."""
    return f"{98 - int(bban + '252100') % 97:02d}"


def nrb_build(*, settlement_number: str, account_part: str) -> str:
    bban = settlement_number + account_part
    if len(settlement_number) != 8 or len(account_part) != 16 or not bban.isdigit():
        raise ValidationError(_("An account number needs an 8-digit settlement number and a "
                                "16-digit account part."))
    number = nrb_check_digits(bban) + bban
    # The independent check: python-stdnum's IBAN validation of what we built.
    iban.validate("PL" + number)
    return number


def nrb_is_valid(number: str) -> bool:
    digits = number.replace(" ", "").removeprefix("PL")
    return len(digits) == 26 and digits.isdigit() and iban.is_valid("PL" + digits)


def individual_account_part(*, gmina: Gmina, owner: str, object_id: int) -> str:
    prefix = gmina.individual_account_prefix or ""
    width = 16 - len(prefix) - 1
    if len(str(object_id)) > width:
        raise ValidationError(_("The individual account prefix leaves no room for more "
                                "account numbers; shorten it."))
    return f"{prefix}{owner}{object_id:0{width}d}"


def payment_settings_for(*, gmina: Gmina) -> PaymentSettings:
    found = PaymentSettings.objects.filter(gmina=gmina).first()
    return found or PaymentSettings(gmina=gmina)


def _ensure(*, gmina: Gmina, payer: Payer, decision: TaxDecision | None) -> IndividualAccount:
    lookup = {"gmina": gmina, "payer": payer, "decision": decision}
    found = IndividualAccount.objects.filter(**lookup).first()
    if found is not None:
        return found
    if not gmina.bank_settlement_number:
        raise ValidationError({"bank_settlement_number": _(
            "The town has no bank settlement number: set it in the town's settings first.")})
    owner, object_id = (OWNER_DECISION, decision.pk) if decision else (OWNER_PAYER, payer.pk)
    number = nrb_build(settlement_number=gmina.bank_settlement_number,
                       account_part=individual_account_part(gmina=gmina, owner=owner,
                                                            object_id=object_id))
    try:
        with transaction.atomic():
            return IndividualAccount.objects.create(number=number, **lookup)
    except IntegrityError:
        # Someone else created it a moment ago: the constraint decided, use theirs.
        return IndividualAccount.objects.get(**lookup)


@transaction.atomic
def individual_account_ensure(*, gmina: Gmina, payer: Payer,
                              decision: TaxDecision | None = None) -> IndividualAccount | None:
    """The number this payer (or, when the town numbers per decision, this decision) pays
    into; None while the town has no bank settlement number."""
    if not gmina.bank_settlement_number:
        return None
    settings = payment_settings_for(gmina=gmina)
    if decision is not None and settings.account_mode == AccountMode.PER_DECISION:
        return _ensure(gmina=gmina, payer=payer, decision=decision)
    return _ensure(gmina=gmina, payer=payer, decision=None)
