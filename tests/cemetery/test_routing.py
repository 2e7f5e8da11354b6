
from podkowa.cemetery.demo import _to_lonlat
from podkowa.cemetery.selectors.routes import grave_route, route_feature
from podkowa.cemetery.services.network import alley_add
from tests.cemetery.conftest import xy


def test_shortest_way_goes_up_the_stairs_and_ends_on_the_right_side(grave, english):
    route = grave_route(grave=grave, language="en")
    # Gate → A east 50 m → up alley 2 (stairs) 40 m; the grave is 3 m to the east (right).
    assert round(route.length_m) == 2 + 50 + 40 + 3
    texts = [s.instruction for s in route.steps]
    assert texts[0] == "Enter through Brama and walk along alley A"
    assert texts[1] == "After 50 m turn left into alley 2 (stairs)"
    assert texts[-1] == "After 40 m the grave is on your right"


def test_step_free_route_avoids_the_stairs(grave):
    route = grave_route(grave=grave, step_free=True, language="en")
    # Up alley 1 (50 m), along B (50 m), to the grave's projection on… alley 3? No: the
    # nearest step-free alley to the grave is B (10 m north of it) — 2 + 50 + 50 + 3 + 10.
    assert route.step_free
    assert all("stairs" not in s.instruction for s in route.steps)
    assert round(route.length_m) == 2 + 50 + 53 + 10
    assert route.steps[1].instruction == "After 50 m turn right into alley B"


def test_steps_in_polish(grave):
    route = grave_route(grave=grave, language="pl")
    assert route.steps[1].instruction == "Po 50 m skręć w lewo w alejkę 2 (schody)"
    assert route.steps[-1].instruction == "Po 40 m grób będzie po prawej stronie"


def test_route_feature_is_geojson_linestring_from_entrance_to_grave(grave):
    route = grave_route(grave=grave, language="en")
    feature = route_feature(route, grave)
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "LineString"
    coords = feature["geometry"]["coordinates"]
    assert coords[0] == list(_to_lonlat(0, -2))
    assert coords[-1] == [round(grave.location.x, 7), round(grave.location.y, 7)]
    assert len(feature["properties"]["steps"]) == 3


def test_a_new_alley_changes_the_route_without_restart(gmina, cemetery, grave):
    before = grave_route(grave=grave, language="en").length_m
    # A diagonal short-cut from the gate's corner straight to alley 2 near the grave.
    alley_add(gmina=gmina, cemetery=cemetery, name="Skrót",
              coords=[_to_lonlat(0, 0), _to_lonlat(50, 40)])
    cemetery.refresh_from_db()
    grave.refresh_from_db()
    after = grave_route(grave=grave, language="en").length_m
    assert after < before - 20


def test_chosen_entrance_is_used(gmina, cemetery, grave):
    from podkowa.cemetery.services.network import entrance_set

    east = entrance_set(gmina=gmina, cemetery=cemetery, name="Furtka",
                        lon=_to_lonlat(102, 50)[0], lat=_to_lonlat(102, 50)[1])
    route = grave_route(grave=grave, entrance_id=east.pk, language="en")
    assert route.entrance == east
    # Nearest entrance by walking: the gate (95 m) beats the east gate (2+50+10+3=65)? No —
    # the east gate is nearer, so it is also what "nearest" picks.
    assert grave_route(grave=grave, language="en").entrance == east


def test_entrance_trees_and_a_star_agree_on_a_random_network():
    import random

    from podkowa.cemetery import routing

    rng = random.Random(5)
    segments = []
    n = 12
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n and rng.random() < 0.85:
                    a, b = _to_lonlat(i * 10, j * 10), _to_lonlat((i + di) * 10, (j + dj) * 10)
                    segments.append((len(segments), [a, b], 10 * (1 + rng.random()),
                                     rng.random() < 0.1, f"{i}-{j}"))
    graph = routing.graph_build(segments)
    for step_free in (False, True):
        source = routing.snap(graph, *_to_lonlat(0, -1), step_free=step_free)
        tree = routing.tree_for(graph, source, step_free=step_free)
        for _ in range(40):
            target = routing.snap(graph, *_to_lonlat(rng.uniform(0, 110), rng.uniform(0, 110)),
                                  step_free=step_free)
            by_tree = routing.route_from_tree(graph, tree, target)
            by_search = routing.shortest_route(graph, source, target, step_free=step_free)
            assert (by_tree is None) == (by_search is None)
            if by_tree is not None:
                assert abs(by_tree.length - by_search.length) < 1e-6
                walked = sum(leg.length for leg in by_tree.legs)
                assert abs(walked - by_tree.length) < 1e-6


def test_a_new_alley_ending_in_the_middle_of_others_splits_them_and_routes_through(
        gmina, cemetery, grave):
    from podkowa.cemetery.models import AlleyEdge

    before = grave_route(grave=grave, step_free=True, language="en")
    assert round(before.length_m) == 2 + 50 + 53 + 10  # round by alley B
    # Alley C, drawn by hand from about the middle of alley 1 (1 m off it) to the middle of
    # alley 2 (the stairs).
    alley_add(gmina=gmina, cemetery=cemetery, name="C",
              coords=[_to_lonlat(1.0, 40.3), _to_lonlat(50.0, 40.0)])
    edges = {(e.name, round(e.length_m)): e for e in AlleyEdge.objects.filter(gmina=gmina)}
    assert {k for k in edges if k[0] in ("1", "2")} == {("1", 40), ("1", 10), ("2", 40),
                                                         ("2", 10)}
    assert edges[("2", 40)].is_stairs and edges[("2", 10)].is_stairs
    new = edges[("C", 50)]
    assert new.path.coords[0] == edges[("1", 40)].path.coords[-1]  # one junction
    cemetery.refresh_from_db()
    grave.refresh_from_db()
    after = grave_route(grave=grave, step_free=True, language="en")
    # Up alley 1 to the new junction, along C, 3 m to the grave: no stairs, 20 m shorter.
    assert round(after.length_m) == 2 + 40 + 50 + 3
    assert [s.instruction for s in after.steps][1] == "After 40 m turn right into alley C"


def test_an_end_far_from_any_alley_splits_nothing(gmina, cemetery):
    from podkowa.cemetery.models import AlleyEdge

    count = AlleyEdge.objects.filter(gmina=gmina).count()
    alley_add(gmina=gmina, cemetery=cemetery, name="Ślepa",
              coords=[_to_lonlat(25, 0), _to_lonlat(25, 20)])  # from A's middle into a quarter
    assert AlleyEdge.objects.filter(gmina=gmina).count() == count + 2  # A split, plus Ślepa
    alley_add(gmina=gmina, cemetery=cemetery, name="Wyspa",
              coords=[_to_lonlat(75, 5), _to_lonlat(75, 45)])  # 5 m from A and from B
    assert AlleyEdge.objects.filter(gmina=gmina).count() == count + 3


def _steps_of(client, grave, **params):
    response = client.get(f"/api/v1/cemetery/graves/{grave.pk}/route", {"lang": "en", **params})
    assert response.status_code == 200
    properties = response.json()["properties"]
    return properties["length_m"], [s["instruction"] for s in properties["steps"]]


def test_a_moved_grave_is_routed_to_its_new_place_at_the_very_next_request(
        client, gmina, grave):
    from podkowa.cemetery.models import Entrance
    from podkowa.cemetery.services.books import grave_correct

    # The first request snaps every grave of the cemetery and keeps the snaps; the first
    # step-free one keeps the grave's step-free snap.
    assert _steps_of(client, grave)[0] == 95
    assert _steps_of(client, grave, step_free="true")[1][1] == (
        "After 50 m turn right into alley B")
    # Moved to 3 m west of alley 3, 10 m up from A: the network (its version) is unchanged.
    grave_correct(gmina=gmina, grave_id=grave.pk, changes={"location": xy(97, 10)},
                  actor=None, reason="surveyed again")
    moved = (2 + 100 + 10 + 3, [
        "Enter through Brama and walk along alley A",
        "After 100 m turn left into alley 3",
        "After 10 m the grave is on your left"])
    brama = Entrance.objects.get(gmina=gmina, name="Brama")
    assert _steps_of(client, grave, entrance=brama.pk) == moved  # the chosen entrance's path
    assert _steps_of(client, grave) == moved
    # Step-free, the same way (alley 3 has no stairs), no longer by alley B.
    assert _steps_of(client, grave, step_free="true") == moved


def test_a_grave_added_after_the_snapping_is_routed(client, gmina, cemetery, grave):
    from podkowa.cemetery.services.books import grave_create

    _steps_of(client, grave)
    new = grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="1", number="8",
                       location=xy(97, 10))
    assert _steps_of(client, new)[1][-1] == "After 10 m the grave is on your left"


def test_an_entrance_set_after_the_snapping_is_chosen_when_nearer(client, gmina, cemetery,
                                                                   grave):
    from podkowa.cemetery.services.network import entrance_set

    assert _steps_of(client, grave)[1][0] == "Enter through Brama and walk along alley A"
    # Entrances do not change the network version: each request's entrances are compared.
    entrance_set(gmina=gmina, cemetery=cemetery, name="Furtka", lon=_to_lonlat(102, 50)[0],
                 lat=_to_lonlat(102, 50)[1])
    length, steps = _steps_of(client, grave)
    assert (length, steps[0]) == (2 + 50 + 10 + 3, "Enter through Furtka and walk along "
                                                   "alley B")
    # Moved back behind the gate, it is not chosen any more.
    entrance_set(gmina=gmina, cemetery=cemetery, name="Furtka", lon=_to_lonlat(-30, -2)[0],
                 lat=_to_lonlat(-30, -2)[1])
    assert _steps_of(client, grave)[0] == 95


def test_the_route_api_reads_the_graves_kept_snaps(client, gmina, cemetery, grave,
                                                    monkeypatch):
    from podkowa.cemetery import routing
    from podkowa.cemetery.services.books import grave_create

    other = grave_create(gmina=gmina, cemetery=cemetery, quarter="I", row="1", number="8",
                         location=xy(97, 10))
    _steps_of(client, grave)

    def no_snapping(*args, **kwargs):
        raise AssertionError("snapped at the request")

    # Every grave was snapped with the first request: the next grave's needs none.
    monkeypatch.setattr(routing, "snap", no_snapping)
    assert _steps_of(client, other)[0] == 115


def test_kept_grave_ways_equal_the_per_request_ones_on_a_random_network():
    import random

    from podkowa.cemetery import routing

    rng = random.Random(11)
    segments = []
    n = 12
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n and rng.random() < 0.85:
                    middle = _to_lonlat(i * 10 + di * 5 + rng.uniform(-2, 2),
                                        j * 10 + dj * 5 + rng.uniform(-2, 2))
                    segments.append((len(segments), [
                        _to_lonlat(i * 10, j * 10), middle,
                        _to_lonlat((i + di) * 10, (j + dj) * 10)],
                        10 * (1 + rng.random()), rng.random() < 0.1, f"{i % 3}"))
    graph = routing.graph_build(segments)
    entrances = (_to_lonlat(0, -1), _to_lonlat(111, 60), _to_lonlat(40, 112))
    graves = [_to_lonlat(rng.uniform(0, 110), rng.uniform(0, 110)) for _ in range(60)]
    assert routing.graves_prepare(graph, lambda: [(k, *g) for k, g in enumerate(graves)],
                                  entrances)
    for step_free in (False, True):
        for k, (lon, lat) in enumerate(graves):
            way, route = routing.way_to_grave(graph, k, lon, lat, entrances,
                                              step_free=step_free)
            target = routing.snap(graph, lon, lat, step_free=step_free)
            best = routing.nearest_entrance(graph, target, entrances, step_free=step_free)
            assert way.target == target
            assert (way.best is None) == (best is None) == (route is None)
            if best is None:
                continue
            assert way.best[:2] == best[:2]
            fresh = routing.route_from_tree(graph, best[3], target)
            searched = routing.shortest_route(graph, best[2], target, step_free=step_free)
            assert [(leg.name, leg.length, list(leg.points), leg.stairs) for leg in route.legs
                    ] == [(leg.name, leg.length, list(leg.points), leg.stairs)
                          for leg in fresh.legs]
            assert abs(route.length - searched.length) < 1e-6
            assert [leg.name for leg in route.legs] == [leg.name for leg in searched.legs]
