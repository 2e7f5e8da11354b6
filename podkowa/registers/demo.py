"""The demo town's registers: benches, litter bins, playground equipment, street lamps with
their lighting lines, green areas (polygons), and trees — a few hundred objects in Podkowa
Leśna.

Deterministic (one seeded generator) and idempotent: definitions are updated in place and the
objects of a register are created only while it has none. Names and labels are the town's
own content, in Polish, as an official would type them; they are data, not program strings.
"""

import math
import random

from django.contrib.gis.geos import LineString, Point, Polygon
from django.db import transaction

from podkowa.accounts.models import Role
from podkowa.core.models import Gmina
from podkowa.registers.models import (
    Attribute,
    AttributeKind,
    Dictionary,
    DictionaryEntry,
    GeometryKind,
    ObjectStatus,
    Register,
    RegisterObject,
    TreeFeeRate,
    TreeSpecies,
)
from podkowa.registers.selectors.trees import NATIONAL_BASIS, NATIONAL_MAXIMUM
from podkowa.registers.services.objects import object_create
from podkowa.registers.services.trees import tree_register_ensure

CENTRE = (20.7286, 52.1225)  # the town hall, lon/lat
SEED = 1405021

DICTIONARIES = {
    "material": ("Materiał", [("drewno", "drewno"), ("metal", "metal"), ("beton", "beton"),
                              ("kompozyt", "kompozyt")]),
    "zrodlo-swiatla": ("Źródło światła", [("led", "LED"), ("sodowa", "sodowa"),
                                          ("rteciowa", "rtęciowa")]),
    "urzadzenie-zabawowe": ("Urządzenie zabawowe", [
        ("hustawka", "huśtawka"), ("zjezdzalnia", "zjeżdżalnia"), ("piaskownica", "piaskownica"),
        ("karuzela", "karuzela"), ("zestaw", "zestaw zabawowy"), ("bujak", "bujak")]),
    "rodzaj-terenu": ("Rodzaj terenu zieleni", [
        ("park", "park"), ("skwer", "skwer"), ("zieleniec", "zieleniec"),
        ("plac-zabaw", "plac zabaw"), ("las", "las komunalny")]),
}

# Latin name, fee group (1–4, the rate table's rows; the demo's assignment, not the
# regulation's list) and the circumference at 5 cm up to which no permit is needed.
SPECIES = [
    ("quercus-robur", "dąb szypułkowy", "Quercus robur", 3, 50),
    ("pinus-sylvestris", "sosna zwyczajna", "Pinus sylvestris", 2, 50),
    ("betula-pendula", "brzoza brodawkowata", "Betula pendula", 2, 50),
    ("tilia-cordata", "lipa drobnolistna", "Tilia cordata", 3, 50),
    ("acer-platanoides", "klon zwyczajny", "Acer platanoides", 2, 50),
    ("acer-saccharinum", "klon srebrzysty", "Acer saccharinum", 1, 80),
    ("acer-negundo", "klon jesionolistny", "Acer negundo", 1, 80),
    ("populus-nigra", "topola czarna", "Populus nigra", 1, 80),
    ("salix-alba", "wierzba biała", "Salix alba", 1, 80),
    ("aesculus-hippocastanum", "kasztanowiec zwyczajny", "Aesculus hippocastanum", 2, 65),
    ("robinia-pseudoacacia", "robinia akacjowa", "Robinia pseudoacacia", 1, 65),
    ("platanus-acerifolia", "platan klonolistny", "Platanus × acerifolia", 3, 65),
    ("fagus-sylvatica", "buk zwyczajny", "Fagus sylvatica", 3, 50),
    ("carpinus-betulus", "grab pospolity", "Carpinus betulus", 2, 50),
    ("taxus-baccata", "cis pospolity", "Taxus baccata", 4, 50),
]

# key, label, kind, extra (unit, dictionary slug, link register slug, required, personal)
REGISTERS = [
    {"slug": "lawki", "name": "Ławki", "kind": GeometryKind.POINT, "colour": "#8a4b08",
     "public": True, "style": "material", "count": 45,
     "description": "Ławki w przestrzeni publicznej.",
     "attributes": [
         ("numer", "Numer", AttributeKind.TEXT, {"required": True}),
         ("material", "Materiał", AttributeKind.CHOICE, {"dictionary": "material"}),
         ("oparcie", "Z oparciem", AttributeKind.BOOLEAN, {}),
         ("montaz", "Data montażu", AttributeKind.DATE, {}),
         ("zdjecie", "Zdjęcie", AttributeKind.PHOTO, {}),
     ]},
    {"slug": "kosze", "name": "Kosze na śmieci", "kind": GeometryKind.POINT,
     "colour": "#4a4a4a", "public": True, "count": 60, "style": "pojemnosc",
     "description": "Kosze uliczne opróżniane przez firmę komunalną.",
     "attributes": [
         ("numer", "Numer", AttributeKind.TEXT, {"required": True}),
         ("pojemnosc", "Pojemność", AttributeKind.NUMBER, {"unit": "l"}),
         ("material", "Materiał", AttributeKind.CHOICE, {"dictionary": "material"}),
     ]},
    {"slug": "place-zabaw", "name": "Urządzenia placów zabaw", "kind": GeometryKind.POINT,
     "colour": "#b8327a", "public": True, "count": 18, "style": "urzadzenie",
     "description": "Mała architektura: urządzenia na placach zabaw (PN-EN 1176).",
     "attributes": [
         ("plac", "Plac zabaw", AttributeKind.TEXT, {"required": True}),
         ("urzadzenie", "Urządzenie", AttributeKind.CHOICE,
          {"dictionary": "urzadzenie-zabawowe", "required": True}),
         ("przeglad", "Ostatni przegląd", AttributeKind.DATE, {}),
     ]},
    {"slug": "linie-oswietleniowe", "name": "Linie oświetleniowe", "kind": GeometryKind.LINE,
     "colour": "#d9a400", "public": True, "count": 0, "style": "status",
     "description": "Inwestycje liniowe: kable zasilające oświetlenie ulic.",
     "attributes": [
         ("nazwa", "Nazwa", AttributeKind.TEXT, {"required": True}),
         ("kabel", "Typ kabla", AttributeKind.TEXT, {}),
     ]},
    {"slug": "latarnie", "name": "Latarnie", "kind": GeometryKind.POINT, "colour": "#e0b000",
     "public": True, "count": 0, "description": "Punkty oświetlenia ulicznego.",
     "style": "zrodlo",
     "attributes": [
         ("numer", "Numer słupa", AttributeKind.TEXT, {"required": True}),
         ("moc", "Moc", AttributeKind.NUMBER, {"unit": "W"}),
         ("zrodlo", "Źródło światła", AttributeKind.CHOICE, {"dictionary": "zrodlo-swiatla"}),
         ("linia", "Linia oświetleniowa", AttributeKind.LINK,
          {"link": "linie-oswietleniowe"}),
     ]},
    {"slug": "tereny-zielone", "name": "Tereny zieleni", "kind": GeometryKind.POLYGON,
     "colour": "#2e7d32", "public": True, "count": 0, "style": "rodzaj",
     "description": "Parki, skwery, zieleńce i place zabaw utrzymywane przez gminę.",
     "attributes": [
         ("nazwa", "Nazwa", AttributeKind.TEXT, {"required": True}),
         ("rodzaj", "Rodzaj", AttributeKind.CHOICE, {"dictionary": "rodzaj-terenu"}),
         ("ogrodzony", "Ogrodzony", AttributeKind.BOOLEAN, {}),
     ]},
]

# Green areas: name, kind, fenced, centre offset from the town hall (east, north, metres),
# half-width and half-height (metres); placed between the streets, clear of the lamps.
GREEN_AREAS = [
    ("Park Miejski", "park", False, (-330, 120), 120, 80),
    ("Skwer przy Akacjowej", "skwer", False, (200, 300), 40, 30),
    ("Zieleniec przy stacji WKD", "zieleniec", False, (35, -200), 40, 22),
    ("Plac zabaw przy Akacjowej", "plac-zabaw", True, (230, 420), 35, 30),
    ("Las Młochowski (część gminna)", "las", False, (-900, -600), 260, 200),
]

# Streets as straight runs from the centre (bearing in degrees, length in metres): the lamps
# stand along them every ~35 m, the lighting lines follow them.
STREETS = [
    ("Akacjowa", 15, 900), ("Jana Pawła II", 80, 1100), ("Lilpopa", 140, 800),
    ("Błońska", 200, 700), ("Jelenia", 260, 1000), ("Brwinowska", 320, 900),
    ("Główna", 45, 600), ("Bukowa", 110, 500),
]


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (lon + east_m / (111_320 * math.cos(math.radians(lat))), lat + north_m / 110_540)


def _along(bearing: float, metres: float) -> tuple[float, float]:
    rad = math.radians(bearing)
    return _offset(*CENTRE, metres * math.sin(rad), metres * math.cos(rad))


def _scatter(rng: random.Random, radius_m: float = 1100) -> Point:
    angle, distance = rng.uniform(0, 2 * math.pi), radius_m * math.sqrt(rng.random())
    lon, lat = _offset(*CENTRE, distance * math.cos(angle), distance * math.sin(angle))
    return Point(round(lon, 7), round(lat, 7), srid=4326)


def _definitions(gmina: Gmina) -> dict[str, Register]:
    dictionaries = {}
    for slug, (name, entries) in DICTIONARIES.items():
        dictionary, _c = Dictionary.objects.update_or_create(
            gmina=gmina, slug=slug, defaults={"name": name})
        for order, (code, label) in enumerate(entries):
            DictionaryEntry.objects.update_or_create(
                gmina=gmina, dictionary=dictionary, code=code,
                defaults={"label": label, "order": order})
        dictionaries[slug] = dictionary
    for code, polish, latin, fee_group, threshold in SPECIES:
        TreeSpecies.objects.update_or_create(
            gmina=gmina, code=code, defaults={
                "polish_name": polish, "latin_name": latin, "fee_group": fee_group,
                "permit_threshold_cm": threshold})
    for group, (up_to, above) in NATIONAL_MAXIMUM.items():
        TreeFeeRate.objects.update_or_create(
            gmina=gmina, fee_group=group, defaults={
                "up_to_100_grosze": up_to, "above_100_grosze": above,
                "basis": f"stawki maksymalne, {NATIONAL_BASIS}"})

    registers = {}
    for order, spec in enumerate(REGISTERS):
        register, _c = Register.objects.update_or_create(
            gmina=gmina, slug=spec["slug"], defaults={
                "name": spec["name"], "geometry_kind": spec["kind"], "colour": spec["colour"],
                "is_public": spec["public"], "description": spec["description"],
                "editor_role": Role.REGISTER_EDITOR, "order": order,
                "style_key": spec.get("style", "")})
        registers[spec["slug"]] = register
        for position, (key, label, kind, extra) in enumerate(spec["attributes"]):
            Attribute.objects.update_or_create(
                gmina=gmina, register=register, key=key, defaults={
                    "label": label, "kind": kind, "order": position,
                    "unit": extra.get("unit", ""), "required": extra.get("required", False),
                    "personal": extra.get("personal", False),
                    "dictionary": dictionaries.get(extra.get("dictionary")),
                    "link_register": registers.get(extra.get("link"))})
    registers["drzewa"] = tree_register_ensure(gmina=gmina, slug="drzewa", name="Drzewa")
    return registers


def _empty(gmina: Gmina, register: Register) -> bool:
    return not RegisterObject.objects.filter(gmina=gmina, register=register).exists()


def _lighting(gmina: Gmina, registers: dict[str, Register], rng: random.Random) -> None:
    lines, lamps = registers["linie-oswietleniowe"], registers["latarnie"]
    if not _empty(gmina, lines):
        return
    pole = 0
    for index, (street, bearing, length) in enumerate(STREETS):
        vertices = [_along(bearing, 60 + step * (length - 60) / 4) for step in range(5)]
        line = object_create(
            gmina=gmina, register_id=lines.pk,
            geometry=LineString([(round(x, 7), round(y, 7)) for x, y in vertices], srid=4326),
            attributes={"nazwa": f"Oświetlenie ul. {street}",
                        "kabel": rng.choice(["YAKY 4x35", "YAKY 4x25", "AsXSn 2x25"])},
            status=ObjectStatus.PLANNED if index == len(STREETS) - 1 else ObjectStatus.ACTIVE)
        for distance in range(60, length + 1, 35):
            pole += 1
            lon, lat = _along(bearing, distance)
            lon, lat = _offset(lon, lat, rng.uniform(-4, 4), rng.uniform(-4, 4))
            led = rng.random() < 0.6
            object_create(
                gmina=gmina, register_id=lamps.pk,
                geometry=Point(round(lon, 7), round(lat, 7), srid=4326),
                attributes={"numer": f"L-{pole:04d}", "moc": 36 if led else 70,
                            "zrodlo": "led" if led else "sodowa", "linia": line.pk},
                status=line.status)


def _points(gmina: Gmina, register: Register, count: int, make, rng: random.Random) -> None:
    if not _empty(gmina, register):
        return
    for number in range(1, count + 1):
        object_create(gmina=gmina, register_id=register.pk, geometry=_scatter(rng),
                      attributes=make(number, rng))


def _bench(number, rng):
    return {"numer": f"Ł-{number:03d}", "material": rng.choice(["drewno", "metal", "beton"]),
            "oparcie": rng.random() < 0.7,
            "montaz": f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-15"}


def _bin(number, rng):
    return {"numer": f"K-{number:03d}", "pojemnosc": rng.choice([35, 50, 70]),
            "material": rng.choice(["metal", "beton", "kompozyt"])}


PLAYGROUNDS = ["Plac zabaw przy Akacjowej", "Plac zabaw w Parku Miejskim",
               "Plac zabaw przy szkole"]


def _device(number, rng):
    return {"plac": PLAYGROUNDS[number % len(PLAYGROUNDS)],
            "urzadzenie": rng.choice(DICTIONARIES["urzadzenie-zabawowe"][1])[0],
            "przeglad": f"2026-0{rng.randint(3, 9)}-{rng.randint(1, 28):02d}"}


def _tree(number, rng):
    code = rng.choice(SPECIES)[0]
    stems = 1 if rng.random() < 0.85 else rng.randint(2, 3)
    at_130 = [rng.randint(25, 320) for _ in range(stems)]
    values = {"number": f"D-{number:04d}", "species": code, "circumference_130": at_130,
              "circumference_5": max(at_130) + rng.randint(5, 40),
              "height": rng.randint(4, 28), "crown_width": rng.randint(2, 16),
              "health": rng.choices(["good", "fair", "poor", "dead"], [60, 25, 12, 3])[0],
              "monument": max(at_130) > 300}
    if values["health"] in ("poor", "dead"):
        values["treatment"] = "cięcia sanitarne" if values["health"] == "poor" else "usunięcie"
    return values


def _green_areas(gmina: Gmina, register: Register) -> None:
    if not _empty(gmina, register):
        return
    for name, kind, fenced, (east, north), half_w, half_h in GREEN_AREAS:
        lon, lat = _offset(*CENTRE, east, north)
        # A slightly irregular pentagon: drawn by hand, not a survey.
        corners = [(-half_w, -half_h), (half_w, -half_h * 0.8), (half_w * 1.1, half_h * 0.6),
                   (0, half_h), (-half_w * 0.9, half_h * 0.7)]
        ring = [tuple(round(v, 7) for v in _offset(lon, lat, dx, dy)) for dx, dy in corners]
        object_create(gmina=gmina, register_id=register.pk,
                      geometry=Polygon([*ring, ring[0]], srid=4326),
                      attributes={"nazwa": name, "rodzaj": kind, "ogrodzony": fenced})


@transaction.atomic
def load_registers_demo(gmina: Gmina) -> None:
    rng = random.Random(SEED)
    registers = _definitions(gmina)
    _lighting(gmina, registers, rng)
    _points(gmina, registers["lawki"], 45, _bench, rng)
    _points(gmina, registers["kosze"], 60, _bin, rng)
    _points(gmina, registers["place-zabaw"], 18, _device, rng)
    _points(gmina, registers["drzewa"], 220, _tree, rng)
    _green_areas(gmina, registers["tereny-zielone"])
