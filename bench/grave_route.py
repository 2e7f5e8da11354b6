"""Scenario "grave_route": the way from an entrance to a grave over an alley graph of 20,000
segments, ours against networkx's A* on the same graph in the same run.

The graph: a 100 × 100 grid of junctions 8 m apart (19,800 segments) plus 200 diagonal
short-cuts, lengths 1.0–1.3 × the straight line, 3 % of segments stairs, alleys named by grid
line; four entrances on the edge of the grid. 2,000 random grave positions (graves 0…1999) are
routed from the nearest entrance: the per-request work of
`GET /api/v1/cemetery/graves/{id}/route` minus the HTTP, the database, the wording of the
steps and the conversion back to lon/lat, through the function that handler calls
(`routing.way_to_grave`): looking up the grave's kept snap and nearest entrance by its id
(checked against its position and the entrances, as each request does) and reading the route
off that entrance's cached shortest-path tree.

Worked out once per network version, as in production, and timed apart (the first request
after a change of the network pays for both): the entrances' shortest-path trees
(`trees_build_ms`), then every grave snapped to its nearest alley and its nearest entrance
chosen (`snaps_build_ms`, `routing.graves_prepare`). A grave moved or added later is snapped
at its next request: `p50_fresh_ms` times that path (a grave added at each of the same
positions since, under a new id: snapped, its entrance chosen, then the same read-off).

The peer: networkx's `astar_path` with the same Euclidean heuristic, from the junction of the
entrance we chose to the grave's nearest junction, for the same 2,000 requests: neither its
snapping nor a choice of entrance is timed, as ours are kept from the precomputation.
`ratio_vs_networkx` = its time per route over ours, medians (a shared machine's busy
moments land in the means; both are printed); `ratio_fresh_vs_networkx` the same over the
per-request path of a grave moved or added. They are timed request by request, interleaved.
networkx is needed only here (`.venv/bin/pip install networkx`).

Last line: {"scenario": "grave_route", "edges": 20000, "p95_ms": …, "ratio_vs_networkx": …}.
No database, no network.
"""

import itertools
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from podkowa.cemetery import routing  # a plain module: no Django set-up needed

SIDE = 100
STEP_M = 8.0
DIAGONALS = 200
ROUTES = int(os.environ.get("BENCH_ROUTES", "2000"))
LON0, LAT0 = 20.7205, 52.1150


def lonlat(x: float, y: float) -> tuple[float, float]:
    kx = routing.EARTH_M_PER_DEG_LAT * math.cos(math.radians(LAT0))
    return (LON0 + x / kx, LAT0 + y / routing.EARTH_M_PER_DEG_LAT)


def build(rng: random.Random):
    segments = []

    def add(a, b, name):
        straight = math.dist(a, b)
        segments.append((len(segments), [lonlat(*a), lonlat(*b)],
                         straight * rng.uniform(1.0, 1.3), rng.random() < 0.03, name))

    for i in range(SIDE):
        for j in range(SIDE):
            if i + 1 < SIDE:
                add((i * STEP_M, j * STEP_M), ((i + 1) * STEP_M, j * STEP_M), f"E{j}")
            if j + 1 < SIDE:
                add((i * STEP_M, j * STEP_M), (i * STEP_M, (j + 1) * STEP_M), f"N{i}")
    seen = set()
    while len(seen) < DIAGONALS:
        i, j = rng.randrange(SIDE - 1), rng.randrange(SIDE - 1)
        if (i, j) not in seen:
            seen.add((i, j))
            add((i * STEP_M, j * STEP_M), ((i + 1) * STEP_M, (j + 1) * STEP_M), "")
    return segments


def main() -> None:
    import networkx as nx

    rng = random.Random(20000)
    segments = build(rng)
    graph = routing.graph_build(segments)
    extent = (SIDE - 1) * STEP_M
    entrances = (lonlat(-2, extent / 2), lonlat(extent / 2, -2), lonlat(extent + 2, extent / 3),
                 lonlat(extent / 3, extent + 2))
    graves = [lonlat(rng.uniform(0, extent), rng.uniform(0, extent)) for _ in range(ROUTES)]

    started = time.perf_counter()
    sources = [routing.source_tree(graph, *e)[0] for e in entrances]
    trees_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    routing.graves_prepare(graph, lambda: [(grave_id, *grave) for grave_id, grave
                                           in enumerate(graves)], entrances)
    snaps_ms = (time.perf_counter() - started) * 1000

    peer = nx.Graph()
    for edge in graph.edges:
        if not peer.has_edge(edge.a, edge.b) or peer[edge.a][edge.b]["weight"] > edge.length:
            peer.add_edge(edge.a, edge.b, weight=edge.length)
    nodes = graph.nodes
    factor = graph.heuristic_factor

    def heuristic(u, v):
        return math.dist(nodes[u], nodes[v]) * factor

    def nearest_node(snap_point):
        edge = graph.edges[snap_point.edge]
        return edge.a if snap_point.along <= edge.length / 2 else edge.b

    def node_tree(node):
        for edge_index, _other in graph.adjacency[node]:
            edge = graph.edges[edge_index]
            start = routing.Snap(edge_index, nodes[node], 0.0 if node == edge.a else
                                 edge.length, 0.0)
            return routing.tree_build(graph, start)
        raise ValueError(node)

    # Interleaved, request by request: on a shared machine a busy moment hits both alike.
    ours, theirs, fresh = [], [], []
    check_trees = {}
    agree = 0
    for grave_id, (lon, lat) in enumerate(graves):
        t0 = time.perf_counter()
        way, route = routing.way_to_grave(graph, grave_id, lon, lat, entrances)
        ours.append(time.perf_counter() - t0)
        assert route is not None

        # A grave added there since the precomputation: snapped, its entrance chosen, now.
        t0 = time.perf_counter()
        added, again = routing.way_to_grave(graph, len(graves) + grave_id, lon, lat,
                                            entrances)
        fresh.append(time.perf_counter() - t0)
        assert added.best[1] == way.best[1] and again.length == route.length

        best = way.best
        target = way.target
        source_node = nearest_node(sources[best[1]])
        target_node = nearest_node(target)
        t0 = time.perf_counter()
        path = nx.astar_path(peer, source_node, target_node, heuristic=heuristic,
                             weight="weight")
        theirs.append(time.perf_counter() - t0)
        # Same graph, same answer: our Dijkstra from that junction gives A*'s length.
        if source_node not in check_trees:
            check_trees[source_node] = node_tree(source_node)
        length = sum(peer[a][b]["weight"] for a, b in itertools.pairwise(path))
        if abs(check_trees[source_node].dist[target_node] - length) < 1e-6:
            agree += 1

    def p95(values):
        return sorted(values)[int(len(values) * 0.95) - 1] * 1000

    print(f"graph: {len(graph.nodes)} junctions, {len(graph.edges)} segments; entrance trees "
          f"built in {trees_ms:.0f} ms, {len(graves)} graves snapped in {snaps_ms:.0f} ms; "
          f"networkx agreed on {agree}/{len(ours)} distances", file=sys.stderr)
    print(json.dumps({
        "scenario": "grave_route",
        "edges": len(graph.edges),
        "routes": len(ours),
        "p50_ms": round(statistics.median(ours) * 1000, 3),
        "p95_ms": round(p95(ours), 3),
        "p50_fresh_ms": round(statistics.median(fresh) * 1000, 3),
        "trees_build_ms": round(trees_ms, 1),
        "snaps_build_ms": round(snaps_ms, 1),
        "networkx_p95_ms": round(p95(theirs), 3),
        "networkx_agreed": agree,
        "ratio_vs_networkx": round(statistics.median(theirs) / statistics.median(ours), 1),
        "ratio_of_means_vs_networkx": round(statistics.mean(theirs) / statistics.mean(ours),
                                            1),
        "ratio_fresh_vs_networkx": round(statistics.median(theirs) / statistics.median(fresh),
                                         1),
    }))


if __name__ == "__main__":
    main()
