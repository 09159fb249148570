"""The construction's inner loops, compiled with numba.

``evaluate_orders`` finds, for one route and many orders, each order's
cheapest feasible insertion exactly: every pickup alternative, every pickup
position ``i`` and every delivery position ``j >= i``, checked against hard
windows, forward time slack and the load between them (Savelsbergh's forward
time slack; the pickup's delay is absorbed by the waiting before ``j``).
``route_state`` recomputes the arrays that evaluation reads after a change.

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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def running_max(load: np.ndarray) -> np.ndarray:
    """Return the highest load up to each position of a route."""
    prefix_max = np.empty(load.shape[0], dtype=np.int64)
    running = load[0]
    for k in range(load.shape[0]):
        running = max(running, load[k])
        prefix_max[k] = running
    return prefix_max


@njit(cache=True, nogil=True)
def evaluate_orders(
    travel: np.ndarray,
    travel_t: np.ndarray,
    loc: np.ndarray,
    service: np.ndarray,
    earliest: np.ndarray,
    latest_new: np.ndarray,
    deadline: np.ndarray,
    size: np.ndarray,
    only_vehicle: np.ndarray,
    state: np.ndarray,
    n_fixed: int,
    capacity: int,
    vehicle: int,
    orders: np.ndarray,
    order_delivery: np.ndarray,
    order_mode: np.ndarray,
    pickup_ptr: np.ndarray,
    pickup_nodes: np.ndarray,
    limit: int,
    lateness_cost: float,
    push_cost: float,
    cost_out: np.ndarray,
    i_out: np.ndarray,
    j_out: np.ndarray,
    pickup_out: np.ndarray,
) -> None:
    """Fill cost, positions and chosen pickup node of each order's best insertion.

    ``state`` is what :func:`route_state` filled. ``latest_new`` is the latest
    start allowed for inserted nodes; ``push_cost`` is added per second the
    insertion delays the next stop. With ``limit > 0`` only the ``limit``
    orders whose delivery lies nearest the route (by detour, ignoring time)
    are evaluated. Infeasible orders get an infinite cost.
    """
    route_loc = state[0]
    route_start = state[2]
    route_departure = state[3]
    route_slack = state[4]
    route_wait = state[5]
    route_room = state[6]
    route_load = state[7]
    prefix_max = running_max(route_load)

    n_orders = orders.shape[0]
    use = np.zeros(n_orders, dtype=np.bool_)
    for r in range(n_orders):
        only = only_vehicle[order_delivery[orders[r]]]
        use[r] = only < 0 or only == vehicle
        cost_out[r] = INFINITE_COST
        i_out[r] = -1
        j_out[r] = -1
        pickup_out[r] = -1
    if limit > 0 and use.sum() > limit:
        _keep_nearest(
            travel, travel_t, loc, route_loc, n_fixed, orders, order_delivery, use,
            limit,
        )  # fmt: skip

    for r in range(n_orders):
        if not use[r]:
            continue
        order = orders[r]
        d = order_delivery[order]
        mode = order_mode[order]
        if mode != MODE_PAIRED:
            cost, i, j = _best_single(
                travel, loc, service, earliest, latest_new, deadline, size, d,
                mode == MODE_START_LOADED, route_loc, route_start, route_departure,
                route_slack, prefix_max, n_fixed, capacity, lateness_cost, push_cost,
            )  # fmt: skip
            cost_out[r], i_out[r], j_out[r] = cost, i, j
            continue
        for a in range(pickup_ptr[order], pickup_ptr[order + 1]):
            p = pickup_nodes[a]
            cost, i, j = _best_pair(
                travel, loc, service, earliest, latest_new, deadline, size, p, d,
                route_loc, route_start, route_departure, route_slack, route_wait,
                route_room, route_load, n_fixed, capacity, lateness_cost, push_cost,
                cost_out[r],
            )  # fmt: skip
            if cost < cost_out[r]:
                cost_out[r], i_out[r], j_out[r], pickup_out[r] = cost, i, j, p


@njit(cache=True, nogil=True)
def _keep_nearest(
    travel: np.ndarray,
    travel_t: np.ndarray,
    loc: np.ndarray,
    route_loc: np.ndarray,
    n_fixed: int,
    orders: np.ndarray,
    order_delivery: np.ndarray,
    use: np.ndarray,
    limit: int,
) -> None:
    """Keep in ``use`` only the ``limit`` deliveries with the smallest detour.

    Loops run position-major over rows of ``travel`` and of its transpose
    ``travel_t``, so the matrix is read along rows (cache-friendly).
    """
    n = route_loc.shape[0]
    n_orders = orders.shape[0]
    drop_loc = np.empty(n_orders, dtype=np.int64)
    for r in range(n_orders):
        drop_loc[r] = loc[order_delivery[orders[r]]]
    detour = np.full(n_orders, np.inf)
    for k in range(n_fixed, n - 1):
        a, b = route_loc[k], route_loc[k + 1]
        row_from, row_to, base = travel[a], travel_t[b], travel[a, b]
        for r in range(n_orders):
            if use[r]:
                ld = drop_loc[r]
                detour[r] = min(detour[r], row_from[ld] + row_to[ld] - base)
    threshold = np.partition(detour, limit - 1)[limit - 1]
    for r in range(n_orders):
        use[r] = use[r] and detour[r] <= threshold


@njit(cache=True, nogil=True)
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
    route_loc: np.ndarray,
    route_start: np.ndarray,
    route_departure: np.ndarray,
    route_slack: np.ndarray,
    prefix_max: np.ndarray,
    n_fixed: int,
    capacity: int,
    lateness_cost: float,
    push_cost: float,
) -> tuple[float, int, int]:
    n = route_loc.shape[0]
    ld = loc[d]
    best, best_k = INFINITE_COST, -1
    # A start-loaded order adds its size up to its delivery; one already on
    # board is in the route's load until it is delivered, so the route must
    # hold it that far.
    added = size[d] if loaded_at_start else 0
    for k in range(n_fixed, n - 1):
        if prefix_max[k] + added > capacity:
            continue
        a, b = route_loc[k], route_loc[k + 1]
        start_d = max(route_departure[k] + travel[a, ld], earliest[d])
        if start_d > latest_new[d]:
            continue
        arrive_b = start_d + service[d] + travel[ld, b]
        if max(arrive_b - route_start[k + 1], 0) > route_slack[k + 1]:
            continue
        cost = float(travel[a, ld] + travel[ld, b] - travel[a, b])
        cost += push_cost * max(arrive_b - route_start[k + 1], 0)
        if start_d > deadline[d]:
            cost += (start_d - deadline[d]) * lateness_cost
        if cost < best:
            best, best_k = cost, k
    return best, best_k, best_k


@njit(cache=True, nogil=True)
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
    route_loc: np.ndarray,
    route_start: np.ndarray,
    route_departure: np.ndarray,
    route_slack: np.ndarray,
    route_wait: np.ndarray,
    route_room: np.ndarray,
    route_load: np.ndarray,
    n_fixed: int,
    capacity: int,
    lateness_cost: float,
    push_cost: float,
    bound: float,
) -> tuple[float, int, int]:
    """Return the best (cost, i, j) for one pickup node, or inf if none beats bound.

    # NOTE: positions whose pickup detour alone reaches the bound are skipped,
    # which assumes the delivery detour is not negative (triangle inequality).
    """
    n = route_loc.shape[0]
    lp, ld = loc[p], loc[d]
    best, best_i, best_j = bound, -1, -1
    for i in range(n_fixed, n - 1):
        if route_load[i] + size[p] > capacity:
            continue
        a, b = route_loc[i], route_loc[i + 1]
        start_p = max(route_departure[i] + travel[a, lp], earliest[p])
        if start_p > latest_new[p]:
            continue
        depart_p = start_p + service[p]
        detour_p = travel[a, lp] + travel[lp, b] - travel[a, b]

        start_d = max(depart_p + travel[lp, ld], earliest[d])
        if start_d <= latest_new[d]:
            arrive_b = start_d + service[d] + travel[ld, b]
            if max(arrive_b - route_start[i + 1], 0) <= route_slack[i + 1]:
                cost = float(travel[a, lp] + travel[lp, ld] + travel[ld, b])
                cost -= travel[a, b]
                cost += push_cost * max(arrive_b - route_start[i + 1], 0)
                if start_d > deadline[d]:
                    cost += (start_d - deadline[d]) * lateness_cost
                if cost < best:
                    best, best_i, best_j = cost, i, i

        delay = max(depart_p + travel[lp, b] - route_start[i + 1], 0)
        if delay > route_slack[i + 1] or detour_p >= best:
            continue
        for j in range(i + 1, n - 1):
            if j > i + 1:
                delay = max(delay - route_wait[j], 0)
            if delay > route_room[j] or route_load[j] + size[p] > capacity:
                break
            c, e = route_loc[j], route_loc[j + 1]
            start_d = max(route_departure[j] + delay + travel[c, ld], earliest[d])
            if start_d > latest_new[d]:
                continue
            arrive_e = start_d + service[d] + travel[ld, e]
            if max(arrive_e - route_start[j + 1], 0) > route_slack[j + 1]:
                continue
            cost = float(detour_p + travel[c, ld] + travel[ld, e] - travel[c, e])
            cost += push_cost * max(arrive_e - route_start[j + 1], 0)
            if start_d > deadline[d]:
                cost += (start_d - deadline[d]) * lateness_cost
            if cost < best:
                best, best_i, best_j = cost, i, j
    if best_i < 0:
        return INFINITE_COST, -1, -1
    return best, best_i, best_j
