"""A cemetery's offline pack: every grave the public may find there, with the way to it from
the nearest entrance, in one document the PWA keeps (podkowa/web/templates/web/sw.js). A
family at the gate without a signal can then find any grave of a cemetery opened once before
and be led to it, not only the graves whose pages they happened to open.

The routes are grave_route's (selectors/routes.py), the very ones the route API gives; the
pack only lays them out compactly. Route vertices met by two routes or more (the junctions)
and steps repeated across routes ("After 24 m turn right into alley B") are listed once and
referred to by position: gzipped, the demo's routes come to 27 KB where the same routes as
the API's Features take 43 KB (bench/offline_pack.py; the names and years add 52 KB).

Layout (format 2), all lists to keep the keys out of every row:
  points:  [[lon, lat], …]                           shared route vertices
  steps:   [[instruction, distance_m, maneuver, alley], …]
  graves:  [[grave_id, quarter, row, number, burials, route | null,
             step-free route | true (the route has no stairs) | null (no step-free way)], …]
  burials: [[surname, given_names, family_name, birth_year | null, death_year | null], …]
  route:   [entrance_id, length_m, [point index | [lon, lat], …], [step index, …]]
"""

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import FloatField, Func
from django.utils import timezone

from podkowa.cemetery import text
from podkowa.cemetery.models import Burial, Cemetery, Entrance, Grave, SearchStamp
from podkowa.cemetery.selectors.privacy import hidden_by
from podkowa.cemetery.selectors.routes import grave_route

FORMAT = 2


@dataclass(frozen=True)
class OfflinePack:
    etag: str  # a weak validator: the gzipped body is the same document
    body: bytes  # JSON, UTF-8
    gzipped: bytes


# Two routes per grave, the shortest and the step-free one: each (entrance id, length in m,
# coordinates, steps), or None when the grave cannot be reached so. Kept per cemetery and
# language while the network (its version and the entrances) stays the same: a new burial
# changes the pack's names, not its routes.
_ROUTES: dict[tuple[int, str], tuple[tuple, dict]] = {}
_PACKS: dict[tuple[int, str], tuple[tuple, OfflinePack]] = {}
_LOCK = threading.Lock()


def _network_key(cemetery: Cemetery) -> tuple:
    # Entrances are read on every route request rather than versioned with the alleys: a
    # moved or renamed gate changes the routes, so it is part of the key.
    entrances = tuple(
        (e.pk, e.name, e.location.x, e.location.y)
        for e in Entrance.objects.filter(gmina_id=cemetery.gmina_id, cemetery=cemetery)
        .order_by("pk"))
    return (cemetery.graph_version, entrances)


def _fingerprint(cemetery: Cemetery, network: tuple) -> tuple:
    """Everything the pack is made of that can change: the network, the books (their search
    stamp: services/books.py sets it on every write of names, dates, the holder's wishes
    and a grave's position), and the day (a recent death's details become public on one)."""
    stamp = (SearchStamp.objects.filter(cemetery_id=cemetery.pk)
             .values_list("stamp", flat=True).first())
    return (network, stamp, cemetery.slug, cemetery.name, cemetery.recent_death_privacy_years,
            timezone.localdate())


def _route(grave: Grave, language: str, entrances: list[Entrance], *, step_free: bool):
    try:
        found = grave_route(grave=grave, language=language, entrances=entrances,
                            step_free=step_free)
    except ValidationError:  # no position, or not reachable along the alleys
        return None
    return (found.entrance.pk, round(found.length_m), tuple(found.coordinates),
            tuple((s.instruction, s.distance_m, s.maneuver, s.alley) for s in found.steps))


def _routes(cemetery: Cemetery, network: tuple, language: str, graves: list[tuple]) -> dict:
    """grave id → (route, step-free route), for graves given as (id, quarter, row, number,
    x, y). Graves are
    loaded whole only for the routes not kept: building a GEOS point for each of thousands
    of graves would cost more than the rest of a rebuild after a change of the books."""
    key = (cemetery.pk, language)
    kept = _ROUTES.get(key)
    routes = kept[1] if kept is not None and kept[0] == network else {}
    missing = [g[0] for g in graves if (g[0], g[4], g[5]) not in routes]
    entrances = list(Entrance.objects.filter(gmina_id=cemetery.gmina_id, cemetery=cemetery))
    for start in range(0, len(missing), 500):
        for grave in Grave.objects.filter(gmina_id=cemetery.gmina_id, cemetery=cemetery,
                                          pk__in=missing[start:start + 500]):
            grave.cemetery = cemetery  # what grave_route reads of it, without a query
            where = (grave.pk, *(grave.location.coords if grave.location else (None, None)))
            routes[where] = (_route(grave, language, entrances, step_free=False),
                             _route(grave, language, entrances, step_free=True))
    _ROUTES[key] = (network, routes)
    return {g[0]: routes.get((g[0], g[4], g[5]), (None, None)) for g in graves}


def _year(day, year) -> int | None:
    return day.year if day is not None else year


def _public_graves(cemetery: Cemetery) -> tuple[list[tuple], dict[int, list]]:
    """The graves with someone the public may see by name in the pack, and those people (in
    the grave page's order). The recently deceased whose details the grave page withholds
    are left out altogether: a page shows one grave to someone who asked for it, a pack
    would hand every recent death in the town to anyone who downloads it."""
    years = cemetery.recent_death_privacy_years
    today = timezone.localdate()
    burials: dict[int, list] = {}
    rows = (Burial.objects.filter(gmina_id=cemetery.gmina_id, grave__cemetery=cemetery)
            .order_by("grave_id", "burial_date", "id")
            .values_list("grave_id", "surname", "given_names", "family_name", "birth_date",
                         "birth_year", "death_date", "death_year", "burial_date",
                         "grave__holder_allows_details"))
    for (grave_id, surname, given, family, birth_date, birth_year, death_date, death_year,
         burial_date, allows) in rows.iterator(chunk_size=5000):
        if hidden_by(holder_allows=allows, years=years, death_date=death_date,
                     death_year=death_year, burial_date=burial_date, today=today):
            continue
        burials.setdefault(grave_id, []).append(
            [surname, given, family, _year(birth_date, birth_year),
             _year(death_date, death_year)])
    graves = [row for row in (
        Grave.objects.filter(gmina_id=cemetery.gmina_id, cemetery=cemetery).order_by("pk")
        .values_list("pk", "quarter__code", "row__code", "number",
                     Func("location", function="ST_X", output_field=FloatField()),
                     Func("location", function="ST_Y", output_field=FloatField())))
        if row[0] in burials]
    return graves, burials


def _layout(cemetery: Cemetery, network: tuple, language: str, graves: list[tuple],
            burials: dict, routes: dict) -> dict:
    uses: dict[tuple, int] = {}
    for shortest, step_free in routes.values():
        for route in (shortest, None if step_free == shortest else step_free):
            if route is not None:
                for point in route[2]:
                    uses[point] = uses.get(point, 0) + 1
    # The most used first: the shortest numbers go where they are written most often.
    shared = sorted((p for p, n in uses.items() if n > 1), key=lambda p: (-uses[p], p))
    point_index = {p: i for i, p in enumerate(shared)}
    step_index: dict[tuple, int] = {}

    def packed(route):
        if route is None:
            return None
        entrance_id, length, coordinates, steps = route
        return [entrance_id, length,
                [point_index[p] if p in point_index else list(p) for p in coordinates],
                [step_index.setdefault(s, len(step_index)) for s in steps]]

    rows = []
    for grave_id, quarter, row, number, _x, _y in graves:
        shortest, step_free = routes.get(grave_id, (None, None))
        # Most ways have no stairs on them: then the step-free one is the same, said once.
        rows.append([grave_id, quarter, row, number, burials[grave_id], packed(shortest),
                     True if step_free is not None and step_free == shortest
                     else packed(step_free)])
    return {
        "format": FORMAT,
        "language": language,
        "cemetery": {"id": cemetery.pk, "slug": cemetery.slug, "name": cemetery.name,
                     "graph_version": cemetery.graph_version},
        "fold": text.LETTER_FOLDS,
        "feminine": text.FEMININE_ENDING,
        "entrances": [[pk, name] for pk, name, _x, _y in network[1]],
        "points": [list(p) for p in shared],
        "steps": [list(s) for s in step_index],
        "graves": rows,
    }


def cemetery_offline_pack(*, cemetery: Cemetery, language: str) -> OfflinePack:
    """The pack in this language, built again only when something in it may have changed
    (checking costs three small queries)."""
    network = _network_key(cemetery)
    fingerprint = _fingerprint(cemetery, network)
    key = (cemetery.pk, language)
    kept = _PACKS.get(key)
    if kept is not None and kept[0] == fingerprint:
        return kept[1]
    # One build at a time: on the morning of All Saints a new network must not be routed
    # by every process thread at once.
    with _LOCK:
        kept = _PACKS.get(key)
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
        graves, burials = _public_graves(cemetery)
        routes = _routes(cemetery, network, language, graves)
        data = _layout(cemetery, network, language, graves, burials, routes)
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        pack = OfflinePack(etag=f'W/"{hashlib.sha256(body).hexdigest()[:32]}"', body=body,
                           gzipped=gzip.compress(body, compresslevel=9, mtime=0))
        _PACKS[key] = (fingerprint, pack)
        return pack


def offline_pack_cache_clear() -> None:
    with _LOCK:
        _ROUTES.clear()
        _PACKS.clear()
