"""The way from an entrance to a grave, with turn-by-turn steps, and the map data of a
cemetery (what the PWA keeps for offline use)."""

import itertools
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from podkowa.cemetery import routing
from podkowa.cemetery.models import AlleyEdge, Cemetery, Entrance, Grave

# A step shorter than this is folded into the next one ("after 0 m turn left" helps nobody).
MIN_STEP_M = 3.0


def cemetery_graph(cemetery: Cemetery) -> routing.Graph:
    def load():
        return [
            (e.pk, list(e.path.coords), e.length_m, e.is_stairs, e.name)
            for e in AlleyEdge.objects.filter(gmina_id=cemetery.gmina_id, cemetery=cemetery)
            .order_by("pk")
        ]

    return routing.cached_graph(cemetery.pk, cemetery.graph_version, load)


def _graves_prepare(graph: routing.Graph, cemetery: Cemetery,
                    spots: tuple[tuple[float, float], ...]) -> None:
    """Every grave of the cemetery snapped, with its nearest entrance, once per network
    version: the first request pays for all (as for the entrances' trees), the others
    look theirs up. A grave moved or added since is worked out at its next request."""
    if graph.graves_prepared:
        return

    def load():
        rows = Grave.objects.filter(gmina_id=cemetery.gmina_id, cemetery=cemetery,
                                    location__isnull=False).values_list("pk", "location")
        return [(pk, location.x, location.y) for pk, location in rows.iterator()]

    routing.graves_prepare(graph, load, spots)


@dataclass
class Step:
    instruction: str
    distance_m: int
    maneuver: str
    alley: str


@dataclass
class GraveRoute:
    entrance: Entrance
    length_m: float
    coordinates: list[tuple[float, float]]  # lon, lat
    steps: list[Step]
    step_free: bool


# Marked for translation here, translated once per language (_wordings): a request's steps
# then cost formatting only, no catalogue look-ups.
_TURNS = {
    "straight": gettext_noop("After %(distance)s m go straight on into %(alley)s"),
    "slight_left": gettext_noop("After %(distance)s m bear left into %(alley)s"),
    "slight_right": gettext_noop("After %(distance)s m bear right into %(alley)s"),
    "left": gettext_noop("After %(distance)s m turn left into %(alley)s"),
    "right": gettext_noop("After %(distance)s m turn right into %(alley)s"),
    "sharp_left": gettext_noop("After %(distance)s m turn sharp left into %(alley)s"),
    "sharp_right": gettext_noop("After %(distance)s m turn sharp right into %(alley)s"),
}
_ARRIVALS = {
    "left": gettext_noop("After %(distance)s m the grave is on your left"),
    "right": gettext_noop("After %(distance)s m the grave is on your right"),
    "ahead": gettext_noop("After %(distance)s m you reach the grave"),
}
_PHRASES = {
    "enter": gettext_noop("Enter through %(entrance)s and walk along %(alley)s"),
    "alley": gettext_noop("alley %(name)s"),
    "path": gettext_noop("the path"),
    "stairs": gettext_noop("(stairs)"),
}


@dataclass(frozen=True)
class _Wordings:
    turns: dict[str, str]
    arrivals: dict[str, str]
    enter: str
    alley: str
    path: str
    stairs: str


_WORDINGS: dict[str, _Wordings] = {}


def _wordings(language: str) -> _Wordings:
    """The steps' templates in one language (the catalogues do not change while a process
    runs)."""
    found = _WORDINGS.get(language)
    if found is None:
        with translation.override(language):
            found = _WORDINGS[language] = _Wordings(
                {key: _(text) for key, text in _TURNS.items()},
                {key: _(text) for key, text in _ARRIVALS.items()},
                **{key: _(text) for key, text in _PHRASES.items()})
    return found


def _alley(name: str, words: _Wordings | None = None) -> str:
    if words is None:
        words = _wordings(translation.get_language())
    return words.alley % {"name": name} if name else words.path


def _steps(graph: routing.Graph, route: routing.Route, entrance: Entrance,
           grave_xy: tuple[float, float], words: _Wordings | None = None) -> list[Step]:
    """The turn-by-turn steps, in `words` (else the active language's)."""
    if words is None:
        words = _wordings(translation.get_language())
    legs = [leg for leg in route.legs if leg.length >= MIN_STEP_M] or route.legs[-1:]
    steps: list[Step] = []
    if not legs:
        return steps
    first = legs[0]
    steps.append(Step(words.enter % {"entrance": entrance.name,
                                     "alley": _alley(first.name, words)},
                      0, "depart", first.name))
    for previous, leg in itertools.pairwise(legs):
        before = routing._direction_at_end(previous.points)
        after = routing._direction_at_start(leg.points)
        maneuver = routing.turn_between(before, after)
        distance = round(previous.length)
        line = words.turns[maneuver] % {"distance": distance,
                                        "alley": _alley(leg.name, words)}
        if leg.stairs:
            line += " " + words.stairs
        steps.append(Step(line, distance, maneuver, leg.name))
    last = legs[-1]
    side = routing.side_of(last.points, grave_xy)
    distance = round(last.length)
    arrive = words.arrivals[side] % {"distance": distance}
    steps.append(Step(arrive, distance, f"arrive_{side}", last.name))
    return steps


def grave_route(*, grave: Grave, entrance_id: int | None = None, step_free: bool = False,
                language: str | None = None,
                entrances: list[Entrance] | None = None) -> GraveRoute:
    """The shortest way from the chosen entrance (else the one nearest along the alleys).

    `entrances`: the cemetery's entrances when the caller routes many graves at once (the
    offline pack) and has read them already; a request reads them fresh."""
    cemetery = grave.cemetery
    if grave.location is None:
        raise ValidationError({"grave": _("This grave has no position on the map yet.")})
    if entrances is None:
        entrances = list(Entrance.objects.filter(gmina_id=grave.gmina_id, cemetery=cemetery))
    if entrance_id is not None:
        entrances = [e for e in entrances if e.pk == entrance_id]
        if not entrances:
            raise ValidationError({"entrance": _("No such entrance of this cemetery.")})
    if not entrances:
        raise ValidationError({"entrance": _("The cemetery has no entrances on the map.")})
    graph = cemetery_graph(cemetery)
    spots = tuple((e.location.x, e.location.y) for e in entrances)
    lon, lat = grave.location.x, grave.location.y
    if entrance_id is None:
        _graves_prepare(graph, cemetery, spots)
        way, route = routing.way_to_grave(graph, grave.pk, lon, lat, spots,
                                          step_free=step_free)
        target, best = way.target, way.best
    else:  # a request's own choice: the grave's kept snap, the one entrance's tree
        target = routing.grave_target(graph, grave.pk, lon, lat, step_free=step_free)
        best = (None if target is None else
                routing.nearest_entrance(graph, target, spots, step_free=step_free))
        route = routing.route_from_tree(graph, best[3], target) if best is not None else None
    if target is None:
        raise ValidationError({"grave": _("The cemetery has no alleys on the map yet.")})
    if route is None:
        raise ValidationError({"step_free": _(
            "There is no step-free way to this grave.") if step_free else _(
            "This grave cannot be reached along the alleys on the map.")})
    _cost, index, source, _tree = best
    entrance = entrances[index]
    grave_xy = graph.to_xy(lon, lat)
    entrance_xy = graph.to_xy(*spots[index])
    points: list[tuple[float, float]] = [entrance_xy]
    for leg in route.legs:
        points.extend(leg.points)
    points.append(grave_xy)
    coordinates = []
    for point in points:
        lonlat = graph.to_lonlat(*point)
        if not coordinates or coordinates[-1] != lonlat:
            coordinates.append(lonlat)
    steps = _steps(graph, route, entrance, grave_xy,
                   _wordings(language or translation.get_language()))
    walk = (math.dist(entrance_xy, source.point) + route.length
            + math.dist(route.end, grave_xy))
    return GraveRoute(entrance=entrance, length_m=walk, coordinates=coordinates,
                      steps=steps, step_free=step_free)


def route_feature(route: GraveRoute, grave: Grave) -> dict:
    """GeoJSON (RFC 7946) Feature of the route: a LineString with the steps."""
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in route.coordinates]},
        "properties": {
            "grave_id": grave.pk,
            "entrance": {"id": route.entrance.pk, "name": route.entrance.name},
            "length_m": round(route.length_m),
            "step_free": route.step_free,
            "steps": [{"instruction": s.instruction, "distance_m": s.distance_m,
                       "maneuver": s.maneuver, "alley": s.alley} for s in route.steps],
        },
    }


def _point(geom) -> list[float]:
    return [round(geom.x, 7), round(geom.y, 7)]


def _ring(geom) -> list:
    return [[[round(x, 7), round(y, 7)] for x, y in ring] for ring in geom.coords]


def cemetery_map_data(*, cemetery: Cemetery, graves: bool = True) -> dict:
    """Everything the map of one cemetery draws, as one GeoJSON FeatureCollection-like dict:
    what the PWA caches to show the map and routes offline."""
    gmina_id = cemetery.gmina_id
    features = []
    for quarter in cemetery.quarters.filter(gmina_id=gmina_id, area__isnull=False):
        features.append({"type": "Feature", "id": f"quarter-{quarter.pk}",
                         "geometry": {"type": "Polygon", "coordinates": _ring(quarter.area)},
                         "properties": {"kind": "quarter", "code": quarter.code}})
    for edge in AlleyEdge.objects.filter(gmina_id=gmina_id, cemetery=cemetery).order_by("pk"):
        features.append({"type": "Feature", "id": f"alley-{edge.pk}",
                         "geometry": {"type": "LineString", "coordinates": [
                             [round(x, 7), round(y, 7)] for x, y in edge.path.coords]},
                         "properties": {"kind": "alley", "name": edge.name,
                                        "length_m": round(edge.length_m, 1),
                                        "stairs": edge.is_stairs}})
    for entrance in Entrance.objects.filter(gmina_id=gmina_id, cemetery=cemetery):
        features.append({"type": "Feature", "id": f"entrance-{entrance.pk}",
                         "geometry": {"type": "Point", "coordinates": _point(entrance.location)},
                         "properties": {"kind": "entrance", "name": entrance.name,
                                        "entrance_id": entrance.pk}})
    if graves:
        rows = (Grave.objects.filter(gmina_id=gmina_id, cemetery=cemetery,
                                     location__isnull=False)
                .values_list("pk", "location", "quarter__code", "row__code", "number"))
        for pk, location, quarter, row, number in rows:
            features.append({"type": "Feature", "id": f"grave-{pk}",
                             "geometry": {"type": "Point", "coordinates": _point(location)},
                             "properties": {"kind": "grave", "grave_id": pk,
                                            "place": f"{quarter}/{row}/{number}"}})
    return {
        "type": "FeatureCollection",
        "cemetery": {"id": cemetery.pk, "slug": cemetery.slug, "name": cemetery.name,
                     "graph_version": cemetery.graph_version,
                     "center": _point(cemetery.location) if cemetery.location else None,
                     "orthophoto": ({"url": cemetery.orthophoto.url,
                                     "bounds": cemetery.orthophoto_bounds}
                                    if cemetery.orthophoto_bounds else None)},
        "features": features,
    }
