"""OR-Tools improves the construction: the model, the search and reading routes back.

OR-Tools types stay in this module. Travel enters as one node matrix
(``RegisterTransitMatrix``: travel plus service time) used both as the time
transit and as the arc cost, so the cost of a plan is its travel time plus the
service time of the stops it serves; loads enter as a unary vector.
"""

import logging
import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.nodes import NodeKind, Nodes, OrderKind, schedule
from solver.params import Metaheuristic, SolverParams
from solver.problem import Problem

logger = logging.getLogger(__name__)

MIN_SEARCH_S = 0.005
"""Below this much remaining budget the search is not started."""

_METAHEURISTICS = {
    Metaheuristic.GUIDED_LOCAL_SEARCH: (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    ),
    Metaheuristic.SIMULATED_ANNEALING: (
        routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING
    ),
    Metaheuristic.TABU_SEARCH: routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
    Metaheuristic.GREEDY_DESCENT: (
        routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    ),
}


def improve(
    problem: Problem,
    nodes: Nodes,
    params: SolverParams,
    routes: list[list[int]],
    current_vehicle: np.ndarray,
    deadline: float,
) -> tuple[list[list[int]], dict[str, float]]:
    """Improve initial routes (inner nodes per courier) until the deadline.

    Returns the best routes found (the initial ones when OR-Tools cannot
    restore them or finds nothing better) and search statistics.
    """
    manager = pywrapcp.RoutingIndexManager(
        nodes.n_nodes,
        nodes.n_vehicles,
        [nodes.start(v) for v in range(nodes.n_vehicles)],
        [nodes.end(v) for v in range(nodes.n_vehicles)],
    )
    model = pywrapcp.RoutingModel(manager)
    _add_costs_and_time(model, manager, nodes, params, _late_starts(nodes, routes))
    _add_load(model, manager, problem, nodes)
    _add_orders(model, manager, nodes, params, current_vehicle)
    _add_commitments(model, manager, nodes)

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.local_search_metaheuristic = _METAHEURISTICS[params.metaheuristic]
    search.log_search = params.log_search
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.time_limit.FromMilliseconds(max(1, int(params.time_limit_s * 1000)))
    model.CloseModelWithParameters(search)

    index_routes = [[manager.NodeToIndex(n) for n in r] for r in routes]
    initial = model.ReadAssignmentFromRoutes(index_routes, True)
    stats = {"ortools_restored": float(initial is not None)}
    if initial is None:
        logger.warning("OR-Tools could not restore the constructed routes; kept them")
        return routes, stats

    remaining_s = deadline - time.perf_counter()
    stats["ortools_search_budget_s"] = max(remaining_s, 0.0)
    if remaining_s < MIN_SEARCH_S:
        return routes, stats
    search.time_limit.FromMilliseconds(max(1, int(remaining_s * 1000)))
    solution = model.SolveFromAssignmentWithParameters(initial, search)
    if solution is None:
        return routes, stats
    stats["ortools_objective"] = float(solution.ObjectiveValue())
    stats["ortools_initial_objective"] = float(initial.ObjectiveValue())
    return _read_routes(model, manager, solution, nodes.n_vehicles), stats


def _add_costs_and_time(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: Nodes,
    params: SolverParams,
    soft_bound_s: np.ndarray,
) -> None:
    transit = model.RegisterTransitMatrix(nodes.node_travel().tolist())
    model.SetArcCostEvaluatorOfAllVehicles(transit)
    model.SetFixedCostOfAllVehicles(params.courier_cost)
    model.AddDimension(transit, nodes.horizon_s, nodes.horizon_s, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    for node in range(nodes.n_nodes):
        kind = nodes.kind[node]
        if kind == NodeKind.START:
            index = model.Start(node)
        elif kind == NodeKind.END:
            index = model.End(node - nodes.n_vehicles)
        else:
            index = manager.NodeToIndex(node)
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(int(nodes.earliest_s[node]), int(nodes.latest_s[node]))
        deadline = int(soft_bound_s[node])
        if kind == NodeKind.DELIVERY and deadline < nodes.latest_s[node]:
            time_dim.SetCumulVarSoftUpperBound(
                index, deadline, params.lateness_cost_per_s
            )


def _late_starts(nodes: Nodes, routes: list[list[int]]) -> np.ndarray:
    """Return each delivery's soft bound: its deadline, or its start if later.

    # NOTE: OR-Tools' local search slows down by two orders of magnitude when
    # soft upper bounds are violated, so a delivery the construction made late
    # is bounded at its constructed start instead: the search may not make it
    # later, but no longer gains by making it less late.
    """
    bound = nodes.deadline_s.copy()
    for v, inner in enumerate(routes):
        route = [nodes.start(v), *inner, nodes.end(v)]
        _, start, _ = schedule(nodes, route)
        for node, start_s in zip(route, start, strict=True):
            if nodes.kind[node] == NodeKind.DELIVERY:
                bound[node] = max(bound[node], start_s)
    return bound


def _add_load(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    problem: Problem,
    nodes: Nodes,
) -> None:
    capacities = [c.capacity for c in problem.couriers]
    signed = bool((nodes.order_kind == OrderKind.PICKUP_DELIVERY).any())
    demand = np.where(nodes.kind == NodeKind.PICKUP, nodes.size, 0)
    delivery = nodes.kind == NodeKind.DELIVERY
    if signed:
        # Load on board: pickups add, deliveries remove; whatever is loaded at
        # the start is the load left at the end, which must be zero.
        demand = demand - np.where(delivery, nodes.size, 0)
    else:
        # Load delivered so far, from an empty start: the same bound when
        # everything is loaded at the start.
        demand = demand + np.where(delivery, nodes.size, 0)
    unary = model.RegisterUnaryTransitVector(demand.astype(int).tolist())
    model.AddDimensionWithVehicleCapacity(unary, 0, capacities, not signed, "load")
    load = model.GetDimensionOrDie("load")
    if not signed:
        return
    for v, courier in enumerate(problem.couriers):
        load.CumulVar(model.Start(v)).SetRange(
            int(nodes.start_load[v]), courier.capacity
        )
        load.CumulVar(model.End(v)).SetRange(0, 0)


def _add_orders(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: Nodes,
    params: SolverParams,
    current_vehicle: np.ndarray,
) -> None:
    for order in range(len(nodes.order_kind)):
        delivery = manager.NodeToIndex(int(nodes.order_delivery[order]))
        pickups = [manager.NodeToIndex(p) for p in nodes.order_pickups[order]]
        penalty = int(nodes.penalty[order])
        vehicle = int(nodes.vehicle[nodes.order_delivery[order]])
        if vehicle >= 0:
            for index in (delivery, *pickups):
                model.VehicleVar(index).SetValues([-1, vehicle])
        delivery_set = model.AddDisjunction([delivery], penalty, 1)
        if pickups:
            pickup_set = model.AddDisjunction(pickups, -1 if penalty < 0 else 0, 1)
            model.AddPickupAndDeliverySets(pickup_set, delivery_set)
        if current_vehicle[order] >= 0 and params.reassign_penalty > 0:
            model.AddSoftSameVehicleConstraint(
                [model.Start(int(current_vehicle[order])), delivery],
                params.reassign_penalty,
            )


def _add_commitments(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: Nodes,
) -> None:
    solver = model.solver()
    for v, chain in enumerate(nodes.committed):
        previous = model.Start(v)
        for node in chain:
            index = manager.NodeToIndex(node)
            solver.Add(model.NextVar(previous) == index)
            previous = index


def _read_routes(
    model: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    solution: pywrapcp.Assignment,
    n_vehicles: int,
) -> list[list[int]]:
    routes = []
    for v in range(n_vehicles):
        route = []
        index = solution.Value(model.NextVar(model.Start(v)))
        while not model.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(model.NextVar(index))
        routes.append(route)
    return routes
