"""The ruin-and-recreate loop, compiled with numba.

One iteration follows SISR (slack induction by string removals, Christiaens
and Vanden Berghe 2020): it removes short strings of consecutive stops from a
few routes near a random order, inserts every order left out again at its
cheapest feasible place (with the exact evaluation of :mod:`solver.kernels`,
routes skipped at random: "blinks"), and accepts the result by simulated
annealing. Strings cut whole orders: when a stop goes, its order's other
stop on that route goes with it.

A solution lives in fixed-size arrays: ``routes[v, :lengths[v]]`` are the
nodes of courier ``v`` from start to end, ``states[v]`` what
:func:`solver.kernels.route_state` computes for it, ``where[o]`` the route
serving order ``o`` (-1: left out). Positions up to ``n_fixed[v]`` hold the
start and the committed stops and are never touched.

A search changes only the routes in ``Graph.open_routes`` and the orders in
``Graph.movable``, and reads no other route: searches over disjoint parts of
one solution run side by side in threads (see :mod:`solver.lns`).

# NOTE: the kernels called for every route or insertion (here and in
# :mod:`solver.kernels`) are compiled with numba's private ``_nrt=False``:
# they allocate nothing, and otherwise every array they take is counted in
# and out atomically, which cost 20 % of the search's time on 1 000 orders.
# A kernel that must allocate keeps the default.

# NOTE: numba's on-disk cache of this module is keyed on this file alone; it
# does not notice edits to the kernels it calls in :mod:`solver.kernels`.
# After changing those, delete ``solver/__pycache__/lns_kernels*.nb*``.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from solver.kernels import (
    MODE_PAIRED,
    MODE_START_LOADED,
    _best_pair,
    _best_single,
    route_state,
)

NO_INSERTION = np.inf
NO_SECOND_ROUTE_REGRET = 1e18
"""The regret of an order that fits one route only: it goes in first."""


class Graph(NamedTuple):
    """Node and order arrays the loop reads (see :class:`solver.nodes.Nodes`).

    ``latest_on_time`` is ``latest`` capped at deliveries' deadlines;
    ``penalty`` is the float cost of leaving an order out; ``movable`` marks
    the orders the search may move (none with committed stops) and
    ``open_routes`` the routes it may change; ``remoteness`` orders the recreate;
    ``travel_t`` is ``travel`` transposed (contiguous, for column reads);
    ``neighbours[o]`` lists orders by how near their deliveries are to
    ``o``'s, ``o`` first.
    """

    travel: np.ndarray
    travel_t: np.ndarray
    loc: np.ndarray
    service: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    latest_on_time: np.ndarray
    deadline: np.ndarray
    size: np.ndarray
    order: np.ndarray
    only_vehicle: np.ndarray
    is_delivery: np.ndarray
    load_change: np.ndarray
    start_load_size: np.ndarray
    order_delivery: np.ndarray
    order_mode: np.ndarray
    pickup_ptr: np.ndarray
    pickup_nodes: np.ndarray
    penalty: np.ndarray
    movable: np.ndarray
    open_routes: np.ndarray
    current_vehicle: np.ndarray
    remoteness: np.ndarray
    neighbours: np.ndarray


class Weights(NamedTuple):
    """Objective weights and search settings the loop reads."""

    lateness_cost: float
    push_cost: float
    reassign_penalty: float
    courier_cost: float
    allow_late: bool
    mean_removed: float
    max_string: float
    blink_rate: float
    route_candidates: int
    late_focus: float


class Solution(NamedTuple):
    """Routes in fixed-size arrays (see the module docstring)."""

    routes: np.ndarray
    lengths: np.ndarray
    states: np.ndarray
    n_fixed: np.ndarray
    capacity: np.ndarray
    base_load: np.ndarray
    where: np.ndarray
    route_cost: np.ndarray


@njit(cache=True)
def seed(value: int) -> None:
    """Seed the generator the compiled loop draws from."""
    np.random.seed(value)


@njit(cache=True, _nrt=False)
def refresh(g: Graph, w: Weights, s: Solution, v: int) -> None:
    """Recompute the state and the cost of route ``v`` after a change."""
    n = s.lengths[v]
    route_state(
        s.routes[v, :n], g.travel, g.loc, g.service, g.earliest, g.latest,
        g.deadline, g.is_delivery, g.load_change, g.start_load_size,
        s.base_load[v], s.states[v, :, :n],
    )  # fmt: skip
    s.route_cost[v] = route_cost(g, w, s, v)


@njit(cache=True, _nrt=False)
def route_cost(g: Graph, w: Weights, s: Solution, v: int) -> float:
    """Return travel, lateness, reassignment and courier cost of route ``v``."""
    n = s.lengths[v]
    state, route = s.states[v], s.routes[v]
    travel, is_delivery, deadline = g.travel, g.is_delivery, g.deadline
    current_vehicle, order = g.current_vehicle, g.order
    cost = 0.0
    for k in range(1, n):
        cost += travel[state[0, k - 1], state[0, k]]
        node = route[k]
        if is_delivery[node]:
            late = state[2, k] - deadline[node]
            if late > 0:
                cost += late * w.lateness_cost
            current = current_vehicle[order[node]]
            if current >= 0 and current != v:
                cost += w.reassign_penalty
    if n > 2:
        cost += w.courier_cost
    return cost


@njit(cache=True)
def total_cost(g: Graph, s: Solution) -> float:
    """Return the cost of the whole solution: routes plus orders left out."""
    cost = 0.0
    for v in range(s.lengths.shape[0]):
        cost += s.route_cost[v]
    for o in range(s.where.shape[0]):
        if s.where[o] < 0:
            cost += g.penalty[o]
    return cost


@njit(cache=True, nogil=True)
def iterate(
    g: Graph,
    w: Weights,
    s: Solution,
    best: Solution,
    costs: np.ndarray,
    n_iterations: int,
    temperature_from: float,
    temperature_to: float,
) -> int:
    """Run iterations; keep the best solution in ``best``; return improvements.

    ``costs`` holds the current and the best cost and is updated. The
    temperature falls geometrically from ``temperature_from`` to
    ``temperature_to`` over the iterations.
    """
    n_vehicles = s.lengths.shape[0]
    n_orders = s.where.shape[0]
    backup = np.empty_like(s.routes)
    backup_length = np.empty(n_vehicles, dtype=np.int64)
    backup_cost = np.empty(n_vehicles)
    touched = np.zeros(n_vehicles, dtype=np.bool_)
    todo = np.empty(n_orders, dtype=np.int64)
    listed = np.zeros(n_orders, dtype=np.bool_)
    improvements = 0
    ratio = temperature_to / temperature_from if temperature_from > 0 else 1.0
    where, movable, penalty, route_cost = s.where, g.movable, g.penalty, s.route_cost

    for it in range(n_iterations):
        temperature = temperature_from * ratio ** (it / max(n_iterations, 1))
        touched[:] = False
        n_todo = _ruin(
            g, w, s, backup, backup_length, backup_cost, touched, todo, listed
        )
        delta = 0.0
        for o in range(n_orders):
            if where[o] < 0 and movable[o] and not listed[o]:
                todo[n_todo] = o
                listed[o] = True
                n_todo += 1
                delta -= penalty[o]
        _recreate(g, w, s, backup, backup_length, backup_cost, touched, todo[:n_todo])

        for v in range(n_vehicles):
            if touched[v]:
                delta += route_cost[v] - backup_cost[v]
        for k in range(n_todo):
            o = todo[k]
            listed[o] = False
            if where[o] < 0:
                delta += penalty[o]

        threshold = -temperature * np.log(1.0 - np.random.random())
        if delta < threshold:
            costs[0] += delta
            if costs[0] < costs[1] - 1e-9:
                costs[1] = costs[0]
                improvements += 1
                _copy(g, s, best)
        else:
            _restore(g, w, s, backup, backup_length, touched, todo[:n_todo])
    return improvements


@njit(cache=True, _nrt=False)
def _touch(
    s: Solution,
    backup: np.ndarray,
    backup_length: np.ndarray,
    backup_cost: np.ndarray,
    touched: np.ndarray,
    v: int,
) -> None:
    """Save route ``v`` before its first change in this iteration."""
    if touched[v]:
        return
    touched[v] = True
    n = s.lengths[v]
    route = s.routes[v]
    for k in range(n):
        backup[v, k] = route[k]
    backup_length[v] = n
    backup_cost[v] = s.route_cost[v]


@njit(cache=True)
def _restore(
    g: Graph,
    w: Weights,
    s: Solution,
    backup: np.ndarray,
    backup_length: np.ndarray,
    touched: np.ndarray,
    todo: np.ndarray,
) -> None:
    """Undo this iteration: touched routes back, their orders located again."""
    where, routes, is_delivery, order_of = s.where, s.routes, g.is_delivery, g.order
    for k in range(todo.shape[0]):
        where[todo[k]] = -1
    for v in range(touched.shape[0]):
        if not touched[v]:
            continue
        n = backup_length[v]
        routes[v, :n] = backup[v, :n]
        s.lengths[v] = n
        refresh(g, w, s, v)
        for k in range(1, n - 1):
            node = routes[v, k]
            if is_delivery[node]:
                where[order_of[node]] = v


@njit(cache=True)
def _copy(g: Graph, source: Solution, target: Solution) -> None:
    """Copy the open routes and the movable orders' routes (not states)."""
    open_routes, movable = g.open_routes, g.movable
    for v in range(source.lengths.shape[0]):
        if open_routes[v]:
            n = source.lengths[v]
            target.routes[v, :n] = source.routes[v, :n]
            target.lengths[v] = n
    source_where, target_where = source.where, target.where
    for o in range(source_where.shape[0]):
        if movable[o]:
            target_where[o] = source_where[o]


@njit(cache=True, nogil=True)
def restart(g: Graph, w: Weights, source: Solution, target: Solution) -> None:
    """Make ``target`` a copy of ``source``, states and costs recomputed."""
    for v in range(source.lengths.shape[0]):
        n = source.lengths[v]
        target.routes[v, :n] = source.routes[v, :n]
        target.lengths[v] = n
        refresh(g, w, target, v)
    target.where[:] = source.where


@njit(cache=True)
def _ruin(
    g: Graph,
    w: Weights,
    s: Solution,
    backup: np.ndarray,
    backup_length: np.ndarray,
    backup_cost: np.ndarray,
    touched: np.ndarray,
    todo: np.ndarray,
    listed: np.ndarray,
) -> int:
    """Remove strings near a random routed order; return how many orders went."""
    n_vehicles = s.lengths.shape[0]
    n_orders = s.where.shape[0]
    lengths, n_fixed, open_routes = s.lengths, s.n_fixed, g.open_routes
    where, movable, neighbours = s.where, g.movable, g.neighbours
    stops = 0
    used = 0
    for v in range(n_vehicles):
        free = lengths[v] - 2 - n_fixed[v]
        if free > 0 and open_routes[v]:
            stops += free
            used += 1
    if used == 0:
        return 0
    first = -1
    if np.random.random() < w.late_focus:
        first = _random_late_order(g, s)
    for _ in range(4 * n_orders):
        if first >= 0:
            break
        o = np.random.randint(n_orders)
        if where[o] >= 0 and movable[o]:
            first = o
    if first < 0:
        return 0

    string_max = min(w.max_string, stops / used)
    strings_max = 4.0 * w.mean_removed / (1.0 + string_max) - 1.0
    n_strings = int(np.random.random() * strings_max) + 1
    n_todo = 0
    ruined = 0
    for k in range(neighbours.shape[1]):
        if ruined >= n_strings:
            break
        o = neighbours[first, k]
        v = where[o]
        if v < 0 or touched[v] or not movable[o]:
            continue
        _touch(s, backup, backup_length, backup_cost, touched, v)
        n_todo = _remove_string(g, w, s, v, o, string_max, todo, listed, n_todo)
        ruined += 1
    return n_todo


@njit(cache=True)
def _random_late_order(g: Graph, s: Solution) -> int:
    """Return a movable order delivered late, drawn uniformly; -1 if none."""
    chosen = -1
    seen = 0
    routes, lengths, n_fixed, states = s.routes, s.lengths, s.n_fixed, s.states
    is_delivery, deadline, order_of, movable = (
        g.is_delivery,
        g.deadline,
        g.order,
        g.movable,
    )
    for v in range(lengths.shape[0]):
        if not g.open_routes[v]:
            continue
        for k in range(n_fixed[v] + 1, lengths[v] - 1):
            node = routes[v, k]
            if not is_delivery[node] or states[v, 2, k] <= deadline[node]:
                continue
            order = order_of[node]
            if movable[order]:
                seen += 1
                if np.random.randint(seen) == 0:
                    chosen = order
    return chosen


@njit(cache=True)
def _remove_string(
    g: Graph,
    w: Weights,
    s: Solution,
    v: int,
    o: int,
    string_max: float,
    todo: np.ndarray,
    listed: np.ndarray,
    n_todo: int,
) -> int:
    """Remove a string of stops holding order ``o``'s delivery from route ``v``."""
    n = s.lengths[v]
    route, order_of, movable = s.routes[v], g.order, g.movable
    low, high = s.n_fixed[v] + 1, n - 2
    position = low
    delivery = g.order_delivery[o]
    for k in range(low, high + 1):
        if route[k] == delivery:
            position = k
    length_max = min(string_max, high - low + 1)
    length = int(np.random.random() * length_max) + 1
    first_low = max(low, position - length + 1)
    first_high = min(position, high - length + 1)
    first = first_low + np.random.randint(first_high - first_low + 1)
    for k in range(first, first + length):
        order = order_of[route[k]]
        if movable[order] and not listed[order]:
            listed[order] = True
            todo[n_todo] = order
            n_todo += 1

    kept = 0
    is_delivery, where = g.is_delivery, s.where
    for k in range(n):
        node = route[k]
        if low <= k < n - 1 and listed[order_of[node]]:
            if is_delivery[node]:
                where[order_of[node]] = -1
            continue
        route[kept] = node
        kept += 1
    s.lengths[v] = kept
    refresh(g, w, s, v)
    return n_todo


@njit(cache=True)
def _recreate(
    g: Graph,
    w: Weights,
    s: Solution,
    backup: np.ndarray,
    backup_length: np.ndarray,
    backup_cost: np.ndarray,
    touched: np.ndarray,
    todo: np.ndarray,
) -> None:
    """Insert the listed orders one by one, each at its cheapest place."""
    draw = np.random.random() * 11.0
    if draw < 4.0:
        np.random.shuffle(todo)
    else:
        if draw < 8.0:
            key = -g.size[g.order_delivery[todo]].astype(np.float64)
        elif draw < 10.0:
            key = -g.remoteness[todo]
        else:
            key = g.remoteness[todo].copy()
        todo[:] = todo[np.argsort(key, kind="mergesort")]

    order = np.empty(s.lengths.shape[0], dtype=np.int64)
    distance = np.empty(s.lengths.shape[0])
    for k in range(todo.shape[0]):
        o = todo[k]
        cost, v, i, j, p = best_insertion(g, w, s, o, g.latest_on_time, order, distance)
        if v < 0 and w.allow_late:
            cost, v, i, j, p = best_insertion(g, w, s, o, g.latest, order, distance)
        if v < 0 or cost >= g.penalty[o]:
            continue
        _touch(s, backup, backup_length, backup_cost, touched, v)
        insert(g, w, s, o, v, i, j, p)


@njit(cache=True, _nrt=False)
def best_insertion(
    g: Graph,
    w: Weights,
    s: Solution,
    o: int,
    latest_new: np.ndarray,
    order: np.ndarray,
    distance: np.ndarray,
) -> tuple[float, int, int, int, int]:
    """Return (cost, route, pickup position, delivery position, pickup node).

    Route -1 when no route takes the order. For an order with a pickup
    (whose evaluation is quadratic in the route's length) only the
    ``w.route_candidates`` routes passing nearest its delivery are evaluated,
    and the others only if none of them takes it. With ``w.blink_rate`` each
    route is skipped at random. ``order`` and ``distance`` are scratch
    arrays with one entry per route.
    """
    n_vehicles = s.lengths.shape[0]
    for v in range(n_vehicles):
        order[v] = v
    first = n_vehicles
    if g.order_mode[o] == MODE_PAIRED and 0 < w.route_candidates < n_vehicles:
        first = w.route_candidates
        route_distances(g, s, g.loc[g.order_delivery[o]], distance)
        _nearest_first(distance, order, first)
    travel, loc, service, earliest = g.travel, g.loc, g.service, g.earliest
    deadline, size, open_routes = g.deadline, g.size, g.open_routes
    states, lengths, n_fixed, capacity = s.states, s.lengths, s.n_fixed, s.capacity
    pickups = g.pickup_nodes[g.pickup_ptr[o] : g.pickup_ptr[o + 1]]
    d = g.order_delivery[o]
    only, current, mode = g.only_vehicle[d], g.current_vehicle[o], g.order_mode[o]
    best, best_v, best_i, best_j, best_p = NO_INSERTION, -1, -1, -1, -1
    for rank in range(n_vehicles):
        if rank == first and best_v >= 0:
            break
        v = order[rank]
        if (
            not open_routes[v]
            or (only >= 0 and only != v)
            or (w.blink_rate > 0 and np.random.random() < w.blink_rate)
        ):
            continue
        extra = _extra_cost(w, current, v, lengths[v])
        cost, i, j, p = _insertion(
            travel, loc, service, earliest, latest_new, deadline, size, pickups,
            d, mode, states, v, lengths[v], n_fixed[v], capacity[v], extra,
            w.lateness_cost, w.push_cost, best,
        )  # fmt: skip
        if cost < best:
            best, best_v, best_i, best_j, best_p = cost, v, i, j, p
    return best, best_v, best_i, best_j, best_p


@njit(cache=True, _nrt=False)
def _nearest_first(distance: np.ndarray, order: np.ndarray, k: int) -> None:
    """Reorder ``order`` so its first ``k`` entries are the nearest, nearest first.

    One pass with insertion into the sorted head: linear for a small ``k``,
    where a full argsort would sort every route.
    """
    for r in range(order.shape[0]):
        v = order[r]
        d = distance[v]
        if r < k:
            position = r
        elif d < distance[order[k - 1]]:
            order[r] = order[k - 1]
            position = k - 1
        else:
            continue
        while position > 0 and distance[order[position - 1]] > d:
            order[position] = order[position - 1]
            position -= 1
        order[position] = v


@njit(cache=True, _nrt=False)
def route_insertion(
    g: Graph,
    w: Weights,
    s: Solution,
    o: int,
    v: int,
    latest_new: np.ndarray,
    bound: float,
) -> tuple[float, int, int, int]:
    """Return (cost, pickup position, delivery position, pickup node) in route ``v``.

    The cheapest feasible insertion of order ``o``, reassignment and courier
    cost included; infinite cost (and -1s) when none costs less than ``bound``.
    The caller checks that the route may serve the order at all.
    """
    n = s.lengths[v]
    return _insertion(
        g.travel, g.loc, g.service, g.earliest, latest_new, g.deadline, g.size,
        g.pickup_nodes[g.pickup_ptr[o] : g.pickup_ptr[o + 1]], g.order_delivery[o],
        g.order_mode[o], s.states, v, n, s.n_fixed[v], s.capacity[v],
        _extra_cost(w, g.current_vehicle[o], v, n), w.lateness_cost, w.push_cost,
        bound,
    )  # fmt: skip


@njit(cache=True, inline="always")
def _extra_cost(w: Weights, current: int, v: int, n: int) -> float:
    """Return what serving an order on route ``v`` (``n`` nodes) adds besides travel."""
    extra = 0.0
    if current >= 0 and current != v:
        extra += w.reassign_penalty
    if n == 2:
        extra += w.courier_cost
    return extra


@njit(cache=True, _nrt=False)
def _insertion(
    travel: np.ndarray,
    loc: np.ndarray,
    service: np.ndarray,
    earliest: np.ndarray,
    latest_new: np.ndarray,
    deadline: np.ndarray,
    size: np.ndarray,
    pickups: np.ndarray,
    d: int,
    mode: int,
    states: np.ndarray,
    v: int,
    n: int,
    n_fixed: int,
    capacity: int,
    extra: float,
    lateness_cost: float,
    push_cost: float,
    bound: float,
) -> tuple[float, int, int, int]:
    """Return :func:`route_insertion`'s answer from arrays taken out of the tuples."""
    if extra >= bound:
        return NO_INSERTION, -1, -1, -1
    if mode != MODE_PAIRED:
        cost, i, j = _best_single(
            travel, loc, service, earliest, latest_new, deadline, size, d,
            mode == MODE_START_LOADED, states, v, n, n_fixed, capacity,
            lateness_cost, push_cost,
        )  # fmt: skip
        if cost + extra < bound:
            return cost + extra, i, j, -1
        return NO_INSERTION, -1, -1, -1
    best, best_i, best_j, best_p = bound, -1, -1, -1
    for p in pickups:
        cost, i, j = _best_pair(
            travel, loc, service, earliest, latest_new, deadline, size, p, d,
            states, v, n, n_fixed, capacity, lateness_cost, push_cost,
            best - extra,
        )  # fmt: skip
        if i >= 0 and cost + extra < best:
            best, best_i, best_j, best_p = cost + extra, i, j, p
    if best_i < 0:
        return NO_INSERTION, -1, -1, -1
    return best, best_i, best_j, best_p


@njit(cache=True, _nrt=False)
def route_distances(
    g: Graph, s: Solution, target: int, distance: np.ndarray
) -> np.ndarray:
    """Fill and return each open route's shortest travel from a stop to ``target``.

    Routes that are not open are infinitely far.
    """
    n_vehicles = s.lengths.shape[0]
    to_target = g.travel_t[target]
    open_routes, lengths, states = g.open_routes, s.lengths, s.states
    for v in range(n_vehicles):
        if not open_routes[v]:
            distance[v] = np.inf
            continue
        nearest = np.inf
        for k in range(lengths[v] - 1):
            nearest = min(nearest, to_target[states[v, 0, k]])
        distance[v] = nearest
    return distance


@njit(cache=True, _nrt=False)
def insert(
    g: Graph, w: Weights, s: Solution, o: int, v: int, i: int, j: int, p: int
) -> None:
    """Insert order ``o`` into route ``v``: delivery after ``j``, pickup after ``i``."""
    n = s.lengths[v]
    d = g.order_delivery[o]
    route = s.routes[v]
    if p < 0:
        for k in range(n, j + 1, -1):
            route[k] = route[k - 1]
        route[j + 1] = d
        s.lengths[v] = n + 1
    else:
        # Stops after j move two places, those after i up to j one (j >= i).
        for k in range(n + 1, j + 2, -1):
            route[k] = route[k - 2]
        route[j + 2] = d
        for k in range(j + 1, i + 1, -1):
            route[k] = route[k - 1]
        route[i + 1] = p
        s.lengths[v] = n + 2
    s.where[o] = v
    refresh(g, w, s, v)


@njit(cache=True, nogil=True)
def insert_by_table(
    g: Graph,
    w: Weights,
    s: Solution,
    todo: np.ndarray,
    latest_new: np.ndarray,
    regret: bool,
    candidates: int,
) -> np.ndarray:
    """Insert orders by an insertion table; return which of ``todo`` went in.

    The table holds every open order's cheapest insertion into every route.
    The cheapest goes in first, or with ``regret`` the order with the largest
    regret (second-best route minus best; an order that fits one route only
    first of all). Then only the changed route is evaluated again, for the
    ``candidates`` open orders whose deliveries lie nearest it; the others
    count as not fitting it until it changes again, and when no open order
    fits anywhere every route is evaluated once more for them.
    """
    n_todo = todo.shape[0]
    n_vehicles = s.lengths.shape[0]
    cost = np.full((n_todo, n_vehicles), NO_INSERTION)
    place = np.full((n_todo, n_vehicles, 3), -1, dtype=np.int64)
    best = np.full(n_todo, NO_INSERTION)
    second = np.full(n_todo, NO_INSERTION)
    is_open = np.ones(n_todo, dtype=np.bool_)
    drop_loc = g.loc[g.order_delivery[todo]]
    for k in range(n_todo):
        for v in range(n_vehicles):
            _table_entry(g, w, s, todo, latest_new, cost, place, k, v)
        _rank_routes(cost, best, second, k)

    exhaustive = True
    while True:
        k = _next_order(best, second, is_open, regret)
        if k < 0:
            if exhaustive:
                break
            for k in range(n_todo):
                if is_open[k]:
                    for v in range(n_vehicles):
                        _table_entry(g, w, s, todo, latest_new, cost, place, k, v)
                    _rank_routes(cost, best, second, k)
            exhaustive = True
            continue
        v = np.argmin(cost[k])
        i, j, p = place[k, v, 0], place[k, v, 1], place[k, v, 2]
        insert(g, w, s, todo[k], v, i, j, p)
        is_open[k] = False
        best[k] = second[k] = NO_INSERTION
        exhaustive = False
        near = _nearest_open(g, s, drop_loc, is_open, v, candidates)
        for k in range(n_todo):
            if not is_open[k]:
                continue
            before = cost[k, v]
            if near[k]:
                _table_entry(g, w, s, todo, latest_new, cost, place, k, v)
            else:
                cost[k, v] = NO_INSERTION
            if cost[k, v] != before:
                _rank_routes(cost, best, second, k)
    return ~is_open


@njit(cache=True, inline="always")
def _table_entry(
    g: Graph,
    w: Weights,
    s: Solution,
    todo: np.ndarray,
    latest_new: np.ndarray,
    cost: np.ndarray,
    place: np.ndarray,
    k: int,
    v: int,
) -> None:
    """Evaluate the ``k``-th open order into route ``v``; store cost and place."""
    o = todo[k]
    only = g.only_vehicle[g.order_delivery[o]]
    if only >= 0 and only != v:
        cost[k, v] = NO_INSERTION
        return
    found, i, j, p = route_insertion(g, w, s, o, v, latest_new, g.penalty[o])
    cost[k, v] = found
    place[k, v, 0], place[k, v, 1], place[k, v, 2] = i, j, p


@njit(cache=True)
def _rank_routes(
    cost: np.ndarray, best: np.ndarray, second: np.ndarray, k: int
) -> None:
    """Recompute an order's best and second-best insertion cost over routes."""
    first = other = NO_INSERTION
    for v in range(cost.shape[1]):
        c = cost[k, v]
        if c < first:
            first, other = c, first
        elif c < other:
            other = c
    best[k], second[k] = first, other


@njit(cache=True)
def _next_order(
    best: np.ndarray, second: np.ndarray, is_open: np.ndarray, regret: bool
) -> int:
    """Return the open order to insert next; -1 when none fits any route."""
    chosen = -1
    chosen_best = chosen_regret = 0.0
    for k in range(best.shape[0]):
        if not is_open[k] or best[k] == NO_INSERTION:
            continue
        if not regret:
            if chosen < 0 or best[k] < chosen_best:
                chosen, chosen_best = k, best[k]
            continue
        gap = NO_SECOND_ROUTE_REGRET
        if second[k] != NO_INSERTION:
            gap = second[k] - best[k]
        if (
            chosen < 0
            or gap > chosen_regret
            or (gap == chosen_regret and best[k] < chosen_best)
        ):
            chosen, chosen_best, chosen_regret = k, best[k], gap
    return chosen


@njit(cache=True)
def _nearest_open(
    g: Graph,
    s: Solution,
    drop_loc: np.ndarray,
    is_open: np.ndarray,
    v: int,
    candidates: int,
) -> np.ndarray:
    """Mark the ``candidates`` open orders least out of route ``v``'s way.

    The detour of a delivery at ``drop_loc[k]`` ignores time; ties at the
    threshold are all kept. The loops run position-major over rows of the
    matrix and of its transpose, so it is read along rows (cache-friendly).
    """
    n_open = 0
    for k in range(is_open.shape[0]):
        n_open += is_open[k]
    if n_open <= candidates:
        return is_open.copy()
    detour = np.full(is_open.shape[0], np.inf)
    route_loc = s.states[v, 0]
    for position in range(s.n_fixed[v], s.lengths[v] - 1):
        a, b = route_loc[position], route_loc[position + 1]
        row_from, row_to, base = g.travel[a], g.travel_t[b], g.travel[a, b]
        for k in range(is_open.shape[0]):
            if is_open[k]:
                ld = drop_loc[k]
                detour[k] = min(detour[k], row_from[ld] + row_to[ld] - base)
    threshold = np.partition(detour, candidates - 1)[candidates - 1]
    return is_open & (detour <= threshold)
