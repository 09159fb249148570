"""solve(): plans meet every rule of the problem and say why orders are left out."""

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
    UnassignedReason,
    check_plan,
    solve,
    warm_up,
)

FAST = SolverParams(time_limit_s=0.2)
UNREACHABLE_S = np.iinfo(np.int32).max // 4


def line_matrix(positions: list[int]) -> np.ndarray:
    """Travel times between points on a line: |a - b| seconds."""
    x = np.array(positions)
    return np.abs(x[:, None] - x[None, :]).astype(np.int64)


def solved(problem: Problem, params: SolverParams = FAST, **kwargs) -> Plan:
    plan = solve(problem, params, **kwargs)
    assert check_plan(problem, plan, hard_deadlines=params.hard_deadlines) == []
    return plan


def kinds(plan: Plan, courier_id: str) -> list[tuple[str, str]]:
    route = next(r for r in plan.routes if r.courier_id == courier_id)
    return [(v.kind.value, v.order_id) for v in route.visits]


def test_tiny_instance_has_the_hand_computed_times():
    # Courier at 0 from t=100; depot at 10 ready at 150; customer at 40.
    problem = Problem(
        couriers=(Courier("c", start=0, start_s=100, shift_end_s=1000, capacity=1),),
        orders=(
            Order(
                "o",
                delivery=2,
                deadline_s=400,
                pickups=(Pickup(1, ready_s=150),),
                pickup_service_s=5,
                delivery_service_s=7,
            ),
        ),
        time_s=line_matrix([0, 10, 40]),
    )
    plan = solved(problem)
    pickup, delivery = plan.routes[0].visits
    assert (pickup.arrival_s, pickup.start_s, pickup.departure_s) == (110, 150, 155)
    assert (delivery.arrival_s, delivery.start_s, delivery.departure_s) == (
        185,
        185,
        192,
    )
    assert plan.routes[0].travel_s == 40
    assert plan.unassigned == ()


def test_delivery_waits_for_the_window_to_open():
    problem = Problem(
        couriers=(Courier("c", 0, 0, 1000, 5),),
        orders=(Order("o", delivery=1, deadline_s=500, earliest_s=300),),
        time_s=line_matrix([0, 10]),
    )
    visit = solved(problem).routes[0].visits[0]
    assert visit.arrival_s == 10
    assert visit.start_s == 300


def test_late_order_is_served_late_not_dropped_when_deadlines_are_soft():
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, 5),),
        orders=(Order("o", delivery=1, deadline_s=50),),
        time_s=line_matrix([0, 100]),
    )
    plan = solved(problem)
    assert plan.delivery_visits()["o"].start_s == 100
    assert plan.unassigned == ()


def test_hard_deadline_drops_an_order_that_cannot_be_on_time_and_says_why():
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, 5),),
        orders=(
            Order("late", delivery=1, deadline_s=50, pickups=(Pickup(2),)),
            Order("fine", delivery=2, deadline_s=500),
        ),
        time_s=line_matrix([0, 100, 30]),
    )
    plan = solved(problem, SolverParams(time_limit_s=0.2, hard_deadlines=True))
    assert [u.order_id for u in plan.unassigned] == ["late"]
    assert plan.unassigned[0].reason is UnassignedReason.NO_PICKUP_IN_TIME
    assert "fine" in plan.delivery_visits()


def test_pickup_precedes_delivery_on_the_same_courier():
    problem = Problem(
        couriers=(Courier("a", 0, 0, 5000, 5), Courier("b", 3, 0, 5000, 5)),
        orders=tuple(
            Order(f"o{i}", delivery=2 + i % 2, deadline_s=3000, pickups=(Pickup(1),))
            for i in range(4)
        ),
        time_s=line_matrix([0, 50, 100, 150]),
    )
    plan = solved(problem)
    for route in plan.routes:
        seen = set()
        for visit in route.visits:
            if visit.kind is StopKind.PICKUP:
                seen.add(visit.order_id)
            else:
                assert visit.order_id in seen
    assert len(plan.delivery_visits()) == 4


def test_capacity_forces_a_second_trip_to_the_depot():
    # Bag of 2, three orders at the depot (10), customers far away (100).
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, capacity=2),),
        orders=tuple(
            Order(f"o{i}", delivery=2, deadline_s=5000, pickups=(Pickup(1),))
            for i in range(3)
        ),
        time_s=line_matrix([0, 10, 100]),
    )
    plan = solved(problem)
    stops = kinds(plan, "c")
    assert len(plan.delivery_visits()) == 3
    load, peak = 0, 0
    for kind, _ in stops:
        load += 1 if kind == "pickup" else -1
        peak = max(peak, load)
    assert peak == 2


def test_order_larger_than_every_bag_is_dropped_for_capacity():
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, capacity=2),),
        orders=(Order("big", delivery=1, deadline_s=5000, size=3),),
        time_s=line_matrix([0, 10]),
    )
    plan = solved(problem)
    assert plan.unassigned[0].reason is UnassignedReason.CAPACITY


def test_committed_stops_come_first_and_in_order():
    # Committed: deliver o2 (far) before anything else, although o1 is nearer.
    problem = Problem(
        couriers=(
            Courier(
                "c",
                0,
                0,
                10_000,
                5,
                onboard=("o1", "o2"),
                committed=(CommittedStop("o2", StopKind.DELIVERY),),
            ),
        ),
        orders=(
            Order("o1", delivery=1, deadline_s=5000),
            Order("o2", delivery=2, deadline_s=5000),
        ),
        time_s=line_matrix([0, 10, 100]),
    )
    plan = solved(problem)
    assert kinds(plan, "c") == [("delivery", "o2"), ("delivery", "o1")]


def test_committed_pickup_keeps_its_depot_even_when_another_is_nearer():
    problem = Problem(
        couriers=(
            Courier(
                "c",
                0,
                0,
                10_000,
                5,
                committed=(CommittedStop("o", StopKind.PICKUP, pickup=1),),
            ),
        ),
        orders=(
            Order("o", delivery=3, deadline_s=5000, pickups=(Pickup(1), Pickup(2))),
        ),
        time_s=line_matrix([0, 10, 200, 20]),
    )
    plan = solved(problem)
    assert plan.routes[0].visits[0].pickup == 1
    assert plan.routes[0].visits[0].location == 2


def test_nearest_stocking_depot_is_chosen_among_alternatives():
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, 5),),
        orders=(
            Order("o", delivery=3, deadline_s=5000, pickups=(Pickup(1), Pickup(2))),
        ),
        time_s=line_matrix([0, -500, 40, 50]),
    )
    plan = solved(problem)
    assert plan.routes[0].visits[0].location == 2


def test_shift_end_leaves_an_order_out_with_that_reason():
    problem = Problem(
        couriers=(Courier("c", 0, 0, shift_end_s=50, capacity=5),),
        orders=(Order("o", delivery=1, deadline_s=5000),),
        time_s=line_matrix([0, 100]),
    )
    plan = solved(problem)
    assert plan.unassigned[0].reason is UnassignedReason.SHIFT_END


def test_closed_route_returns_within_the_shift():
    problem = Problem(
        couriers=(Courier("c", 0, 0, shift_end_s=150, capacity=5, end=0),),
        orders=(Order("o", delivery=1, deadline_s=5000),),
        time_s=line_matrix([0, 100]),
    )
    plan = solved(problem)
    assert plan.unassigned[0].reason is UnassignedReason.SHIFT_END


def test_unreachable_delivery_is_reported_as_unreachable():
    time_s = line_matrix([0, 10, 20])
    time_s[:, 2] = UNREACHABLE_S
    time_s[2, 2] = 0
    problem = Problem(
        couriers=(Courier("c", 0, 0, 10_000, 5),),
        orders=(
            Order("lost", delivery=2, deadline_s=5000, pickups=(Pickup(1),)),
            Order("ok", delivery=1, deadline_s=5000),
        ),
        time_s=time_s,
    )
    plan = solved(problem)
    assert [(u.order_id, u.reason) for u in plan.unassigned] == [
        ("lost", UnassignedReason.UNREACHABLE)
    ]


def test_no_courier_means_every_order_is_unassigned_with_that_reason():
    problem = Problem(
        couriers=(),
        orders=(Order("o", delivery=1, deadline_s=5000),),
        time_s=line_matrix([0, 10]),
    )
    plan = solved(problem)
    assert plan.routes == ()
    assert plan.unassigned[0].reason is UnassignedReason.NO_COURIER


def test_order_on_board_is_delivered_by_its_courier_without_a_pickup():
    # Courier b is nearer, but the order is in courier a's bag.
    problem = Problem(
        couriers=(
            Courier("a", 0, 0, 10_000, 5, onboard=("o",)),
            Courier("b", 2, 0, 10_000, 5),
        ),
        orders=(Order("o", delivery=1, deadline_s=5000),),
        time_s=line_matrix([0, 100, 110]),
    )
    plan = solved(problem)
    assert plan.courier_of() == {"o": "a"}
    assert kinds(plan, "a") == [("delivery", "o")]


def test_order_stays_with_its_current_courier_when_moving_it_gains_little():
    problem = Problem(
        couriers=(Courier("a", 0, 0, 10_000, 5), Courier("b", 2, 0, 10_000, 5)),
        orders=(Order("o", delivery=1, deadline_s=5000, current_courier="a"),),
        time_s=line_matrix([0, 100, 110]),
    )
    plan = solved(problem)
    assert plan.courier_of() == {"o": "a"}


def test_warm_start_keeps_served_orders_and_inserts_new_ones():
    rng = np.random.default_rng(7)
    points = rng.integers(0, 1000, 12)
    points[0] = 500
    time_s = line_matrix(list(points))
    couriers = (Courier("a", 0, 0, 20_000, 6), Courier("b", 0, 0, 20_000, 6))
    first = tuple(
        Order(f"o{i}", delivery=i, deadline_s=8000, pickups=(Pickup(1),))
        for i in range(2, 8)
    )
    before = Problem(couriers, first, time_s)
    plan = solved(before)

    later = tuple(
        Order(f"o{i}", delivery=i, deadline_s=8000, pickups=(Pickup(1),))
        for i in range(8, 12)
    )
    after = Problem(couriers, first[1:] + later, time_s)
    replan = solved(after, warm_start=plan)
    assert set(replan.delivery_visits()) == {o.id for o in after.orders}


def test_warm_start_from_a_plan_with_unknown_couriers_still_solves():
    problem = Problem(
        couriers=(Courier("a", 0, 0, 10_000, 5),),
        orders=(Order("o", delivery=1, deadline_s=5000),),
        time_s=line_matrix([0, 10]),
    )
    old = solved(problem)
    renamed = Problem(
        couriers=(Courier("z", 0, 0, 10_000, 5),),
        orders=problem.orders,
        time_s=problem.time_s,
    )
    plan = solved(renamed, warm_start=old)
    assert plan.courier_of() == {"o": "z"}


def test_solution_limit_gives_the_same_plan_twice():
    rng = np.random.default_rng(3)
    points = list(rng.integers(0, 2000, 30))
    couriers = tuple(Courier(f"c{k}", 0, 0, 50_000, 4) for k in range(4))
    orders = tuple(
        Order(f"o{i}", delivery=i, deadline_s=9000, pickups=(Pickup(1), Pickup(2)))
        for i in range(3, 30)
    )
    problem = Problem(couriers, orders, line_matrix(points))
    params = SolverParams(time_limit_s=60, solution_limit=30)
    first, second = solved(problem, params), solved(problem, params)
    assert first.routes == second.routes


def test_construction_alone_gives_a_valid_plan():
    rng = np.random.default_rng(5)
    points = list(rng.integers(0, 3000, 40))
    couriers = tuple(Courier(f"c{k}", k, 0, 20_000, 3) for k in range(5))
    orders = tuple(
        Order(f"o{i}", delivery=i, deadline_s=3600 + 50 * i, pickups=(Pickup(5),))
        for i in range(6, 40)
    )
    problem = Problem(couriers, orders, line_matrix(points))
    plan = solved(problem, SolverParams(improve=False))
    assert len(plan.delivery_visits()) + len(plan.unassigned) == len(orders)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"solution_limit": 0}, "solution_limit"),
        ({"lateness_cost_per_s": -1}, "lateness_cost_per_s"),
        ({"unassigned_penalty": 10, "reassign_penalty": 20}, "unassigned_penalty"),
        ({"speed": 3}, "speed"),
    ],
)
def test_bad_params_name_the_field(values, field):
    with pytest.raises(ValueError, match=field):
        SolverParams.from_dict(values)


def test_params_load_from_toml(tmp_path):
    path = tmp_path / "solver.toml"
    path.write_text("[solver]\ntime_limit_s = 0.5\nhard_deadlines = true\n")
    params = SolverParams.from_toml(path)
    assert params.time_limit_s == 0.5
    assert params.hard_deadlines


def live_like(seed: int, n_orders: int, n_couriers: int) -> Problem:
    rng = np.random.default_rng(seed)
    points = list(rng.integers(0, 3000, 3 + n_couriers + n_orders))
    couriers = tuple(
        Courier(f"c{k}", 3 + k, 0, 20_000, capacity=4) for k in range(n_couriers)
    )
    orders = tuple(
        Order(
            f"o{i}",
            delivery=3 + n_couriers + i,
            deadline_s=600 + 40 * i,
            earliest_s=20 * i,
            pickups=tuple(Pickup(d, 20 * i) for d in range(1 + i % 3)),
            pickup_service_s=30,
            delivery_service_s=60,
        )
        for i in range(n_orders)
    )
    return Problem(couriers, orders, line_matrix(points))


def test_ruin_and_recreate_keeps_plans_valid_and_never_costs_more():
    problem = live_like(11, 40, 5)
    built = solved(problem, SolverParams(improve=False))
    improved = solved(
        problem, SolverParams(time_limit_s=0.001, lns_iterations=40, max_model_nodes=10)
    )
    assert improved.objective <= built.objective
    assert len(improved.delivery_visits()) >= len(built.delivery_visits())


def test_ruin_and_recreate_with_an_iteration_limit_is_reproducible():
    problem = live_like(12, 30, 4)
    params = SolverParams(time_limit_s=0.001, lns_iterations=25, max_model_nodes=10)
    assert solved(problem, params).routes == solved(problem, params).routes


def test_warm_up_runs_without_error():
    warm_up()
