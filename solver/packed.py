"""Problems and routes in the arrays of the compiled loops, and back.

The construction (:mod:`solver.construct`) and the search (:mod:`solver.lns`)
work on one :class:`~solver.lns_kernels.Solution` over one
:class:`~solver.lns_kernels.Graph`; warm starts and plans use
:class:`~solver.construct.RouteState` lists.
"""

import numpy as np

from solver import lns_kernels
from solver.construct import RouteState
from solver.lns_kernels import Graph, Solution, Weights
from solver.nodes import Nodes
from solver.params import SolverParams

NEIGHBOURS = 100
"""Orders listed per order, nearest delivery first, for choosing strings."""
MANDATORY_PENALTY = 1e15
"""Cost of leaving out an order that must be served."""


def graph(nodes: Nodes, params: SolverParams, current_vehicle: np.ndarray) -> Graph:
    """Return the arrays the compiled loops read, for one problem."""
    committed = np.zeros(nodes.n_nodes, dtype=bool)
    for chain in nodes.committed:
        committed[list(chain)] = True
    order_of = nodes.order
    has_order = order_of >= 0
    touches = np.zeros(len(nodes.order_kind), dtype=bool)
    touches[order_of[has_order & committed]] = True
    penalty = nodes.penalty.astype(np.float64)
    penalty[penalty < 0] = MANDATORY_PENALTY

    delivery_loc = nodes.loc[nodes.order_delivery]
    start_loc = nodes.loc[: nodes.n_vehicles]
    remoteness = np.zeros(len(delivery_loc))
    if len(start_loc):
        remoteness = nodes.travel_s[np.ix_(start_loc, delivery_loc)].min(axis=0)
    neighbours = _neighbours(nodes.travel_s, delivery_loc)

    return Graph(
        travel=nodes.travel_s,
        travel_t=nodes.travel_t,
        loc=nodes.loc,
        service=nodes.service_s,
        earliest=nodes.earliest_s,
        latest=nodes.latest_s,
        latest_on_time=latest_on_time(nodes),
        deadline=nodes.deadline_s,
        size=nodes.size,
        order=order_of,
        only_vehicle=nodes.vehicle,
        is_delivery=nodes.is_delivery,
        load_change=nodes.load_change,
        start_load_size=nodes.start_load_size,
        order_delivery=nodes.order_delivery,
        order_mode=nodes.order_mode,
        pickup_ptr=nodes.pickup_ptr,
        pickup_nodes=nodes.pickup_nodes,
        penalty=penalty,
        movable=~touches,
        open_routes=np.ones(nodes.n_vehicles, dtype=bool),
        current_vehicle=np.asarray(current_vehicle, dtype=np.int64),
        remoteness=remoteness.astype(np.float64),
        neighbours=np.ascontiguousarray(neighbours, dtype=np.int64),
    )


def pack(
    nodes: Nodes, graph: Graph, weights: Weights, routes: list[RouteState]
) -> Solution:
    """Copy routes into the compiled loop's arrays and cost them."""
    n_vehicles = len(routes)
    longest = max((len(r.route) for r in routes), default=2)
    width = longest + 2 * len(nodes.order_kind)
    solution = Solution(
        routes=np.full((n_vehicles, width), -1, dtype=np.int64),
        lengths=np.array([len(r.route) for r in routes], dtype=np.int64),
        states=np.zeros((n_vehicles, 8, width), dtype=np.int64),
        n_fixed=np.array([r.n_fixed for r in routes], dtype=np.int64),
        capacity=np.array([r.capacity for r in routes], dtype=np.int64),
        base_load=np.array([r.base_load for r in routes], dtype=np.int64),
        where=np.full(len(nodes.order_kind), -1, dtype=np.int64),
        route_cost=np.zeros(n_vehicles),
    )
    for v, state in enumerate(routes):
        route = np.asarray(state.route, dtype=np.int64)
        solution.routes[v, : len(route)] = route
        deliveries = route[nodes.is_delivery[route]]
        solution.where[nodes.order[deliveries]] = v
        lns_kernels.refresh(graph, weights, solution, v)
    return solution


def _neighbours(travel: np.ndarray, delivery_loc: np.ndarray) -> np.ndarray:
    """Return each order's ``NEIGHBOURS`` orders by how near their deliveries are."""
    k = min(NEIGHBOURS, len(delivery_loc))
    if k == 0:
        return np.zeros((len(delivery_loc), 0), dtype=np.int64)
    between = travel[np.ix_(delivery_loc, delivery_loc)]
    closeness = between + between.T
    np.fill_diagonal(closeness, -1)
    nearest = np.argpartition(closeness, k - 1, axis=1)[:, :k]
    rows = np.arange(len(delivery_loc))[:, None]
    return nearest[rows, np.argsort(closeness[rows, nearest], axis=1)]


def latest_on_time(nodes: Nodes) -> np.ndarray:
    """Return the latest start of inserted nodes: deliveries' capped at deadlines."""
    on_time = np.minimum(nodes.latest_s, nodes.deadline_s)
    return np.where(nodes.is_delivery, on_time, nodes.latest_s)


def unpack(nodes: Nodes, solution: Solution, routes: list[RouteState]) -> None:
    """Copy the solution's routes back into the Python routes."""
    for v, state in enumerate(routes):
        state.route = solution.routes[v, : solution.lengths[v]].tolist()
        state.refresh(nodes)
