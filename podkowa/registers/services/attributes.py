"""Attribute values checked against the register's definition.

Every way in (the admin, the REST API, OGC API – Features, imports) passes values through
`attributes_clean`, so what is stored always matches the definition: known keys only, the
right type, required ones present, choices normalised to the dictionary's code and links
pointing at a live object of the linked register in the same town.
"""

import datetime
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from podkowa.registers.models import (
    Attribute,
    AttributeKind,
    DictionaryEntry,
    ObjectPhoto,
    ObjectStatus,
    Register,
    RegisterObject,
    TreeSpecies,
)


def fold(text: str) -> str:
    """Case, accents and spacing folded away: 'Klon  zwyczajny ' ~ 'klon zwyczajny'."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("ł", "l").replace("Ł", "L"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def register_attributes(register: Register) -> list[Attribute]:
    cached = getattr(register, "_attributes_cache", None)
    if cached is None:
        cached = list(Attribute.objects.filter(gmina_id=register.gmina_id, register=register)
                      .select_related("dictionary", "link_register"))
        for attribute in cached:
            attribute.register = register  # not loaded again when asked for
        register._attributes_cache = cached
    return cached


def dictionary_entries(attribute: Attribute) -> list[DictionaryEntry]:
    cached = getattr(attribute, "_entries_cache", None)
    if cached is None:
        cached = list(DictionaryEntry.objects.filter(
            gmina_id=attribute.gmina_id, dictionary_id=attribute.dictionary_id))
        attribute._entries_cache = cached
    return cached


def _choice_index(attribute: Attribute) -> dict[str, DictionaryEntry]:
    cached = getattr(attribute, "_choice_index", None)
    if cached is None:
        cached = {}
        for entry in dictionary_entries(attribute):
            latin = (entry.extra or {}).get("latin")
            for name in (entry.label, latin, entry.code):  # the code wins a clash
                if name:
                    cached[fold(name)] = entry
        attribute._choice_index = cached
    return cached


def choice_match(attribute: Attribute, value) -> DictionaryEntry | None:
    """The dictionary entry a value names: its code or label, folded (see `fold`)."""
    return _choice_index(attribute).get(fold(value))


def species_list(attribute: Attribute) -> list[TreeSpecies]:
    cached = getattr(attribute, "_species_cache", None)
    if cached is None:
        cached = list(TreeSpecies.objects.filter(gmina_id=attribute.gmina_id))
        attribute._species_cache = cached
    return cached


def species_match(attribute: Attribute, value) -> TreeSpecies | None:
    """A species by its code, Polish or Latin name, folded (see `fold`)."""
    index = getattr(attribute, "_species_index", None)
    if index is None:
        index = {}
        for species in species_list(attribute):
            for name in (species.polish_name, species.latin_name, species.code):
                index[fold(name)] = species
        attribute._species_index = index
    return index.get(fold(value))


def _number(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        number = value
    else:
        text = str(value).strip().replace(",", ".").replace(" ", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError from None
        number = int(number) if number == number.to_integral_value() else float(number)
    if isinstance(number, float) and number != number:  # NaN
        raise ValueError
    return number


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    folded = fold(value)
    if folded in ("1", "true", "tak", "t", "yes", "y"):
        return True
    if folded in ("0", "false", "nie", "n", "no", "f"):
        return False
    raise ValueError


def value_clean(attribute: Attribute, value, *, obj: RegisterObject | None = None):
    """One value in its stored form, or ValueError with the reason."""
    kind = attribute.kind
    if kind == AttributeKind.TEXT:
        text = str(value).strip()
        if len(text) > 2000:
            raise ValueError(_("at most 2000 characters"))
        return text
    if kind == AttributeKind.NUMBER:
        try:
            return _number(value)
        except ValueError:
            raise ValueError(_("a number is needed")) from None
    if kind == AttributeKind.NUMBERS:
        items = value if isinstance(value, list) else str(value).replace(";", " ").split()
        try:
            numbers = [_number(item) for item in items]
        except ValueError:
            raise ValueError(_("numbers separated by spaces or semicolons are needed")) from None
        if not numbers:
            raise ValueError(_("at least one number is needed"))
        return numbers
    if kind == AttributeKind.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()[:10]
        try:
            return datetime.date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError:
            raise ValueError(_("a date like 2026-05-31 is needed")) from None
    if kind == AttributeKind.BOOLEAN:
        try:
            return _boolean(value)
        except ValueError:
            raise ValueError(_("yes or no is needed")) from None
    if kind == AttributeKind.CHOICE:
        entry = choice_match(attribute, value)
        if entry is None:
            raise ValueError(_("“%(value)s” is not in the dictionary") % {"value": value})
        return entry.code
    if kind == AttributeKind.SPECIES:
        species = species_match(attribute, value)
        if species is None:
            raise ValueError(_("“%(value)s” is not a species in the dictionary") % {
                "value": value})
        return species.code
    if kind == AttributeKind.LINK:
        try:
            target_id = int(value)
        except (TypeError, ValueError):
            raise ValueError(_("the number of an object is needed")) from None
        exists = RegisterObject.objects.filter(
            gmina_id=attribute.gmina_id, register_id=attribute.link_register_id, pk=target_id,
        ).exclude(status=ObjectStatus.REMOVED).exists()
        if not exists:
            raise ValueError(_("no such object in the register “%(register)s”") % {
                "register": attribute.link_register.name})
        return target_id
    if kind == AttributeKind.PHOTO:
        try:
            photo_id = int(value)
        except (TypeError, ValueError):
            raise ValueError(_("the number of a photo of this object is needed")) from None
        if obj is None or not ObjectPhoto.objects.filter(
                gmina_id=attribute.gmina_id, object=obj, pk=photo_id).exists():
            raise ValueError(_("no such photo of this object"))
        return photo_id
    raise ValueError(_("unknown type"))


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def attributes_clean(*, register: Register, values: dict, obj: RegisterObject | None = None,
                     prefix: str = "attributes") -> dict:
    """The values in stored form; ValidationError naming each bad field as `prefix.key`."""
    if not isinstance(values, dict):
        raise ValidationError({prefix: _("Attributes must be an object keyed by field.")})
    by_key = {a.key: a for a in register_attributes(register)}
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for key in values:
        if key not in by_key:
            errors[f"{prefix}.{key}"] = _("The register “%(register)s” has no field “%(key)s”.") % {
                "register": register.name, "key": key}
    for key, attribute in by_key.items():
        value = values.get(key)
        if _empty(value):
            if attribute.required:
                errors[f"{prefix}.{key}"] = _("%(label)s: this field is required.") % {
                    "label": attribute.label}
            continue
        try:
            cleaned[key] = value_clean(attribute, value, obj=obj)
        except ValueError as error:
            errors[f"{prefix}.{key}"] = f"{attribute.label}: {error}"
    if errors:
        raise ValidationError(errors)
    return cleaned


def public_attributes(register: Register, values: dict) -> dict:
    """What may be shown to anyone: every field but the personal ones."""
    personal = {a.key for a in register_attributes(register) if a.personal}
    return {k: v for k, v in values.items() if k not in personal}


def personal_keys(register: Register) -> set[str]:
    return {a.key for a in register_attributes(register) if a.personal}
