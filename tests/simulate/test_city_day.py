"""A small synthetic day on the demo city's streets: real paths, same invariants."""

import itertools

import numpy as np
import pytest

from simulate.config import Policy, SimulationConfig
from simulate.report import summarise
from simulate.results import Fate
from simulate.runner import run_policy
from simulate.scenario import Scenario, ScenarioSpec, build_scenario, on_network
from simulate.stream import StreamError, read_stream


@pytest.fixture(scope="module")
def demo_day() -> Scenario:
    return build_scenario(ScenarioSpec(city="demo", orders="synthetic:80", seed=3))


def test_the_synthetic_day_has_lunch_and_evening_peaks() -> None:
    scenario = build_scenario(ScenarioSpec(city="demo", orders="synthetic:3000"))
    hours = np.bincount(
        [o.placed_s // 3600 for o in scenario.stream.orders], minlength=24
    )

    assert hours[:8].sum() == 0
    assert hours[12] > hours[10] and hours[12] > hours[15]
    assert hours[19] > hours[16] and hours[19] > hours[22]
    assert all(o.items for o in scenario.stream.orders)
    assert len(scenario.depots) == 3


def test_the_same_seed_draws_the_same_day() -> None:
    one = build_scenario(ScenarioSpec(orders="synthetic:50", seed=5)).stream.orders
    two = build_scenario(ScenarioSpec(orders="synthetic:50", seed=5)).stream.orders
    three = build_scenario(ScenarioSpec(orders="synthetic:50", seed=6)).stream.orders

    assert one == two
    assert one != three


@pytest.mark.parametrize("policy", [Policy.ORTOOLS, Policy.GREEDY], ids=str)
def test_a_demo_day_is_repeatable_and_nobody_is_in_two_places(
    demo_day: Scenario, policy: Policy
) -> None:
    config = SimulationConfig(couriers=6, seed=2, replan_interval_s=180, drain_s=3600)
    first = run_policy(demo_day, config, policy)
    second = run_policy(demo_day, config, policy)

    assert first.errors == []
    assert first.result.orders == second.result.orders
    for order in first.result.orders:
        assert order.fate is Fate.DELIVERED or order.reason
    for courier in first.result.couriers:
        for before, after in itertools.pairwise(courier.legs):
            assert before.end_s <= after.start_s
            np.testing.assert_allclose(before.end_point, after.start_point, atol=1e-6)


def test_the_oracle_bound_is_never_below_the_on_time_rate(demo_day: Scenario) -> None:
    run = run_policy(demo_day, SimulationConfig(couriers=10), Policy.GREEDY)
    summary = summarise(run.result)

    assert summary["oracle_on_time_rate"] >= summary["on_time_rate"]
    assert summary["oracle_on_time_rate"] > 0.9


def test_orders_off_the_map_are_reported_with_their_lines(
    demo_day: Scenario, tmp_path
) -> None:
    depot = demo_day.depots[0]
    (tmp_path / "orders.csv").write_text(
        "order_id,placed_at,dropoff_lon,dropoff_lat\n"
        f"near,60,{depot.lon},{depot.lat}\n"
        "far,120,100.0,20.0\n"
        "sea,180,0.0,0.0\n",
        encoding="utf-8",
    )
    stream = read_stream(tmp_path)

    with pytest.raises(StreamError) as caught:
        on_network(stream, demo_day.travel, strict=True)
    assert [p.line for p in caught.value.problems] == [3, 4]

    kept = on_network(stream, demo_day.travel, strict=False)
    assert [o.order_id for o in kept.orders] == ["near"]
    assert len(kept.skipped) == 2
