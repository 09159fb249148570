"""Insertion construction: the first plan, which the search then improves.

Every open order's cheapest feasible insertion into every route is kept in a
table; the cheapest one goes in first (or, with regret construction, the
order with the largest regret: second-best route minus best), and only the
route that changed is evaluated again, for the ``ROUTE_CANDIDATES`` open
orders nearest to it. The table loop is compiled
(:func:`solver.lns_kernels.insert_by_table`); the exact evaluation of an
insertion (all pickup alternatives and positions) is in :mod:`solver.kernels`.

Orders that are on time stay on time: an insertion may not push an already
routed delivery past its deadline. A first pass inserts only on-time orders;
a second pass (soft deadlines) inserts the rest late when that costs less
than leaving them out.

:class:`RouteState` is a route as a Python list, for warm starts and plans.
"""

import logging
from dataclasses import dataclass, field

import numpy as np

from solver import lns_kernels
from solver.kernels import route_state
from solver.lns_kernels import Graph, Solution, Weights
from solver.nodes import Nodes
from solver.params import Construction, SolverParams

logger = logging.getLogger(__name__)

ROUTE_CANDIDATES = 48
"""Orders evaluated per route after each insertion (nearest deliveries)."""

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


def insert_orders(
    graph: Graph,
    weights: Weights,
    solution: Solution,
    orders: np.ndarray,
    params: SolverParams,
) -> np.ndarray:
    """Insert orders into the solution's routes; return the orders left out."""
    remaining = np.asarray(orders, dtype=np.int64)
    regret = params.construction is Construction.REGRET
    for allow_late in (False, True):
        if allow_late and params.hard_deadlines:
            break
        if remaining.size == 0 or not len(solution.lengths):
            break
        latest_new = graph.latest if allow_late else graph.latest_on_time
        inserted = lns_kernels.insert_by_table(
            graph, weights, solution, remaining, latest_new, regret, ROUTE_CANDIDATES
        )
        logger.debug(
            "insertion pass (late=%s): %d of %d orders inserted",
            allow_late,
            int(inserted.sum()),
            len(remaining),
        )
        remaining = remaining[~inserted]
    return remaining
