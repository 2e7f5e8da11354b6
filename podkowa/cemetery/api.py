"""The cemetery part of the API: search, grave detail, the way to a grave, a cemetery's map
data and its offline pack (what the app keeps for use without a network). All public: finding
a grave needs no account.

Details of the recently deceased are left out (null) unless the grave's holder agreed, the
same as on the website.
"""

import json
import re
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from podkowa.cemetery.models import Cemetery
from podkowa.cemetery.selectors.graves import (
    grave_get,
    grave_public_burials,
    grave_public_content,
)
from podkowa.cemetery.selectors.offline import cemetery_offline_pack
from podkowa.cemetery.selectors.routes import cemetery_map_data, grave_route, route_feature
from podkowa.cemetery.selectors.search import FoundBurial, burial_search, query_parse
from podkowa.core.api_errors import ErrorOut, FieldErrorsOut

router = Router(tags=["cemetery"])


class SearchResultOut(Schema):
    surname: str
    given_names: str
    family_name: str
    birth_date: str | None = Field(description="YYYY-MM-DD, or YYYY when only the year is "
                                               "known; null when hidden or unknown.")
    death_date: str | None
    quarter: str
    row: str
    number: str
    grave_id: int
    cemetery: str
    score: float


class SearchOut(Schema):
    query: str
    results: list[SearchResultOut]


# A plain pydantic model, not a ninja Schema: a Schema's extra validator (for reading ORM
# objects, which query parameters never are) costs more than checking the fields themselves.
class SearchFilters(BaseModel):
    q: str = Field("", max_length=200, description=(
        "Names in any order, with or without Polish letters; a four-digit number is a year "
        "of birth or death (± tolerance)."))
    born: int | None = Field(None, ge=1000, le=2200, description="Year of birth.")
    died: int | None = Field(None, ge=1000, le=2200, description="Year of death.")
    tolerance: int = Field(1, ge=0, le=10, description="± years for born, died and years in q.")
    quarter: str = Field("", max_length=20)
    cemetery: str = Field("", max_length=80, description="A cemetery's short name (slug).")
    limit: int = Field(10, ge=1, le=50)


def _partial(day: date | None, year: int | None) -> str | None:
    if day is not None:
        return day.isoformat()
    return str(year) if year else None


def search_result(found: FoundBurial, score: float = 0.0) -> dict:
    hidden = found.hidden
    return {
        "surname": found.surname, "given_names": found.given_names,
        "family_name": found.family_name,
        "birth_date": None if hidden else _partial(found.birth_date, found.birth_year),
        "death_date": None if hidden else _partial(found.death_date, found.death_year),
        "quarter": found.quarter, "row": found.row, "number": found.number,
        "grave_id": found.grave_id, "cemetery": found.cemetery, "score": score,
    }


def _cemetery(request: HttpRequest, slug: str) -> Cemetery | None:
    if not slug:
        return None
    found = Cemetery.objects.filter(gmina=request.gmina, slug=slug).first()
    if found is None:
        raise Http404
    return found


@router.get("/search", url_name="cemetery_search",
            response={200: SearchOut, 404: ErrorOut}, auth=None)
def search(request: HttpRequest, filters: Query[SearchFilters]):
    """Find a person buried in the town's cemeteries, best matches first."""
    query = query_parse(filters.q, born=filters.born, died=filters.died,
                        tolerance=filters.tolerance, quarter=filters.quarter)
    hits = burial_search(gmina=request.gmina, query=query,
                         cemetery=_cemetery(request, filters.cemetery), limit=filters.limit)
    data = {"query": filters.q, "results": [search_result(h.burial, h.score) for h in hits]}
    # Rendered as is: the dicts are built field by field from typed values above, so
    # checking them against SearchOut again would only cost time on the busiest endpoint.
    return HttpResponse(json.dumps(data, cls=NinjaJSONEncoder),
                        content_type="application/json; charset=utf-8")


class BurialOut(Schema):
    surname: str
    given_names: str
    family_name: str
    birth_date: str | None
    death_date: str | None
    burial_date: str | None
    details_hidden: bool = Field(description="Recently deceased: dates and places withheld.")
    birth_place: str | None
    death_place: str | None


class NoteOut(Schema):
    text: str
    author_name: str


class PhotoOut(Schema):
    url: str
    caption: str


class EntranceOut(Schema):
    id: int
    name: str


class GraveOut(Schema):
    id: int
    cemetery: str
    cemetery_slug: str
    quarter: str
    row: str
    number: str
    kind: str
    kind_label: str
    in_monuments_register: bool
    location: list[float] | None = Field(description="[longitude, latitude] (WGS84).")
    burials: list[BurialOut]
    notes: list[NoteOut]
    photos: list[PhotoOut]
    entrances: list[EntranceOut]
    page_url: str


def grave_detail_data(request: HttpRequest, grave) -> dict:
    from django.urls import reverse

    notes, photos = grave_public_content(grave=grave)
    burials = []
    for item in grave_public_burials(grave=grave):
        b = item.burial
        burials.append({
            "surname": b.surname, "given_names": b.given_names, "family_name": b.family_name,
            "birth_date": None if item.hidden else _partial(b.birth_date, b.birth_year),
            "death_date": None if item.hidden else _partial(b.death_date, b.death_year),
            "burial_date": None if item.hidden or not b.burial_date else
            b.burial_date.isoformat(),
            "details_hidden": item.hidden,
            "birth_place": None if item.hidden else b.birth_place,
            "death_place": None if item.hidden else b.death_place,
        })
    return {
        "id": grave.pk, "cemetery": grave.cemetery.name, "cemetery_slug": grave.cemetery.slug,
        "quarter": grave.quarter.code, "row": grave.row.code, "number": grave.number,
        "kind": grave.kind, "kind_label": str(grave.get_kind_display()),
        "in_monuments_register": grave.in_monuments_register,
        "location": ([round(grave.location.x, 7), round(grave.location.y, 7)]
                     if grave.location else None),
        "burials": burials,
        "notes": [{"text": n.text, "author_name": n.author_name} for n in notes],
        "photos": [{"url": reverse("cemetery:photo", args=[p.pk]), "caption": p.caption}
                   for p in photos],
        "entrances": [{"id": e.pk, "name": e.name}
                      for e in grave.cemetery.entrances.filter(gmina_id=grave.gmina_id)],
        "page_url": request.build_absolute_uri(reverse("cemetery:grave", args=[grave.pk])),
    }


@router.get("/graves/{int:grave_id}", response={200: GraveOut, 404: ErrorOut}, auth=None)
def grave_detail(request: HttpRequest, grave_id: int):
    """Who rests in the grave, its place, published notes and photos."""
    return grave_detail_data(request, grave_get(gmina=request.gmina, grave_id=grave_id))


class StepOut(Schema):
    instruction: str
    distance_m: int = Field(description="Metres walked before this step.")
    maneuver: str = Field(description="depart, straight, slight_left, left, sharp_left (and "
                                      "right), arrive_left, arrive_right, arrive_ahead.")
    alley: str


class RouteEntranceOut(Schema):
    id: int
    name: str


class RoutePropertiesOut(Schema):
    grave_id: int
    entrance: RouteEntranceOut
    length_m: int
    step_free: bool
    steps: list[StepOut]


class LineStringOut(Schema):
    type: str = Field("LineString")
    coordinates: list[list[float]]


class RouteOut(Schema):
    type: str = Field("Feature")
    geometry: LineStringOut
    properties: RoutePropertiesOut


class RouteFilters(Schema):
    entrance: int | None = Field(None, description="An entrance id; the nearest by walking "
                                                   "when left out.")
    step_free: bool = Field(False, description="Avoid alleys marked as stairs.")
    lang: str = Field("", description="pl or en; else the Accept-Language header.")


def _language(lang: str) -> str:
    return lang if lang in ("pl", "en") else translation.get_language()


@router.get("/graves/{int:grave_id}/route", url_name="cemetery_grave_route",
            response={200: RouteOut, 400: FieldErrorsOut, 404: ErrorOut}, auth=None)
def grave_route_api(request: HttpRequest, grave_id: int, filters: Query[RouteFilters]):
    """The way from an entrance to the grave along the alleys: a GeoJSON LineString Feature
    whose properties hold the turn-by-turn steps."""
    grave = grave_get(gmina=request.gmina, grave_id=grave_id)
    route = grave_route(grave=grave, entrance_id=filters.entrance,
                        step_free=filters.step_free, language=_language(filters.lang))
    return route_feature(route, grave)


@router.get("/cemeteries/{slug}/map", url_name="cemetery_map",
            response={200: dict, 404: ErrorOut}, auth=None)
def cemetery_map(request: HttpRequest, slug: str):
    """One cemetery's map in one call — quarters, alleys (with stairs), entrances, graves and
    the orthophoto's address and corners — for drawing and for the offline cache. A GeoJSON
    FeatureCollection with a `cemetery` member; each feature's `properties.kind` says what it
    is."""
    cemetery = Cemetery.objects.filter(gmina=request.gmina, slug=slug).first()
    if cemetery is None:
        raise Http404
    return cemetery_map_data(cemetery=cemetery)


class OfflineCemeteryOut(Schema):
    id: int
    slug: str
    name: str
    graph_version: int


# [entrance_id, length_m, coordinates, steps], see OfflinePackOut.graves.
_PackedRoute = tuple[int, int, list[int | list[float]], list[int]]


class OfflinePackOut(Schema):
    format: int = Field(description="2: the layout described here.")
    language: str = Field(description="The language of the steps.")
    cemetery: OfflineCemeteryOut
    fold: dict[str, str] = Field(description=(
        "Letters to replace after lower-casing, before stripping accents (NFKD), when folding "
        "a typed name for the search: the server's own table (ł → l, …)."))
    feminine: str = Field(description=(
        "A regular expression (JavaScript and Python alike) of the feminine surname endings: "
        "a folded word it matches is searched as its group 1 + \"i\" (kowalska → kowalski), "
        "as the server's search keys are, so either form finds both."))
    entrances: list[tuple[int, str]] = Field(description="[id, name] of each entrance.")
    points: list[list[float]] = Field(description=(
        "[longitude, latitude] of the route vertices that two or more routes pass."))
    steps: list[tuple[str, int, str, str]] = Field(description=(
        "[instruction, distance_m, maneuver, alley]: the steps of the routes, each once "
        "(see the route's StepOut)."))
    graves: list[tuple[int, str, str, str, list[tuple[str, str, str, int | None, int | None]],
                       _PackedRoute | None, _PackedRoute | bool | None]] = Field(
        description=(
            "[grave_id, quarter, row, number, burials, route, step_free_route] of each grave "
            "with someone "
            "shown by name; a burial is [surname, given_names, family_name, birth_year, "
            "death_year] (the recently deceased whose details are withheld are left out). "
            "route is null when the grave cannot be reached, else [entrance_id, length_m, "
            "coordinates, steps]: each coordinate an index into `points` or a [longitude, "
            "latitude] of its own, each step an index into `steps`. Decoded, it is the "
            "Feature that /graves/{id}/route gives (from the nearest entrance, stairs allowed). "
            "step_free_route is the same with ?step_free=1: true when it is `route` itself (no "
            "stairs on it), null when there is no step-free way."))


class OfflineFilters(Schema):
    lang: str = Field("", description="pl or en; else the Accept-Language header.")


_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


@router.get("/cemeteries/{slug}/offline", url_name="cemetery_offline",
            response={200: OfflinePackOut, 304: None, 404: ErrorOut}, auth=None)
def cemetery_offline(request: HttpRequest, slug: str, filters: Query[OfflineFilters]):
    """Everything needed to find any grave of the cemetery and walk to it without a network:
    the graves with the names and years the public may see, and the way to each from the
    nearest entrance with its steps, compactly. Send If-None-Match with the ETag kept: a 304
    means the kept copy is current."""
    cemetery = Cemetery.objects.filter(gmina=request.gmina, slug=slug).first()
    if cemetery is None:
        raise Http404
    pack = cemetery_offline_pack(cemetery=cemetery, language=_language(filters.lang))
    not_modified = get_conditional_response(request, etag=pack.etag)
    if not_modified is None:
        gzipped = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        response = HttpResponse(pack.gzipped if gzipped else pack.body,
                                content_type="application/json; charset=utf-8")
        if gzipped:
            response["Content-Encoding"] = "gzip"
    else:
        response = not_modified
    response["ETag"] = pack.etag
    # Public data, but asked again each time (a 304 when unchanged): a holder's withdrawn
    # consent or a corrected name must not wait out a cache lifetime.
    response["Cache-Control"] = "public, no-cache"
    patch_vary_headers(response, ("Accept-Encoding", "Accept-Language"))
    return response
