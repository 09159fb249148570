"""The road-graph travel model: snapping, matrices and paths on a CompactGraph.

Shortest paths use scipy's Dijkstra on the CSR arrays with a search horizon.
Each edge weighs ``time_s * 2**24 + length_dm``, so one search finds the
fastest path, breaks ties by the shorter one, and yields both its integer
seconds and its decimetres exactly (sums stay far below 2**53).
Rows are cached by source node: re-planning with mostly known stops only
searches from the new ones.
"""

import logging
from collections import OrderedDict

import numpy as np
from scipy.sparse import csgraph, csr_matrix
from scipy.spatial import cKDTree

from geo.errors import BadPointError, OffNetworkError, OutsideMapError
from geo.graph import CompactGraph
from geo.travel_model import UNREACHABLE_S, Path, Snapped

logger = logging.getLogger(__name__)

DEFAULT_HORIZON_S = 7200
DEFAULT_MAX_SNAP_M = 300.0
DEFAULT_ROW_CACHE_MB = 256.0
_LENGTH_BITS = 2**24
"""Weight scale: decimetres of a path stay below this (1 677 km)."""
_BATCH = 32
"""Sources per Dijkstra call: bounds the dense (batch, nodes) result."""


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
        Multiplier on every edge time (time-of-day hook, see :meth:`at_hour`).
    hourly_factors
        24 multipliers used by :meth:`at_hour`.
    row_cache_mb
        Memory budget of the per-source row cache (least recently used rows
        are evicted first).
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
        row_cache_mb: float = DEFAULT_ROW_CACHE_MB,
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
        self.row_cache_mb = row_cache_mb

        time_s = graph.time_s.astype(np.float64)
        if time_factor != 1.0:
            time_s = np.rint(time_s * time_factor)
        weight = time_s * _LENGTH_BITS + graph.length_dm
        n = graph.n_nodes
        self._weights = csr_matrix((weight, graph.indices, graph.indptr), shape=(n, n))
        self._limit = float((self.horizon_s + 1) * _LENGTH_BITS)
        self._rows: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._max_rows = max(1, int(row_cache_mb * 2**20 // (8 * max(n, 1))))
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

        The graph arrays are shared; the new model has its own row cache.
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
            self.row_cache_mb,
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
        Rows of origins searched before are read from the row cache.
        """
        origins = self._check_nodes(origins)
        destinations = self._check_nodes(destinations)
        unique, inverse = np.unique(origins, return_inverse=True)
        time_s = np.empty((unique.size, destinations.size), dtype=np.int32)
        distance_m = np.empty_like(time_s)

        missing = []
        for i, origin in enumerate(unique.tolist()):
            row = self._rows.get(origin)
            if row is None:
                missing.append(i)
                continue
            self._rows.move_to_end(origin)
            time_s[i] = row[0][destinations]
            distance_m[i] = row[1][destinations]

        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            row_time, row_distance = self._search(unique[batch])
            time_s[batch] = row_time[:, destinations]
            distance_m[batch] = row_distance[:, destinations]
            for k, i in enumerate(batch):
                self._rows[int(unique[i])] = (
                    row_time[k].copy(),
                    row_distance[k].copy(),
                )
            while len(self._rows) > self._max_rows:
                self._rows.popitem(last=False)
        if missing:
            logger.debug(
                "searched %d new rows, %d cached", len(missing), len(self._rows)
            )
        return time_s[inverse], distance_m[inverse]

    def one_to_many(
        self, origin: int, destinations: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return int32 (time_s, distance_m) from one node to many."""
        time_s, distance_m = self.matrix(np.array([origin]), destinations)
        return time_s[0], distance_m[0]

    @property
    def cached_rows(self) -> int:
        """Number of source rows currently held in the row cache."""
        return len(self._rows)

    def clear_cache(self) -> None:
        """Forget every cached row."""
        self._rows.clear()

    def _search(self, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return int32 (time_s, distance_m) rows to every node, one per source."""
        weight = csgraph.dijkstra(
            self._weights, directed=True, indices=sources, limit=self._limit
        )
        reached = np.isfinite(weight)
        time_s = np.full(weight.shape, UNREACHABLE_S, dtype=np.int32)
        distance_m = np.full(weight.shape, UNREACHABLE_S, dtype=np.int32)
        w = weight[reached]
        time_s[reached] = np.floor_divide(w, _LENGTH_BITS)
        distance_m[reached] = np.rint(np.mod(w, _LENGTH_BITS) / 10.0)
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
        time_s = np.floor_divide(cumulative, _LENGTH_BITS).astype(np.int64)
        distance_m = np.mod(cumulative, _LENGTH_BITS) / 10.0
        return Path(self.location_points(nodes), time_s, distance_m)

    def path_nodes(self, origin: int, destination: int) -> np.ndarray:
        """Return the node sequence of the fastest path (both ends included)."""
        return self._path(origin, destination)[0]

    def _path(self, origin: int, destination: int) -> tuple[np.ndarray, np.ndarray]:
        ends = self._check_nodes(np.array([origin, destination]))
        source, target = int(ends[0]), int(ends[1])
        weight, predecessors = csgraph.dijkstra(
            self._weights,
            directed=True,
            indices=source,
            limit=self._limit,
            return_predecessors=True,
        )
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
