"""Sweeps over fleet sizes, locally or on Ray, and fleet sizing by search.

A sweep runs one policy at several fleet sizes on the same scenario and seed.
Each run is independent, so a sweep may run as Ray tasks (``ray`` is an
optional extra; local mode unless a cluster address is configured); without
Ray the runs go one after the other, in order, with identical results.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from simulate.config import Policy, SimulationConfig
from simulate.report import summarise
from simulate.runner import run_policy
from simulate.scenario import Scenario, ScenarioSpec, build_scenario

logger = logging.getLogger(__name__)

MAX_FLEET = 2000


@dataclass(frozen=True)
class FleetResult:
    """The fewest couriers reaching a target, and every probe made on the way."""

    target: float
    couriers: int | None
    """``None`` when even :data:`MAX_FLEET` couriers miss the target."""
    probes: dict[int, dict[str, Any]]


def _evaluate(
    spec: ScenarioSpec, config: SimulationConfig, policy: Policy, couriers: int
) -> dict[str, Any]:
    scenario = build_scenario(spec)
    return summarise(run_policy(scenario, config, policy, couriers).result)


def sweep(
    spec: ScenarioSpec,
    config: SimulationConfig,
    policy: Policy,
    fleet_sizes: Sequence[int],
    use_ray: bool = False,
    scenario: Scenario | None = None,
) -> dict[int, dict[str, Any]]:
    """Run one policy at each fleet size and return the summaries by size.

    Parameters
    ----------
    spec
        The scenario, rebuilt inside each Ray task.
    config
        Seed and settings shared by every run.
    policy
        The policy to run.
    fleet_sizes
        Couriers per run.
    use_ray
        Run the sizes as Ray tasks; falls back to local runs (with a warning)
        when Ray cannot be imported.
    scenario
        An already built scenario for local runs (saves rebuilding it).
    """
    sizes = list(dict.fromkeys(fleet_sizes))
    if use_ray:
        results = _sweep_ray(spec, config, policy, sizes)
        if results is not None:
            return results
    built = scenario or build_scenario(spec)
    return {n: summarise(run_policy(built, config, policy, n).result) for n in sizes}


def _sweep_ray(
    spec: ScenarioSpec, config: SimulationConfig, policy: Policy, sizes: list[int]
) -> dict[int, dict[str, Any]] | None:
    try:
        import ray
    except ImportError:
        logger.warning("ray is not installed; sweeping locally")
        return None
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    remote = ray.remote(_evaluate)
    futures = [remote.remote(spec, config, policy, n) for n in sizes]
    return dict(zip(sizes, ray.get(futures), strict=True))


def find_fleet(
    spec: ScenarioSpec,
    config: SimulationConfig,
    policy: Policy,
    target: float,
    start: int = 10,
    use_ray: bool = False,
    scenario: Scenario | None = None,
    on_probe: Callable[[int, dict[str, Any]], None] | None = None,
) -> FleetResult:
    """Return the fewest couriers whose on-time rate reaches ``target``.

    Doubles the fleet from ``start`` until the target is met, then bisects
    between the last miss and the first hit. Assumes the on-time rate grows
    with the fleet (true in expectation; a noisy run may break it by a
    fraction of a point).

    Raises
    ------
    ValueError
        When ``target`` is not in (0, 1].
    """
    if not 0 < target <= 1:
        raise ValueError(f"target={target} must be an on-time share in (0, 1]")
    built = scenario if scenario is not None or use_ray else build_scenario(spec)
    probes: dict[int, dict[str, Any]] = {}

    def probe(n: int) -> bool:
        if n not in probes:
            probes[n] = sweep(spec, config, policy, [n], use_ray, built)[n]
            logger.info("fleet %d: on time %.4f", n, probes[n]["on_time_rate"])
            if on_probe is not None:
                on_probe(n, probes[n])
        return bool(probes[n]["on_time_rate"] >= target)

    low, high = 0, max(1, start)
    while not probe(high):
        low, high = high, high * 2
        if high > MAX_FLEET:
            return FleetResult(target, None, probes)
    while high - low > 1:
        middle = (low + high) // 2
        if probe(middle):
            high = middle
        else:
            low = middle
    return FleetResult(target, high, probes)
