"""A generated municipal cemetery for the demo town: quarters on a grid of alleys, two gates,
a flight of stairs, about 3,000 graves and 4,500 burials with Polish names.

Everything is drawn from one seeded random generator, so every run (and every test) sees the
same people in the same places. Idempotent: a cemetery that already has graves is left alone.
The layout is made up; it does not pretend to be the town's real cemetery plan.
"""

import datetime as dt
import math
import random

from django.contrib.gis.geos import Point, Polygon

from podkowa.cemetery.models import Grave, GraveKind, MaritalStatus
from podkowa.cemetery.services.books import (
    burials_register,
    cemetery_ensure,
    grave_correct,
    graves_register,
    holder_register,
)
from podkowa.cemetery.services.network import alleys_bulk_add, entrance_set
from podkowa.core.models import Gmina

SEED = 1405021
SLUG = "cmentarz-komunalny"
NAME = "Cmentarz Komunalny w Podkowie Leśnej"
# South-west corner of the generated plan (a made-up spot at the edge of the town).
ORIGIN = (20.7205, 52.1150)  # lon, lat
QUARTER_W, QUARTER_H, ALLEY_W = 40.0, 20.0, 4.0
COLUMNS, LINES = 5, 6  # quarters across and up: 30 quarters
ROWS_PER_QUARTER, GRAVES_PER_ROW = 4, 25
VERTICAL_ALLEYS = ["Brzozowa", "Lipowa", "Główna", "Dębowa", "Klonowa", "Jesionowa"]
HORIZONTAL_ALLEYS = ["A", "B", "C", "D", "E", "F", "G"]

# Surnames in their masculine form; adjectival ones (-ski, -cki, -dzki) take -ska, -cka,
# -dzka for women.
SURNAMES = [
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
    "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski",
    "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek",
    "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski",
    "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak", "Zalewski", "Wróblewski",
    "Marciniak", "Jasiński", "Zawadzki", "Bąk", "Jakubowski", "Sadowski", "Duda", "Włodarczyk",
    "Wilk", "Chmielewski", "Borkowski", "Sokołowski", "Szczepański", "Sawicki", "Lis",
    "Kucharski", "Mazurek", "Kubiak", "Kalinowski", "Wysocki", "Czarnecki", "Kołodziej",
    "Urbański", "Sobczak", "Konieczny", "Głowacki", "Zakrzewski", "Krupa", "Kaczmarczyk",
    "Łukasiewicz", "Łuczak", "Żak", "Żukowski", "Śliwiński", "Ślusarczyk", "Gołębiowski",
    "Przybylski", "Bielecki", "Ziółkowski", "Chojnacki", "Gąsiorowski", "Kurowski",
    "Andrzejewski", "Cieślak", "Szulc", "Fijałkowski", "Józefowicz", "Mróz", "Kędzierski",
    "Łęcki", "Rogalski", "Kaźmierczak", "Błaszczyk", "Ćwikliński", "Dziedzic", "Grzelak",
    "Laskowski", "Maciejewski", "Nawrocki", "Osiński", "Piątek", "Rybicki", "Skrzypczak",
    "Tarnowski", "Wasilewski", "Zięba", "Żmuda", "Bieńkowski", "Czyżewski", "Dobrowolski",
    "Frąckowiak", "Gawroński", "Hołownia", "Iwański", "Jędrzejczak", "Kołakowski",
]
MALE = [
    "Jan", "Stanisław", "Andrzej", "Józef", "Tadeusz", "Jerzy", "Zbigniew", "Krzysztof",
    "Henryk", "Ryszard", "Kazimierz", "Marek", "Marian", "Piotr", "Janusz", "Władysław",
    "Adam", "Wiesław", "Zdzisław", "Edward", "Mieczysław", "Roman", "Mirosław", "Grzegorz",
    "Czesław", "Leszek", "Bogdan", "Jacek", "Tomasz", "Waldemar", "Eugeniusz", "Bolesław",
    "Franciszek", "Zygmunt", "Witold", "Wacław", "Lucjan", "Feliks", "Ignacy", "Bronisław",
]
FEMALE = [
    "Maria", "Krystyna", "Anna", "Barbara", "Teresa", "Elżbieta", "Janina", "Zofia", "Jadwiga",
    "Danuta", "Halina", "Irena", "Ewa", "Małgorzata", "Helena", "Grażyna", "Bożena",
    "Stanisława", "Jolanta", "Marianna", "Urszula", "Wanda", "Alicja", "Genowefa", "Józefa",
    "Stefania", "Czesława", "Wiesława", "Bronisława", "Leokadia", "Władysława", "Łucja",
    "Aniela", "Kazimiera", "Zdzisława", "Agnieszka", "Jadwiga", "Lucyna", "Regina", "Hanna",
]
PLACES = ["Podkowa Leśna", "Milanówek", "Grodzisk Mazowiecki", "Brwinów", "Warszawa",
          "Pruszków", "Żyrardów", "Błonie", "Nadarzyn", "Owczarnia", "Otrębusy"]


def feminine(surname: str) -> str:
    for ending in ("ski", "cki", "dzki"):
        if surname.endswith(ending):
            return surname[:-1] + "a"
    return surname


def _to_lonlat(x: float, y: float) -> tuple[float, float]:
    kx = 111_320.0 * math.cos(math.radians(ORIGIN[1]))
    return (round(ORIGIN[0] + x / kx, 7), round(ORIGIN[1] + y / 111_320.0, 7))


def _xs() -> list[float]:
    return [c * (QUARTER_W + ALLEY_W) for c in range(COLUMNS + 1)]


def _ys() -> list[float]:
    return [r * (QUARTER_H + ALLEY_W) for r in range(LINES + 1)]


def alley_segments() -> list[dict]:
    xs, ys = _xs(), _ys()
    segments = []
    for i, x in enumerate(xs):
        for j in range(len(ys) - 1):
            segments.append({"coords": [_to_lonlat(x, ys[j]), _to_lonlat(x, ys[j + 1])],
                             "name": VERTICAL_ALLEYS[i],
                             # The old slope by the west wall: a flight of steps.
                             "stairs": i == 0 and j in (1, 2)})
    for j, y in enumerate(ys):
        for i in range(len(xs) - 1):
            segments.append({"coords": [_to_lonlat(xs[i], y), _to_lonlat(xs[i + 1], y)],
                             "name": HORIZONTAL_ALLEYS[j], "stairs": False})
    return segments


def _date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _person(rng: random.Random, surname: str, female: bool, today: dt.date) -> dict:
    birth_year = rng.randint(1880, 1990)
    death_year = min(today.year, birth_year + rng.randint(25, 98))
    birth, death = _date(rng, birth_year), _date(rng, death_year)
    if death > today:
        death = today - dt.timedelta(days=rng.randint(10, 300))
    if death <= birth:
        death = birth + dt.timedelta(days=400)
    given = rng.choice(FEMALE if female else MALE)
    if rng.random() < 0.3:
        second = rng.choice(FEMALE if female else MALE)
        if second != given:
            given = f"{given} {second}"
    entry = {
        "surname": feminine(surname) if female else surname,
        "given_names": given,
        "family_name": "",
        "birth_place": rng.choice(PLACES), "death_place": rng.choice(PLACES),
        "father_name": rng.choice(MALE), "mother_name": rng.choice(FEMALE),
        "marital_status": rng.choice([MaritalStatus.MARRIED, MaritalStatus.WIDOWED,
                                      MaritalStatus.SINGLE]),
        "civil_registry_office": "USC Podkowa Leśna",
    }
    burial = death + dt.timedelta(days=rng.randint(3, 8))
    if burial > today:
        burial = today
    if female and entry["marital_status"] != MaritalStatus.SINGLE:
        entry["family_name"] = feminine(rng.choice(SURNAMES))
    if rng.random() < 0.06:
        # Old entries copied from a paper book sometimes know only the years.
        entry["birth_date"], entry["death_date"] = str(birth.year), str(death.year)
    else:
        entry["birth_date"], entry["death_date"] = birth.isoformat(), death.isoformat()
    entry["burial_date"] = burial.isoformat()
    entry["civil_record"] = f"{death.year}/{rng.randint(1, 400)}"
    return entry


def load_cemetery_demo(gmina: Gmina, *, quarters: tuple[int, int] = (COLUMNS, LINES),
                       today: dt.date | None = None):
    """Idempotent: the demo cemetery, generated only once."""
    cemetery = cemetery_ensure(gmina=gmina, slug=SLUG, name=NAME,
                               address="ul. Jana Pawła II, 05-807 Podkowa Leśna",
                               location=Point(*_to_lonlat(110, 75), srid=4326))
    if Grave.objects.filter(gmina=gmina, cemetery=cemetery).exists():
        _lease_demo(gmina, cemetery)
        return cemetery
    rng = random.Random(SEED)
    today = today or dt.date(2026, 11, 1)
    columns, lines = quarters
    alleys_bulk_add(gmina=gmina, cemetery=cemetery, segments=[
        s for s in alley_segments()])
    xs, ys = _xs(), _ys()
    entrance_set(gmina=gmina, cemetery=cemetery, name="Brama główna",
                 lon=_to_lonlat(xs[2], -3)[0], lat=_to_lonlat(xs[2], -3)[1])
    entrance_set(gmina=gmina, cemetery=cemetery, name="Furtka zachodnia",
                 lon=_to_lonlat(-3, ys[3])[0], lat=_to_lonlat(-3, ys[3])[1])
    entries = []
    code = 0
    for line in range(lines):
        for column in range(columns):
            code += 1
            x0 = column * (QUARTER_W + ALLEY_W) + ALLEY_W / 2
            y0 = line * (QUARTER_H + ALLEY_W) + ALLEY_W / 2
            area = Polygon([_to_lonlat(x0, y0), _to_lonlat(x0 + QUARTER_W, y0),
                            _to_lonlat(x0 + QUARTER_W, y0 + QUARTER_H),
                            _to_lonlat(x0, y0 + QUARTER_H), _to_lonlat(x0, y0)], srid=4326)
            for row in range(ROWS_PER_QUARTER):
                y = y0 + QUARTER_H * (row + 0.5) / ROWS_PER_QUARTER
                for number in range(GRAVES_PER_ROW):
                    x = x0 + QUARTER_W * (number + 0.5) / GRAVES_PER_ROW
                    roll = rng.random()
                    kind = (GraveKind.URN if roll < 0.1 else GraveKind.MASONRY if roll < 0.35
                            else GraveKind.TOMB if roll < 0.37 else GraveKind.EARTH)
                    entries.append({
                        "quarter": str(code), "row": str(row + 1), "number": str(number + 1),
                        "kind": kind, "location": Point(*_to_lonlat(x, y), srid=4326),
                        "quarter_area": area,
                        "in_monuments_register": line == 0 and rng.random() < 0.05,
                    })
    graves = graves_register(gmina=gmina, cemetery=cemetery, entries=entries,
                             reason="demo: register copied from the paper book")
    burials = []
    for grave in graves:
        roll = rng.random()
        if roll < 0.06:
            continue  # a free place
        family = rng.choice(SURNAMES)
        count = 1 if roll < 0.55 else 2 if roll < 0.9 else 3
        for position in range(count):
            female = (position % 2 == 1) if count > 1 else rng.random() < 0.5
            person = _person(rng, family, female, today)
            if rng.random() < 0.01:
                person["infectious_disease"] = True
            burials.append((grave, person))
    burials_register(gmina=gmina, entries=burials,
                     reason="demo: register copied from the paper book")
    for grave in rng.sample(graves, 150):
        holder_register(gmina=gmina, grave=grave, first_name=rng.choice(FEMALE + MALE),
                        last_name=rng.choice(SURNAMES), address="Podkowa Leśna",
                        reason="demo")
    for grave in rng.sample(graves, 20):
        grave_correct(gmina=gmina, grave_id=grave.pk, changes={"holder_allows_details": True},
                      actor=None, reason="demo: the holder agreed in writing")
    _lease_demo(gmina, cemetery)
    return cemetery


# Plausible fees for 20 more years by grave type (zł): demo values, not the town's price list.
DEMO_FEES = {GraveKind.EARTH: 700_00, GraveKind.MASONRY: 1_400_00, GraveKind.URN: 400_00,
             GraveKind.TOMB: 2_500_00}
DEMO_HOLDER_EMAIL = "jan.kowalski@podkowa.test"


def _lease_demo(gmina: Gmina, cemetery) -> None:
    """The fee table, and the demo resident as holder of an earth grave whose 20 years end
    within the year: he sees its lease on the grave page and can prolong and pay it."""
    from django.db.models import Max
    from django.utils import timezone

    from podkowa.accounts.models import User
    from podkowa.cemetery.models import GraveHolder, LeaseFee
    from podkowa.cemetery.services.prolongations import lease_fees_set

    if not LeaseFee.objects.filter(gmina=gmina, cemetery=cemetery).exists():
        lease_fees_set(gmina=gmina, cemetery=cemetery, fees=dict(DEMO_FEES))
    user = User.objects.filter(email=DEMO_HOLDER_EMAIL).first()
    if user is None or GraveHolder.objects.filter(gmina=gmina, user=user).exists():
        return
    today = timezone.localdate()
    start = today.replace(year=today.year - 20, day=1)
    grave = (Grave.objects.filter(gmina=gmina, cemetery=cemetery, kind=GraveKind.EARTH,
                                  in_monuments_register=False, holders__isnull=True)
             .annotate(last=Max("burials__burial_date"))
             .filter(last__gte=start + dt.timedelta(days=40),
                     last__lt=start + dt.timedelta(days=330)).order_by("pk").first())
    if grave is not None:
        holder_register(gmina=gmina, grave=grave, first_name=user.first_name or "Jan",
                        last_name=user.last_name or "Kowalski", user=user,
                        address="ul. Lilpopa 10, 05-807 Podkowa Leśna", email=user.email,
                        reason="demo")
