"""Insertion construction: the first plan, which OR-Tools then improves.

Every open order's cheapest feasible insertion into every route is kept in a
cost table; the cheapest one goes in first (or, with regret construction, the
order with the largest regret: second-best route minus best), and only the
route that changed is evaluated again, for the ``ROUTE_CANDIDATES`` open
orders nearest to it. The exact evaluation of an
insertion (all pickup alternatives and positions) is in :mod:`solver.kernels`.

Orders that are on time stay on time: an insertion may not push an already
routed delivery past its deadline. A first pass inserts only on-time orders;
a second pass (soft deadlines) inserts the rest late when that costs less
than leaving them out.
"""

import logging
from dataclasses import dataclass, field

import numpy as np

from solver.kernels import evaluate_orders, route_state
from solver.nodes import Nodes
from solver.params import Construction, SolverParams

logger = logging.getLogger(__name__)

INFEASIBLE = np.float64(np.inf)
ROUTE_CANDIDATES = 48
"""Orders evaluated per route after each insertion (nearest deliveries)."""
NO_SECOND_ROUTE_REGRET = 1e18
"""The regret of an order that fits one route only: it goes in first."""

STATE_ROWS = 8
"""Rows of a route's state array (see ``kernels.route_state``)."""


@dataclass
class RouteState:
    """One route under construction, with the arrays insertion needs."""

    vehicle: int
    route: list[int]
    n_fixed: int
    capacity: int
    base_load: int
    state: np.ndarray = field(init=False)

    def refresh(self, nodes: Nodes) -> None:
        """Recompute schedule, forward time slack and loads after a change."""
        route = np.asarray(self.route, dtype=np.int64)
        self.state = np.empty((STATE_ROWS, len(route)), dtype=np.int64)
        route_state(
            route, nodes.travel_s, nodes.loc, nodes.service_s, nodes.earliest_s,
            nodes.latest_s, nodes.deadline_s, nodes.is_delivery, nodes.load_change,
            nodes.start_load_size, self.base_load, self.state,
        )  # fmt: skip

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
    route: RouteState,
    orders: np.ndarray,
    params: SolverParams,
    latest_new: np.ndarray,
    current_vehicle: np.ndarray,
    limit: int | None = None,
) -> Insertion:
    """Return the cheapest feasible insertion of each order into one route.

    ``latest_new`` is the latest start of service allowed for inserted nodes.
    With ``limit``, only the ``limit`` orders whose delivery lies nearest the
    route are evaluated; the others are reported infeasible for this route.
    """
    n_orders = len(orders)
    cost = np.empty(n_orders)
    pickup_pos = np.empty(n_orders, dtype=np.int64)
    delivery_pos = np.empty(n_orders, dtype=np.int64)
    pickup_node = np.empty(n_orders, dtype=np.int64)
    evaluate_orders(
        nodes.travel_s, nodes.travel_t, nodes.loc, nodes.service_s, nodes.earliest_s,
        latest_new, nodes.deadline_s, nodes.size, nodes.vehicle, route.state,
        route.n_fixed, route.capacity, route.vehicle, orders, nodes.order_delivery,
        nodes.order_mode, nodes.pickup_ptr, nodes.pickup_nodes, limit or 0,
        float(params.lateness_cost_per_s), float(params.push_cost_per_s), cost,
        pickup_pos, delivery_pos, pickup_node,
    )  # fmt: skip
    moved = (current_vehicle[orders] >= 0) & (current_vehicle[orders] != route.vehicle)
    cost[moved] += params.reassign_penalty
    if len(route.route) == 2:
        cost += params.courier_cost
    return Insertion(cost, pickup_pos, delivery_pos, pickup_node)


def latest_for_new(nodes: Nodes, allow_late: bool) -> np.ndarray:
    """Return the latest start of inserted nodes: deadlines too unless late is ok."""
    if allow_late:
        return nodes.latest_s
    on_time = np.minimum(nodes.latest_s, nodes.deadline_s)
    return np.where(nodes.is_delivery, on_time, nodes.latest_s)


def apply_insertion(
    nodes: Nodes, route: RouteState, order: int, pickup: int, i: int, j: int
) -> None:
    """Insert an order: its delivery after node ``j``, its pickup after ``i``."""
    route.route.insert(j + 1, int(nodes.order_delivery[order]))
    if pickup >= 0:
        route.route.insert(i + 1, pickup)
    route.refresh(nodes)


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
        if remaining.size == 0 or not routes:
            break
        table = _Table(nodes, routes, remaining, params, allow_late, current_vehicle)
        remaining = table.run()
    return remaining


class _Table:
    """Best insertion of every open order into every route, and the regret loop."""

    def __init__(
        self,
        nodes: Nodes,
        routes: list[RouteState],
        orders: np.ndarray,
        params: SolverParams,
        allow_late: bool,
        current_vehicle: np.ndarray,
    ) -> None:
        self.nodes, self.routes, self.orders = nodes, routes, orders
        self.params, self.allow_late = params, allow_late
        self.current_vehicle = current_vehicle
        self.latest_new = latest_for_new(nodes, allow_late)
        penalty = nodes.penalty[orders].astype(np.float64)
        penalty[penalty < 0] = np.inf
        self.penalty = penalty

        shape = (len(orders), len(routes))
        self.cost = np.full(shape, INFEASIBLE)
        self.pickup_pos = np.full(shape, -1, dtype=np.int64)
        self.delivery_pos = np.full(shape, -1, dtype=np.int64)
        self.pickup_node = np.full(shape, -1, dtype=np.int64)
        self.best = np.full(len(orders), INFEASIBLE)
        self.second = np.full(len(orders), INFEASIBLE)
        self.open = np.ones(len(orders), dtype=bool)

    def run(self) -> np.ndarray:
        """Insert open orders until none fits; return those left out."""
        self._fill_all(np.arange(len(self.orders)))
        exhaustive = True
        while True:
            live = np.flatnonzero(self.open & np.isfinite(self.best))
            if live.size == 0:
                # Pruned evaluations may hide a feasible route: look at every
                # route again for the orders still out, once per change.
                stuck = np.flatnonzero(self.open)
                if stuck.size == 0 or exhaustive:
                    break
                self._fill_all(stuck)
                exhaustive = True
                continue
            k = self._choose(live)
            r = int(np.argmin(self.cost[k]))
            apply_insertion(
                self.nodes, self.routes[r], int(self.orders[k]),
                int(self.pickup_node[k, r]), int(self.pickup_pos[k, r]),
                int(self.delivery_pos[k, r]),
            )  # fmt: skip
            self.open[k] = False
            self.cost[k] = INFEASIBLE
            self.best[k] = self.second[k] = INFEASIBLE
            exhaustive = False
            still = np.flatnonzero(self.open)
            if still.size:
                self._fill(still, r, ROUTE_CANDIDATES)
        logger.debug(
            "regret pass (late=%s): %d of %d orders inserted",
            self.allow_late,
            int((~self.open).sum()),
            len(self.orders),
        )
        return self.orders[self.open]

    def _choose(self, live: np.ndarray) -> int:
        """Return the open order to insert next."""
        best = self.best[live]
        if self.params.construction is Construction.CHEAPEST:
            return int(live[np.argmin(best)])
        regret = np.where(
            np.isfinite(self.second[live]),
            self.second[live] - best,
            NO_SECOND_ROUTE_REGRET,
        )
        return int(live[np.lexsort((best, -regret))[0]])

    def _fill_all(self, rows: np.ndarray) -> None:
        for r in range(len(self.routes)):
            self._fill(rows, r, None)

    def _fill(self, rows: np.ndarray, r: int, limit: int | None) -> None:
        """Evaluate some orders (row indices) into route ``r``."""
        found = evaluate(
            self.nodes, self.routes[r], self.orders[rows], self.params,
            self.latest_new, self.current_vehicle, limit,
        )  # fmt: skip
        column = found.cost
        column[column >= self.penalty[rows]] = INFEASIBLE
        changed = rows[column != self.cost[rows, r]]
        self.cost[rows, r] = column
        self.pickup_pos[rows, r] = found.pickup_pos
        self.delivery_pos[rows, r] = found.delivery_pos
        self.pickup_node[rows, r] = found.pickup_node
        if changed.size == 0:
            return
        if len(self.routes) == 1:
            self.best[changed] = self.cost[changed, 0]
            return
        two = np.partition(self.cost[changed], 1, axis=1)
        self.best[changed] = two[:, 0]
        self.second[changed] = two[:, 1]
