"""The road-graph travel model: snapping, matrices and paths on a CompactGraph.

Each edge weighs ``time_s * 2**24 + length_dm``, so one search finds the
fastest path, breaks ties by the shorter one, and yields both its integer
seconds and its decimetres exactly (sums stay far below 2**53).

Matrices use a contraction hierarchy (:mod:`geo.ch`), built once per graph
and cached on disk next to it; search spaces are cached per node, so
re-planning with mostly known stops only searches from the new ones. Single
paths use scipy's Dijkstra with predecessors. Both stop at the horizon.
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path as FilePath

import numpy as np
from scipy.sparse import csgraph, csr_matrix
from scipy.spatial import cKDTree

from geo.ch import Hierarchy, HierarchyQuery, build_hierarchy
from geo.errors import BadPointError, OffNetworkError, OutsideMapError
from geo.graph import CompactGraph
from geo.travel_model import UNREACHABLE_S, Path, Snapped

logger = logging.getLogger(__name__)

DEFAULT_HORIZON_S = 7200
DEFAULT_MAX_SNAP_M = 300.0
DEFAULT_CACHED_NODES = 50_000
DEFAULT_PAIR_CACHE_NODES = 2048
"""Nodes whose pairwise weights are kept (2048² int64 = 32 MiB)."""
PATH_TREES = 16
"""Shortest-path trees kept by source node: couriers ride from a few depots."""
_LENGTH_BITS = 2**24
"""Weight scale: decimetres of a path stay below this (1 677 km)."""


@dataclass
class HierarchySource:
    """Where a graph's contraction hierarchy comes from, shared between models.

    The hierarchy is read from ``cache_path`` when present, else built on
    first use and written there (atomically); with no path it lives in memory.
    """

    cache_path: FilePath | None = None
    hierarchy: Hierarchy | None = None

    def get(self, graph: CompactGraph) -> Hierarchy:
        """Return the hierarchy of ``graph``, loading or building it once."""
        if self.hierarchy is not None:
            return self.hierarchy
        if self.cache_path is not None and self.cache_path.is_file():
            self.hierarchy = Hierarchy.load(self.cache_path)
            return self.hierarchy
        start = time.perf_counter()
        weight = graph.time_s.astype(np.int64) * _LENGTH_BITS + graph.length_dm
        self.hierarchy = build_hierarchy(
            graph.n_nodes, graph.tails(), graph.indices, weight
        )
        logger.info(
            "built the contraction hierarchy of %d nodes in %.1f s",
            graph.n_nodes,
            time.perf_counter() - start,
        )
        if self.cache_path is not None:
            self.hierarchy.save(self.cache_path)
        return self.hierarchy


class PairCache:
    """Weights between the nodes of recent matrix calls (a re-plan's stops).

    Holds a square matrix over up to ``max_nodes`` known nodes. A call whose
    nodes are all known is a lookup; new nodes cost searches against the
    known ones only. When the known set would outgrow ``max_nodes``, or when
    the known nodes a call does not ask for outnumber those it does (over a
    day, the doors of delivered orders), only the call's nodes are kept.

    Notes
    -----
    A call asking for fewer pairs than pairing its new nodes with the known
    ones would compute (a promise: one new dropoff against a few stops, with
    2 000 nodes known) is searched directly and leaves the cache as it is;
    the next re-plan adds those nodes all at once. The weights live in one
    buffer allocated at the first addition (``max_nodes``² int64), so an
    addition writes the new rows and columns only.
    """

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes
        self._buffer = np.empty((0, 0), dtype=np.int64)
        self.clear()

    def clear(self) -> None:
        """Forget every known pair."""
        self._nodes = np.empty(0, dtype=np.int64)
        self._sorted = np.empty(0, dtype=np.int64)
        self._slot_of_sorted = np.empty(0, dtype=np.int64)

    def weights(
        self, query: HierarchyQuery, origins: np.ndarray, destinations: np.ndarray
    ) -> np.ndarray:
        """Return origins × destinations weights, searching only unknown pairs."""
        wanted = np.union1d(origins, destinations)
        if wanted.size > self.max_nodes:
            return query.weights(origins, destinations)
        new = np.setdiff1d(wanted, self._sorted, assume_unique=True)
        if new.size:
            if origins.size * destinations.size < new.size * self._nodes.size:
                return query.weights(origins, destinations)
            self._add(query, new, wanted)
        rows = self._slots(origins)
        cols = self._slots(destinations)
        return self._buffer[np.ix_(rows, cols)]

    def _slots(self, nodes: np.ndarray) -> np.ndarray:
        return self._slot_of_sorted[np.searchsorted(self._sorted, nodes)]

    def _add(self, query: HierarchyQuery, new: np.ndarray, wanted: np.ndarray) -> None:
        known = wanted.size - new.size
        stale = self._nodes.size - known
        if stale > known or self._nodes.size + new.size > self.max_nodes:
            # Keep the call's known nodes: move their weights to the front.
            slots = self._slots(np.setdiff1d(wanted, new, assume_unique=True))
            self._buffer[:known, :known] = self._buffer[np.ix_(slots, slots)]
            self._nodes = self._nodes[slots]
        if self._buffer.size == 0:
            self._buffer = np.empty((self.max_nodes, self.max_nodes), dtype=np.int64)
        old = self._nodes.size
        nodes = np.concatenate([self._nodes, new])
        end = nodes.size
        self._buffer[old:end, :end] = query.weights(new, nodes)
        if old:
            self._buffer[:old, old:end] = query.weights(self._nodes, new)
        self._nodes = nodes
        order = np.argsort(nodes)
        self._sorted, self._slot_of_sorted = nodes[order], order


class RoadTravelModel:
    """Courier travel on a road graph (satisfies ``geo.TravelModel``).

    Parameters
    ----------
    graph
        The compact road graph of one city and mode.
    name
        Label for logs and outputs, e.g. ``beijing/ebike``.
    synthetic
        True when the graph is generated, not real streets.
    horizon_s
        Searches stop at this travel time; farther pairs are unreachable.
    max_snap_m
        Points farther than this from every road node are rejected.
    time_factor
        Multiplier on every travel time (time-of-day hook, see
        :meth:`at_hour`); the horizon applies to the multiplied times.
    hourly_factors
        24 multipliers used by :meth:`at_hour`.
    hierarchy
        Where the contraction hierarchy comes from (default: built in memory
        on the first matrix).
    cached_nodes
        Search spaces kept per direction (least recently used evicted).
    """

    def __init__(
        self,
        graph: CompactGraph,
        name: str,
        synthetic: bool,
        horizon_s: int = DEFAULT_HORIZON_S,
        max_snap_m: float = DEFAULT_MAX_SNAP_M,
        time_factor: float = 1.0,
        hourly_factors: tuple[float, ...] = (1.0,) * 24,
        hierarchy: HierarchySource | None = None,
        cached_nodes: int = DEFAULT_CACHED_NODES,
    ) -> None:
        if not 0 < horizon_s < 60_000:
            raise ValueError(f"horizon_s={horizon_s} must be in (0, 60000) s")
        if max_snap_m <= 0:
            raise ValueError(f"max_snap_m={max_snap_m} must be > 0 m")
        if time_factor <= 0:
            raise ValueError(f"time_factor={time_factor} must be > 0")
        self.graph = graph
        self.name = name
        self.synthetic = synthetic
        self.horizon_s = int(horizon_s)
        self.max_snap_m = float(max_snap_m)
        self.time_factor = float(time_factor)
        self.hourly_factors = tuple(hourly_factors)
        self.hierarchy = hierarchy or HierarchySource()
        self.cached_nodes = cached_nodes

        weight = graph.time_s.astype(np.float64) * _LENGTH_BITS + graph.length_dm
        n = graph.n_nodes
        self._weights = csr_matrix((weight, graph.indices, graph.indptr), shape=(n, n))
        free_flow_horizon_s = int(self.horizon_s / self.time_factor)
        self._limit = (free_flow_horizon_s + 1) * _LENGTH_BITS - 1
        self._query: HierarchyQuery | None = None
        self._pairs = PairCache(DEFAULT_PAIR_CACHE_NODES)
        self._lock = threading.Lock()
        self._path_trees: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = (
            OrderedDict()
        )
        self._tree: cKDTree | None = None
        margin_deg = max_snap_m / 111_000.0
        self._extent = (
            float(graph.lon.min()) - margin_deg,
            float(graph.lat.min()) - margin_deg,
            float(graph.lon.max()) + margin_deg,
            float(graph.lat.max()) + margin_deg,
        )

    def __repr__(self) -> str:
        return (
            f"RoadTravelModel({self.name!r}, nodes={self.graph.n_nodes}, "
            f"synthetic={self.synthetic})"
        )

    def at_hour(self, hour: int) -> "RoadTravelModel":
        """Return this model with the time-of-day factor of a local hour applied.

        The graph arrays and the hierarchy are shared; the new model has its
        own cache of search spaces.
        """
        if not 0 <= hour < 24:
            raise ValueError(f"hour={hour} must be in 0..23")
        return RoadTravelModel(
            self.graph,
            f"{self.name}@{hour:02d}h",
            self.synthetic,
            self.horizon_s,
            self.max_snap_m,
            self.hourly_factors[hour],
            self.hourly_factors,
            self.hierarchy,
            self.cached_nodes,
        )

    # Snapping ---------------------------------------------------------------

    def snap(self, points: np.ndarray) -> Snapped:
        """Place (n, 2) lon/lat WGS-84 points on their nearest routable node.

        Raises
        ------
        BadPointError
            If a point is NaN/infinite or looks like (lat, lon).
        OutsideMapError
            If a point lies outside the graph's extent.
        OffNetworkError
            If a point is farther than ``max_snap_m`` from every node.
        """
        lonlat = self.check_points(points)
        x_m, y_m = self.graph.projection.to_xy(lonlat[:, 0], lonlat[:, 1])
        distance_m, nodes = self._kdtree().query(np.column_stack([x_m, y_m]))
        far = np.flatnonzero(distance_m > self.max_snap_m)
        if far.size:
            shown = ", ".join(
                f"#{i} ({lonlat[i, 0]:.6f}, {lonlat[i, 1]:.6f}) is "
                f"{distance_m[i]:.0f} m"
                for i in far[:5]
            )
            raise OffNetworkError(
                f"{far.size} point(s) farther than {self.max_snap_m:.0f} m from any "
                f"road of {self.name}: {shown}",
                far.tolist(),
                distance_m[far].tolist(),
            )
        return Snapped(nodes.astype(np.int64), distance_m)

    def check_points(self, points: np.ndarray) -> np.ndarray:
        """Return points as an (n, 2) float array, rejecting unusable ones."""
        lonlat = np.asarray(points, dtype=float)
        if lonlat.ndim == 1 and lonlat.size == 2:
            lonlat = lonlat.reshape(1, 2)
        if lonlat.ndim != 2 or lonlat.shape[1] != 2:
            raise BadPointError(f"points must have shape (n, 2), got {lonlat.shape}")
        bad = np.flatnonzero(~np.isfinite(lonlat).all(axis=1))
        if bad.size:
            raise BadPointError(
                f"{bad.size} point(s) with NaN or infinite coordinates, first "
                f"#{bad[0]} = {lonlat[bad[0]].tolist()}"
            )
        west, south, east, north = self._extent
        outside = ~(
            (lonlat[:, 0] >= west)
            & (lonlat[:, 0] <= east)
            & (lonlat[:, 1] >= south)
            & (lonlat[:, 1] <= north)
        )
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            lon, lat = lonlat[i]
            if west <= lat <= east and south <= lon <= north:
                raise BadPointError(
                    f"point #{i} ({lon}, {lat}) looks like (lat, lon); pass (lon, lat)"
                )
            count = int(outside.sum())
            raise OutsideMapError(
                f"{count} point(s) outside the map of {self.name} (lon {west:.4f}.."
                f"{east:.4f}, lat {south:.4f}..{north:.4f}), first #{i} ({lon}, {lat})",
                np.flatnonzero(outside).tolist(),
                [float("inf")] * count,
            )
        return lonlat

    def _kdtree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(np.column_stack([self.graph.x_m, self.graph.y_m]))
        return self._tree

    def location_points(self, nodes: np.ndarray) -> np.ndarray:
        """Return the (n, 2) lon/lat WGS-84 coordinates of nodes."""
        nodes = self._check_nodes(nodes)
        return np.column_stack([self.graph.lon[nodes], self.graph.lat[nodes]])

    # Matrices ---------------------------------------------------------------

    def matrix(
        self, origins: np.ndarray, destinations: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return int32 (time_s, distance_m) of fastest paths, origins × destinations.

        Pairs with no path within ``horizon_s`` get :data:`UNREACHABLE_S` in both
        arrays. Distances are those of the fastest path, rounded to metres.
        Pairs among the nodes of recent calls are read from a pair cache;
        only pairs with a new node are searched.
        """
        origins = self._check_nodes(origins)
        destinations = self._check_nodes(destinations)
        query = self._hierarchy_query()
        with self._lock:
            weight = self._pairs.weights(query, origins, destinations)
        return self._decode(weight)

    def one_to_many(
        self, origin: int, destinations: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return int32 (time_s, distance_m) from one node to many."""
        time_s, distance_m = self.matrix(np.array([origin]), destinations)
        return time_s[0], distance_m[0]

    @property
    def cached_rows(self) -> int:
        """Number of origins whose search space is cached."""
        return 0 if self._query is None else self._query.cached

    def clear_cache(self) -> None:
        """Forget every cached search space, pair and path tree."""
        if self._query is not None:
            self._query.clear()
        self._pairs.clear()
        with self._lock:
            self._path_trees.clear()

    def prepare(self) -> None:
        """Load or build the contraction hierarchy now instead of on first use.

        Also loads the compiled query kernels (one tiny query), so that the
        first real matrix is not charged for them.
        """
        query = self._hierarchy_query()
        query.weights(np.array([0]), np.array([0]))
        query.clear()

    def _hierarchy_query(self) -> HierarchyQuery:
        if self._query is None:
            self._query = HierarchyQuery(
                self.hierarchy.get(self.graph), self._limit, self.cached_nodes
            )
        return self._query

    def _decode(self, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        reached = weight <= self._limit
        time_s = np.full(weight.shape, UNREACHABLE_S, dtype=np.int32)
        distance_m = np.full(weight.shape, UNREACHABLE_S, dtype=np.int32)
        w = weight[reached]
        seconds = w // _LENGTH_BITS
        if self.time_factor != 1.0:
            seconds = np.rint(seconds * self.time_factor)
        time_s[reached] = seconds
        distance_m[reached] = np.rint((w % _LENGTH_BITS) / 10.0)
        return time_s, distance_m

    # Paths ------------------------------------------------------------------

    def path(self, origin: int, destination: int) -> Path:
        """Return the fastest path between two nodes, lon/lat vertices.

        Raises
        ------
        ValueError
            If the destination is not reachable within the horizon.
        """
        nodes, cumulative = self._path(origin, destination)
        time_s = np.floor_divide(cumulative, _LENGTH_BITS)
        time_s = np.rint(time_s * self.time_factor).astype(np.int64)
        distance_m = np.mod(cumulative, _LENGTH_BITS) / 10.0
        return Path(self.location_points(nodes), time_s, distance_m)

    def path_nodes(self, origin: int, destination: int) -> np.ndarray:
        """Return the node sequence of the fastest path (both ends included)."""
        return self._path(origin, destination)[0]

    def _path(self, origin: int, destination: int) -> tuple[np.ndarray, np.ndarray]:
        ends = self._check_nodes(np.array([origin, destination]))
        source, target = int(ends[0]), int(ends[1])
        weight, predecessors = self._path_tree(source)
        if not np.isfinite(weight[target]):
            raise ValueError(
                f"node {target} is not reachable from node {source} within "
                f"{self.horizon_s} s on {self.name}"
            )
        nodes = [target]
        while nodes[-1] != source:
            nodes.append(int(predecessors[nodes[-1]]))
        nodes.reverse()
        return np.array(nodes, dtype=np.int64), weight[nodes]

    def _path_tree(self, source: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the weights and predecessors of the search from ``source``.

        The last ``PATH_TREES`` searches are kept: most rides start at a depot.
        """
        with self._lock:
            tree = self._path_trees.get(source)
            if tree is not None:
                self._path_trees.move_to_end(source)
                return tree
        tree = csgraph.dijkstra(
            self._weights,
            directed=True,
            indices=source,
            limit=float(self._limit),
            return_predecessors=True,
        )
        with self._lock:
            self._path_trees[source] = tree
            if len(self._path_trees) > PATH_TREES:
                self._path_trees.popitem(last=False)
        return tree

    def _check_nodes(self, nodes: np.ndarray) -> np.ndarray:
        array = np.asarray(nodes)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise TypeError(
                f"nodes must be a 1-d integer array of node indices, got "
                f"dtype {array.dtype} shape {array.shape}"
            )
        array = array.astype(np.int64, copy=False)
        if array.size and (array.min() < 0 or array.max() >= self.graph.n_nodes):
            raise ValueError(
                f"node indices must be in 0..{self.graph.n_nodes - 1} for {self.name}, "
                f"got {array.min()}..{array.max()}"
            )
        return array
