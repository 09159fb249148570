"""solve(): construction, optional warm start, OR-Tools improvement, a plan out."""

import gc
import logging
import time

import numpy as np

from solver import packed
from solver.construct import STATE_ROWS, RouteState, insert_orders, new_routes
from solver.diagnose import explain
from solver.kernels import route_state
from solver.lns import PART_MIN_ORDERS, ruin_and_recreate, search_weights
from solver.nodes import NodeKind, Nodes, OrderKind, build_nodes
from solver.ortools_backend import improve
from solver.params import SolverParams
from solver.problem import (
    Courier,
    Order,
    Pickup,
    Plan,
    Problem,
    Route,
    StopKind,
    Visit,
)

logger = logging.getLogger(__name__)

_DEFAULT_PARAMS = SolverParams()

MODEL_BUILD_S_PER_ENTRY = 1e-6
"""Measured cost of building the OR-Tools model, per node-matrix entry."""
PLAN_BUILD_S_PER_ORDER = 3e-5
"""Time kept back from the search to write the plan, per order: measured about
6 ms for 1 000 orders, kept back five times over."""


def solve(
    problem: Problem,
    params: SolverParams = _DEFAULT_PARAMS,
    warm_start: Plan | None = None,
) -> Plan:
    """Plan routes for a problem within the budget; always return a plan.

    Parameters
    ----------
    problem
        Couriers, orders and travel times (validated when it was built).
    params
        Objective weights and budget. The time limit covers everything,
        model building included.
    warm_start
        A previous plan. Its routes are kept where they are still feasible
        (orders that vanished are dropped, committed stops go first); new
        orders are inserted by the construction.

    Returns
    -------
    Plan
        Routes with arrival, start and departure of every stop, and each
        order left out with a reason.
    """
    if not isinstance(params, SolverParams):
        raise TypeError(f"params must be SolverParams, got {type(params).__name__}")
    started = time.perf_counter()
    deadline = started + params.time_limit_s
    nodes = build_nodes(problem, params)
    current = _current_vehicles(problem)
    capacities = np.array([c.capacity for c in problem.couriers], dtype=np.int64)

    routes = new_routes(nodes, capacities)
    if warm_start is not None:
        _seed_from_plan(problem, nodes, routes, warm_start)
    graph = packed.graph(nodes, params, current)
    weights = search_weights(params)
    solution = packed.pack(nodes, graph, weights, routes)
    insert_orders(graph, weights, solution, np.flatnonzero(solution.where < 0), params)
    stats: dict[str, float] = {"construction_s": time.perf_counter() - started}

    build_s = MODEL_BUILD_S_PER_ENTRY * nodes.n_nodes**2
    # NOTE: OR-Tools only runs when the budget left pays for building its model
    # twice over; otherwise ruin-and-recreate improves the construction.
    # With a solution limit the choice must not depend on the clock.
    affordable = params.solution_limit is not None or (
        deadline - time.perf_counter() > 2 * build_s
    )
    use_ortools = (
        nodes.n_vehicles > 0 and nodes.n_nodes <= params.max_model_nodes and affordable
    )
    if params.improve:
        stats.update(
            ruin_and_recreate(
                graph, weights, solution, params,
                _lns_deadline(params, len(problem.orders), build_s, use_ortools,
                              deadline),
                np.random.default_rng(params.seed), _lns_iterations(params),
            )
        )  # fmt: skip
    packed.unpack(nodes, solution, routes)
    inner = [r.inner for r in routes]
    if params.improve and use_ortools:
        inner, search_stats = improve(problem, nodes, params, inner, current, deadline)
        stats.update(search_stats)

    plan = _to_plan(problem, nodes, params, inner, current, started, stats)
    logger.info(
        "solved %d orders on %d couriers: %d unassigned, objective %d, %.3f s",
        len(problem.orders),
        len(problem.couriers),
        len(plan.unassigned),
        plan.objective,
        plan.solve_time_s,
    )
    return plan


def _lns_deadline(
    params: SolverParams,
    n_orders: int,
    build_s: float,
    use_ortools: bool,
    deadline: float,
) -> float:
    """Return when ruin and recreate stops: its share before OR-Tools, or all."""
    if not use_ortools:
        return deadline - PLAN_BUILD_S_PER_ORDER * n_orders
    now = time.perf_counter()
    search_s = max(deadline - now - 2 * build_s, 0.0)
    return now + params.lns_share * search_s


def _lns_iterations(params: SolverParams) -> int | None:
    """Return the fixed number of ruin-and-recreate iterations, if any."""
    if params.lns_iterations is not None:
        return params.lns_iterations
    return params.solution_limit


def warm_up() -> None:
    """Load the compiled construction and search once, so real solves are fast.

    The first solve in a process otherwise pays for loading (or, on a fresh
    checkout, compiling) the numba kernels: seconds, not milliseconds. The
    orders are enough for the search to split into parts, so the threaded
    search is loaded too. It ends with ``gc.freeze()``: the objects alive by
    then stay out of later collections (measured: a full collection after
    compiling made the next 1 s solve take 1.07 s).
    """
    n_orders = 2 * PART_MIN_ORDERS
    problem = Problem(
        couriers=tuple(
            Courier(f"warm-up-{k}", start=0, start_s=0, shift_end_s=10**6,
                    capacity=n_orders)
            for k in range(2)
        ),
        orders=(
            Order("picked", delivery=1, deadline_s=50, pickups=(Pickup(0),)),
            *(Order(f"loaded-{k}", delivery=1, deadline_s=50) for k in range(n_orders)),
        ),
        time_s=np.array([[0, 1], [1, 0]], dtype=np.int64),
    )  # fmt: skip
    solve(problem, SolverParams(solution_limit=1, threads=2))
    gc.collect()
    gc.freeze()


def _current_vehicles(problem: Problem) -> np.ndarray:
    index = {c.id: v for v, c in enumerate(problem.couriers)}
    return np.array(
        [index.get(o.current_courier or "", -1) for o in problem.orders],
        dtype=np.int64,
    ).reshape(len(problem.orders))


def _seed_from_plan(
    problem: Problem, nodes: Nodes, routes: list[RouteState], plan: Plan
) -> None:
    """Copy a previous plan's routes into the fresh ones where still feasible."""
    by_courier = {problem.couriers[r.vehicle].id: r for r in routes}
    committed = {n for r in routes for n in r.route[1:-1]}
    used: set[int] = set(committed)
    for old in plan.routes:
        state = by_courier.get(old.courier_id)
        if state is None:
            continue
        sequence = _map_visits(
            problem, nodes, state.vehicle, old.visits, used, set(state.route)
        )
        committed_route = list(state.route)
        state.route = [*committed_route[:-1], *sequence, committed_route[-1]]
        state.refresh(nodes)
        if not _feasible(state):
            state.route = committed_route
            state.refresh(nodes)
            for node in sequence:
                _try_append(nodes, state, node)
        used.update(state.route[1:-1])


def _map_visits(
    problem: Problem,
    nodes: Nodes,
    vehicle: int,
    visits: tuple[Visit, ...],
    used: set[int],
    committed: set[int],
) -> list[int]:
    """Return the nodes of old visits that still exist and may go on this route.

    ``committed`` holds the route's committed nodes, whose orders' deliveries
    may follow them.
    """
    sequence: list[int] = []
    for visit in visits:
        order = problem.order_index.get(visit.order_id)
        if order is None:
            continue
        if visit.kind is StopKind.DELIVERY:
            node = int(nodes.order_delivery[order])
        else:
            pickups = nodes.order_pickups[order]
            if visit.pickup is None or not 0 <= visit.pickup < len(pickups):
                continue
            node = pickups[visit.pickup]
        only = nodes.vehicle[node]
        if node in used or (only >= 0 and only != vehicle):
            continue
        sequence.append(node)
    present = set(sequence) | committed
    keep = []
    for node in sequence:
        order = int(nodes.order[node])
        if nodes.order_kind[order] == OrderKind.PICKUP_DELIVERY:
            delivery = int(nodes.order_delivery[order])
            if node == delivery:
                if not present.intersection(nodes.order_pickups[order]):
                    continue
            elif delivery not in present:
                continue
        keep.append(node)
    return keep


def _try_append(nodes: Nodes, state: RouteState, node: int) -> None:
    """Append a node before the route's end if the route stays feasible."""
    order = int(nodes.order[node])
    if (
        nodes.kind[node] == NodeKind.DELIVERY
        and nodes.order_kind[order] == OrderKind.PICKUP_DELIVERY
        and not any(p in state.route for p in nodes.order_pickups[order])
    ):
        return
    state.route.insert(len(state.route) - 1, node)
    state.refresh(nodes)
    if _feasible(state):
        return
    state.route.pop(len(state.route) - 2)
    if nodes.kind[node] == NodeKind.DELIVERY:
        for pickup in nodes.order_pickups[order]:
            if pickup in state.route:
                state.route.remove(pickup)
    state.refresh(nodes)


def _feasible(state: RouteState) -> bool:
    """Return whether a refreshed route meets hard windows, shift and capacity."""
    room, load = state.state[6], state.state[7]
    return bool((room >= 0).all() and (load <= state.capacity).all())


def _to_plan(
    problem: Problem,
    nodes: Nodes,
    params: SolverParams,
    inner: list[list[int]],
    current: np.ndarray,
    started: float,
    stats: dict[str, float],
) -> Plan:
    plan_routes = []
    objective = 0
    served: set[int] = set()
    order_ids = [o.id for o in problem.orders]
    for v, stops in enumerate(inner):
        courier = problem.couriers[v]
        full = np.array([nodes.start(v), *stops, nodes.end(v)], dtype=np.int64)
        times = np.empty((STATE_ROWS, len(full)), dtype=np.int64)
        route_state(
            full, nodes.travel_s, nodes.loc, nodes.service_s, nodes.earliest_s,
            nodes.latest_s, nodes.deadline_s, nodes.is_delivery, nodes.load_change,
            nodes.start_load_size, 0, times,
        )  # fmt: skip
        arrival, start, departure = (times[row].tolist() for row in (1, 2, 3))
        kinds = nodes.kind[full].tolist()
        orders = nodes.order[full].tolist()
        locs = nodes.loc[full].tolist()
        alts = nodes.alt[full].tolist()
        visits = []
        for k in range(1, len(full) - 1):
            pickup = kinds[k] == NodeKind.PICKUP
            visits.append(
                Visit(
                    order_id=order_ids[orders[k]],
                    kind=StopKind.PICKUP if pickup else StopKind.DELIVERY,
                    location=locs[k],
                    arrival_s=arrival[k],
                    start_s=start[k],
                    departure_s=departure[k],
                    pickup=alts[k] if pickup else None,
                )
            )
        is_delivery = nodes.is_delivery[full]
        delivered = nodes.order[full][is_delivery]
        served.update(delivered.tolist())
        late_s = np.maximum(times[2] - nodes.deadline_s[full], 0)[is_delivery]
        objective += int(late_s.sum()) * params.lateness_cost_per_s
        moved = (current[delivered] >= 0) & (current[delivered] != v)
        objective += int(moved.sum()) * params.reassign_penalty

        stops_at = np.array(
            [courier.start, *(vis.location for vis in visits)]
            + ([] if courier.end is None else [courier.end]),
            dtype=np.int64,
        )
        travel_s = int(problem.time_s[stops_at[:-1], stops_at[1:]].sum())
        distance_m = None
        if problem.distance_m is not None:
            distance_m = int(problem.distance_m[stops_at[:-1], stops_at[1:]].sum())
        objective += travel_s + (params.courier_cost if stops else 0)
        plan_routes.append(Route(courier.id, tuple(visits), travel_s, distance_m))

    unassigned = []
    for order in range(len(problem.orders)):
        if order not in served:
            unassigned.append(explain(problem, nodes, order))
            objective += max(int(nodes.penalty[order]), params.unassigned_penalty)
    stats["served"] = float(len(served))
    stats["unassigned"] = float(len(unassigned))
    stats["travel_s"] = float(sum(r.travel_s for r in plan_routes))
    return Plan(
        routes=tuple(plan_routes),
        unassigned=tuple(unassigned),
        objective=int(objective),
        solve_time_s=time.perf_counter() - started,
        stats=stats,
    )
