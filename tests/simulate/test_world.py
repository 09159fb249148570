"""The world driving the real dispatcher: nothing lost, nobody twice, repeatable."""

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulate.config import Policy, SimulationConfig
from simulate.results import Fate, RunResult
from simulate.runner import run_policy
from simulate.scenario import Scenario, stream_scenario
from simulate.stream import read_stream
from tests.simulate.conftest import TINY

POLICIES = [Policy.ORTOOLS, Policy.INSERTION, Policy.GREEDY]


def _run(scenario: Scenario, policy: Policy, **settings: Any) -> RunResult:
    run = run_policy(scenario, SimulationConfig.model_validate(settings), policy)
    assert run.errors == [], "the dispatcher refused an event the world sent"
    return run.result


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.value)
def test_every_order_ends_delivered_rejected_or_unassigned_with_a_reason(
    tiny_scenario: Scenario, policy: Policy
) -> None:
    result = _run(tiny_scenario, policy)

    assert {o.order_id for o in result.orders} == {
        o.order_id for o in tiny_scenario.stream.orders
    }
    for order in result.orders:
        if order.fate is Fate.DELIVERED:
            assert order.picked_up_s is not None and order.delivered_s is not None
            assert order.placed_s <= order.picked_up_s < order.delivered_s
        else:
            assert order.reason, f"{order.order_id} ended {order.fate} with no reason"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.value)
def test_no_courier_is_in_two_places_at_once(
    tiny_scenario: Scenario, policy: Policy
) -> None:
    result = _run(tiny_scenario, policy)

    for courier in result.couriers:
        legs = courier.legs
        for before, after in itertools.pairwise(legs):
            assert before.end_s <= after.start_s, (
                f"{courier.courier_id} overlaps at {before.end_s}/{after.start_s}"
            )
            np.testing.assert_allclose(before.end_point, after.start_point, atol=1e-6)
        for start, end in courier.shifts:
            assert start <= end


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.value)
def test_same_config_and_seed_give_identical_results(
    tiny_scenario: Scenario, policy: Policy
) -> None:
    first = _run(tiny_scenario, policy, seed=7)
    second = _run(tiny_scenario, policy, seed=7)

    assert first.orders == second.orders
    assert [
        (leg.courier_id, leg.start_s, leg.end_s, leg.order_id)
        for c in first.couriers
        for leg in c.legs
    ] == [
        (leg.courier_id, leg.start_s, leg.end_s, leg.order_id)
        for c in second.couriers
        for leg in c.legs
    ]


def test_travel_noise_depends_on_the_seed(tiny_scenario: Scenario) -> None:
    one = _run(tiny_scenario, Policy.GREEDY, seed=1, travel_noise_sd=0.3)
    two = _run(tiny_scenario, Policy.GREEDY, seed=2, travel_noise_sd=0.3)

    assert [o.delivered_s for o in one.orders] != [o.delivered_s for o in two.orders]


def test_a_courier_waits_at_the_shop_until_the_order_is_ready(
    tiny_scenario: Scenario,
) -> None:
    result = _run(tiny_scenario, Policy.ORTOOLS)
    ready = {o.order_id: o.ready_s or 0 for o in tiny_scenario.stream.orders}
    service = tiny_scenario.pickup_service_s or 0

    for order in result.orders:
        assert order.picked_up_s is not None
        assert order.picked_up_s >= ready[order.order_id] + service


def test_the_tiny_day_is_served_on_time_by_every_policy(
    tiny_scenario: Scenario,
) -> None:
    for policy in POLICIES:
        result = _run(tiny_scenario, policy)
        assert all(o.on_time for o in result.orders), policy


def test_a_courier_whose_shift_ends_while_waiting_at_a_shop_leaves_the_order(
    tmp_path: Path,
) -> None:
    # Greedy sends k1, the only courier at first, to wait at the shop for an
    # order ready at 1200 s; k1 goes off at 600 s and the order moves to k2,
    # who alone picks it up.
    (tmp_path / "stream.toml").write_text(
        (TINY / "stream.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "orders.csv").write_text(
        "order_id,placed_at,dropoff_lon,dropoff_lat,pickup_lon,pickup_lat,"
        "ready_at,deadline,size,crs\n"
        "w1,0,1500,1000,1000,1000,1200,,1,xy_m\n"
    )
    (tmp_path / "couriers.csv").write_text(
        "courier_id,on_at,off_at,start_lon,start_lat,capacity,speed_factor\n"
        "k1,0,600,1000,1100,3,1.0\n"
        "k2,300,7200,2000,1000,3,1.0\n"
    )
    scenario = stream_scenario(read_stream(tmp_path), None, strict=True, seed=1)

    result = _run(scenario, Policy.GREEDY, accept_late=True)

    (order,) = result.orders
    assert order.fate is Fate.DELIVERED and order.courier_id == "k2"
    k1 = next(c for c in result.couriers if c.courier_id == "k1")
    assert all(leg.end_s <= 600 for leg in k1.legs)
