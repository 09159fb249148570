"""Ruin and recreate (compiled SISR): valid plans, never worse, reproducible."""

import numpy as np
import pytest

from solver import (
    Courier,
    Order,
    Pickup,
    Plan,
    Problem,
    SolverParams,
    check_plan,
    solve,
)
from solver.lns import PART_MIN_ORDERS
from solver.lns_kernels import _nearest_first

HARD = SolverParams(
    hard_deadlines=True, courier_cost=0, push_cost_per_s=0.0, improve=False
)
"""Distance-only VRPTW, as the Solomon benchmark solves it."""


def vrptw(seed: int, n_orders: int = 40, n_couriers: int = 8) -> Problem:
    """A small Solomon-like problem: one depot, windows, loads from the depot."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 1000, (n_orders + 1, 2))
    time_s = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).T)).astype(np.int64)
    opens = rng.integers(0, 3000, n_orders)
    orders = tuple(
        Order(
            f"o{i}",
            delivery=i + 1,
            deadline_s=int(opens[i]) + 900,
            earliest_s=int(opens[i]),
            delivery_service_s=90,
            size=int(rng.integers(1, 4)),
        )
        for i in range(n_orders)
    )
    couriers = tuple(
        Courier(f"c{k}", start=0, start_s=0, shift_end_s=6000, capacity=20, end=0)
        for k in range(n_couriers)
    )
    return Problem(couriers, orders, time_s)


def travel(plan: Plan) -> int:
    return sum(r.travel_s for r in plan.routes)


def searched(iterations: int, seed: int = 0) -> SolverParams:
    return HARD.model_copy(
        update={
            "improve": True,
            "lns_iterations": iterations,
            "max_model_nodes": 10,
            "time_limit_s": 60.0,
            "seed": seed,
        }
    )


@pytest.mark.parametrize("seed", range(3))
def test_ruin_and_recreate_serves_everything_on_time_with_less_travel(seed):
    problem = vrptw(seed)
    built = solve(problem, HARD)
    improved = solve(problem, searched(2_000))
    assert check_plan(problem, improved, hard_deadlines=True) == []
    assert len(improved.unassigned) <= len(built.unassigned)
    assert travel(improved) < travel(built)


def test_ruin_and_recreate_with_an_iteration_limit_gives_the_same_plan():
    problem = vrptw(7)
    assert solve(problem, searched(500)).routes == solve(problem, searched(500)).routes


def test_ruin_and_recreate_then_ortools_keeps_the_plan_valid():
    problem = vrptw(3)
    params = HARD.model_copy(
        update={"improve": True, "lns_iterations": 300, "solution_limit": 10}
    )
    plan = solve(problem, params)
    assert check_plan(problem, plan, hard_deadlines=True) == []
    assert plan.stats["lns_iterations"] == 300
    assert travel(plan) <= travel(solve(problem, HARD))


def same_hour(seed: int, n_orders: int, n_couriers: int) -> Problem:
    """Orders stocked at one or two of three depots, due an hour after placing."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 8000, (3 + n_couriers + n_orders, 2))
    time_s = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).T) / 5)
    placed = np.sort(rng.integers(0, 5400, n_orders))
    orders = tuple(
        Order(
            f"o{i}",
            delivery=3 + n_couriers + i,
            deadline_s=int(placed[i]) + 3600,
            earliest_s=int(placed[i]),
            pickups=tuple(
                Pickup(int(d), int(placed[i]))
                for d in rng.choice(3, int(rng.integers(1, 3)), replace=False)
            ),
            pickup_service_s=60,
            delivery_service_s=120,
        )
        for i in range(n_orders)
    )
    couriers = tuple(
        Courier(f"c{k}", start=3 + k, start_s=0, shift_end_s=5400 + 7200, capacity=8)
        for k in range(n_couriers)
    )
    return Problem(couriers, orders, time_s.astype(np.int64))


def in_parts(iterations: int, threads: int = 2) -> SolverParams:
    return SolverParams(
        lns_iterations=iterations, max_model_nodes=0, time_limit_s=120.0,
        threads=threads,
    )  # fmt: skip


def test_search_in_parts_on_two_threads_keeps_every_order_and_the_plan_valid():
    problem = same_hour(5, 2 * PART_MIN_ORDERS + 50, 50)
    built = solve(problem, SolverParams(improve=False))
    improved = solve(problem, in_parts(3_000))
    assert improved.stats["lns_phases"] > 1
    assert check_plan(problem, improved) == []
    assert len(improved.delivery_visits()) >= len(built.delivery_visits())
    assert improved.objective < built.objective


def test_search_in_parts_with_an_iteration_limit_gives_the_same_plan():
    problem = same_hour(6, 2 * PART_MIN_ORDERS + 50, 50)
    assert solve(problem, in_parts(600)).routes == solve(problem, in_parts(600)).routes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_insertion_looks_first_at_the_routes_nearest_the_delivery(seed):
    rng = np.random.default_rng(seed)
    distance = rng.permutation(100).astype(np.float64)
    order = np.arange(100)
    _nearest_first(distance, order, 16)
    assert list(order[:16]) == list(np.argsort(distance)[:16])
    assert sorted(order) == list(range(100))
