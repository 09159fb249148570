"""Compact road graphs: CSR arrays built once from OSM ways, cached on disk.

A :class:`CompactGraph` holds only numpy arrays: node coordinates (WGS-84
and local metres), a CSR adjacency, and per-edge integer travel seconds and
length in decimetres for one travel profile. It is restricted to the largest
strongly connected component of the courier network, so every node reaches
every other. Hot paths (snapping, matrices, paths) read these arrays only.
"""

import json
import logging
import math
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csgraph, csr_matrix

from geo.errors import MapDataError
from geo.osm import RawNetwork
from geo.profiles import WALK_KMH, TravelProfile

logger = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8
GRAPH_FORMAT_VERSION = 1
"""Bump when the build changes what a cached graph contains."""

_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection to metres around an origin.

    Notes
    -----
    Over a city (< 50 km) the scale error is below 0.1 %, far below the
    uncertainty of courier speeds; it keeps projection a pair of multiplies.
    """

    lon0: float
    lat0: float

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return x (east) and y (north) metres of WGS-84 degrees."""
        scale = math.radians(1.0) * EARTH_RADIUS_M
        x = (
            (np.asarray(lon, dtype=float) - self.lon0)
            * scale
            * math.cos(math.radians(self.lat0))
        )
        y = (np.asarray(lat, dtype=float) - self.lat0) * scale
        return x, y


@dataclass(frozen=True)
class CompactGraph:
    """A directed courier road graph as CSR arrays.

    Attributes
    ----------
    lon, lat
        WGS-84 degrees of each node.
    x_m, y_m
        Local projected metres of each node (see :class:`LocalProjection`).
    indptr, indices
        CSR adjacency: the heads of node ``u``'s out-edges are
        ``indices[indptr[u]:indptr[u + 1]]``.
    time_s
        Integer travel seconds of each edge, intersection delay included.
    length_dm
        Integer length of each edge in decimetres.
    meta
        Build facts: source files, node and edge counts before and after the
        component restriction, km of road, profile.
    """

    lon: np.ndarray
    lat: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    time_s: np.ndarray
    length_dm: np.ndarray
    projection: LocalProjection
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lon.size)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.size)

    def tails(self) -> np.ndarray:
        """Return the tail node of every edge, aligned with ``indices``."""
        return np.repeat(
            np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr)
        ).astype(np.int32)

    def save(self, path: Path) -> None:
        """Write the arrays to ``path`` atomically (temp file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=path.name, suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as temp:
                np.savez(
                    temp,
                    lon=self.lon,
                    lat=self.lat,
                    x_m=self.x_m,
                    y_m=self.y_m,
                    indptr=self.indptr,
                    indices=self.indices,
                    time_s=self.time_s,
                    length_dm=self.length_dm,
                    origin=np.array([self.projection.lon0, self.projection.lat0]),
                    meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
                )
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> "CompactGraph":
        """Read a graph written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        origin = arrays.pop("origin")
        meta = json.loads(str(arrays.pop("meta")))
        return cls(projection=LocalProjection(*map(float, origin)), meta=meta, **arrays)


def build_graph(
    network: RawNetwork, profile: TravelProfile, meta: dict[str, Any] | None = None
) -> CompactGraph:
    """Apply a travel profile to OSM ways and build the routable graph.

    Parameters
    ----------
    network
        Merged OSM nodes and highway ways.
    profile
        Which ways the mode may use, in which directions, how fast.
    meta
        Facts to record with the graph (sources, names).

    Raises
    ------
    MapDataError
        If no way is usable by the mode.
    """
    usable = [
        (refs, rule)
        for refs, tags in network.ways.values()
        if (rule := _way_rule(tags, profile)) is not None
    ]
    if not usable:
        classes = sorted(
            {tags.get("highway", "?") for _, tags in network.ways.values()}
        )
        raise MapDataError(
            f"no road usable by {profile.mode} among {len(network.ways)} highway "
            f"ways (classes seen: {', '.join(classes[:12])})"
        )

    node_ids = np.unique(np.fromiter((r for refs, _ in usable for r in refs), np.int64))
    lonlat = np.array([network.coords[int(i)] for i in node_ids], dtype=float)
    projection = LocalProjection(
        float(np.round(np.median(lonlat[:, 0]), 4)),
        float(np.round(np.median(lonlat[:, 1]), 4)),
    )
    x_m, y_m = projection.to_xy(lonlat[:, 0], lonlat[:, 1])
    builder = _EdgeBuilder(node_ids, x_m, y_m, profile.max_segment_m)
    for refs, (speed_mps, forward, backward) in usable:
        builder.add_way(refs, speed_mps, forward, backward)
    graph = builder.finish(network.signals, profile, projection)
    graph.meta.update(meta or {})
    graph.meta["profile"] = profile.cache_key()
    graph.meta["mode"] = profile.mode
    return graph


def _way_rule(
    tags: dict[str, str], profile: TravelProfile
) -> tuple[float, bool, bool] | None:
    """Return (speed m/s, forward allowed, backward allowed), or None if unusable."""
    highway = tags.get("highway", "")
    if highway not in profile.speed_kmh or tags.get("area") == "yes":
        return None
    mode_tag = {"ebike": "bicycle", "scooter": "motorcycle", "walk": "foot"}
    own_access = tags.get(mode_tag[profile.mode])
    if tags.get("access") in ("no", "private") and own_access not in (
        "yes",
        "permissive",
    ):
        return None

    speed_kmh = profile.speed_kmh[highway]
    maxspeed = _parse_kmh(tags.get("maxspeed"))
    if maxspeed is not None:
        speed_kmh = min(speed_kmh, maxspeed)

    pushed = False
    if own_access in ("no", "use_sidepath", "dismount"):
        if profile.mode != "ebike" or profile.bicycle_no == "exclude":
            return None
        if profile.bicycle_no == "push":
            pushed = True
            speed_kmh = WALK_KMH

    oneway = tags.get("oneway", "no").lower()
    if tags.get("junction") in ("roundabout", "circular") and oneway == "no":
        oneway = "yes"
    if profile.mode == "ebike" and tags.get("oneway:bicycle") == "no":
        oneway = "no"
    forward = backward = True
    if profile.respect_oneway and not pushed:
        if oneway in _ONEWAY_FORWARD:
            backward = False
        elif oneway in _ONEWAY_BACKWARD:
            forward = False
    return speed_kmh / 3.6, forward, backward


def _parse_kmh(text: str | None) -> float | None:
    if not text:
        return None
    number = text.split(";")[0].strip().split(" ")[0]
    try:
        value = float(number)
    except ValueError:
        return None
    if "mph" in text:
        value *= 1.609344
    return value if value > 0 else None


class _EdgeBuilder:
    """Collects directed edges way by way, then restricts and packs them."""

    def __init__(
        self,
        node_ids: np.ndarray,
        x_m: np.ndarray,
        y_m: np.ndarray,
        max_segment_m: float,
    ) -> None:
        self.node_ids = node_ids
        self.base_x = x_m
        self.base_y = y_m
        self.extra_x: list[np.ndarray] = []
        self.extra_y: list[np.ndarray] = []
        self.n_nodes = node_ids.size
        self.max_segment_m = max_segment_m
        self.tails: list[np.ndarray] = []
        self.heads: list[np.ndarray] = []
        self.times: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []

    def add_way(
        self, refs: Iterable[int], speed_mps: float, fwd: bool, bwd: bool
    ) -> None:
        nodes = np.searchsorted(self.node_ids, np.fromiter(refs, np.int64))
        chain, xs, ys = self._densify(nodes)
        seg_m = np.hypot(np.diff(xs), np.diff(ys))
        for allowed, order, lengths in (
            (fwd, chain, seg_m),
            (bwd, chain[::-1], seg_m[::-1]),
        ):
            if not allowed:
                continue
            # Round cumulative time along the way, so that rounding errors do
            # not accumulate over many short segments.
            cumulative = np.concatenate([[0.0], np.cumsum(lengths / speed_mps)])
            self.times.append(np.diff(np.rint(cumulative)).astype(np.int64))
            self.tails.append(order[:-1])
            self.heads.append(order[1:])
            self.lengths.append(np.maximum(np.rint(lengths * 10.0), 1).astype(np.int64))

    def _densify(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Insert interpolated nodes so that no segment exceeds max_segment_m."""
        xs, ys = self.base_x[nodes], self.base_y[nodes]
        pieces = np.ceil(np.hypot(np.diff(xs), np.diff(ys)) / self.max_segment_m)
        pieces = np.maximum(pieces, 1).astype(np.int64)
        if pieces.max() == 1:
            return nodes, xs, ys
        segment = np.repeat(np.arange(pieces.size), pieces)
        step = np.arange(segment.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        fraction = step / pieces[segment]
        new_x = xs[segment] + fraction * (xs[segment + 1] - xs[segment])
        new_y = ys[segment] + fraction * (ys[segment + 1] - ys[segment])
        chain = nodes[segment].copy()
        inserted = step > 0
        chain[inserted] = self.n_nodes + np.arange(int(inserted.sum()))
        self.n_nodes += int(inserted.sum())
        self.extra_x.append(new_x[inserted])
        self.extra_y.append(new_y[inserted])
        chain = np.append(chain, nodes[-1])
        return chain, np.append(new_x, xs[-1]), np.append(new_y, ys[-1])

    def finish(
        self, signals: set[int], profile: TravelProfile, projection: LocalProjection
    ) -> CompactGraph:
        tail = np.concatenate(self.tails)
        head = np.concatenate(self.heads)
        time_s = np.concatenate(self.times)
        length_dm = np.concatenate(self.lengths)
        n = self.n_nodes
        all_x = np.concatenate([self.base_x, *self.extra_x])
        all_y = np.concatenate([self.base_y, *self.extra_y])
        keep = tail != head
        tail, head, time_s, length_dm = (
            tail[keep],
            head[keep],
            time_s[keep],
            length_dm[keep],
        )

        # Per-intersection delay on edges entering a node where >= 3 streets meet.
        low, high = _undirected_pairs(tail, head, n)
        degree = np.bincount(np.concatenate([low, high]), minlength=n)
        delay = np.where(degree >= 3, profile.intersection_delay_s, 0)
        osm_signal = np.isin(
            self.node_ids, np.fromiter(signals, np.int64, len(signals))
        )
        delay[: self.node_ids.size][
            osm_signal & (degree[: self.node_ids.size] >= 2)
        ] = profile.signal_delay_s
        time_s = time_s + delay[head]

        # Keep the best of parallel edges (fastest, then shortest).
        order = np.lexsort((length_dm, time_s, head, tail))
        tail, head, time_s, length_dm = (
            tail[order],
            head[order],
            time_s[order],
            length_dm[order],
        )
        first = np.ones(tail.size, dtype=bool)
        first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
        tail, head, time_s, length_dm = (
            tail[first],
            head[first],
            time_s[first],
            length_dm[first],
        )

        # Restrict to the largest strongly connected component.
        adjacency = csr_matrix((np.ones(tail.size), (tail, head)), shape=(n, n))
        _, labels = csgraph.connected_components(
            adjacency, directed=True, connection="strong"
        )
        largest = np.argmax(np.bincount(labels))
        kept = labels == largest
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[kept] = np.arange(int(kept.sum()))
        inside = kept[tail] & kept[head]
        tail, head = new_index[tail[inside]], new_index[head[inside]]
        time_s, length_dm = time_s[inside], length_dm[inside]

        x_m = all_x[kept]
        y_m = all_y[kept]
        lon, lat = _unproject(projection, x_m, y_m)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=x_m.size))])
        low, high = _undirected_pairs(tail, head, x_m.size)
        segment_m = np.hypot(x_m[low] - x_m[high], y_m[low] - y_m[high])
        meta = {
            "format": GRAPH_FORMAT_VERSION,
            "nodes_before_scc": int(n),
            "edges_before_scc": int(keep.size),
            "nodes": int(x_m.size),
            "edges": int(tail.size),
            "dropped_node_share": round(1.0 - x_m.size / n, 4),
            "components": int(labels.max() + 1),
            "road_km": round(float(segment_m.sum()) / 1000.0, 2),
        }
        logger.info(
            "graph built: %d nodes, %d edges; largest SCC kept, %.1f %% of "
            "nodes dropped",
            meta["nodes"],
            meta["edges"],
            100 * meta["dropped_node_share"],
        )
        return CompactGraph(
            lon=lon,
            lat=lat,
            x_m=x_m,
            y_m=y_m,
            indptr=indptr.astype(np.int32),
            indices=head.astype(np.int32),
            time_s=time_s.astype(np.int32),
            length_dm=length_dm.astype(np.int32),
            projection=projection,
            meta=meta,
        )


def _undirected_pairs(
    tail: np.ndarray, head: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return each street segment once, ignoring direction, as (low, high) nodes."""
    key = np.unique(np.minimum(tail, head) * n + np.maximum(tail, head))
    return key // n, key % n


def _unproject(
    projection: LocalProjection, x_m: np.ndarray, y_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    scale = math.radians(1.0) * EARTH_RADIUS_M
    lat = projection.lat0 + y_m / scale
    lon = projection.lon0 + x_m / (scale * math.cos(math.radians(projection.lat0)))
    return lon, lat
