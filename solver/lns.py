"""Ruin and recreate: improves the construction when OR-Tools is not used.

Each iteration removes a few related orders (a random one and those whose
deliveries lie nearest it), inserts them again with the construction, and
keeps the result when the plan's cost does not rise. It reuses the compiled
insertion, so it runs hundreds of iterations a second on live-sized problems,
where building an OR-Tools model alone would take longer than the budget.
"""

import logging
import time

import numpy as np

from solver.construct import RouteState, insert_orders
from solver.nodes import Nodes
from solver.params import SolverParams

logger = logging.getLogger(__name__)

MIN_REMOVED = 3
MAX_REMOVED = 12
"""Orders removed per iteration: drawn uniformly in [MIN_REMOVED, MAX_REMOVED]."""


def ruin_and_recreate(
    nodes: Nodes,
    routes: list[RouteState],
    params: SolverParams,
    current_vehicle: np.ndarray,
    deadline: float,
    rng: np.random.Generator,
) -> dict[str, float]:
    """Improve routes in place until the deadline or the iteration limit.

    Returns statistics: iterations run and improvements kept.
    """
    committed = {n for chain in nodes.committed for n in chain}
    movable = np.array(
        [
            o
            for o in range(len(nodes.order_kind))
            if not _is_committed(nodes, o, committed)
        ],
        dtype=np.int64,
    )
    if movable.size == 0 or not routes:
        return {"lns_iterations": 0.0, "lns_improvements": 0.0}
    where = _locate(nodes, routes)
    cost = _total_cost(nodes, routes, params, current_vehicle, where)
    started_cost = cost
    iterations = improvements = 0
    limit = params.lns_iterations
    if limit is None and params.solution_limit is not None:
        limit = params.solution_limit

    while (limit is None and time.perf_counter() < deadline) or (
        limit is not None and iterations < limit
    ):
        iterations += 1
        removed = _related(nodes, movable, rng)
        touched = {where[o] for o in removed if where[o] >= 0}
        saved = {r: list(routes[r].route) for r in touched}
        for r in touched:
            drop = {n for o in removed for n in nodes.order_nodes(int(o))}
            routes[r].route = [n for n in routes[r].route if n not in drop]
            routes[r].refresh(nodes)
        unrouted = np.flatnonzero(where < 0)
        todo = np.union1d(removed, np.intersect1d(unrouted, movable))
        insert_orders(nodes, routes, todo, params, current_vehicle)

        new_where = _locate(nodes, routes)
        new_cost = _total_cost(nodes, routes, params, current_vehicle, new_where)
        if new_cost <= cost:
            improvements += new_cost < cost
            cost, where = new_cost, new_where
            continue
        moved_orders = set(todo.tolist())
        changed = {int(new_where[o]) for o in todo if new_where[o] >= 0} - set(saved)
        for r in changed:
            saved[r] = [
                n for n in routes[r].route if int(nodes.order[n]) not in moved_orders
            ]
        for r, route in saved.items():
            routes[r].route = route
            routes[r].refresh(nodes)
    logger.debug(
        "ruin and recreate: %d iterations, %d improvements, cost %.0f -> %.0f",
        iterations,
        improvements,
        started_cost,
        cost,
    )
    return {
        "lns_iterations": float(iterations),
        "lns_improvements": float(improvements),
    }


def _is_committed(nodes: Nodes, order: int, committed: set[int]) -> bool:
    return any(n in committed for n in nodes.order_nodes(order))


def _locate(nodes: Nodes, routes: list[RouteState]) -> np.ndarray:
    """Return the route index serving each order's delivery (-1: unrouted)."""
    where = np.full(len(nodes.order_kind), -1, dtype=np.int64)
    for r, state in enumerate(routes):
        inner = np.asarray(state.route[1:-1], dtype=np.int64)
        if inner.size:
            deliveries = inner[nodes.is_delivery[inner]]
            where[nodes.order[deliveries]] = r
    return where


def _related(nodes: Nodes, movable: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return a random movable order and the ones delivered nearest to it."""
    count = int(rng.integers(MIN_REMOVED, MAX_REMOVED + 1))
    seed = int(rng.choice(movable))
    here = nodes.loc[nodes.order_delivery[seed]]
    there = nodes.loc[nodes.order_delivery[movable]]
    closeness = nodes.travel_s[here, there] + nodes.travel_s[there, here]
    count = min(count, movable.size)
    return np.sort(movable[np.argpartition(closeness, count - 1)[:count]])


def _total_cost(
    nodes: Nodes,
    routes: list[RouteState],
    params: SolverParams,
    current_vehicle: np.ndarray,
    where: np.ndarray,
) -> float:
    """Return travel + lateness + reassignment + courier + drop costs."""
    total = 0.0
    for state in routes:
        loc, start = state.state[0], state.state[2]
        total += float(nodes.travel_s[loc[:-1], loc[1:]].sum())
        route = np.asarray(state.route, dtype=np.int64)
        late = np.maximum(start - nodes.deadline_s[route], 0)[nodes.is_delivery[route]]
        total += float(late.sum()) * params.lateness_cost_per_s
        if len(route) > 2:
            total += params.courier_cost
    served = where >= 0
    moved = served & (current_vehicle >= 0) & (current_vehicle != where)
    total += float(moved.sum()) * params.reassign_penalty
    penalty = nodes.penalty[~served]
    total += float(np.where(penalty < 0, 10 * params.unassigned_penalty, penalty).sum())
    return total
