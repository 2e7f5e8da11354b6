"""Acting for a firm or another person: asked by the resident, confirmed by the desk after it
saw the authorisation document, chosen in the panel ("me" or the represented party).

A represented person is known by the keyed hash of their PESEL only (as in the ledger).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from podkowa.accounts.models import Representation
from podkowa.accounts.rules import can_verify_at_desk
from podkowa.core.identifiers import clean_nip, clean_pesel, pesel_hmac
from podkowa.core.models import Gmina


@transaction.atomic
def representation_request(
    *, gmina: Gmina, user, kind: str, name: str, identifier: str, document: str
) -> Representation:
    """Ask to act for a firm (``identifier`` = NIP) or a person (``identifier`` = PESEL)."""
    errors = {}
    name, document = " ".join(name.split()), " ".join(document.split())
    nip = digest = ""
    if kind == Representation.Kind.FIRM:
        try:
            nip = clean_nip("".join(ch for ch in identifier if ch.isdigit()))
        except ValidationError as error:
            errors["identifier"] = error.messages
    elif kind == Representation.Kind.PERSON:
        try:
            digest = pesel_hmac(clean_pesel(identifier))
        except ValidationError as error:
            errors["identifier"] = error.messages
    else:
        errors["kind"] = _("Choose a firm or a person.")
    if not name:
        errors["name"] = _("Give the name of the firm or the person.")
    if not document:
        errors["document"] = _("Say which document authorises you (e.g. a power of attorney "
                               "of 2 March 2026).")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Representation.objects.create(
                gmina=gmina, representative=user, kind=kind, name=name, nip=nip,
                person_pesel_hmac=digest, document=document,
            )
    except IntegrityError:
        raise ValidationError({"identifier": _(
            "You have already asked to act for this party.")}) from None


@transaction.atomic
def representation_confirm(*, gmina: Gmina, official, representation_id: int) -> Representation:
    if not can_verify_at_desk.test(official, gmina):
        raise PermissionDenied(_("Only the resident desk may confirm an authorisation."))
    representation = Representation.objects.select_for_update().get(
        gmina=gmina, pk=representation_id)
    if representation.status == Representation.Status.REVOKED:
        raise ValidationError(_("This authorisation was revoked."))
    if representation.status == Representation.Status.PENDING:
        representation.status = Representation.Status.CONFIRMED
        representation.confirmed_by = official
        representation.confirmed_at = timezone.now()
        representation.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return representation


@transaction.atomic
def representation_revoke(*, gmina: Gmina, user, representation_id: int) -> Representation:
    """The representative gives an authorisation up (or the desk withdraws it)."""
    representation = Representation.objects.select_for_update().get(
        gmina=gmina, pk=representation_id)
    if representation.representative_id != user.pk and not can_verify_at_desk.test(user, gmina):
        raise PermissionDenied(_("This authorisation is not yours."))
    representation.status = Representation.Status.REVOKED
    representation.save(update_fields=["status"])
    return representation


def represented_action_record(*, gmina: Gmina, user, representation, method: str,
                              path: str):
    from podkowa.accounts.models import RepresentedAction

    return RepresentedAction.objects.create(gmina=gmina, user=user,
                                            representation=representation,
                                            method=method[:10], path=path[:300])
