"""Random mixes of every feature still give plans the independent checker accepts."""

import numpy as np
import pytest

from solver import (
    CommittedStop,
    Courier,
    Order,
    Pickup,
    Problem,
    SolverParams,
    StopKind,
    check_plan,
    solve,
)


def mixed_problem(seed: int) -> Problem:
    """Couriers carrying orders with committed stops, depots with alternatives."""
    rng = np.random.default_rng(seed)
    n_depots, n_couriers, n_orders = 3, 4, 24
    n_loc = n_depots + n_couriers + n_orders
    xy = rng.integers(0, 2000, (n_loc, 2))
    time_s = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=-1).astype(np.int64)

    orders = []
    for i in range(n_orders):
        placed = int(rng.integers(0, 1800))
        depots = rng.choice(n_depots, int(rng.integers(1, 4)), replace=False)
        orders.append(
            Order(
                f"o{i}",
                delivery=n_depots + n_couriers + i,
                deadline_s=placed + 3600,
                earliest_s=placed,
                pickups=tuple(Pickup(int(d), placed) for d in sorted(depots)),
                pickup_service_s=30,
                delivery_service_s=60,
                size=int(rng.integers(1, 3)),
                priority=int(rng.integers(1, 3)),
            )
        )
    # Orders 0-3 are on board (no pickups any more); courier 0 is committed to
    # deliver one of them, courier 1 to pick up order 4 at its second depot.
    for i in range(4):
        orders[i] = Order(
            orders[i].id, orders[i].delivery, orders[i].deadline_s,
            earliest_s=orders[i].earliest_s, delivery_service_s=60, size=1,
        )  # fmt: skip
    orders[4] = Order(
        "o4", orders[4].delivery, orders[4].deadline_s,
        pickups=(Pickup(0, 0), Pickup(1, 0)), pickup_service_s=30,
    )  # fmt: skip
    couriers = [
        Courier(
            f"c{k}",
            start=n_depots + k,
            start_s=0,
            shift_end_s=int(rng.integers(4000, 9000)),
            capacity=5,
        )
        for k in range(n_couriers)
    ]
    couriers[0] = Courier(
        "c0", n_depots, 0, 9000, 5, onboard=("o0", "o1"),
        committed=(CommittedStop("o1", StopKind.DELIVERY),),
    )  # fmt: skip
    couriers[1] = Courier(
        "c1", n_depots + 1, 0, 9000, 5, onboard=("o2",),
        committed=(CommittedStop("o4", StopKind.PICKUP, pickup=1),),
    )  # fmt: skip
    couriers[2] = Courier("c2", n_depots + 2, 0, 9000, 5, onboard=("o3",), end=0)
    orders[5] = Order(
        "o5", orders[5].delivery, orders[5].deadline_s, earliest_s=0,
        current_courier="c3",
    )  # fmt: skip
    return Problem(tuple(couriers), tuple(orders), time_s)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    "params",
    [
        SolverParams(time_limit_s=0.3),
        SolverParams(time_limit_s=0.3, hard_deadlines=True),
        SolverParams(time_limit_s=0.001, lns_iterations=30, max_model_nodes=10),
        SolverParams(time_limit_s=30, solution_limit=15),
        SolverParams(
            time_limit_s=30, lns_iterations=300, max_model_nodes=10, hard_deadlines=True
        ),
    ],
    ids=["ortools", "hard", "ruin", "solution-limit", "ruin-hard"],
)
def test_mixed_problem_plans_pass_the_checker(seed, params):
    problem = mixed_problem(seed)
    plan = solve(problem, params)
    assert check_plan(problem, plan, hard_deadlines=params.hard_deadlines) == []
    carried = {"o0": "c0", "o1": "c0", "o2": "c1", "o3": "c2"}
    courier_of = plan.courier_of()
    for order_id, courier_id in carried.items():
        assert courier_of.get(order_id) in (courier_id, None)
    assert plan.routes[1].visits[0].order_id == "o4"


def test_warm_start_of_a_mixed_problem_passes_the_checker():
    problem = mixed_problem(9)
    first = solve(problem, SolverParams(time_limit_s=0.3))
    again = solve(problem, SolverParams(time_limit_s=0.3), warm_start=first)
    assert check_plan(problem, again) == []
    assert len(again.delivery_visits()) >= len(first.delivery_visits()) - 1


def full_bags_problem(seed: int) -> Problem:
    """Couriers whose bags are nearly full of orders of several sizes."""
    rng = np.random.default_rng(seed)
    n_depots, n_couriers, n_onboard, n_new = 2, 3, 6, 18
    n_loc = n_depots + n_couriers + n_onboard + n_new
    xy = rng.integers(0, 1500, (n_loc, 2))
    time_s = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=-1).astype(np.int64)
    first_door = n_depots + n_couriers
    onboard = [
        Order(
            f"b{i}",
            delivery=first_door + i,
            deadline_s=int(rng.integers(900, 3600)),
            delivery_service_s=60,
            size=1 + i % 2,
        )
        for i in range(n_onboard)
    ]
    new = [
        Order(
            f"n{i}",
            delivery=first_door + n_onboard + i,
            deadline_s=3600,
            pickups=(Pickup(0, 0), Pickup(1, 0)),
            pickup_service_s=30,
            delivery_service_s=60,
            size=int(rng.integers(1, 3)),
        )
        for i in range(n_new)
    ]
    couriers = tuple(
        Courier(
            f"c{k}",
            start=n_depots + k,
            start_s=0,
            shift_end_s=9000,
            capacity=4,
            onboard=(f"b{2 * k}", f"b{2 * k + 1}"),
        )
        for k in range(n_couriers)
    )
    return Problem(couriers, tuple(onboard + new), time_s)


@pytest.mark.parametrize("seed", range(6))
def test_ruin_and_recreate_never_overfills_a_bag_that_carries_orders(seed):
    # Removing an on-board delivery leaves its size on board to the route's
    # end; putting it back later than before must still fit the bag.
    problem = full_bags_problem(seed)
    params = SolverParams(
        time_limit_s=30, lns_iterations=300, max_model_nodes=10, seed=seed
    )
    plan = solve(problem, params)
    assert check_plan(problem, plan) == []
