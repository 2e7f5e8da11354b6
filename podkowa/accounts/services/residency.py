"""Residence in the town: a person declares it; the town's policy says how it is confirmed.

"Resident" in law is whoever lives in the gmina intending to stay (KC art. 25); meldunek is
not decisive. Per town (ResidencyPolicy): an official confirms at the desk, or the declaration
is matched against a register the office imports (kept only as keyed hashes), or the
declaration alone is enough. Confirmation needs a verified identity: one person, one vote.
"""

import csv
import datetime as dt
import hashlib
import hmac
import io
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.accounts.models import (
    IdentityConflict,
    PersonIdentity,
    ResidencyDeclaration,
    ResidencyPolicy,
    ResidencyRegisterEntry,
    ResidentProfile,
    VerificationEvent,
    VerificationLevel,
)
from podkowa.accounts.rules import can_verify_at_desk
from podkowa.core.identifiers import clean_pesel, pesel_hmac
from podkowa.core.models import Gmina

POSTAL_CODE = re.compile(r"^\d{2}-\d{3}$")


def address_hmac(*, street: str, postal_code: str) -> str:
    """Keyed hash of an address, written the way people write it ("ul. Lipowa 3" = "Lipowa 3")."""
    text = " ".join(street.lower().replace(".", " ").replace(",", " ").split())
    text = re.sub(r"^(ul|al|aleja|ulica|pl|plac)\s+", "", text)
    key = settings.PESEL_HMAC_KEY.encode()
    return hmac.new(key, f"address:{postal_code.strip()}|{text}".encode(),
                    hashlib.sha256).hexdigest()


def residency_mode(*, gmina: Gmina) -> str:
    policy = ResidencyPolicy.objects.filter(gmina=gmina).first()
    return policy.mode if policy else ResidencyPolicy.Mode.DESK


def _confirm(*, gmina, declaration, how: str, official=None) -> None:
    declaration.status = ResidencyDeclaration.Status.CONFIRMED
    declaration.confirmed_by = how
    declaration.confirmed_at = timezone.now()
    declaration.official = official
    declaration.save(update_fields=["status", "confirmed_by", "confirmed_at", "official"])
    profile, _created = ResidentProfile.objects.get_or_create(gmina=gmina, user=declaration.user)
    if profile.verification_level < VerificationLevel.VERIFIED_RESIDENT:
        profile.verification_level = VerificationLevel.VERIFIED_RESIDENT
        profile.save(update_fields=["verification_level"])
        identity = PersonIdentity.objects.filter(user=declaration.user).first()
        VerificationEvent.objects.create(
            gmina=gmina, user=declaration.user,
            method={ResidencyPolicy.Mode.DESK: VerificationEvent.Method.DESK,
                    ResidencyPolicy.Mode.REGISTER: VerificationEvent.Method.REGISTER,
                    }.get(how, VerificationEvent.Method.DECLARATION),
            outcome=VerificationEvent.Outcome.GRANTED,
            level=VerificationLevel.VERIFIED_RESIDENT,
            pesel_hmac=identity.pesel_hmac if identity else "", official=official,
            document=_("residence: %(how)s") % {"how": declaration.get_confirmed_by_display()},
        )


def _match(*, gmina, declaration) -> None:
    """In register mode: confirm on a match, raise a conflict on a contradiction."""
    identity = PersonIdentity.objects.filter(user=declaration.user).first()
    if identity is None:
        return
    entry = ResidencyRegisterEntry.objects.filter(gmina=gmina,
                                                  pesel_hmac=identity.pesel_hmac).first()
    if entry is None:
        return  # not in the register: the desk decides
    if entry.address_hmac == address_hmac(street=declaration.street,
                                          postal_code=declaration.postal_code):
        _confirm(gmina=gmina, declaration=declaration, how=ResidencyPolicy.Mode.REGISTER)
    else:
        declaration.status = ResidencyDeclaration.Status.CONFLICT
        declaration.save(update_fields=["status"])
        IdentityConflict.objects.create(
            gmina=gmina, kind=IdentityConflict.Kind.REGISTER_MISMATCH, user=declaration.user,
            method=VerificationEvent.Method.REGISTER,
        )


@transaction.atomic
def residency_declare(
    *, gmina: Gmina, user, street: str, postal_code: str, city: str, since: dt.date
) -> ResidencyDeclaration:
    """Record the declaration (replacing an earlier one) and confirm it as the town's policy
    allows. Raises ValidationError naming the field."""
    errors = {}
    street, city, postal_code = " ".join(street.split()), " ".join(city.split()), \
        postal_code.strip()
    if not street:
        errors["street"] = _("Give the street and the house number.")
    if not POSTAL_CODE.match(postal_code):
        errors["postal_code"] = _("A postal code looks like 05-807.")
    if not city:
        errors["city"] = _("Give the town.")
    if since > timezone.localdate():
        errors["since"] = _("The date you moved in cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    ResidencyDeclaration.objects.filter(gmina=gmina, user=user).exclude(
        status=ResidencyDeclaration.Status.WITHDRAWN
    ).update(status=ResidencyDeclaration.Status.WITHDRAWN)
    declaration = ResidencyDeclaration.objects.create(
        gmina=gmina, user=user, street=street, postal_code=postal_code, city=city, since=since)
    verified = ResidentProfile.objects.filter(
        gmina=gmina, user=user, verification_level__gte=VerificationLevel.IDENTITY_VERIFIED
    ).exists()
    mode = residency_mode(gmina=gmina)
    if verified and mode == ResidencyPolicy.Mode.DECLARATION:
        _confirm(gmina=gmina, declaration=declaration, how=mode)
    elif verified and mode == ResidencyPolicy.Mode.REGISTER:
        _match(gmina=gmina, declaration=declaration)
    return declaration


@transaction.atomic
def residency_confirm_at_desk(*, gmina: Gmina, official, declaration_id: int):
    if not can_verify_at_desk.test(official, gmina):
        raise PermissionDenied(_("Only the resident desk may confirm residence."))
    declaration = ResidencyDeclaration.objects.select_for_update().get(
        gmina=gmina, pk=declaration_id)
    if declaration.status == ResidencyDeclaration.Status.WITHDRAWN:
        raise ValidationError(_("This declaration was replaced by a newer one."))
    if not PersonIdentity.objects.filter(user=declaration.user).exists():
        raise ValidationError(_(
            "Verify the person's identity first (login.gov.pl or the desk check)."))
    if declaration.status != ResidencyDeclaration.Status.CONFIRMED:
        _confirm(gmina=gmina, declaration=declaration, how=ResidencyPolicy.Mode.DESK,
                 official=official)
    return declaration


@transaction.atomic
def residency_register_import(*, gmina: Gmina, official, data: bytes) -> int:
    """Replace the town's register with a CSV (PESEL;street;postal code[;…]), keeping only
    keyed hashes. A bad row is refused with its number and nothing is written. Pending
    declarations are matched again. Returns the number of entries."""
    if not can_verify_at_desk.test(official, gmina):
        raise PermissionDenied(_("Only the resident desk may import the register."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file must be UTF-8 text (CSV).")) from None
    # Excel in Polish writes ";" (the comma is the decimal separator); others write ",".
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line or "," not in first_line else ","
    entries, seen = [], set()
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if not any(cell.strip() for cell in row):
            continue
        if number == 1 and row and not row[0].strip().isdigit():
            continue  # a header
        if len(row) < 3:
            raise ValidationError(_("Row %(row)d: expected PESEL, street and postal code.")
                                  % {"row": number})
        try:
            digest = pesel_hmac(clean_pesel(row[0]))
        except ValidationError as error:
            raise ValidationError(_("Row %(row)d: %(error)s")
                                  % {"row": number, "error": " ".join(error.messages)}) from None
        if not POSTAL_CODE.match(row[2].strip()):
            raise ValidationError(_("Row %(row)d: a postal code looks like 05-807.")
                                  % {"row": number})
        if digest in seen:
            raise ValidationError(_("Row %(row)d: this person is already listed above.")
                                  % {"row": number})
        seen.add(digest)
        entries.append(ResidencyRegisterEntry(
            gmina=gmina, pesel_hmac=digest,
            address_hmac=address_hmac(street=row[1], postal_code=row[2])))
    ResidencyRegisterEntry.objects.filter(gmina=gmina).delete()
    ResidencyRegisterEntry.objects.bulk_create(entries)
    if residency_mode(gmina=gmina) == ResidencyPolicy.Mode.REGISTER:
        for declaration in ResidencyDeclaration.objects.filter(
                gmina=gmina, status=ResidencyDeclaration.Status.PENDING).select_related("user"):
            _match(gmina=gmina, declaration=declaration)
    return len(entries)


RESIDENT_CARD = re.compile(r"^[A-Z0-9/-]{3,30}$")


@transaction.atomic
def resident_card_record(*, gmina: Gmina, official, user, number: str):
    """The office issued a resident card: its number becomes a verified attribute."""
    from podkowa.accounts.models import VerifiedAttribute

    if not can_verify_at_desk.test(official, gmina):
        raise PermissionDenied(_("Only the resident desk may record resident cards."))
    number = "".join(number.split()).upper()
    if not RESIDENT_CARD.match(number):
        raise ValidationError({"number": _(
            "A card number has 3 to 30 letters, digits, dashes or slashes.")})
    if not ResidentProfile.objects.filter(
            gmina=gmina, user=user,
            verification_level__gte=VerificationLevel.VERIFIED_RESIDENT).exists():
        raise ValidationError(_("A resident card is issued to a verified resident only."))
    attribute, _created = VerifiedAttribute.objects.update_or_create(
        user=user, kind=VerifiedAttribute.Kind.RESIDENT_CARD,
        defaults={"value": number, "source": VerifiedAttribute.Source.DESK,
                  "verified_at": timezone.now()},
    )
    return attribute
