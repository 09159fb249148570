"""Contraction hierarchies for many-to-many travel-time matrices (numba).

Build: nodes are contracted one by one in the order of a lazily updated
priority (edge difference, contracted neighbours, level); contracting ``v``
adds a shortcut ``u -> x`` for each pair of its remaining neighbours unless
a witness search (Dijkstra from ``u`` avoiding ``v``, at most
``SETTLE_LIMIT`` nodes settled, ``LATE_SETTLE_LIMIT`` in the dense core)
finds a path as short. A limited witness
search may add a superfluous shortcut but never misses a needed one, so
queries stay exact.

Query (many-to-many, bucket algorithm): a backward upward search from each
destination leaves (destination, distance) entries in buckets at the nodes
it settles; a forward upward search from each origin scans the buckets of
the nodes it settles. Searches are pruned at the horizon. Weights are the
integers of :mod:`geo.road` (seconds × 2**24 + decimetres), so answers equal
plain Dijkstra's exactly. Search spaces are cached per node, so a re-plan
searches only from new stops.
"""

import logging
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

logger = logging.getLogger(__name__)

INF = np.iinfo(np.int64).max // 4
SETTLE_LIMIT = 60
"""Nodes a witness search may settle before giving up (adds a shortcut)."""
LATE_SETTLE_LIMIT = 500
LATE_SHARE = 0.5
"""Once this share of nodes is contracted, witness searches may settle
``LATE_SETTLE_LIMIT`` nodes: the remaining core is dense, and superfluous
shortcuts there would inflate every query."""
CH_FORMAT_VERSION = 2
ED_WEIGHT = 2
DELETED_WEIGHT = 1
LEVEL_WEIGHT = 1
"""Node priority = 2 × edge difference + contracted neighbours + level; the
best of the weightings tried on the 40 k-node synthetic grid (smallest search
spaces; 4-1-1 builds faster with 5 % larger spaces)."""


@njit(cache=True)
def _push(keys, vals, size, key, val):
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        vals[parent], vals[i] = vals[i], vals[parent]
        i = parent
    return size + 1


@njit(cache=True)
def _pop(keys, vals, size):
    key = keys[0]
    val = vals[0]
    size -= 1
    keys[0] = keys[size]
    vals[0] = vals[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[i] <= keys[child]:
            break
        keys[child], keys[i] = keys[i], keys[child]
        vals[child], vals[i] = vals[i], vals[child]
        i = child
    return key, val, size


@njit(cache=True)
def _shortcuts(
    v,
    apply,
    state,
    e_from,
    e_to,
    e_w,
    out_head,
    out_next,
    in_head,
    in_next,
    contracted,
    dist,
    touched,
    hkeys,
    hvals,
    settle_limit,
):
    """Count (and with ``apply`` add) the shortcuts that contracting v needs."""
    count = 0
    e = in_head[v]
    while e != -1:
        u = e_from[e]
        if contracted[u] or u == v:
            e = in_next[e]
            continue
        w1 = e_w[e]
        bound = -1
        f = out_head[v]
        while f != -1:
            x = e_to[f]
            if not contracted[x] and x != u and x != v:
                bound = max(bound, w1 + e_w[f])
            f = out_next[f]
        if bound < 0:
            e = in_next[e]
            continue

        # Witness search from u, avoiding v.
        n_touched = 0
        dist[u] = 0
        touched[n_touched] = u
        n_touched += 1
        size = _push(hkeys, hvals, 0, 0, u)
        settled = 0
        while size > 0 and settled < settle_limit:
            d, y, size = _pop(hkeys, hvals, size)
            if d > dist[y]:
                continue
            if d > bound:
                break
            settled += 1
            g = out_head[y]
            while g != -1:
                z = e_to[g]
                if z != v and not contracted[z]:
                    nd = d + e_w[g]
                    if nd < dist[z]:
                        if dist[z] == INF:
                            touched[n_touched] = z
                            n_touched += 1
                        dist[z] = nd
                        if size < hkeys.size:
                            size = _push(hkeys, hvals, size, nd, z)
                g = out_next[g]

        f = out_head[v]
        while f != -1:
            x = e_to[f]
            if not contracted[x] and x != u and x != v:
                through = w1 + e_w[f]
                if dist[x] > through:
                    count += 1
                    if apply:
                        _add_or_lower(
                            u,
                            x,
                            through,
                            state,
                            e_from,
                            e_to,
                            e_w,
                            out_head,
                            out_next,
                            in_head,
                            in_next,
                        )
            f = out_next[f]
        for k in range(n_touched):
            dist[touched[k]] = INF
        e = in_next[e]
    return count


@njit(cache=True)
def _add_or_lower(
    u, x, w, state, e_from, e_to, e_w, out_head, out_next, in_head, in_next
):
    g = out_head[u]
    while g != -1:
        if e_to[g] == x:
            if w < e_w[g]:
                e_w[g] = w
            return
        g = out_next[g]
    m = state[0]
    if m >= e_w.size:
        state[1] = 1  # out of edge capacity
        return
    e_from[m] = u
    e_to[m] = x
    e_w[m] = w
    out_next[m] = out_head[u]
    out_head[u] = m
    in_next[m] = in_head[x]
    in_head[x] = m
    state[0] = m + 1


@njit(cache=True)
def _degree(v, out_head, out_next, in_head, in_next, e_from, e_to, contracted):
    count = 0
    e = out_head[v]
    while e != -1:
        if not contracted[e_to[e]]:
            count += 1
        e = out_next[e]
    e = in_head[v]
    while e != -1:
        if not contracted[e_from[e]]:
            count += 1
        e = in_next[e]
    return count


@njit(cache=True)
def _contract(
    n,
    tails,
    heads,
    weights,
    capacity,
    early_limit,
    late_limit,
    late_share,
    ed_w,
    del_w,
    lvl_w,
):
    e_from = np.empty(capacity, np.int32)
    e_to = np.empty(capacity, np.int32)
    e_w = np.empty(capacity, np.int64)
    out_next = np.empty(capacity, np.int32)
    in_next = np.empty(capacity, np.int32)
    out_head = np.full(n, -1, np.int32)
    in_head = np.full(n, -1, np.int32)
    state = np.zeros(2, np.int64)
    for i in range(tails.size):
        m = state[0]
        e_from[m] = tails[i]
        e_to[m] = heads[i]
        e_w[m] = weights[i]
        out_next[m] = out_head[tails[i]]
        out_head[tails[i]] = m
        in_next[m] = in_head[heads[i]]
        in_head[heads[i]] = m
        state[0] = m + 1

    contracted = np.zeros(n, np.bool_)
    deleted = np.zeros(n, np.int64)
    level = np.zeros(n, np.int64)
    rank = np.full(n, -1, np.int64)
    dist = np.full(n, INF, np.int64)
    touched = np.empty(n, np.int32)
    hkeys = np.empty(4 * n + 16, np.int64)
    hvals = np.empty(4 * n + 16, np.int32)
    pkeys = np.empty(4 * n + 16, np.int64)
    pvals = np.empty(4 * n + 16, np.int32)
    offset = 1 << 20

    psize = 0
    for v in range(n):
        p = _shortcuts(
            v,
            False,
            state,
            e_from,
            e_to,
            e_w,
            out_head,
            out_next,
            in_head,
            in_next,
            contracted,
            dist,
            touched,
            hkeys,
            hvals,
            early_limit,
        ) - _degree(v, out_head, out_next, in_head, in_next, e_from, e_to, contracted)
        psize = _push(pkeys, pvals, psize, p + offset, v)

    order = 0
    settle_limit = early_limit
    while psize > 0:
        if order >= late_share * n:
            settle_limit = late_limit
        _, v, psize = _pop(pkeys, pvals, psize)
        if contracted[v]:
            continue
        edge_difference = _shortcuts(
            v,
            False,
            state,
            e_from,
            e_to,
            e_w,
            out_head,
            out_next,
            in_head,
            in_next,
            contracted,
            dist,
            touched,
            hkeys,
            hvals,
            settle_limit,
        ) - _degree(v, out_head, out_next, in_head, in_next, e_from, e_to, contracted)
        p = ed_w * edge_difference + del_w * deleted[v] + lvl_w * level[v]
        if psize > 0 and p + offset > pkeys[0] and psize < pkeys.size:
            psize = _push(pkeys, pvals, psize, p + offset, v)
            continue
        _shortcuts(
            v,
            True,
            state,
            e_from,
            e_to,
            e_w,
            out_head,
            out_next,
            in_head,
            in_next,
            contracted,
            dist,
            touched,
            hkeys,
            hvals,
            settle_limit,
        )
        if state[1] != 0:
            return e_from, e_to, e_w, rank, -1
        contracted[v] = True
        rank[v] = order
        order += 1
        e = out_head[v]
        while e != -1:
            deleted[e_to[e]] += 1
            level[e_to[e]] = max(level[e_to[e]], level[v] + 1)
            e = out_next[e]
        e = in_head[v]
        while e != -1:
            deleted[e_from[e]] += 1
            level[e_from[e]] = max(level[e_from[e]], level[v] + 1)
            e = in_next[e]
    m = state[0]
    return e_from[:m], e_to[:m], e_w[:m], rank, m


@njit(cache=True)
def _upward(
    indptr,
    nbr,
    w,
    opp_indptr,
    opp_nbr,
    opp_w,
    source,
    limit,
    dist,
    touched,
    hkeys,
    hvals,
):
    """Return the nodes and distances an upward search from source settles.

    Stall on demand: a node reached more cheaply through a higher-ranked
    node (an edge of the opposite direction) is not a meeting point of any
    shortest path, so it is neither expanded nor returned.
    """
    out_nodes = np.empty(64, np.int32)
    out_dist = np.empty(64, np.int64)
    count = 0
    n_touched = 1
    dist[source] = 0
    touched[0] = source
    size = _push(hkeys, hvals, 0, 0, source)
    while size > 0:
        d, y, size = _pop(hkeys, hvals, size)
        if d > dist[y]:
            continue
        stalled = False
        for k in range(opp_indptr[y], opp_indptr[y + 1]):
            if dist[opp_nbr[k]] + opp_w[k] < d:
                stalled = True
                break
        if stalled:
            continue
        if count == out_nodes.size:
            out_nodes = np.concatenate((out_nodes, np.empty(count, np.int32)))
            out_dist = np.concatenate((out_dist, np.empty(count, np.int64)))
        out_nodes[count] = y
        out_dist[count] = d
        count += 1
        for k in range(indptr[y], indptr[y + 1]):
            z = nbr[k]
            nd = d + w[k]
            if nd <= limit and nd < dist[z]:
                if dist[z] == INF:
                    touched[n_touched] = z
                    n_touched += 1
                dist[z] = nd
                size = _push(hkeys, hvals, size, nd, z)
    for k in range(n_touched):
        dist[touched[k]] = INF
    return out_nodes[:count], out_dist[:count]


@njit(cache=True)
def _join(f_ptr, f_node, f_dist, b_ptr, b_target, b_dist, n_targets):
    n_sources = f_ptr.size - 1
    best = np.full((n_sources, n_targets), INF, np.int64)
    for s in range(n_sources):
        for k in range(f_ptr[s], f_ptr[s + 1]):
            y = f_node[k]
            d1 = f_dist[k]
            for j in range(b_ptr[y], b_ptr[y + 1]):
                d = d1 + b_dist[j]
                t = b_target[j]
                if d < best[s, t]:
                    best[s, t] = d
    return best


@dataclass(frozen=True)
class Hierarchy:
    """A contraction hierarchy as two CSR graphs of upward edges.

    ``up_*`` holds each node's edges to higher-ranked heads (forward
    searches); ``down_*`` holds, at each node, the higher-ranked tails of
    its incoming edges (backward searches).
    """

    up_indptr: np.ndarray
    up_nbr: np.ndarray
    up_w: np.ndarray
    down_indptr: np.ndarray
    down_nbr: np.ndarray
    down_w: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.up_indptr.size - 1)

    def save(self, path: Path) -> None:
        """Write the arrays atomically (temp file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as temp:
                np.savez(temp, **self.__dict__)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> "Hierarchy":
        """Read a hierarchy written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            return cls(**{key: data[key] for key in data.files})


def build_hierarchy(
    n_nodes: int, tails: np.ndarray, heads: np.ndarray, weights: np.ndarray
) -> Hierarchy:
    """Contract a directed graph with positive int64 edge weights.

    Raises
    ------
    RuntimeError
        If the shortcuts outgrow 16 times the edge count (never seen on
        road graphs).
    """
    capacity = max(4 * tails.size, 1024)
    while True:
        e_from, e_to, e_w, rank, m = _contract(
            n_nodes,
            tails.astype(np.int32),
            heads.astype(np.int32),
            weights.astype(np.int64),
            capacity,
            SETTLE_LIMIT,
            LATE_SETTLE_LIMIT,
            LATE_SHARE,
            ED_WEIGHT,
            DELETED_WEIGHT,
            LEVEL_WEIGHT,
        )
        if m >= 0:
            break
        if capacity >= 16 * tails.size:
            raise RuntimeError(
                f"contraction of {n_nodes} nodes needed more than {capacity} edges"
            )
        capacity *= 2
    logger.info(
        "contraction hierarchy: %d nodes, %d edges + %d shortcuts",
        n_nodes,
        tails.size,
        m - tails.size,
    )
    up = rank[e_from] < rank[e_to]
    up_indptr, up_nbr, up_w = _csr(n_nodes, e_from[up], e_to[up], e_w[up])
    down = ~up
    down_indptr, down_nbr, down_w = _csr(n_nodes, e_to[down], e_from[down], e_w[down])
    return Hierarchy(up_indptr, up_nbr, up_w, down_indptr, down_nbr, down_w)


def _csr(
    n: int, at: np.ndarray, nbr: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(at, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(at, minlength=n))])
    return indptr.astype(np.int64), nbr[order].astype(np.int32), w[order]


class HierarchyQuery:
    """Many-to-many queries on a hierarchy, caching search spaces per node.

    Parameters
    ----------
    hierarchy
        The contracted graph.
    limit
        Searches stop beyond this weight (the horizon).
    max_cached
        Search spaces kept per direction (least recently used evicted).

    Notes
    -----
    Queries share scratch arrays; a lock serialises concurrent callers.
    """

    def __init__(self, hierarchy: Hierarchy, limit: int, max_cached: int = 50_000):
        self.hierarchy = hierarchy
        self.limit = int(limit)
        self.max_cached = max_cached
        n = hierarchy.n_nodes
        self._dist = np.full(n, INF, np.int64)
        self._touched = np.empty(n, np.int32)
        self._hkeys = np.empty(
            max(hierarchy.up_nbr.size, hierarchy.down_nbr.size) + 16, np.int64
        )
        self._hvals = np.empty(self._hkeys.size, np.int32)
        self._lock = threading.Lock()
        self._forward: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._backward: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def weights(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Return the int64 shortest weights, origins × destinations (INF if none)."""
        with self._lock:
            return self._weights(origins, destinations)

    def _weights(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        h = self.hierarchy
        up = (h.up_indptr, h.up_nbr, h.up_w)
        down = (h.down_indptr, h.down_nbr, h.down_w)
        forward = [self._space(int(s), self._forward, up, down) for s in origins]
        backward = [self._space(int(t), self._backward, down, up) for t in destinations]
        f_ptr = np.concatenate([[0], np.cumsum([len(f[0]) for f in forward])])
        f_node = (
            np.concatenate([f[0] for f in forward])
            if forward
            else np.empty(0, np.int32)
        )
        f_dist = (
            np.concatenate([f[1] for f in forward])
            if forward
            else np.empty(0, np.int64)
        )
        sizes = np.array([len(b[0]) for b in backward], dtype=np.int64)
        b_node = (
            np.concatenate([b[0] for b in backward])
            if backward
            else np.empty(0, np.int32)
        )
        b_dist = (
            np.concatenate([b[1] for b in backward])
            if backward
            else np.empty(0, np.int64)
        )
        b_target = np.repeat(np.arange(len(backward), dtype=np.int32), sizes)
        order = np.argsort(b_node, kind="stable")
        b_ptr = np.concatenate(
            [[0], np.cumsum(np.bincount(b_node, minlength=h.n_nodes))]
        )
        return _join(
            f_ptr.astype(np.int64),
            f_node,
            f_dist,
            b_ptr.astype(np.int64),
            b_target[order],
            b_dist[order],
            len(backward),
        )

    def _space(
        self,
        node: int,
        cache: "OrderedDict[int, tuple[np.ndarray, np.ndarray]]",
        graph: tuple[np.ndarray, np.ndarray, np.ndarray],
        opposite: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        space = cache.get(node)
        if space is not None:
            cache.move_to_end(node)
            return space
        space = _upward(
            *graph,
            *opposite,
            node,
            self.limit,
            self._dist,
            self._touched,
            self._hkeys,
            self._hvals,
        )
        cache[node] = space
        if len(cache) > self.max_cached:
            cache.popitem(last=False)
        return space

    def clear(self) -> None:
        """Forget every cached search space."""
        self._forward.clear()
        self._backward.clear()

    @property
    def cached(self) -> int:
        """Number of nodes with a cached forward search space."""
        return len(self._forward)
