"""The way to a grave: the alley network as an in-memory graph and A* over it.

A cemetery's alleys are a few hundred to tens of thousands of segments that change a few times
a year, and All Saints brings thousands of route requests an hour: the graph is built once per
process and per network version (Cemetery.graph_version) and searched in memory, with the
shortest-path trees of the entrances and every grave's snap and nearest entrance kept in it.
Coordinates are turned into metres on a local plane (equirectangular around the cemetery),
which is exact to well under a metre over a cemetery's extent.
"""

import heapq
import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

EARTH_M_PER_DEG_LAT = 111_320.0
_SNAP_DIGITS = 7  # ~1 cm: endpoints closer than that are one junction
_CELL_M = 10.0  # side of a cell of the grid index used to find the nearest segment


@dataclass
class Edge:
    id: int
    a: int
    b: int
    length: float
    stairs: bool
    name: str
    points: list[tuple[float, float]]  # (x, y) metres, from a to b
    drawn: float = 0.0  # length of the drawing (may differ from the book's length)


@dataclass
class Graph:
    lon0: float
    lat0: float
    nodes: list[tuple[float, float]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    adjacency: list[list[tuple[int, int]]] = field(default_factory=list)  # node → (edge, other)
    # min over edges of length / straight distance: keeps the A* heuristic admissible even
    # when a clerk typed a length shorter than the drawn line.
    heuristic_factor: float = 1.0
    # cell → what snapping needs of each edge crossing it, (edge index, stairs, line): line is
    # (ax, ay, dx, dy, dx² + dy²) for an edge drawn straight (most alleys between two
    # junctions), measured inline, or None for a polyline. One tuple per edge, shared.
    grid: dict[tuple[int, int], list[tuple]] = field(default_factory=dict)
    # Shortest-path trees from the entrances, built on first use: every route starts at an
    # entrance, so a route is then a walk up the tree (no search per request).
    trees: dict[tuple, "Tree"] = field(default_factory=dict)
    trees_lock: threading.Lock = field(default_factory=threading.Lock)
    # Entrances do not move between network versions: their snaps are kept too.
    snaps: dict[tuple, "Snap | None"] = field(default_factory=dict)
    # cell → the entries of the eight cells around it not listed in it (_ring_around), for
    # every cell with an entry: what snap() reads second, without working out the ring.
    rings: dict[tuple[int, int], tuple] = field(default_factory=dict)
    sources: dict[tuple, "tuple[Snap, Tree] | None"] = field(default_factory=dict)
    # (grave id, step_free) → the grave's snap and nearest entrance (GraveWay): graves do not
    # move between requests either. graves_prepare() fills it for every grave at once.
    graves: dict[tuple[int, bool], "GraveWay"] = field(default_factory=dict)
    graves_lock: threading.Lock = field(default_factory=threading.Lock)
    graves_prepared: bool = False

    def __post_init__(self) -> None:
        # Metres per degree of longitude here: the same for every point, worked out once.
        self.kx = EARTH_M_PER_DEG_LAT * math.cos(math.radians(self.lat0))

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.lon0) * self.kx, (lat - self.lat0) * EARTH_M_PER_DEG_LAT)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        return (round(self.lon0 + x / self.kx, 7),
                round(self.lat0 + y / EARTH_M_PER_DEG_LAT, 7))


def polyline_length(points: list[tuple[float, float]]) -> float:
    return sum(math.dist(points[i], points[i + 1]) for i in range(len(points) - 1))


def lonlat_length(coords: list[tuple[float, float]]) -> float:
    """Length in metres of a line given in WGS84 (local plane around its first point)."""
    if len(coords) < 2:
        return 0.0
    graph = Graph(lon0=coords[0][0], lat0=coords[0][1])
    return polyline_length([graph.to_xy(*c) for c in coords])


def graph_build(segments: list[tuple[int, list[tuple[float, float]], float, bool, str]]
                ) -> Graph:
    """segments: (id, [(lon, lat), …], length in m, is stairs, alley name)."""
    if segments:
        lon0 = sum(s[1][0][0] for s in segments) / len(segments)
        lat0 = sum(s[1][0][1] for s in segments) / len(segments)
    else:
        lon0 = lat0 = 0.0
    graph = Graph(lon0=lon0, lat0=lat0)
    node_ids: dict[tuple[float, float], int] = {}

    def node(lonlat: tuple[float, float]) -> int:
        key = (round(lonlat[0], _SNAP_DIGITS), round(lonlat[1], _SNAP_DIGITS))
        found = node_ids.get(key)
        if found is None:
            found = node_ids[key] = len(graph.nodes)
            graph.nodes.append(graph.to_xy(*key))
            graph.adjacency.append([])
        return found

    factor = 1.0
    for edge_id, coords, length, stairs, name in segments:
        if len(coords) < 2:
            continue
        a, b = node(coords[0]), node(coords[-1])
        points = [graph.to_xy(*c) for c in coords]
        points[0], points[-1] = graph.nodes[a], graph.nodes[b]
        straight = math.dist(points[0], points[-1])
        if straight > 0:
            factor = min(factor, length / straight)
        index = len(graph.edges)
        graph.edges.append(Edge(edge_id, a, b, float(length), bool(stairs), name, points,
                                polyline_length(points)))
        graph.adjacency[a].append((index, b))
        graph.adjacency[b].append((index, a))
        line = None
        if len(points) == 2:
            (ax, ay), (bx, by) = points
            dx, dy = bx - ax, by - ay
            line = (ax, ay, dx, dy, dx * dx + dy * dy)
        listed = (index, bool(stairs), line)
        for cell in _cells_of(points):
            graph.grid.setdefault(cell, []).append(listed)
    graph.heuristic_factor = max(factor, 0.0)
    graph.rings = {cell: _ring_around(graph.grid, *cell) for cell in graph.grid}
    return graph


def _cells_of(points: list[tuple[float, float]]) -> set[tuple[int, int]]:
    """Every grid cell the line passes through (and perhaps a neighbour): snapping relies on
    a segment being listed in each cell it crosses."""
    cells = set()
    margin = 1e-6  # a line along a cell border is listed on both sides
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        # In pieces no longer than half a cell, each piece's bounding box covers its cells.
        steps = max(1, math.ceil(math.dist((x1, y1), (x2, y2)) / (_CELL_M / 2)))
        for i in range(steps):
            t1, t2 = i / steps, (i + 1) / steps
            xa, xb = sorted((x1 + (x2 - x1) * t1, x1 + (x2 - x1) * t2))
            ya, yb = sorted((y1 + (y2 - y1) * t1, y1 + (y2 - y1) * t2))
            for cx in range(math.floor((xa - margin) / _CELL_M),
                            math.floor((xb + margin) / _CELL_M) + 1):
                for cy in range(math.floor((ya - margin) / _CELL_M),
                                math.floor((yb + margin) / _CELL_M) + 1):
                    cells.add((cx, cy))
    return cells


@dataclass(frozen=True)
class Snap:
    edge: int
    point: tuple[float, float]
    along: float  # metres from the edge's node a, measured along its polyline
    offset: float  # metres from the asked point to the alley


def _project(point, a, b) -> tuple[float, tuple[float, float]]:
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / span))
    return t, (ax + dx * t, ay + dy * t)


def _nearest_on_edge(edge: Edge, px: float, py: float) -> tuple[float, float, float, float]:
    """(squared distance, x, y, metres along the drawing) of the edge's point nearest p."""
    points = edge.points
    best = (math.inf, 0.0, 0.0, 0.0)
    walked = 0.0
    for k in range(len(points) - 1):
        ax, ay = points[k]
        bx, by = points[k + 1]
        dx, dy = bx - ax, by - ay
        span = dx * dx + dy * dy
        t = 0.0 if span == 0 else ((px - ax) * dx + (py - ay) * dy) / span
        t = 0.0 if t < 0 else 1.0 if t > 1 else t
        qx, qy = ax + dx * t, ay + dy * t
        d2 = (px - qx) ** 2 + (py - qy) ** 2
        seg = math.sqrt(span)
        if d2 < best[0]:
            best = (d2, qx, qy, walked + seg * t)
        walked += seg
    return best


def _snap_to_edge(graph: Graph, index: int, point) -> Snap:
    edge = graph.edges[index]
    d2, qx, qy, along = _nearest_on_edge(edge, point[0], point[1])
    # Lengths along the edge follow the book's length, not the drawing's.
    return Snap(index, (qx, qy), along * edge.length / (edge.drawn or 1.0), math.sqrt(d2))


def snap_cached(graph: Graph, lon: float, lat: float, *, step_free: bool = False
                ) -> "Snap | None":
    key = (lon, lat, step_free)
    if key not in graph.snaps:
        graph.snaps[key] = snap(graph, lon, lat, step_free=step_free)
    return graph.snaps[key]


def _ring_around(grid: dict, cx: int, cy: int) -> tuple:
    """The entries of the eight cells around (cx, cy) not listed in it, once each, in the
    order snap() walks that ring."""
    seen = {listed[0] for listed in grid.get((cx, cy), ())}
    ring = []
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            if i or j:
                for listed in grid.get((cx + i, cy + j), ()):
                    if listed[0] not in seen:
                        seen.add(listed[0])
                        ring.append(listed)
    return tuple(ring)


def snap(graph: Graph, lon: float, lat: float, *, step_free: bool = False) -> Snap | None:
    """The nearest point on an alley (a walkable one when step_free)."""
    point = graph.to_xy(lon, lat)
    if not graph.edges:
        return None
    px, py = point
    cx, cy = math.floor(px / _CELL_M), math.floor(py / _CELL_M)
    # How far the point is from the nearest side of its own cell.
    inside = min(px - cx * _CELL_M, (cx + 1) * _CELL_M - px,
                 py - cy * _CELL_M, (cy + 1) * _CELL_M - py)
    edges = graph.edges
    best_d2, best_index = math.inf, -1
    for radius, entries in _rings(graph, cx, cy):
        for index, stairs, line in entries:
            if step_free and stairs:
                continue
            if line is None:
                d2 = _nearest_on_edge(edges[index], px, py)[0]
            else:  # _nearest_on_edge of a two-point edge, inline: this loop is the hot path
                ax, ay, dx, dy, span = line
                t = 0.0 if span == 0 else ((px - ax) * dx + (py - ay) * dy) / span
                t = 0.0 if t < 0 else 1.0 if t > 1 else t
                qx = ax + dx * t - px
                qy = ay + dy * t - py
                d2 = qx * qx + qy * qy
            if d2 < best_d2:
                best_d2, best_index = d2, index
        # Every segment is listed in each cell it crosses, so one not seen yet is farther than
        # the edge of the square of cells searched so far.
        reach = inside + radius * _CELL_M
        if best_index >= 0 and best_d2 <= reach * reach:
            return _snap_to_edge(graph, best_index, point)
    return _snap_to_edge(graph, best_index, point) if best_index >= 0 else None


def _rings(graph: Graph, cx: int, cy: int):
    """(radius, entries not listed nearer) for the point's own cell, the ring around it
    (precomputed in graph.rings: most snaps end there), then ever wider rings of cells."""
    grid = graph.grid
    yield 0, grid.get((cx, cy), ())
    ring = graph.rings.get((cx, cy))
    yield 1, ring if ring is not None else _ring_around(grid, cx, cy)
    seen = {listed[0] for i in (-1, 0, 1) for j in (-1, 0, 1)
            for listed in grid.get((cx + i, cy + j), ())}
    for radius in range(2, 10_001):  # ~100 km: beyond it nothing is walkable at all
        fresh = []
        for i in range(-radius, radius + 1):
            for j in range(-radius, radius + 1):
                if max(abs(i), abs(j)) != radius:
                    continue
                for listed in grid.get((cx + i, cy + j), ()):
                    if listed[0] not in seen:
                        seen.add(listed[0])
                        fresh.append(listed)
        yield radius, fresh


@dataclass(slots=True)
class Leg:
    name: str
    length: float
    points: Sequence[tuple[float, float]]  # a tuple when shared by a tree (Tree.leg_at)
    stairs: bool


@dataclass
class Route:
    legs: list[Leg]
    length: float
    start: tuple[float, float]
    end: tuple[float, float]


def _edge_part(graph: Graph, index: int, start: float, end: float) -> list[tuple[float, float]]:
    """The edge's polyline between two book-length positions (start may exceed end)."""
    edge = graph.edges[index]
    drawn = edge.drawn or 1.0
    scale = drawn / (edge.length or 1.0)
    lo, hi = sorted((start * scale, end * scale))
    if len(edge.points) == 2:
        # An alley drawn straight (most are, and so most graves' last pieces): the loop
        # below once, with the same arithmetic, for a fraction of its cost.
        a, b = edge.points
        seg = math.dist(a, b)
        if seg >= lo and hi >= 0.0 and seg > 0:
            t1 = max(0.0, lo / seg)
            t2 = min(1.0, hi / seg)
            dx, dy = b[0] - a[0], b[1] - a[1]
            points = [(a[0] + dx * t1, a[1] + dy * t1), (a[0] + dx * t2, a[1] + dy * t2)]
            if start > end:
                points.reverse()
            return points
        return [a]
    points = []
    walked = 0.0
    for a, b in zip(edge.points, edge.points[1:], strict=False):
        seg = math.dist(a, b)
        seg_lo, seg_hi = walked, walked + seg
        if seg_hi >= lo and seg_lo <= hi and seg > 0:
            t1 = max(0.0, (lo - seg_lo) / seg)
            t2 = min(1.0, (hi - seg_lo) / seg)
            p1 = (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)
            p2 = (a[0] + (b[0] - a[0]) * t2, a[1] + (b[1] - a[1]) * t2)
            if not points:
                points.append(p1)
            points.append(p2)
        walked = seg_hi
    if not points:
        points = [edge.points[0]]
    if start > end:
        points.reverse()
    return points


def shortest_route(graph: Graph, source: Snap, target: Snap, *,
                   step_free: bool = False) -> Route | None:
    """A* from one point on the network to another; None when they are not connected."""
    SOURCE, _TARGET = -1, -2
    tx, ty = target.point
    factor = graph.heuristic_factor

    def h(node: int) -> float:
        x, y = graph.nodes[node]
        return math.hypot(x - tx, y - ty) * factor

    src_edge, dst_edge = graph.edges[source.edge], graph.edges[target.edge]
    # Leaving the start point: to either end of its edge.
    start_moves = [(source.along, src_edge.a, source.edge),
                   (src_edge.length - source.along, src_edge.b, source.edge)]
    # Arriving: from either end of the target's edge.
    end_cost = {dst_edge.a: target.along, dst_edge.b: dst_edge.length - target.along}
    best_total = math.inf
    best_end: tuple | None = None
    if source.edge == target.edge:
        best_total = abs(source.along - target.along)
        best_end = ("direct",)
    dist: dict[int, float] = {}
    came: dict[int, tuple[int, int]] = {}  # node → (previous node or SOURCE, edge index)
    heap: list[tuple[float, float, int]] = []
    for cost, node, edge_index in start_moves:
        if cost < dist.get(node, math.inf):
            dist[node] = cost
            came[node] = (SOURCE, edge_index)
            heapq.heappush(heap, (cost + h(node), cost, node))
    while heap:
        estimate, cost, node = heapq.heappop(heap)
        if estimate >= best_total:
            break
        if cost > dist.get(node, math.inf):
            continue
        if node in end_cost and cost + end_cost[node] < best_total:
            best_total = cost + end_cost[node]
            best_end = ("node", node)
        for edge_index, other in graph.adjacency[node]:
            edge = graph.edges[edge_index]
            if step_free and edge.stairs:
                continue
            new_cost = cost + edge.length
            if new_cost < dist.get(other, math.inf):
                dist[other] = new_cost
                came[other] = (node, edge_index)
                heapq.heappush(heap, (new_cost + h(other), new_cost, other))
    if best_end is None:
        return None
    pieces: list[tuple[int, list[tuple[float, float]], float]] = []
    if best_end[0] == "direct":
        pieces.append((source.edge, _edge_part(graph, source.edge, source.along, target.along),
                       abs(source.along - target.along)))
    else:
        node = best_end[1]
        along_end = 0.0 if node == dst_edge.a else dst_edge.length
        pieces.append((target.edge, _edge_part(graph, target.edge, along_end, target.along),
                       end_cost[node]))
        while True:
            previous, edge_index = came[node]
            edge = graph.edges[edge_index]
            if previous == SOURCE:
                along_node = 0.0 if node == edge.a else edge.length
                pieces.append((edge_index, _edge_part(graph, edge_index, source.along,
                                                      along_node),
                               abs(along_node - source.along)))
                break
            forward = previous == edge.a
            pieces.append((edge_index, list(edge.points) if forward else
                           list(reversed(edge.points)), edge.length))
            node = previous
        pieces.reverse()
    return Route(legs=_legs(graph, pieces), length=best_total, start=source.point,
                 end=target.point)


@dataclass
class Tree:
    source: Snap
    step_free: bool
    dist: dict[int, float]
    came: dict[int, tuple[int, int]]  # node → (previous node or -1 for the source, edge)
    # The way to every node read off in advance, so a route costs its legs, not its edges.
    # Node `len(graph.nodes)` stands for the source. For each node: the leg the way is on
    # when it gets there — its alley, stairs, metres so far and the node it began at (whose
    # own way holds the legs before) — and its part of the drawing: the points its edge adds
    # to that leg, `flat[lo[node]:hi[node]]`. The nodes are laid out in heavy paths (each
    # node followed by its child with the largest subtree), so the drawing of a whole leg is
    # a few slices of `flat`.
    leg_start: list[int] = field(default_factory=list)
    leg_name: list[str] = field(default_factory=list)
    leg_stairs: list[bool] = field(default_factory=list)
    leg_length: list[float] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    lo: list[int] = field(default_factory=list)
    hi: list[int] = field(default_factory=list)
    flat: list[tuple[float, float]] = field(default_factory=list)
    # The drawing of the leg each node is on, whole, while it is short (most are: an alley
    # from one junction to a turn); None past LEG_POINTS_KEPT points, read off `flat` then.
    leg_points: list[tuple | None] = field(default_factory=list)
    # All a route needs of a node, in one tuple: (leg_start, leg_name, leg_length,
    # leg_stairs, leg_points).
    legs_at: list[tuple] = field(default_factory=list)
    # The Leg ending at each node, made once where leg_points is kept (else None): shared
    # by every route through that node, so never changed (route_from_tree copies the last).
    leg_at: list["Leg | None"] = field(default_factory=list)
    # The legs of the way to each node before the leg it is on (those ending at its
    # leg_start, and before), one tuple shared by all the nodes of that leg: a route is
    # these, the node's own leg and the piece to the grave.
    legs_before: list[tuple["Leg", ...]] = field(default_factory=list)


LEG_POINTS_KEPT = 64


def tree_build(graph: Graph, source: Snap, *, step_free: bool = False) -> Tree:
    """Dijkstra from a point on the network to every node it reaches."""
    edge = graph.edges[source.edge]
    dist: dict[int, float] = {}
    came: dict[int, tuple[int, int]] = {}
    heap: list[tuple[float, int]] = []
    settled: list[int] = []
    for cost, node in ((source.along, edge.a), (edge.length - source.along, edge.b)):
        if cost < dist.get(node, math.inf):
            dist[node] = cost
            came[node] = (-1, source.edge)
            heapq.heappush(heap, (cost, node))
    adjacency, edges = graph.adjacency, graph.edges
    while heap:
        cost, node = heapq.heappop(heap)
        if cost > dist[node]:
            continue
        settled.append(node)
        for edge_index, other in adjacency[node]:
            if step_free and edges[edge_index].stairs:
                continue
            new_cost = cost + edges[edge_index].length
            if new_cost < dist.get(other, math.inf):
                dist[other] = new_cost
                came[other] = (node, edge_index)
                heapq.heappush(heap, (new_cost, other))
    tree = Tree(source, step_free, dist, came)
    _read_off_in_advance(graph, tree, settled)
    return tree


def _read_off_in_advance(graph: Graph, tree: Tree, settled: list[int]) -> None:
    """Fill the tree's legs and drawing (see Tree) the way _legs would build them for every
    node: pieces of 1 cm or less are left out, a piece on the same alley (and stairs)
    lengthens the leg, another starts a new one."""
    root = len(graph.nodes)
    size = root + 1
    source = tree.source
    leg_start, leg_name = [root] * size, [""] * size
    leg_stairs, leg_length = [False] * size, [0.0] * size
    parent = [-1] * size
    part: list[list[tuple[float, float]]] = [[] for _ in range(size)]
    leg_points: list[tuple | None] = [()] * size
    nodes = graph.nodes
    children: list[list[int]] = [[] for _ in range(size)]
    edges = graph.edges
    for node in settled:  # parents are settled before their children
        previous, edge_index = tree.came[node]
        edge = edges[edge_index]
        if previous == -1:
            along_node = 0.0 if node == edge.a else edge.length
            parent[node] = root
            part[node] = _edge_part(graph, edge_index, source.along, along_node)
            leg_name[node], leg_stairs[node] = edge.name, edge.stairs
            leg_length[node] = abs(along_node - source.along)
            leg_points[node] = tuple(part[node])
        else:
            parent[node] = previous
            length = edge.length
            leg_start[node], leg_name[node] = leg_start[previous], leg_name[previous]
            leg_stairs[node], leg_length[node] = leg_stairs[previous], leg_length[previous]
            leg_points[node] = kept = leg_points[previous]
            if length > 0.01:
                points = edge.points if previous == edge.a else edge.points[::-1]
                part[node] = points[1:]
                if leg_name[previous] == edge.name and leg_stairs[previous] == edge.stairs:
                    leg_length[node] = leg_length[previous] + length
                    leg_points[node] = (kept + tuple(points[1:]) if kept is not None and
                                        len(kept) < LEG_POINTS_KEPT else None)
                else:
                    leg_start[node], leg_name[node] = previous, edge.name
                    leg_stairs[node], leg_length[node] = edge.stairs, length
                    leg_points[node] = (nodes[previous], *points[1:])
        children[parent[node]].append(node)
    subtree = [1] * size
    for node in reversed(settled):
        subtree[parent[node]] += subtree[node]
    head, lo, hi = [root] * size, [0] * size, [0] * size
    flat: list[tuple[float, float]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        lo[node] = len(flat)
        flat.extend(part[node])
        hi[node] = len(flat)
        kids = children[node]
        if kids:
            heavy = max(kids, key=subtree.__getitem__)
            for kid in kids:
                if kid is not heavy:
                    head[kid] = kid
                    stack.append(kid)
            head[heavy] = head[node]
            stack.append(heavy)  # next: the heavy child right after its parent
    tree.leg_start, tree.leg_name, tree.leg_stairs = leg_start, leg_name, leg_stairs
    tree.leg_length, tree.parent, tree.head = leg_length, parent, head
    tree.lo, tree.hi, tree.flat, tree.leg_points = lo, hi, flat, leg_points
    tree.legs_at = list(zip(leg_start, leg_name, leg_length, leg_stairs, leg_points,
                            strict=True))
    tree.leg_at = [None if kept is None else Leg(name, length, kept, stairs)
                   for name, length, stairs, kept in zip(leg_name, leg_length, leg_stairs,
                                                         leg_points, strict=True)]
    leg_at = tree.leg_at
    legs_before: list[tuple[Leg, ...]] = [()] * size
    upto: dict[int, tuple[Leg, ...]] = {root: ()}  # leg start → the legs up to it
    for node in settled:  # a node's leg_start is settled before it
        start = leg_start[node]
        before = upto.get(start)
        if before is None:
            leg = leg_at[start]
            if leg is None:
                leg = _long_leg(graph, tree, start)
                leg.points = tuple(leg.points)  # shared from now on, like leg_at's
            before = upto[start] = (*legs_before[start], leg)
        legs_before[node] = before
    tree.legs_before = legs_before


def _long_leg(graph: Graph, tree: Tree, node: int) -> Leg:
    """The leg ending at `node` whose drawing is too long to keep whole (leg_at is None)."""
    start = tree.leg_start[node]
    _start, name, length, stairs, _kept = tree.legs_at[node]
    points = [graph.nodes[start]] if start != len(graph.nodes) else []
    points.extend(_drawing(tree, start, node))
    return Leg(name, length, points, stairs)


def _drawing(tree: Tree, start: int, node: int) -> list[tuple[float, float]]:
    """The points the way adds from `start` (an ancestor of `node`, exclusive) to `node`."""
    head, lo, hi, parent, flat = tree.head, tree.lo, tree.hi, tree.parent, tree.flat
    slices = []
    while head[node] != head[start]:
        top = head[node]
        slices.append((lo[top], hi[node]))
        node = parent[top]
    if node != start:
        slices.append((hi[start], hi[node]))
    points: list[tuple[float, float]] = []
    for a, b in reversed(slices):
        points.extend(flat[a:b])
    return points


def tree_for(graph: Graph, source: Snap, *, step_free: bool = False) -> Tree:
    key = (source.edge, round(source.along, 3), step_free)
    tree = graph.trees.get(key)
    if tree is None:
        with graph.trees_lock:
            tree = graph.trees.get(key)
            if tree is None:
                tree = graph.trees[key] = tree_build(graph, source, step_free=step_free)
    return tree


def source_tree(graph: Graph, lon: float, lat: float, *, step_free: bool = False
                ) -> "tuple[Snap, Tree] | None":
    """An entrance's snap and shortest-path tree (None when no alley can be walked)."""
    key = (lon, lat, step_free)
    found = graph.sources.get(key)
    if found is None and key not in graph.sources:
        source = snap_cached(graph, lon, lat, step_free=step_free)
        found = graph.sources[key] = (None if source is None else
                                      (source, tree_for(graph, source, step_free=step_free)))
    return found


def _best_end(graph: Graph, tree: Tree, target: Snap) -> tuple[float, int | None]:
    source = tree.source
    dst_edge = graph.edges[target.edge]
    best_total, best_end = math.inf, None
    if source.edge == target.edge:
        best_total, best_end = abs(source.along - target.along), None
    dist = tree.dist
    cost = dist.get(dst_edge.a)
    if cost is not None and cost + target.along < best_total:
        best_total, best_end = cost + target.along, dst_edge.a
    cost = dist.get(dst_edge.b)
    if cost is not None and cost + (dst_edge.length - target.along) < best_total:
        best_total, best_end = cost + (dst_edge.length - target.along), dst_edge.b
    return best_total, best_end


def route_cost(graph: Graph, tree: Tree, target: Snap) -> float:
    """The length of the shortest way (inf when unreachable), without building the route."""
    return _best_end(graph, tree, target)[0]


def route_from_tree(graph: Graph, tree: Tree, target: Snap) -> Route | None:
    """The shortest way from the tree's source to `target` (None when unreachable)."""
    source = tree.source
    dst_edge = graph.edges[target.edge]
    best_total, best_end = _best_end(graph, tree, target)
    if best_total == math.inf:
        return None
    if best_end is None:
        legs = _legs(graph, [(source.edge, _edge_part(graph, source.edge, source.along,
                                                      target.along), best_total)])
        return Route(legs=legs, length=best_total, start=source.point, end=target.point)
    leg = tree.leg_at[best_end]
    if leg is None:
        leg = _long_leg(graph, tree, best_end)
    legs = [*tree.legs_before[best_end], leg]
    # The last piece, along the grave's alley, as _legs adds it.
    along_end = 0.0 if best_end == dst_edge.a else dst_edge.length
    length = abs(target.along - along_end)
    if length > 0.01:
        points = _edge_part(graph, target.edge, along_end, target.along)
        last = legs[-1]
        if last.name == dst_edge.name and last.stairs == dst_edge.stairs:
            legs[-1] = Leg(last.name, last.length + length, [*last.points, *points[1:]],
                           last.stairs)
        else:
            legs.append(Leg(dst_edge.name, length, list(points), dst_edge.stairs))
    return Route(legs=legs, length=best_total, start=source.point, end=target.point)


# --- graves: snapped once per network version ------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraveWay:
    """What the way to a grave needs before the read-off, kept per grave in the graph. It
    holds the grave's position and the entrances it was worked out for, and is used only
    while the request's grave and entrances are where these say: a grave moved or an
    entrance set since (neither changes the network version) is worked out afresh at its
    next request, in every process."""
    at: tuple[float, float]  # the grave's (lon, lat)
    target: Snap | None  # None: no alley at all (a walkable one when step_free)
    # The entrances' (lon, lat), in the request's order, the choice below was made among;
    # None when no choice was made (a request naming its entrance).
    entrances: tuple[tuple[float, float], ...] | None
    # The nearest entrance by walking: (cost, its index in `entrances`, its snap, its tree);
    # None when none reaches the grave.
    best: "tuple[float, int, Snap, Tree] | None" = None


def nearest_entrance(graph: Graph, target: Snap, entrances: Sequence[tuple[float, float]], *,
                     step_free: bool = False) -> "tuple[float, int, Snap, Tree] | None":
    """(cost, index, snap, tree) of the entrance nearest `target` by walking, the first of
    equals; None when none reaches it."""
    best = None
    for index, (lon, lat) in enumerate(entrances):
        found = source_tree(graph, lon, lat, step_free=step_free)
        if found is None:
            continue
        source, tree = found
        # The walk from the gate to the alley counts: a far gate on a near alley is far.
        cost = route_cost(graph, tree, target) + source.offset
        if cost != math.inf and (best is None or cost < best[0]):
            best = (cost, index, source, tree)
    return best


def grave_target(graph: Graph, grave_id: int, lon: float, lat: float, *,
                 step_free: bool = False) -> Snap | None:
    """The grave's snap: the kept one while the grave has not moved, else snapped now."""
    way = graph.graves.get((grave_id, step_free))
    if way is not None and way.at == (lon, lat):
        return way.target
    target = snap(graph, lon, lat, step_free=step_free)
    graph.graves[grave_id, step_free] = GraveWay((lon, lat), target, None)
    return target


def grave_way(graph: Graph, grave_id: int, lon: float, lat: float,
              entrances: Sequence[tuple[float, float]], *, step_free: bool = False
              ) -> GraveWay:
    """The grave's snap and its nearest entrance among `entrances`: kept ones while neither
    the grave nor the entrances moved, else worked out now (and kept)."""
    if type(entrances) is not tuple:
        entrances = tuple(entrances)
    key = (grave_id, step_free)
    way = graph.graves.get(key)
    at = (lon, lat)
    if way is not None and way.at == at:
        if way.entrances == entrances:
            return way
        target = way.target
    else:
        target = snap(graph, lon, lat, step_free=step_free)
    best = (None if target is None else
            nearest_entrance(graph, target, entrances, step_free=step_free))
    way = graph.graves[key] = GraveWay(at, target, entrances, best)
    return way


def graves_prepare(graph: Graph, load, entrances: Sequence[tuple[float, float]]) -> bool:
    """Snap every grave of `load()` ((id, lon, lat) each) and choose its nearest entrance,
    stairs allowed, once per graph, i.e. per network version: a request then only looks its
    grave up. True when this call did the work."""
    with graph.graves_lock:
        if graph.graves_prepared:
            return False
        entrances = tuple(entrances)
        for grave_id, lon, lat in load():
            grave_way(graph, grave_id, lon, lat, entrances)
        graph.graves_prepared = True
    return True


def way_to_grave(graph: Graph, grave_id: int, lon: float, lat: float,
                 entrances: Sequence[tuple[float, float]], *, step_free: bool = False
                 ) -> tuple[GraveWay, Route | None]:
    """The way from the nearest of `entrances` to the grave: its GraveWay (kept per grave)
    and the route read off that entrance's tree (None when no entrance reaches it)."""
    way = grave_way(graph, grave_id, lon, lat, entrances, step_free=step_free)
    if way.best is None:
        return way, None
    return way, route_from_tree(graph, way.best[3], way.target)


def _legs(graph: Graph, pieces) -> list[Leg]:
    legs: list[Leg] = []
    for edge_index, points, length in pieces:
        edge = graph.edges[edge_index]
        if length <= 0.01 and legs:
            continue
        if legs and legs[-1].name == edge.name and legs[-1].stairs == edge.stairs:
            legs[-1].length += length
            legs[-1].points.extend(points[1:])
        else:
            legs.append(Leg(edge.name, length, list(points), edge.stairs))
    return legs


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Compass bearing in degrees (0 = north, 90 = east) from a to b on the local plane."""
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360


def _direction_at_end(points: list[tuple[float, float]]) -> float:
    for i in range(len(points) - 1, 0, -1):
        if math.dist(points[i], points[i - 1]) > 0.05:
            return bearing(points[i - 1], points[i])
    return 0.0


def _direction_at_start(points: list[tuple[float, float]]) -> float:
    for i in range(len(points) - 1):
        if math.dist(points[i], points[i + 1]) > 0.05:
            return bearing(points[i], points[i + 1])
    return 0.0


def turn_between(before: float, after: float) -> str:
    """'straight', 'slight_left', 'left', 'sharp_left' (and right) from two bearings."""
    delta = (after - before + 540) % 360 - 180  # -180..180, positive = clockwise = right
    size = abs(delta)
    if size < 25:
        return "straight"
    side = "right" if delta > 0 else "left"
    if size < 60:
        return f"slight_{side}"
    if size < 135:
        return side
    return f"sharp_{side}"


def side_of(points: list[tuple[float, float]], target: tuple[float, float]) -> str:
    """Is `target` to the left or the right of someone walking the end of `points`?"""
    if len(points) < 2:
        return "ahead"
    a, b = points[-2], points[-1]
    for i in range(len(points) - 1, 0, -1):
        if math.dist(points[i], points[i - 1]) > 0.05:
            a, b = points[i - 1], points[i]
            break
    cross = (b[0] - a[0]) * (target[1] - a[1]) - (b[1] - a[1]) * (target[0] - a[0])
    if abs(cross) < 1e-9:
        return "ahead"
    return "left" if cross > 0 else "right"


# --- the per-process cache -------------------------------------------------------------------

_CACHE: dict[int, tuple[int, Graph]] = {}
_LOCK = threading.Lock()


def cached_graph(cemetery_id: int, version: int, load) -> Graph:
    """The graph of this cemetery at this network version; `load()` gives the segments."""
    with _LOCK:
        found = _CACHE.get(cemetery_id)
        if found is not None and found[0] == version:
            return found[1]
    graph = graph_build(load())
    with _LOCK:
        _CACHE[cemetery_id] = (version, graph)
    return graph


def cache_clear() -> None:
    with _LOCK:
        _CACHE.clear()
