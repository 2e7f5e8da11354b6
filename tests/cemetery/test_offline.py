"""The offline pack: what the PWA keeps to find any grave of a cemetery and walk to it
without a network (selectors/offline.py, GET /api/v1/cemetery/cemeteries/{slug}/offline)."""

import datetime as dt
import gzip
import json
import re

from django.utils import timezone

from podkowa.cemetery import text
from podkowa.cemetery.demo import _to_lonlat
from podkowa.cemetery.services.books import burial_register, grave_correct, grave_create
from podkowa.cemetery.services.network import alley_add, entrance_set
from tests.cemetery.conftest import xy


def _pack(client, slug="test", **headers):
    response = client.get(f"/api/v1/cemetery/cemeteries/{slug}/offline", {"lang": "pl"},
                          **headers)
    assert response.status_code == 200, response.content
    return response


def _entry(pack: dict, grave_id: int):
    found = [g for g in pack["graves"] if g[0] == grave_id]
    return found[0] if found else None


def _feature(pack: dict, grave_id: int, step_free: bool = False) -> dict:
    """The pack's route of the grave written out as the route API's Feature."""
    _id, _quarter, _row, _number, _burials, route, step_free_route = _entry(pack, grave_id)
    if step_free and step_free_route is not True:
        route = step_free_route
    entrance_id, length, coordinates, steps = route
    names = dict(pack["entrances"])
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [
            pack["points"][c] if isinstance(c, int) else c for c in coordinates]},
        "properties": {
            "grave_id": grave_id, "entrance": {"id": entrance_id, "name": names[entrance_id]},
            "length_m": length, "step_free": step_free,
            "steps": [dict(zip(("instruction", "distance_m", "maneuver", "alley"),
                               pack["steps"][i], strict=True)) for i in steps]},
    }


def test_the_pack_holds_each_grave_with_its_names_and_the_apis_route(client, gmina,
                                                                       cemetery, grave,
                                                                       burial):
    other = grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="2", number="3",
                         location=xy(97, 10))
    burial_register(gmina=gmina, grave=other, data={
        "surname": "Kowalska", "given_names": "Anna", "family_name": "Nowak",
        "birth_date": "1930", "death_date": "1990-05-01"})
    pack = _pack(client).json()
    assert pack["language"] == "pl" and pack["fold"]["ł"] == "l"
    # The page's offline search turns a feminine ending into the masculine by this pattern,
    # as the server's search keys do: Kowalska and Kowalski find each other offline too.
    assert [re.sub(pack["feminine"], r"\1i", w) for w in ("kowalska", "zawadzka", "nowak")] \
        == [*text.words("Kowalska"), *text.words("Zawadzka"), "nowak"] \
        == ["kowalski", "zawadzki", "nowak"]
    assert _entry(pack, grave.pk)[:5] == [grave.pk, "I", "1", "7",
                                          [["Łukasiewicz", "Ignacy", "", 1822, 1882]]]
    assert _entry(pack, other.pk)[4] == [["Kowalska", "Anna", "Nowak", 1930, 1990]]
    for place in (grave, other):
        for step_free in (False, True):
            api = client.get(f"/api/v1/cemetery/graves/{place.pk}/route",
                             {"lang": "pl", "step_free": step_free}).json()
            assert _feature(pack, place.pk, step_free) == api
    # Łukasiewicz's shortest way climbs the stairs of alley 2, so his step-free way is a
    # route of its own; Kowalska's has no stairs on it and is given once.
    assert isinstance(_entry(pack, grave.pk)[6], list)
    assert _feature(pack, grave.pk, True)["properties"]["length_m"] > \
        _feature(pack, grave.pk)["properties"]["length_m"]
    assert _entry(pack, other.pk)[6] is True
    steps = [s["instruction"] for s in _feature(pack, grave.pk)["properties"]["steps"]]
    assert steps[0] == "Wejdź przez: Brama i idź przez alejkę A"
    # The junctions both routes pass are written once.
    assert len(pack["points"]) >= 2


def test_steps_come_in_the_language_asked_for(client, grave, burial):
    pack = client.get("/api/v1/cemetery/cemeteries/test/offline", {"lang": "en"}).json()
    assert pack["language"] == "en"
    steps = _feature(pack, grave.pk)["properties"]["steps"]
    assert steps[1]["instruction"] == "After 50 m turn left into alley 2 (stairs)"


def test_a_hidden_recent_burial_is_not_in_the_pack(client, gmina, cemetery, grave, burial):
    recent = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    burial_register(gmina=gmina, grave=grave, data={
        "surname": "Zięba", "given_names": "Marta", "birth_date": "1950-01-02",
        "death_date": recent})
    alone = grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="1", number="8",
                         location=xy(60, 40))
    burial_register(gmina=gmina, grave=alone, data={
        "surname": "Wróbel", "given_names": "Jan", "death_date": recent})
    body = _pack(client).content.decode()
    assert "Zięba" not in body and "Wróbel" not in body
    pack = json.loads(body)
    assert [b[0] for b in _entry(pack, grave.pk)[4]] == ["Łukasiewicz"]
    # A grave with nobody the public may see is not listed at all.
    assert _entry(pack, alone.pk) is None
    # Once the holder agrees, the grave page shows her details: so does the pack.
    grave_correct(gmina=gmina, grave_id=grave.pk, changes={"holder_allows_details": True},
                  actor=None, reason="the holder agreed in writing")
    pack = _pack(client).json()
    assert sorted(b[0] for b in _entry(pack, grave.pk)[4]) == ["Zięba", "Łukasiewicz"]
    assert _entry(pack, alone.pk) is None


def test_a_network_change_changes_the_etag_and_a_kept_copy_is_checked_cheaply(
        client, gmina, cemetery, grave, burial):
    first = _pack(client)
    etag = first["ETag"]
    assert etag and "no-cache" in first["Cache-Control"]
    same = client.get("/api/v1/cemetery/cemeteries/test/offline", {"lang": "pl"},
                      HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304 and same.content == b""
    # A short cut along the grave's side: the way changes, and so does the pack.
    alley_add(gmina=gmina, cemetery=cemetery, coords=[_to_lonlat(0, 40), _to_lonlat(50, 40)],
              name="E")
    changed = client.get("/api/v1/cemetery/cemeteries/test/offline", {"lang": "pl"},
                         HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    api = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route", {"lang": "pl"}).json()
    assert _feature(changed.json(), grave.pk) == api
    # A gate moved (entrances are not versioned with the alleys) changes the routes too.
    entrance_set(gmina=gmina, cemetery=cemetery, name="Brama", lon=_to_lonlat(102, -2)[0],
                 lat=_to_lonlat(102, -2)[1])
    moved = _pack(client)
    assert moved["ETag"] != changed["ETag"]
    api = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route", {"lang": "pl"}).json()
    assert _feature(moved.json(), grave.pk) == api


def test_a_grave_moved_on_the_map_gets_its_new_route(client, gmina, grave, burial):
    before = _feature(_pack(client).json(), grave.pk)
    grave_correct(gmina=gmina, grave_id=grave.pk, changes={"location": xy(97, 45)},
                  actor=None, reason="measured again")
    after = _feature(_pack(client).json(), grave.pk)
    assert after != before
    assert after == client.get(f"/api/v1/cemetery/graves/{grave.pk}/route",
                               {"lang": "pl"}).json()


def test_sent_gzipped_to_a_client_that_accepts_it(client, grave, burial):
    plain = _pack(client)
    zipped = _pack(client, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] == plain["ETag"]


def test_a_grave_off_the_alleys_is_listed_without_a_route(client, gmina, cemetery, burial):
    nowhere = grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="2", number="1")
    burial_register(gmina=gmina, grave=nowhere, data={"surname": "Nowak", "given_names": "Jan",
                                                       "death_date": "1901"})
    entry = _entry(_pack(client).json(), nowhere.pk)
    assert entry[4] == [["Nowak", "Jan", "", None, 1901]] and entry[5] is entry[6] is None


def test_another_towns_cemetery_is_404(client, gmina, other_gmina):
    from django_scopes import scope

    from podkowa.cemetery.services.books import cemetery_ensure

    with scope(gmina=other_gmina):
        cemetery_ensure(gmina=other_gmina, slug="m", name="Milanówek")
    assert client.get("/api/v1/cemetery/cemeteries/m/offline").status_code == 404
