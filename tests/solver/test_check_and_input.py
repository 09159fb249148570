"""The plan checker catches broken plans; bad problems are refused before solving."""

import dataclasses

import numpy as np
import pytest

from solver import (
    CommittedStop,
    Courier,
    Order,
    Pickup,
    Plan,
    Problem,
    SolverParams,
    StopKind,
    Unassigned,
    UnassignedReason,
    check_plan,
    solve,
)


def line_matrix(positions: list[int]) -> np.ndarray:
    x = np.array(positions)
    return np.abs(x[:, None] - x[None, :]).astype(np.int64)


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Problem(
        couriers=(Courier("c", 0, 0, 10_000, capacity=2),),
        orders=(
            Order("a", delivery=2, deadline_s=500, pickups=(Pickup(1),)),
            Order("b", delivery=3, deadline_s=5000, pickups=(Pickup(1),)),
        ),
        time_s=line_matrix([0, 10, 40, 90]),
    )


@pytest.fixture(scope="module")
def plan(problem: Problem) -> Plan:
    plan = solve(problem, SolverParams(time_limit_s=0.2))
    assert check_plan(problem, plan) == []
    return plan


def with_visits(plan: Plan, visits: tuple) -> Plan:
    route = dataclasses.replace(plan.routes[0], visits=visits)
    return dataclasses.replace(plan, routes=(route,))


def test_checker_catches_a_delivery_before_its_pickup(problem, plan):
    visits = plan.routes[0].visits
    pickup = next(v for v in visits if v.kind is StopKind.PICKUP)
    delivery = next(
        v
        for v in visits
        if v.kind is StopKind.DELIVERY and v.order_id == pickup.order_id
    )
    swapped = tuple(
        delivery if v is pickup else pickup if v is delivery else v for v in visits
    )
    assert any(
        "before it is picked up" in p
        for p in check_plan(problem, with_visits(plan, swapped))
    )


def test_checker_catches_a_wrong_arrival_time(problem, plan):
    visits = list(plan.routes[0].visits)
    visits[0] = dataclasses.replace(visits[0], arrival_s=visits[0].arrival_s - 1)
    assert any(
        "arrival_s" in p for p in check_plan(problem, with_visits(plan, tuple(visits)))
    )


def test_checker_catches_a_lost_order(problem, plan):
    visits = tuple(v for v in plan.routes[0].visits if v.order_id != "b")
    problems = check_plan(problem, with_visits(plan, visits))
    assert any("order b appears 0 times" in p for p in problems)


def test_checker_catches_an_order_both_served_and_unassigned(problem, plan):
    twice = dataclasses.replace(
        plan, unassigned=(Unassigned("a", UnassignedReason.NOT_WORTH_IT),)
    )
    assert any("order a appears" in p for p in check_plan(problem, twice))


def test_checker_catches_an_overloaded_bag():
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, capacity=1),),
        orders=(
            Order("a", delivery=2, deadline_s=5000, pickups=(Pickup(1),)),
            Order("b", delivery=2, deadline_s=5000, pickups=(Pickup(1),)),
        ),
        time_s=line_matrix([0, 10, 40]),
    )
    plan = solve(problem, SolverParams(time_limit_s=0.1))
    visits = sorted(plan.routes[0].visits, key=lambda v: v.kind is StopKind.DELIVERY)
    retimed = []
    clock, here = 0, 0
    for v in visits:
        clock += int(problem.time_s[here, v.location])
        retimed.append(
            dataclasses.replace(v, arrival_s=clock, start_s=clock, departure_s=clock)
        )
        here = v.location
    broken = with_visits(plan, tuple(retimed))
    assert any("above capacity" in p for p in check_plan(problem, broken))


def test_checker_catches_a_late_delivery_under_hard_deadlines(problem, plan):
    visits = list(plan.routes[0].visits)
    last = visits[-1]
    visits[-1] = dataclasses.replace(
        last, start_s=last.start_s + 100_000, departure_s=last.departure_s + 100_000
    )
    problems = check_plan(
        problem, with_visits(plan, tuple(visits)), hard_deadlines=True
    )
    assert any("after deadline" in p for p in problems)


def test_checker_catches_a_skipped_committed_stop():
    problem = Problem(
        couriers=(
            Courier(
                "c",
                0,
                0,
                10_000,
                2,
                onboard=("a",),
                committed=(CommittedStop("a", StopKind.DELIVERY),),
            ),
        ),
        orders=(Order("a", delivery=1, deadline_s=5000),),
        time_s=line_matrix([0, 10]),
    )
    plan = solve(problem, SolverParams(time_limit_s=0.1))
    empty = with_visits(plan, ())
    empty = dataclasses.replace(
        empty,
        routes=(dataclasses.replace(empty.routes[0], travel_s=0),),
        unassigned=(Unassigned("a", UnassignedReason.NOT_WORTH_IT),),
    )
    assert any("committed stop 0" in p for p in check_plan(problem, empty))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Problem((), (), np.zeros((2, 3), dtype=np.int64)),
            "square",
        ),
        (
            lambda: Problem((), (), -np.ones((2, 2), dtype=np.int64)),
            "negative",
        ),
        (
            lambda: Problem((), (), np.full((2, 2), 2**40, dtype=np.int64)),
            "1099511627776 s",
        ),
        (
            lambda: Problem(
                (), (Order("o", delivery=5, deadline_s=10),), line_matrix([0, 1])
            ),
            "outside",
        ),
        (lambda: Order("o", delivery=1, deadline_s=10, earliest_s=20), "deadline_s=10"),
        (
            lambda: Courier("c", 0, start_s=50, shift_end_s=10, capacity=1),
            "shift_end_s",
        ),
        (lambda: Pickup(1, ready_s=-5), "ready_s=-5"),
        (
            lambda: Problem(
                (Courier("c", 0, 0, 100, capacity=1, onboard=("a", "b")),),
                (
                    Order("a", delivery=1, deadline_s=10),
                    Order("b", delivery=1, deadline_s=10),
                ),
                line_matrix([0, 1]),
            ),
            "capacity=1",
        ),
        (
            lambda: Problem(
                (
                    Courier(
                        "c",
                        0,
                        0,
                        100,
                        capacity=1,
                        committed=(CommittedStop("a", StopKind.DELIVERY),),
                    ),
                ),
                (Order("a", delivery=1, deadline_s=10),),
                line_matrix([0, 1]),
            ),
            "committed delivery of a",
        ),
    ],
)
def test_bad_problem_is_refused_with_the_field_and_value(build, message):
    with pytest.raises(ValueError, match=message):
        build()
