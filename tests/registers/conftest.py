import pytest
from django.contrib.gis.geos import LineString, Point

from podkowa.accounts.models import Role
from podkowa.registers.models import (
    Attribute,
    AttributeKind,
    Dictionary,
    DictionaryEntry,
    GeometryKind,
    Register,
)
from tests.admin_support import make_official


@pytest.fixture
def in_english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def editor(gmina):
    return make_official(gmina, Role.REGISTER_EDITOR, email="editor@example.org")


@pytest.fixture
def clerk(gmina):
    """An official without the register role."""
    return make_official(gmina, Role.CASE_CLERK, email="clerk@example.org")


@pytest.fixture
def material(gmina):
    dictionary = Dictionary.objects.create(gmina=gmina, name="Materiał", slug="material")
    for code, label in [("drewno", "drewno"), ("metal", "metal"), ("zelbet", "żelbet")]:
        DictionaryEntry.objects.create(gmina=gmina, dictionary=dictionary, code=code,
                                       label=label)
    return dictionary


@pytest.fixture
def lines(gmina):
    register = Register.objects.create(gmina=gmina, name="Lines", slug="lines",
                                       geometry_kind=GeometryKind.LINE, is_public=True)
    Attribute.objects.create(gmina=gmina, register=register, key="name", label="Name",
                             kind=AttributeKind.TEXT, required=True)
    return register


@pytest.fixture
def benches(gmina, material, lines):
    register = Register.objects.create(gmina=gmina, name="Benches", slug="benches",
                                       geometry_kind=GeometryKind.POINT, is_public=True)
    for order, (key, label, kind, extra) in enumerate([
        ("number", "Number", AttributeKind.TEXT, {"required": True}),
        ("seats", "Seats", AttributeKind.NUMBER, {"unit": "pcs"}),
        ("material", "Material", AttributeKind.CHOICE, {"dictionary": material}),
        ("installed", "Installed", AttributeKind.DATE, {}),
        ("backrest", "Backrest", AttributeKind.BOOLEAN, {}),
        ("line", "Line", AttributeKind.LINK, {"link_register": lines}),
        ("photo", "Photo", AttributeKind.PHOTO, {}),
        ("sponsor", "Sponsor", AttributeKind.TEXT, {"personal": True}),
    ]):
        Attribute.objects.create(gmina=gmina, register=register, key=key, label=label,
                                 kind=kind, order=order, **extra)
    return register


def point(lon=20.7286, lat=52.1225) -> Point:
    return Point(lon, lat, srid=4326)


def line() -> LineString:
    return LineString([(20.72, 52.12), (20.73, 52.12)], srid=4326)
