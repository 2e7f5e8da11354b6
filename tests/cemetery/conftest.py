import pytest
from django.contrib.gis.geos import Point

from podkowa.cemetery import routing
from podkowa.cemetery.demo import _to_lonlat
from podkowa.cemetery.selectors.offline import offline_pack_cache_clear
from podkowa.cemetery.services.books import (
    burial_register,
    cemetery_ensure,
    grave_create,
)
from podkowa.cemetery.services.network import alleys_bulk_add, entrance_set


@pytest.fixture(autouse=True)
def _fresh_graphs():
    routing.cache_clear()
    offline_pack_cache_clear()
    yield
    routing.cache_clear()
    offline_pack_cache_clear()


def xy(x: float, y: float) -> Point:
    return Point(*_to_lonlat(x, y), srid=4326)


@pytest.fixture
def cemetery(gmina):
    """A small cemetery: a 100 m × 50 m grid of alleys (A along the south wall, B along the
    north, 1/2/3 across), stairs on alley 2, the gate at the south-west corner."""
    c = cemetery_ensure(gmina=gmina, slug="test", name="Cmentarz testowy",
                        location=xy(50, 25))
    line = lambda *pts: [_to_lonlat(*p) for p in pts]  # noqa: E731
    alleys_bulk_add(gmina=gmina, cemetery=c, segments=[
        {"coords": line((0, 0), (50, 0)), "name": "A"},
        {"coords": line((50, 0), (100, 0)), "name": "A"},
        {"coords": line((0, 50), (50, 50)), "name": "B"},
        {"coords": line((50, 50), (100, 50)), "name": "B"},
        {"coords": line((0, 0), (0, 50)), "name": "1"},
        {"coords": line((50, 0), (50, 50)), "name": "2", "stairs": True},
        {"coords": line((100, 0), (100, 50)), "name": "3"},
    ])
    entrance_set(gmina=gmina, cemetery=c, name="Brama", lon=_to_lonlat(0, -2)[0],
                 lat=_to_lonlat(0, -2)[1])
    return c


@pytest.fixture
def grave(gmina, cemetery):
    """A grave 3 m east of alley 2, 40 m up from alley A."""
    return grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="1", number="7",
                        location=xy(53, 40))


@pytest.fixture
def burial(gmina, grave):
    return burial_register(gmina=gmina, grave=grave, data={
        "surname": "Łukasiewicz", "given_names": "Ignacy", "birth_date": "1822-03-23",
        "death_date": "1882-03-07", "burial_date": "1882-03-10",
        "birth_place": "Zaduszniki", "death_place": "Chorkówka"})
