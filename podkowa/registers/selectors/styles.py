"""How the map colours a register's objects by one field: the classes of values, each with
a colour and a text for the legend (colour alone tells nothing to a colour-blind reader or a
screen reader).

Choices take the dictionary's order, yes/no two colours, numbers a few classes of equal
width with round bounds over the register's current values; every styling has a "no value"
class. Personal fields never colour a map: the colour would tell the value.
"""

import math
from decimal import Decimal

from django.db.models import FloatField, Max, Min
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from podkowa.core.models import Gmina
from podkowa.registers.models import AttributeKind, ObjectStatus, Register, RegisterObject
from podkowa.registers.services.attributes import dictionary_entries, register_attributes

# Okabe & Ito's palette, told apart by the common kinds of colour blindness; the legend's
# text carries the meaning anyway.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
           "#000000"]
YES_NO = ("#009e73", "#d55e00")
NO_VALUE = "#9a9a9a"
# From light to dark, for numbers: more reads as darker.
SEQUENCE = ["#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154"]
NUMBER_CLASSES = 5
STATUS = "status"
STYLABLE = (AttributeKind.CHOICE, AttributeKind.BOOLEAN, AttributeKind.NUMBER)


def stylable_fields(register: Register) -> list[tuple[str, str]]:
    """(key, label) of what may colour the register's map: the status and the public choice,
    yes/no and number fields."""
    fields = [(STATUS, str(_("Status")))]
    fields += [(a.key, a.label) for a in register_attributes(register)
               if a.kind in STYLABLE and not a.personal]
    return fields


def _nice_step(span: float, classes: int) -> float:
    raw = span / classes
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _number(value: float) -> str:
    # Decimal keeps 2.5 from printing as 2.5000000001; the format gives the Polish comma.
    text = format(Decimal(repr(value)).normalize(), "f")
    return number_format(Decimal(text), use_l10n=True)


def _number_classes(*, gmina: Gmina, register: Register, attribute) -> list[dict]:
    values = (RegisterObject.objects.filter(gmina=gmina, register=register)
              .exclude(status=ObjectStatus.REMOVED)
              .annotate(v=Cast(KeyTextTransform(attribute.key, "attributes"), FloatField()))
              .aggregate(low=Min("v"), high=Max("v")))
    low, high = values["low"], values["high"]
    unit = f" {attribute.unit}" if attribute.unit else ""
    if low is None:
        return []
    if low == high:
        return [{"min": low, "max": high, "colour": SEQUENCE[2],
                 "label": f"{_number(low)}{unit}"}]
    step = _nice_step(high - low, NUMBER_CLASSES)
    start = math.floor(low / step) * step
    classes = []
    bound = start
    while bound <= high:
        upper = bound + step
        classes.append({"min": bound, "max": upper, "label": _("%(low)s to under %(high)s") % {
            "low": _number(bound), "high": _number(upper)} + unit})
        bound = upper
    for index, item in enumerate(classes):
        item["colour"] = SEQUENCE[round(index * (len(SEQUENCE) - 1) / max(1, len(classes) - 1))]
    return classes


def _classes(*, gmina: Gmina, register: Register, key: str) -> list[dict]:
    if key == STATUS:
        return [{"value": ObjectStatus.ACTIVE.value, "colour": PALETTE[0],
                 "label": str(ObjectStatus.ACTIVE.label)},
                {"value": ObjectStatus.PLANNED.value, "colour": PALETTE[1],
                 "label": str(ObjectStatus.PLANNED.label)}]
    attribute = next(a for a in register_attributes(register) if a.key == key)
    if attribute.kind == AttributeKind.BOOLEAN:
        return [{"value": True, "colour": YES_NO[0], "label": _("yes")},
                {"value": False, "colour": YES_NO[1], "label": _("no")}]
    if attribute.kind == AttributeKind.CHOICE:
        return [{"value": entry.code, "colour": PALETTE[index % len(PALETTE)],
                 "label": entry.label}
                for index, entry in enumerate(dictionary_entries(attribute))]
    return _number_classes(gmina=gmina, register=register, attribute=attribute)


def register_styles(*, gmina: Gmina, register: Register) -> dict:
    """{"default": key or "", "options": [{"key", "label", "kind", "classes"}]}: every way
    the map may colour the register, the definition's choice first shown."""
    options = []
    kinds = {a.key: a.kind for a in register_attributes(register)}
    for key, label in stylable_fields(register):
        classes = _classes(gmina=gmina, register=register, key=key)
        if key != STATUS:
            classes.append({"none": True, "colour": NO_VALUE, "label": _("no value")})
        options.append({"key": key, "label": label, "kind": kinds.get(key, "status"),
                        "classes": classes})
    keys = {option["key"] for option in options}
    return {"default": register.style_key if register.style_key in keys else "",
            "options": options}
