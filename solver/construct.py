"""Regret insertion, vectorised with numpy: the first plan OR-Tools then improves.

Every unrouted order's cheapest feasible insertion into every route is kept in
a cost matrix; the order with the largest regret (second-best route minus
best) goes in first, and only the column of the route that changed is
evaluated again. An insertion is evaluated exactly for all positions at once
with Savelsbergh's forward time slack: a pickup at position ``i`` and its
delivery at ``j >= i`` are checked against windows, shift end and the load
between them.

Orders that are on time stay on time: a construction insertion may not push
an already routed delivery past its deadline. A first pass inserts only
on-time orders; a second pass (soft deadlines) inserts the rest late when that
costs less than leaving them out.
"""

import logging
from dataclasses import dataclass, field

import numpy as np

from solver.nodes import NodeKind, Nodes, OrderKind, schedule
from solver.params import SolverParams

logger = logging.getLogger(__name__)

INFEASIBLE = np.float64(np.inf)


@dataclass
class RouteState:
    """One route under construction, with the arrays insertion needs."""

    vehicle: int
    route: list[int]
    n_fixed: int
    capacity: int
    base_load: int
    loc: np.ndarray = field(init=False)
    start_s: np.ndarray = field(init=False)
    departure_s: np.ndarray = field(init=False)
    slack_s: np.ndarray = field(init=False)
    wait_cum_s: np.ndarray = field(init=False)
    room_s: np.ndarray = field(init=False)
    load: np.ndarray = field(init=False)

    def refresh(self, nodes: Nodes) -> None:
        """Recompute schedule, forward time slack and loads after a change."""
        route = np.asarray(self.route, dtype=np.int64)
        arrival, start, departure = schedule(nodes, self.route)
        latest = nodes.latest_s[route].copy()
        is_delivery = nodes.kind[route] == NodeKind.DELIVERY
        keep = np.maximum(nodes.deadline_s[route], start)
        latest[is_delivery] = np.minimum(latest[is_delivery], keep[is_delivery])
        room = latest - start
        wait = start - arrival
        slack = np.empty(len(route), dtype=np.int64)
        slack[-1] = room[-1]
        for k in range(len(route) - 2, -1, -1):
            slack[k] = min(room[k], wait[k + 1] + slack[k + 1])

        kind = nodes.kind[route]
        order = nodes.order[route]
        start_loaded = np.zeros(len(route), dtype=bool)
        has_order = order >= 0
        start_loaded[has_order] = (
            nodes.order_kind[order[has_order]] == OrderKind.START_LOADED
        )
        size = nodes.size[route]
        change = np.where(kind == NodeKind.PICKUP, size, 0)
        change -= np.where(kind == NodeKind.DELIVERY, size, 0)
        initial = self.base_load + int(size[start_loaded].sum())

        self.loc = nodes.loc[route]
        self.start_s = start
        self.departure_s = departure
        self.slack_s = slack
        self.wait_cum_s = np.cumsum(wait)
        self.room_s = room
        self.load = initial + np.cumsum(change)

    @property
    def inner(self) -> list[int]:
        """Return the route without its start and end nodes."""
        return self.route[1:-1]


@dataclass(frozen=True)
class Insertion:
    """Best insertions of many orders into one route (cost inf: infeasible)."""

    cost: np.ndarray
    pickup_pos: np.ndarray
    delivery_pos: np.ndarray
    pickup_node: np.ndarray


def new_routes(nodes: Nodes, capacities: np.ndarray) -> list[RouteState]:
    """Return every courier's route holding only its committed stops."""
    routes = []
    for v in range(nodes.n_vehicles):
        chain = list(nodes.committed[v])
        state = RouteState(
            vehicle=v,
            route=[nodes.start(v), *chain, nodes.end(v)],
            n_fixed=len(chain),
            capacity=int(capacities[v]),
            base_load=int(nodes.start_load[v]),
        )
        state.refresh(nodes)
        routes.append(state)
    return routes


def evaluate(
    nodes: Nodes,
    state: RouteState,
    orders: np.ndarray,
    params: SolverParams,
    allow_late: bool,
    current_vehicle: np.ndarray,
) -> Insertion:
    """Return the cheapest feasible insertion of each order into one route."""
    n_orders = len(orders)
    cost = np.full(n_orders, INFEASIBLE)
    pickup_pos = np.full(n_orders, -1, dtype=np.int64)
    delivery_pos = np.full(n_orders, -1, dtype=np.int64)
    pickup_node = np.full(n_orders, -1, dtype=np.int64)
    if n_orders == 0:
        return Insertion(cost, pickup_pos, delivery_pos, pickup_node)

    delivery = nodes.order_delivery[orders]
    allowed = (nodes.vehicle[delivery] < 0) | (nodes.vehicle[delivery] == state.vehicle)
    pd = (nodes.order_kind[orders] == OrderKind.PICKUP_DELIVERY) & ~(
        nodes.pickup_committed[orders]
    )
    single = allowed & ~pd
    paired = allowed & pd

    if single.any():
        idx = np.flatnonzero(single)
        c, pos = _evaluate_single(nodes, state, orders[idx], allow_late, params)
        cost[idx], delivery_pos[idx] = c, pos
    if paired.any():
        idx = np.flatnonzero(paired)
        c, ip, jp, pn = _evaluate_paired(nodes, state, orders[idx], allow_late, params)
        cost[idx], pickup_pos[idx], delivery_pos[idx], pickup_node[idx] = c, ip, jp, pn

    moved = (current_vehicle[orders] >= 0) & (current_vehicle[orders] != state.vehicle)
    cost[moved] += params.reassign_penalty
    if len(state.route) == 2 + state.n_fixed and state.n_fixed == 0:
        cost += params.courier_cost
    return Insertion(cost, pickup_pos, delivery_pos, pickup_node)


def _new_latest(nodes: Nodes, node: np.ndarray, allow_late: bool) -> np.ndarray:
    latest = nodes.latest_s[node]
    if allow_late:
        return latest
    return np.minimum(latest, nodes.deadline_s[node])


def _lateness_cost(
    nodes: Nodes, node: np.ndarray, start_s: np.ndarray, params: SolverParams
) -> np.ndarray:
    late_s = np.maximum(start_s - nodes.deadline_s[node][:, None], 0)
    return late_s.astype(np.float64) * params.lateness_cost_per_s


def _evaluate_single(
    nodes: Nodes,
    state: RouteState,
    orders: np.ndarray,
    allow_late: bool,
    params: SolverParams,
) -> tuple[np.ndarray, np.ndarray]:
    travel = nodes.travel_s
    u = nodes.order_delivery[orders]
    lu = nodes.loc[u][:, None]
    pos = np.arange(state.n_fixed, len(state.route) - 1)
    la, lb = state.loc[pos][None, :], state.loc[pos + 1][None, :]

    arrive_u = state.departure_s[pos][None, :] + travel[la, lu]
    start_u = np.maximum(arrive_u, nodes.earliest_s[u][:, None])
    ok = start_u <= _new_latest(nodes, u, allow_late)[:, None]
    arrive_b = start_u + nodes.service_s[u][:, None] + travel[lu, lb]
    delay = np.maximum(arrive_b - state.start_s[pos + 1][None, :], 0)
    ok &= delay <= state.slack_s[pos + 1][None, :]

    start_loaded = nodes.order_kind[orders] == OrderKind.START_LOADED
    prefix_load = np.maximum.accumulate(state.load)[pos]
    fits = prefix_load[None, :] + nodes.size[u][:, None] <= state.capacity
    ok &= fits | ~start_loaded[:, None]

    detour = travel[la, lu] + travel[lu, lb] - travel[la, lb]
    cost = detour.astype(np.float64) + _lateness_cost(nodes, u, start_u, params)
    cost[~ok] = INFEASIBLE
    best = np.argmin(cost, axis=1)
    rows = np.arange(len(orders))
    return cost[rows, best], pos[best]


def _evaluate_paired(
    nodes: Nodes,
    state: RouteState,
    orders: np.ndarray,
    allow_late: bool,
    params: SolverParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_orders = len(orders)
    best_cost = np.full(n_orders, INFEASIBLE)
    best_i = np.full(n_orders, -1, dtype=np.int64)
    best_j = np.full(n_orders, -1, dtype=np.int64)
    best_p = np.full(n_orders, -1, dtype=np.int64)

    n_alt = max(len(nodes.order_pickups[o]) for o in orders)
    for a in range(n_alt):
        has = np.array([len(nodes.order_pickups[o]) > a for o in orders])
        if not has.any():
            continue
        sub = orders[has]
        p = np.array([nodes.order_pickups[o][a] for o in sub], dtype=np.int64)
        cost, i, j = _evaluate_pair(nodes, state, sub, p, allow_late, params)
        rows = np.flatnonzero(has)
        better = cost < best_cost[rows]
        rows = rows[better]
        best_cost[rows] = cost[better]
        best_i[rows], best_j[rows], best_p[rows] = i[better], j[better], p[better]
    return best_cost, best_i, best_j, best_p


def _evaluate_pair(
    nodes: Nodes,
    state: RouteState,
    orders: np.ndarray,
    p: np.ndarray,
    allow_late: bool,
    params: SolverParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best (cost, pickup position, delivery position) for one pickup node each.

    Position ``k`` inserts after route node ``k``. Shapes: orders x i x j.
    """
    travel = nodes.travel_s
    d = nodes.order_delivery[orders]
    lp, ld = nodes.loc[p][:, None], nodes.loc[d][:, None]
    pos = np.arange(state.n_fixed, len(state.route) - 1)
    li, ln = state.loc[pos][None, :], state.loc[pos + 1][None, :]
    size = nodes.size[p][:, None]
    latest_d = _new_latest(nodes, d, allow_late)[:, None]

    arrive_p = state.departure_s[pos][None, :] + travel[li, lp]
    start_p = np.maximum(arrive_p, nodes.earliest_s[p][:, None])
    ok_p = start_p <= nodes.latest_s[p][:, None]
    depart_p = start_p + nodes.service_s[p][:, None]
    detour_p = travel[li, lp] + travel[lp, ln] - travel[li, ln]

    # Delivery right after the pickup (j == i).
    start_d = np.maximum(depart_p + travel[lp, ld], nodes.earliest_s[d][:, None])
    arrive_n = start_d + nodes.service_s[d][:, None] + travel[ld, ln]
    delay = np.maximum(arrive_n - state.start_s[pos + 1][None, :], 0)
    ok_same = ok_p & (start_d <= latest_d) & (delay <= state.slack_s[pos + 1][None, :])
    ok_same &= state.load[pos][None, :] + size <= state.capacity
    same = (travel[lp, ld] + travel[ld, ln] - travel[lp, ln]).astype(np.float64)
    same = same + (travel[li, lp] + travel[lp, ln] - travel[li, ln])
    same = same + _lateness_cost(nodes, d, start_d, params)
    same[~ok_same] = INFEASIBLE

    # Delivery later (j > i): the pickup delays node i+1 by delay1, which the
    # waiting between i+1 and j absorbs.
    n_pos = len(pos)
    best_same = np.argmin(same, axis=1)
    rows = np.arange(len(orders))
    cost_same = same[rows, best_same]
    if n_pos < 2:
        return cost_same, pos[best_same], pos[best_same]

    delay1 = np.maximum(
        depart_p + travel[lp, ln] - state.start_s[pos + 1][None, :], 0
    )  # orders x i
    wc = state.wait_cum_s
    gap = wc[pos][None, :] - wc[pos + 1][:, None]  # i x j: waits between i+1 and j
    later = pos[None, :] > pos[:, None]  # i x j
    room = state.room_s + wc
    run_min = _running_min(room[pos], later)  # min over m in i+1..j
    delay_j = np.maximum(delay1[:, :, None] - gap[None, :, :], 0)  # o x i x j
    ok = ok_p[:, :, None] & later[None, :, :]
    ok &= (delay1 + wc[pos + 1][None, :])[:, :, None] <= run_min[None, :, :]

    lj, lk = state.loc[pos], state.loc[pos + 1]
    depart_j = state.departure_s[pos][None, None, :] + delay_j
    arrive_d = depart_j + travel[lj[None, :], ld][:, None, :]
    start_d2 = np.maximum(arrive_d, nodes.earliest_s[d][:, None, None])
    ok &= start_d2 <= latest_d[:, :, None]
    arrive_k = (
        start_d2
        + nodes.service_s[d][:, None, None]
        + travel[ld, lk[None, :]][:, None, :]
    )
    delay_k = np.maximum(arrive_k - state.start_s[pos + 1][None, None, :], 0)
    ok &= delay_k <= state.slack_s[pos + 1][None, None, :]
    run_max = _running_max(state.load[pos], later | np.eye(n_pos, dtype=bool))
    ok &= (run_max[None, :, :] + size[:, :, None]) <= state.capacity

    detour_d = (
        travel[lj[None, :], ld] + travel[ld, lk[None, :]] - travel[lj, lk][None, :]
    )
    cost = (detour_p[:, :, None] + detour_d[:, None, :]).astype(np.float64)
    late_s = np.maximum(start_d2 - nodes.deadline_s[d][:, None, None], 0)
    cost += late_s * float(params.lateness_cost_per_s)
    cost[~ok] = INFEASIBLE
    flat = cost.reshape(len(orders), -1)
    best = np.argmin(flat, axis=1)
    cost_later = flat[rows, best]
    bi, bj = np.divmod(best, n_pos)

    use_same = cost_same <= cost_later
    cost_out = np.where(use_same, cost_same, cost_later)
    i_out = np.where(use_same, pos[best_same], pos[bi])
    j_out = np.where(use_same, pos[best_same], pos[bj])
    return cost_out, i_out, j_out


def _running_min(values: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Return m[i, j] = min(values[i+1..j]) for j > i (inf elsewhere)."""
    n = len(values)
    shifted = np.where(later, values[None, :], np.iinfo(np.int64).max)
    return np.minimum.accumulate(shifted, axis=1).reshape(n, n)


def _running_max(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return m[i, j] = max(values[i..j]) for j >= i."""
    shifted = np.where(mask, values[None, :], np.iinfo(np.int64).min)
    return np.maximum.accumulate(shifted, axis=1)


def apply_insertion(
    nodes: Nodes, state: RouteState, order: int, ins: Insertion, k: int
) -> None:
    """Insert order ``order`` (row ``k`` of ``ins``) into the route."""
    delivery = int(nodes.order_delivery[order])
    i, j = int(ins.pickup_pos[k]), int(ins.delivery_pos[k])
    pd = nodes.order_kind[order] == OrderKind.PICKUP_DELIVERY
    if pd and not nodes.pickup_committed[order]:
        pickup = int(ins.pickup_node[k])
        state.route.insert(j + 1, delivery)
        state.route.insert(i + 1, pickup)
    else:
        state.route.insert(j + 1, delivery)
    state.refresh(nodes)


def insert_orders(
    nodes: Nodes,
    routes: list[RouteState],
    orders: np.ndarray,
    params: SolverParams,
    current_vehicle: np.ndarray,
) -> np.ndarray:
    """Insert orders by regret into the routes; return the orders left out."""
    remaining = np.asarray(orders, dtype=np.int64)
    for allow_late in (False, True):
        if allow_late and params.hard_deadlines:
            break
        remaining = _regret_pass(
            nodes, routes, remaining, params, allow_late, current_vehicle
        )
    return remaining


def _regret_pass(
    nodes: Nodes,
    routes: list[RouteState],
    orders: np.ndarray,
    params: SolverParams,
    allow_late: bool,
    current_vehicle: np.ndarray,
) -> np.ndarray:
    n_orders, n_routes = len(orders), len(routes)
    if n_orders == 0 or n_routes == 0:
        return orders
    penalty = nodes.penalty[orders].astype(np.float64)
    penalty[penalty < 0] = np.inf
    cost = np.full((n_orders, n_routes), INFEASIBLE)
    found: list[Insertion] = []
    for r, state in enumerate(routes):
        ins = evaluate(nodes, state, orders, params, allow_late, current_vehicle)
        cost[:, r] = ins.cost
        found.append(ins)
    pickup_pos = np.stack([f.pickup_pos for f in found], axis=1)
    delivery_pos = np.stack([f.delivery_pos for f in found], axis=1)
    pickup_node = np.stack([f.pickup_node for f in found], axis=1)
    cost[cost >= penalty[:, None]] = INFEASIBLE

    open_ = np.ones(n_orders, dtype=bool)
    while True:
        live = np.flatnonzero(open_ & np.isfinite(cost).any(axis=1))
        if live.size == 0:
            break
        sub = cost[live]
        if n_routes > 1:
            two = np.partition(sub, 1, axis=1)[:, :2]
            regret = np.where(np.isfinite(two[:, 1]), two[:, 1] - two[:, 0], 1e18)
        else:
            regret = np.zeros(len(live))
        best_cost = sub.min(axis=1)
        pick = np.lexsort((best_cost, -regret))[0]
        k = live[pick]
        r = int(np.argmin(cost[k]))
        ins = Insertion(
            cost[k : k + 1, r],
            pickup_pos[k : k + 1, r],
            delivery_pos[k : k + 1, r],
            pickup_node[k : k + 1, r],
        )
        apply_insertion(nodes, routes[r], int(orders[k]), ins, 0)
        open_[k] = False
        cost[k] = INFEASIBLE

        still = np.flatnonzero(open_)
        if still.size:
            fresh = evaluate(
                nodes, routes[r], orders[still], params, allow_late, current_vehicle
            )
            column = fresh.cost
            column[column >= penalty[still]] = INFEASIBLE
            cost[still, r] = column
            pickup_pos[still, r] = fresh.pickup_pos
            delivery_pos[still, r] = fresh.delivery_pos
            pickup_node[still, r] = fresh.pickup_node
    logger.debug(
        "regret pass (late=%s): %d of %d orders inserted",
        allow_late,
        int((~open_).sum()),
        n_orders,
    )
    return orders[open_]
