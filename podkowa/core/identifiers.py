"""Polish identifiers: validate with python-stdnum, never trust; hash PESELs with a key."""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.pl import nip, pesel, regon


def clean_pesel(value: str) -> str:
    """Return the 11 digits of a valid PESEL or raise a translated ValidationError."""
    digits = "".join(ch for ch in str(value) if not ch.isspace())
    try:
        return pesel.validate(digits)
    except (InvalidFormat, InvalidLength):
        raise ValidationError(_("A PESEL has exactly 11 digits."), code="pesel_format") from None
    except InvalidChecksum:
        raise ValidationError(
            _("This PESEL's check digit is wrong — please check the number."),
            code="pesel_checksum",
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("This PESEL encodes a date of birth that does not exist."), code="pesel_date"
        ) from None


def pesel_hmac(value: str) -> str:
    """Keyed hash of a PESEL: a de-duplication key that cannot be brute-forced without the key.

    An unkeyed hash of an 11-digit number with a known structure is reversed in minutes.
    """
    digits = clean_pesel(value)
    key = settings.PESEL_HMAC_KEY.encode()
    return hmac.new(key, b"pesel:" + digits.encode(), hashlib.sha256).hexdigest()


def clean_nip(value: str) -> str:
    try:
        return nip.validate(value)
    except Exception:  # every stdnum ValidationError subclass means the same to a person
        raise ValidationError(_("This is not a valid NIP."), code="nip") from None


def clean_regon(value: str) -> str:
    try:
        return regon.validate(value)
    except Exception:
        raise ValidationError(_("This is not a valid REGON."), code="regon") from None


def clean_polish_account(value: str) -> str:
    """Return an NRB (26 digits) from an NRB or a PL IBAN, or raise."""
    compact = iban.compact(value)
    if compact.isdigit():
        compact = "PL" + compact
    try:
        iban.validate(compact)
    except Exception:
        raise ValidationError(_("This is not a valid bank account number."), code="nrb") from None
    if not compact.startswith("PL"):
        raise ValidationError(_("Only Polish bank accounts are accepted."), code="nrb_country")
    return compact[2:]


def validate_teryt_gmina(value: str) -> None:
    """TERC code of a gmina: 2 digits voivodeship, 2 powiat, 2 gmina, 1 type (1–5)."""
    if len(value) != 7 or not value.isdigit() or value[6] not in "12345":
        raise ValidationError(
            _("A gmina's TERYT code has 7 digits, the last one the gmina type (1–5)."),
            code="teryt",
        )
