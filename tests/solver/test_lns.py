"""Ruin and recreate (compiled SISR): valid plans, never worse, reproducible."""

import numpy as np
import pytest

from solver import Courier, Order, Plan, Problem, SolverParams, check_plan, solve

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
