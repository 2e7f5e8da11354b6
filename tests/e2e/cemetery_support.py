"""A small cemetery for the browser tests: four alleys (one of them stairs), a gate and two
graves, one of them Ignacy Łukasiewicz's."""

from django.contrib.gis.geos import Point
from django_scopes import scope, scopes_disabled

from podkowa.cemetery.demo import _to_lonlat
from podkowa.cemetery.services.books import burial_register, cemetery_ensure, grave_create
from podkowa.cemetery.services.network import alleys_bulk_add, entrance_set
from podkowa.core.models import Gmina


def build_cemetery_town():
    """Returns Łukasiewicz's grave (in the demo town the `site` fixture made)."""
    with scopes_disabled():
        gmina = Gmina.objects.get(teryt="1405021")
    with scope(gmina=gmina):
        c = cemetery_ensure(gmina=gmina, slug="komunalny", name="Cmentarz Komunalny")
        line = lambda *pts: [_to_lonlat(*p) for p in pts]  # noqa: E731
        alleys_bulk_add(gmina=gmina, cemetery=c, segments=[
            {"coords": line((0, 0), (60, 0)), "name": "A"},
            {"coords": line((60, 0), (60, 40)), "name": "B"},
            {"coords": line((0, 0), (0, 40)), "name": "C", "stairs": True},
            {"coords": line((0, 40), (60, 40)), "name": "D"},
        ])
        entrance_set(gmina=gmina, cemetery=c, name="Brama główna",
                     lon=_to_lonlat(-2, 0)[0], lat=_to_lonlat(-2, 0)[1])
        grave = grave_create(gmina=gmina, cemetery=c, quarter="II", row="3", number="12",
                             location=Point(*_to_lonlat(57, 30), srid=4326))
        burial_register(gmina=gmina, grave=grave, data={
            "surname": "Łukasiewicz", "given_names": "Ignacy", "birth_date": "1822-03-23",
            "death_date": "1882-03-07"})
        other = grave_create(gmina=gmina, cemetery=c, quarter="II", row="3", number="13",
                             location=Point(*_to_lonlat(57, 20), srid=4326))
        burial_register(gmina=gmina, grave=other, data={
            "surname": "Kowalski", "given_names": "Jan", "death_date": "1950"})
    return grave
