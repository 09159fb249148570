"""Fleet sweeps (locally and on Ray) and the converters of the public data sets."""

from pathlib import Path

import numpy as np
import pytest

from geo.settings import data_dir
from simulate.config import Policy, SimulationConfig
from simulate.converters import convert_grubhub, convert_tianchi, grubhub_instance_dir
from simulate.fleet import sweep
from simulate.scenario import ScenarioSpec

from .conftest import TINY

TINY_SPEC = ScenarioSpec(orders=f"stream:{TINY}")


def test_a_bigger_fleet_is_never_later_on_the_tiny_day() -> None:
    results = sweep(TINY_SPEC, SimulationConfig(), Policy.GREEDY, [1, 3])

    assert results[3]["on_time_rate"] >= results[1]["on_time_rate"]
    assert results[1]["couriers"] == 1


def test_a_ray_sweep_gives_the_local_results() -> None:
    pytest.importorskip("ray")
    config = SimulationConfig()

    local = sweep(TINY_SPEC, config, Policy.INSERTION, [1, 2])
    remote = sweep(TINY_SPEC, config, Policy.INSERTION, [1, 2], use_ray=True)

    def quality(summary: dict) -> tuple:
        return summary["on_time_rate"], summary["click_to_door_s"], summary["fates"]

    assert {n: quality(s) for n, s in remote.items()} == {
        n: quality(s) for n, s in local.items()
    }


def _orders_dir() -> Path:
    folder = data_dir() / "orders"
    if not folder.is_dir():
        pytest.skip(f"public order data sets absent from {folder}")
    return folder


def test_a_grubhub_instance_keeps_its_orders_shifts_and_both_targets() -> None:
    _orders_dir()
    stream = convert_grubhub(grubhub_instance_dir(data_dir(), "0o100t100s1p100"))

    assert len(stream.orders) == 505
    assert len(stream.couriers) == 113
    assert stream.meta.targets_s == (2400, 3600)
    assert stream.meta.travel == "planar"
    assert stream.meta.speed_mps == pytest.approx(320 / 60)
    assert all(o.crs == "xy_m" and o.pickup is not None for o in stream.orders)
    assert all((o.ready_s or 0) >= o.placed_s for o in stream.orders)


def test_tianchi_orders_are_shop_pickups_due_ninety_minutes_later() -> None:
    folder = _orders_dir() / "tianchi_cainiao_lastmile_shanghai"
    stream = convert_tianchi(folder, np.random.default_rng(1), couriers=20)

    assert len(stream.orders) == 3417
    assert {o.deadline_s - o.placed_s for o in stream.orders} == {5400}
    assert len(stream.couriers) == 20
    lon = np.array([o.dropoff[0] for o in stream.orders])
    assert lon.min() > 120.8 and lon.max() < 122.0
