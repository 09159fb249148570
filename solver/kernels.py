"""Exact insertion of one order into one route, compiled with numba.

``_best_single`` and ``_best_pair`` find an order's cheapest feasible
insertion exactly: every pickup position ``i`` and every delivery position
``j >= i``, checked against hard windows, forward time slack and the load
between them (Savelsbergh's forward time slack; the pickup's delay is absorbed
by the waiting before ``j``). ``route_state`` recomputes the arrays that
evaluation reads after a change. The construction and the search
(:mod:`solver.lns_kernels`) both insert with them.

Position ``k`` inserts after route node ``k``; positions before ``n_fixed``
belong to committed stops and are never used.

# NOTE: :mod:`solver.lns_kernels` compiles these kernels into its own cache,
# which does not notice edits here: delete its ``.nbi``/``.nbc`` files in
# ``solver/__pycache__`` after changing this module.
"""

import numpy as np
from numba import njit

INFINITE_COST = np.inf

MODE_START_LOADED = 0
"""Delivery only; its size is loaded at the route start."""
MODE_DELIVERY_ONLY = 1
"""Delivery only; its size is already on board (or picked up by a commitment)."""
MODE_PAIRED = 2
"""A pickup (one of the alternatives) and then the delivery."""


@njit(cache=True, nogil=True, _nrt=False)
def route_state(
    route: np.ndarray,
    travel: np.ndarray,
    loc: np.ndarray,
    service: np.ndarray,
    earliest: np.ndarray,
    latest: np.ndarray,
    deadline: np.ndarray,
    is_delivery: np.ndarray,
    load_change: np.ndarray,
    start_load: np.ndarray,
    base_load: int,
    out: np.ndarray,
) -> None:
    """Fill ``out`` rows: loc, arrival, start, departure, slack, wait, room, load.

    A delivery that is on time must stay on time and a late one may not get
    later: its latest start is its deadline or its current start.
    """
    n = route.shape[0]
    initial = base_load
    for k in range(n):
        initial += start_load[route[k]]
    load = initial
    for k in range(n):
        node = route[k]
        out[0, k] = loc[node]
        if k == 0:
            arrival = earliest[node]
        else:
            arrival = out[3, k - 1] + travel[out[0, k - 1], loc[node]]
        start = max(arrival, earliest[node])
        out[1, k] = arrival
        out[2, k] = start
        out[3, k] = start + service[node]
        out[5, k] = start - arrival
        limit = latest[node]
        if is_delivery[node]:
            limit = min(limit, max(deadline[node], start))
        out[6, k] = limit - start
        load += load_change[node]
        out[7, k] = load
    out[4, n - 1] = out[6, n - 1]
    for k in range(n - 2, -1, -1):
        out[4, k] = min(out[6, k], out[5, k + 1] + out[4, k + 1])


@njit(cache=True, nogil=True, _nrt=False)
def _best_single(
    travel: np.ndarray,
    loc: np.ndarray,
    service: np.ndarray,
    earliest: np.ndarray,
    latest_new: np.ndarray,
    deadline: np.ndarray,
    size: np.ndarray,
    d: int,
    loaded_at_start: bool,
    states: np.ndarray,
    v: int,
    n: int,
    n_fixed: int,
    capacity: int,
    lateness_cost: float,
    push_cost: float,
) -> tuple[float, int, int]:
    """Return the best (cost, k, k) for a delivery alone after route node ``k``.

    ``states[v]`` holds what :func:`route_state` filled for the route's
    ``n`` nodes. Infinite cost when it fits nowhere.
    """
    ld = loc[d]
    best, best_k = INFINITE_COST, -1
    # A start-loaded order adds its size up to its delivery; one already on
    # board is in the route's load until it is delivered, so the route must
    # hold it that far.
    added = size[d] if loaded_at_start else 0
    highest = states[v, 7, 0]
    for k in range(n_fixed):
        highest = max(highest, states[v, 7, k])
    for k in range(n_fixed, n - 1):
        highest = max(highest, states[v, 7, k])
        if highest + added > capacity:
            break
        a, b = states[v, 0, k], states[v, 0, k + 1]
        start_d = max(states[v, 3, k] + travel[a, ld], earliest[d])
        if start_d > latest_new[d]:
            continue
        arrive_b = start_d + service[d] + travel[ld, b]
        push = max(arrive_b - states[v, 2, k + 1], 0)
        if push > states[v, 4, k + 1]:
            continue
        cost = float(travel[a, ld] + travel[ld, b] - travel[a, b])
        cost += push_cost * push
        if start_d > deadline[d]:
            cost += (start_d - deadline[d]) * lateness_cost
        if cost < best:
            best, best_k = cost, k
    return best, best_k, best_k


@njit(cache=True, nogil=True, _nrt=False)
def _best_pair(
    travel: np.ndarray,
    loc: np.ndarray,
    service: np.ndarray,
    earliest: np.ndarray,
    latest_new: np.ndarray,
    deadline: np.ndarray,
    size: np.ndarray,
    p: int,
    d: int,
    states: np.ndarray,
    v: int,
    n: int,
    n_fixed: int,
    capacity: int,
    lateness_cost: float,
    push_cost: float,
    bound: float,
) -> tuple[float, int, int]:
    """Return the best (cost, i, j) for one pickup node, or inf if none beats bound.

    ``states[v]`` holds what :func:`route_state` filled for the route's ``n``
    nodes.

    # NOTE: positions whose pickup detour alone reaches the bound are skipped,
    # which assumes the delivery detour is not negative (triangle inequality).
    """
    lp, ld = loc[p], loc[d]
    best, best_i, best_j = bound, -1, -1
    for i in range(n_fixed, n - 1):
        if states[v, 7, i] + size[p] > capacity:
            continue
        a, b = states[v, 0, i], states[v, 0, i + 1]
        start_p = max(states[v, 3, i] + travel[a, lp], earliest[p])
        if start_p > latest_new[p]:
            continue
        depart_p = start_p + service[p]
        detour_p = travel[a, lp] + travel[lp, b] - travel[a, b]

        start_d = max(depart_p + travel[lp, ld], earliest[d])
        if start_d <= latest_new[d]:
            arrive_b = start_d + service[d] + travel[ld, b]
            push = max(arrive_b - states[v, 2, i + 1], 0)
            if push <= states[v, 4, i + 1]:
                cost = float(travel[a, lp] + travel[lp, ld] + travel[ld, b])
                cost -= travel[a, b]
                cost += push_cost * push
                if start_d > deadline[d]:
                    cost += (start_d - deadline[d]) * lateness_cost
                if cost < best:
                    best, best_i, best_j = cost, i, i

        delay = max(depart_p + travel[lp, b] - states[v, 2, i + 1], 0)
        if delay > states[v, 4, i + 1] or detour_p >= best:
            continue
        for j in range(i + 1, n - 1):
            if j > i + 1:
                delay = max(delay - states[v, 5, j], 0)
            if delay > states[v, 6, j] or states[v, 7, j] + size[p] > capacity:
                break
            c, e = states[v, 0, j], states[v, 0, j + 1]
            start_d = max(states[v, 3, j] + delay + travel[c, ld], earliest[d])
            if start_d > latest_new[d]:
                continue
            arrive_e = start_d + service[d] + travel[ld, e]
            push = max(arrive_e - states[v, 2, j + 1], 0)
            if push > states[v, 4, j + 1]:
                continue
            cost = float(detour_p + travel[c, ld] + travel[ld, e] - travel[c, e])
            cost += push_cost * push
            if start_d > deadline[d]:
                cost += (start_d - deadline[d]) * lateness_cost
            if cost < best:
                best, best_i, best_j = cost, i, j
    if best_i < 0:
        return INFINITE_COST, -1, -1
    return best, best_i, best_j
