"""The routing nodes behind a problem: one table that construction and OR-Tools share.

Node layout: courier ``v`` starts at node ``v`` and ends at node ``V + v``;
then every order has its delivery node followed by one node per pickup
alternative. An open route ends at a dummy location, one extra row and column
of zeros appended to the travel matrix.
"""

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from solver.kernels import MODE_DELIVERY_ONLY, MODE_PAIRED, MODE_START_LOADED
from solver.params import SolverParams
from solver.problem import CommittedStop, Problem, StopKind

UNREACHABLE_THRESHOLD_S = 2**28
"""Travel times at or above this are unreachable (geo uses int32 max // 4)."""

ONBOARD_PENALTY_FACTOR = 100
"""Dropping an order already on board costs this many times a normal drop."""


class NodeKind(IntEnum):
    """What a routing node is."""

    START = 0
    END = 1
    PICKUP = 2
    DELIVERY = 3


class OrderKind(IntEnum):
    """How an order enters a route."""

    PICKUP_DELIVERY = 0
    ONBOARD = 1
    START_LOADED = 2


@dataclass(frozen=True)
class Nodes:
    """Arrays over routing nodes, plus the extended travel matrix.

    Attributes
    ----------
    travel_s, travel_t
        Location travel times with one dummy location appended (all zeros),
        int32 (half the memory of int64: the search reads this matrix more
        than anything else, and a smaller one stays in cache), unreachable
        pairs kept as their large value; and its transpose
        (contiguous, for column reads).
    loc, service_s, earliest_s, latest_s, deadline_s, size, kind, order, alt
        Per node: matrix row, service time, start-of-service window
        (``latest_s`` is hard), soft deadline, order size, node kind, order
        index (-1 for starts and ends) and pickup alternative (-1 otherwise).
    vehicle
        Per node, the only courier index allowed to visit it, or -1.
    order_kind, order_delivery, order_pickups
        Per order: how it enters a route, its delivery node and its pickup
        nodes.
    committed
        Per courier, its committed nodes in order.
    is_delivery, load_change, start_load_size
        Per node: a delivery?, the load it adds (pickup) or removes
        (delivery), and the size it loads at the route start.
    order_mode
        Per order, how the construction inserts it (``kernels.MODE_*``).
    pickup_ptr, pickup_nodes
        The pickup nodes of order ``o`` are
        ``pickup_nodes[pickup_ptr[o]:pickup_ptr[o + 1]]``.
    start_load
        Per courier, the size of its on-board orders.
    penalty
        Per order, the cost of leaving it unassigned (-1: mandatory).
    horizon_s
        Upper bound of every time in the model.
    """

    travel_s: np.ndarray
    travel_t: np.ndarray
    loc: np.ndarray
    service_s: np.ndarray
    earliest_s: np.ndarray
    latest_s: np.ndarray
    deadline_s: np.ndarray
    size: np.ndarray
    kind: np.ndarray
    order: np.ndarray
    alt: np.ndarray
    vehicle: np.ndarray
    order_kind: np.ndarray
    order_delivery: np.ndarray
    order_pickups: tuple[tuple[int, ...], ...]
    committed: tuple[tuple[int, ...], ...]
    start_load: np.ndarray
    penalty: np.ndarray
    horizon_s: int
    is_delivery: np.ndarray
    load_change: np.ndarray
    start_load_size: np.ndarray
    order_mode: np.ndarray
    pickup_ptr: np.ndarray
    pickup_nodes: np.ndarray

    @property
    def n_vehicles(self) -> int:
        """Return the number of couriers."""
        return len(self.start_load)

    @property
    def n_nodes(self) -> int:
        """Return the number of routing nodes."""
        return len(self.loc)

    def order_nodes(self, order: int) -> tuple[int, ...]:
        """Return the nodes of one order: delivery first, then pickups."""
        return (int(self.order_delivery[order]), *self.order_pickups[order])

    def start(self, vehicle: int) -> int:
        """Return the start node of a courier."""
        return vehicle

    def end(self, vehicle: int) -> int:
        """Return the end node of a courier."""
        return self.n_vehicles + vehicle

    def node_travel(self) -> np.ndarray:
        """Return travel plus service time between every pair of nodes, int64."""
        return self.travel_s[np.ix_(self.loc, self.loc)] + self.service_s[:, None]


def build_nodes(problem: Problem, params: SolverParams) -> Nodes:
    """Lay out the routing nodes of a problem."""
    n_loc = problem.n_locations
    travel_s = np.zeros((n_loc + 1, n_loc + 1), dtype=np.int32)
    travel_s[:n_loc, :n_loc] = problem.time_s
    dummy = n_loc

    couriers = problem.couriers
    n_vehicles = len(couriers)
    horizon_s = _horizon(problem)
    onboard_of = {oid: v for v, c in enumerate(couriers) for oid in c.onboard}

    rows: list[tuple[int, ...]] = []
    for courier in couriers:
        rows.append(
            (courier.start, 0, courier.start_s, courier.start_s, horizon_s, 0,
             NodeKind.START, -1, -1, -1)
        )  # fmt: skip
    for v, courier in enumerate(couriers):
        end_loc = dummy if courier.end is None else courier.end
        rows.append(
            (end_loc, 0, courier.start_s, courier.shift_end_s, horizon_s, 0,
             NodeKind.END, -1, -1, v)
        )  # fmt: skip

    committed_ids = {
        (s.order_id, s.kind, s.pickup): v
        for v, c in enumerate(couriers)
        for s in c.committed
    }
    order_kind = np.empty(len(problem.orders), dtype=np.int64)
    order_delivery = np.empty(len(problem.orders), dtype=np.int64)
    order_pickups: list[tuple[int, ...]] = []
    penalty = np.empty(len(problem.orders), dtype=np.int64)
    for i, order in enumerate(problem.orders):
        latest = horizon_s
        # A commitment cannot be undone: its order's deadline stays soft.
        committed_order = any(key[0] == order.id for key in committed_ids)
        if params.hard_deadlines and not committed_order:
            latest = min(horizon_s, order.deadline_s)
        vehicle = onboard_of.get(order.id, -1)
        for key, v in committed_ids.items():
            if key[0] == order.id:
                vehicle = v
        order_delivery[i] = len(rows)
        rows.append(
            (order.delivery, order.delivery_service_s, order.earliest_s, latest,
             order.deadline_s, order.size, NodeKind.DELIVERY, i, -1, vehicle)
        )  # fmt: skip
        pickups = []
        for a, pickup in enumerate(order.pickups):
            pickups.append(len(rows))
            pickup_latest = horizon_s if pickup.latest_s is None else pickup.latest_s
            if (order.id, StopKind.PICKUP, a) in committed_ids:
                pickup_latest = horizon_s
            rows.append(
                (pickup.location, order.pickup_service_s, pickup.ready_s,
                 pickup_latest, horizon_s, order.size, NodeKind.PICKUP, i, a, vehicle)
            )  # fmt: skip
        order_pickups.append(tuple(pickups))
        if order.pickups:
            order_kind[i] = OrderKind.PICKUP_DELIVERY
        elif order.id in onboard_of:
            order_kind[i] = OrderKind.ONBOARD
        else:
            order_kind[i] = OrderKind.START_LOADED
        penalty[i] = params.unassigned_penalty * order.priority
        if order_kind[i] == OrderKind.ONBOARD:
            penalty[i] *= ONBOARD_PENALTY_FACTOR
        if vehicle >= 0 and any(k[0] == order.id for k in committed_ids):
            penalty[i] = -1

    table = np.array(rows, dtype=np.int64).reshape(-1, 10)
    derived = _derived(table, order_kind, order_pickups, committed_ids, problem)
    committed = tuple(
        tuple(_committed_node(problem, s, order_delivery, order_pickups)
              for s in c.committed)
        for c in couriers
    )  # fmt: skip
    start_load = np.array(
        [sum(problem.orders[problem.order_index[o]].size for o in c.onboard)
         for c in couriers],
        dtype=np.int64,
    )  # fmt: skip
    nodes = Nodes(
        travel_s=travel_s,
        travel_t=np.ascontiguousarray(travel_s.T),
        loc=table[:, 0].copy(),
        service_s=table[:, 1].copy(),
        earliest_s=table[:, 2].copy(),
        latest_s=table[:, 3].copy(),
        deadline_s=table[:, 4].copy(),
        size=table[:, 5].copy(),
        kind=table[:, 6].copy(),
        order=table[:, 7].copy(),
        alt=table[:, 8].copy(),
        vehicle=table[:, 9].copy(),
        order_kind=order_kind,
        order_delivery=order_delivery,
        order_pickups=tuple(order_pickups),
        committed=committed,
        start_load=start_load.reshape(n_vehicles),
        penalty=penalty,
        horizon_s=horizon_s,
        **derived,
    )
    _extend_shifts_for_commitments(nodes)
    return nodes


def schedule(
    nodes: Nodes, route: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return arrival, start and departure of each node of a route, earliest first.

    ``route`` runs from a start node to an end node. Service starts as soon as
    the courier has arrived and the window has opened.
    """
    n = len(route)
    arrival = np.empty(n, dtype=np.int64)
    start = np.empty(n, dtype=np.int64)
    departure = np.empty(n, dtype=np.int64)
    loc = nodes.loc
    for k, node in enumerate(route):
        if k == 0:
            arrival[k] = nodes.earliest_s[node]
        else:
            arrival[k] = departure[k - 1] + nodes.travel_s[loc[route[k - 1]], loc[node]]
        start[k] = max(arrival[k], nodes.earliest_s[node])
        departure[k] = start[k] + nodes.service_s[node]
    return arrival, start, departure


def _extend_shifts_for_commitments(nodes: Nodes) -> None:
    """Let a shift run over when the committed stops alone already overrun it."""
    for v, chain in enumerate(nodes.committed):
        if not chain:
            continue
        route = [nodes.start(v), *chain, nodes.end(v)]
        arrival, _, _ = schedule(nodes, route)
        end = nodes.end(v)
        if arrival[-1] > nodes.latest_s[end]:
            nodes.latest_s[end] = arrival[-1]


def _derived(
    table: np.ndarray,
    order_kind: np.ndarray,
    order_pickups: list[tuple[int, ...]],
    committed_ids: dict[tuple[str, StopKind, int], int],
    problem: Problem,
) -> dict[str, np.ndarray]:
    """Return the arrays the compiled construction reads."""
    kind, order, size = table[:, 6], table[:, 7], table[:, 5]
    is_delivery = kind == NodeKind.DELIVERY
    load_change = np.where(kind == NodeKind.PICKUP, size, 0) - np.where(
        is_delivery, size, 0
    )
    start_loaded = np.zeros(len(table), dtype=bool)
    has_order = order >= 0
    start_loaded[has_order] = order_kind[order[has_order]] == OrderKind.START_LOADED
    picked = {key[0] for key in committed_ids if key[1] is StopKind.PICKUP}
    mode = np.full(len(order_kind), MODE_DELIVERY_ONLY, dtype=np.int64)
    mode[order_kind == OrderKind.START_LOADED] = MODE_START_LOADED
    for i, o in enumerate(problem.orders):
        if order_kind[i] == OrderKind.PICKUP_DELIVERY and o.id not in picked:
            mode[i] = MODE_PAIRED
    counts = np.array([len(p) for p in order_pickups], dtype=np.int64)
    flat = [n for p in order_pickups for n in p]
    return {
        "is_delivery": is_delivery,
        "load_change": load_change.astype(np.int64),
        "start_load_size": np.where(start_loaded & is_delivery, size, 0),
        "order_mode": mode,
        "pickup_ptr": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        "pickup_nodes": np.array(flat, dtype=np.int64).reshape(len(flat)),
    }


def _committed_node(
    problem: Problem,
    stop: CommittedStop,
    order_delivery: np.ndarray,
    order_pickups: list[tuple[int, ...]],
) -> int:
    i = problem.order_index[stop.order_id]
    if stop.kind is StopKind.DELIVERY:
        return int(order_delivery[i])
    return order_pickups[i][stop.pickup]


def _horizon(problem: Problem) -> int:
    """Return a time bound that no feasible or committed schedule exceeds."""
    latest = [c.shift_end_s for c in problem.couriers]
    latest += [o.deadline_s for o in problem.orders]
    latest += [p.ready_s for o in problem.orders for p in o.pickups]
    base = max(latest, default=0)
    reachable = problem.time_s[problem.time_s < UNREACHABLE_THRESHOLD_S]
    longest_leg = int(reachable.max()) if reachable.size else 0
    service = sum(o.pickup_service_s + o.delivery_service_s for o in problem.orders)
    return int(base + (longest_leg + 1) * (2 * len(problem.orders) + 2) + service)
