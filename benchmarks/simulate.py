"""Simulation benchmark: a synthetic city-day through the real dispatcher.

Runs the OR-Tools re-planning dispatcher and the greedy "nearest idle
courier" policy on the same synthetic day of the demo city (seeded, so the
orders, stock and travel noise are identical), and reports the on-time rate
next to the oracle bound and the speed-up over real time.

- quick (CI): 150 orders, 8 couriers, re-plan every 2 min; seconds.
- full: 3 000 orders (the business's daily load), 110 couriers, a fleet at
  which greedy stays below 90 % on time; minutes.

Keys: ``speedup_vs_realtime`` (OR-Tools run: simulated span / wall time),
``on_time_rate`` (OR-Tools), ``oracle_on_time_rate``, ``greedy_on_time_rate``,
``couriers``, ``orders``. Quality keys run under a deterministic solver budget
(an iteration count), so they belong in baseline.json; the speed-up is a timing.
"""

from benchmarks.harness import BenchResult
from simulate.config import Policy, SimulationConfig
from simulate.report import summarise
from simulate.runner import run_policy
from simulate.scenario import ScenarioSpec, build_scenario

QUICK = {"orders": 150, "couriers": 8, "replan_interval_s": 120}
FULL = {"orders": 3000, "couriers": 110, "replan_interval_s": 60}


def run(quick: bool) -> BenchResult:
    """Run OR-Tools and greedy on one synthetic demo-city day."""
    size = QUICK if quick else FULL
    spec = ScenarioSpec(city="demo", orders=f"synthetic:{size['orders']}", seed=1)
    scenario = build_scenario(spec)
    config = SimulationConfig(
        seed=1,
        couriers=size["couriers"],
        replan_interval_s=size["replan_interval_s"],
    )
    ortools = summarise(run_policy(scenario, config, Policy.ORTOOLS).result)
    greedy = summarise(run_policy(scenario, config, Policy.GREEDY).result)
    return BenchResult(
        metrics={
            "speedup_vs_realtime": ortools["speedup_vs_realtime"],
            "on_time_rate": ortools["on_time_rate"],
            "oracle_on_time_rate": ortools["oracle_on_time_rate"],
            "greedy_on_time_rate": greedy["on_time_rate"],
            "couriers": float(size["couriers"]),
            "orders": float(size["orders"]),
        },
        peers={
            "greedy": {
                "on_time_rate": greedy["on_time_rate"],
                "speedup_vs_realtime": greedy["speedup_vs_realtime"],
                "km_per_order": greedy["km_per_order"],
            }
        },
        synthetic=True,
        notes={
            "city": "demo (synthetic street grid)",
            "ortools": {
                k: ortools[k]
                for k in (
                    "click_to_door_s",
                    "km_per_order",
                    "utilisation",
                    "solver_latency_s",
                    "wall_time_s",
                    "cpu_time_s",
                    "speedup_vs_realtime_cpu",
                    "fates",
                )
            },
            "greedy_wall_time_s": greedy["wall_time_s"],
            "greedy_cpu_time_s": greedy["cpu_time_s"],
            "config": config.model_dump(mode="json"),
        },
    )
