"""Trees: may this tree be removed without a permit, who decides, and what would the fee be.

The rules (domain facts, "Trees"; ustawa o ochronie przyrody art. 83f, 84):
- no permit below the species' threshold of the circumference at 5 cm (80, 65 or 50 cm);
- a private person removing a tree for a non-business purpose notifies the office instead
  (zgłoszenie: inspection within 21 days, objection within 14) and pays no fee;
- a tree on the gmina's own land needs the starosta's permit; other land the mayor's;
- a pomnik przyrody is protected: not removed on a permit at all;
- the fee is the circumference at 130 cm times the town's rate for the species' fee group,
  the rate chosen by whether that circumference is up to 100 cm or above; for a tree with
  several stems the circumference is the largest stem's plus half of each other's.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from podkowa.core.models import Gmina
from podkowa.registers.models import TreeFeeRate, TreeSpecies

# The national maximum (Dz.U. 2017 poz. 1330), in grosze per cm: used for a fee group the
# town has not set by its own resolution.
NATIONAL_MAXIMUM = {1: (1200, 1500), 2: (2500, 3000), 3: (5500, 7000), 4: (17000, 21000)}
NATIONAL_BASIS = "Dz.U. 2017 poz. 1330"

# The attribute keys of a tree register (see services/trees.py, which creates them).
SPECIES, AT_130, AT_5, MONUMENT = "species", "circumference_130", "circumference_5", "monument"


class Owner(models.TextChoices):
    GMINA = "gmina", gettext_lazy("the gmina (its own land)")
    PRIVATE = "private", gettext_lazy("a private person, not for business")
    OTHER = "other", gettext_lazy("anyone else (a company, business purposes)")


class Procedure(models.TextChoices):
    NONE = "none", gettext_lazy("no permit and no notification needed")
    NOTIFICATION = "notification", gettext_lazy("notification to the mayor (zgłoszenie)")
    PERMIT_MAYOR = "permit_mayor", gettext_lazy("permit of the mayor")
    PERMIT_STAROSTA = "permit_starosta", gettext_lazy("permit of the starosta")
    PROTECTED = "protected", gettext_lazy("protected as a pomnik przyrody: no removal permit")


@dataclass
class RemovalCheck:
    procedure: str
    threshold_cm: int | None
    circumference_5_cm: float | None
    fee_basis_cm: float | None
    fee_grosze: int | None
    rate_grosze_per_cm: int | None
    rate_basis: str
    reasons: list[str] = field(default_factory=list)


def fee_basis_cm(stems: list[float]) -> float:
    """Several stems: the largest one's circumference plus half of each of the others."""
    ordered = sorted((float(s) for s in stems), reverse=True)
    return ordered[0] + sum(ordered[1:]) / 2 if ordered else 0.0


def fee_rate(*, gmina: Gmina, fee_group: int, basis_cm: float) -> tuple[int, str]:
    """(grosze per cm, legal basis) for the group and the circumference's bracket."""
    own = TreeFeeRate.objects.filter(gmina=gmina, fee_group=fee_group).first()
    if own is not None:
        rate = own.up_to_100_grosze if basis_cm <= 100 else own.above_100_grosze
        return rate, own.basis or _("the town's resolution")
    up_to, above = NATIONAL_MAXIMUM[fee_group]
    return (up_to if basis_cm <= 100 else above), NATIONAL_BASIS


def fee_estimate(*, gmina: Gmina, species: TreeSpecies, stems: list[float]
                 ) -> tuple[float, int, int, str]:
    """(basis cm, fee grosze, rate per cm, basis of the rate); the fee is rounded to a grosz."""
    basis = fee_basis_cm(stems)
    rate, legal = fee_rate(gmina=gmina, fee_group=species.fee_group, basis_cm=basis)
    return basis, round(basis * rate), rate, legal


def tree_removal_check(*, gmina: Gmina, attributes: dict, owner: str) -> RemovalCheck:
    if owner not in Owner.values:
        raise ValidationError({"owner": _("Use one of: %(values)s.") % {
            "values": ", ".join(Owner.values)}})
    species = TreeSpecies.objects.filter(gmina=gmina, code=attributes.get(SPECIES)).first()
    stems = attributes.get(AT_130) or []
    at_5 = attributes.get(AT_5)
    reasons: list[str] = []
    check = RemovalCheck(procedure=Procedure.NONE, threshold_cm=None, circumference_5_cm=at_5,
                         fee_basis_cm=None, fee_grosze=None, rate_grosze_per_cm=None,
                         rate_basis="", reasons=reasons)
    if attributes.get(MONUMENT):
        check.procedure = Procedure.PROTECTED
        reasons.append(_("The tree is a pomnik przyrody."))
        return check
    if species is None:
        raise ValidationError({SPECIES: _("The tree has no species from the dictionary.")})
    check.threshold_cm = species.permit_threshold_cm
    if at_5 is None:
        if not stems:
                raise ValidationError({AT_5: _("Measure the circumference at 5 cm first.")})
        reasons.append(_("No circumference at 5 cm: the largest stem at 130 cm is used."))
        at_5 = max(stems)
        check.circumference_5_cm = at_5
    if at_5 <= species.permit_threshold_cm:
        reasons.append(_("Circumference at 5 cm %(value)s cm is not above %(limit)d cm for "
                         "%(species)s.") % {"value": at_5, "limit": species.permit_threshold_cm,
                                            "species": species.polish_name})
        return check
    if owner == Owner.PRIVATE:
        check.procedure = Procedure.NOTIFICATION
        reasons.append(_("A private person notifies the office; the office inspects within 21 "
                         "days and may object within 14 days after the inspection. No fee."))
        return check
    check.procedure = (Procedure.PERMIT_STAROSTA if owner == Owner.GMINA
                       else Procedure.PERMIT_MAYOR)
    if stems:
        basis, fee, rate, legal = fee_estimate(gmina=gmina, species=species, stems=stems)
        check.fee_basis_cm, check.fee_grosze = basis, fee
        check.rate_grosze_per_cm, check.rate_basis = rate, legal
    else:
        reasons.append(_("No circumference at 130 cm: the fee cannot be estimated."))
    return check
