"""The baseline planners return valid plans and behave as their names say."""

import numpy as np
import pytest

from simulate.policies import GreedyPlanner, InsertionPlanner
from solver import check_plan
from solver.problem import CommittedStop, Courier, Order, Pickup, Problem, StopKind

# Five places on a line, 300 s apart: 0 depot, 1..4 doors.
TIMES = (np.abs(np.subtract.outer(np.arange(5), np.arange(5))) * 300).astype(np.int32)


def _problem() -> Problem:
    orders = (
        Order("carried", delivery=4, deadline_s=3000, delivery_service_s=60),
        Order("riding", delivery=3, deadline_s=3000, pickups=(Pickup(0),)),
        Order("new1", delivery=1, deadline_s=3600, pickups=(Pickup(0, 100),)),
        Order("new2", delivery=2, deadline_s=3600, pickups=(Pickup(0),)),
        Order("new3", delivery=2, deadline_s=3700, pickups=(Pickup(0),)),
    )
    couriers = (
        Courier("busy", start=2, start_s=0, shift_end_s=7200, capacity=3,
                onboard=("carried",),
                committed=(CommittedStop("carried", StopKind.DELIVERY),)),
        Courier("to-depot", start=1, start_s=0, shift_end_s=7200, capacity=3,
                committed=(CommittedStop("riding", StopKind.PICKUP, 0),)),
        Courier("idle", start=0, start_s=0, shift_end_s=7200, capacity=3),
    )  # fmt: skip
    return Problem(couriers, orders, TIMES)


@pytest.mark.parametrize("planner", [GreedyPlanner(), InsertionPlanner()], ids=str)
def test_baseline_plans_pass_the_solver_checks(planner) -> None:
    problem = _problem()

    plan = planner.plan(problem, None)

    assert check_plan(problem, plan) == []
    routes = {r.courier_id: r for r in plan.routes}
    assert routes["busy"].visits[0].order_id == "carried"
    assert routes["to-depot"].visits[0].order_id == "riding"


def test_greedy_gives_an_idle_courier_one_order_and_leaves_the_rest_waiting() -> None:
    problem = _problem()

    plan = GreedyPlanner().plan(problem, None)

    idle = {r.courier_id: r for r in plan.routes}["idle"]
    assert {v.order_id for v in idle.visits} == {"new1"}
    assert {u.order_id for u in plan.unassigned} == {"new2", "new3"}
    assert all(u.detail == "no idle courier" for u in plan.unassigned)


def test_insertion_serves_every_order_it_can_fit() -> None:
    problem = _problem()

    plan = InsertionPlanner().plan(problem, None)

    assert plan.unassigned == ()
    assert set(plan.courier_of()) == {o.id for o in problem.orders}
