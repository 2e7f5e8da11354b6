"""A tree register: a register with the tree inventory's fields, made in one step so that the
removal check (selectors/trees.py) finds the fields it reads."""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from podkowa.accounts.models import Role
from podkowa.core.models import Gmina
from podkowa.registers.models import (
    Attribute,
    AttributeKind,
    Dictionary,
    DictionaryEntry,
    GeometryKind,
    Register,
)
from podkowa.registers.selectors import trees as keys

HEALTH = [("good", "dobry"), ("fair", "średni"), ("poor", "zły"), ("dead", "martwe")]


def _tree_fields(health: Dictionary) -> list[tuple]:
    # (key, label, kind, options): labels in the office's language, as the register shows them.
    return [
        ("number", _("Number"), AttributeKind.TEXT, {"required": True}),
        (keys.SPECIES, _("Species"), AttributeKind.SPECIES, {"required": True}),
        (keys.AT_130, _("Circumference at 130 cm (each stem)"), AttributeKind.NUMBERS,
         {"unit": "cm"}),
        (keys.AT_5, _("Circumference at 5 cm"), AttributeKind.NUMBER, {"unit": "cm"}),
        ("height", _("Height"), AttributeKind.NUMBER, {"unit": "m"}),
        ("crown_width", _("Crown width"), AttributeKind.NUMBER, {"unit": "m"}),
        ("health", _("Health"), AttributeKind.CHOICE, {"dictionary": health}),
        ("treatment", _("Recommended treatment"), AttributeKind.TEXT, {}),
        (keys.MONUMENT, _("Pomnik przyrody"), AttributeKind.BOOLEAN, {}),
        ("photo", _("Photo"), AttributeKind.PHOTO, {}),
        ("owner", _("Owner of the plot (a private person)"), AttributeKind.TEXT,
         {"personal": True}),
    ]


@transaction.atomic
def tree_register_ensure(*, gmina: Gmina, slug: str, name: str, is_public: bool = True,
                         editor_role: str = Role.REGISTER_EDITOR) -> Register:
    """The tree register `slug` with every inventory field (created or completed)."""
    with translation.override("pl"):
        health, _created = Dictionary.objects.get_or_create(
            gmina=gmina, slug="tree-health", defaults={"name": _("Tree health")})
        for order, (code, label) in enumerate(HEALTH):
            DictionaryEntry.objects.get_or_create(
                gmina=gmina, dictionary=health, code=code,
                defaults={"label": label, "order": order})
        register, _created = Register.objects.get_or_create(
            gmina=gmina, slug=slug, defaults={
                "name": name, "geometry_kind": GeometryKind.POINT, "is_public": is_public,
                "editor_role": editor_role, "colour": "#1d6b3a", "style_key": "health",
                "description": _("Tree inventory.")})
        for order, (key, label, kind, options) in enumerate(_tree_fields(health)):
            Attribute.objects.update_or_create(
                gmina=gmina, register=register, key=key, defaults={
                    "label": label, "kind": kind, "order": order,
                    "unit": options.get("unit", ""), "required": options.get("required", False),
                    "personal": options.get("personal", False),
                    "dictionary": options.get("dictionary")})
    return register
