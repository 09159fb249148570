"""Solver benchmark: Solomon, Homberger 200, Li & Lim and live-shaped instances.

Every plan goes through ``solver.check_plan``; the number of violations is a
metric that must stay 0. Gaps are to the best-known distance: Solomon and
Homberger under the DIMACS convention (``bks_dimacs.csv``), Li & Lim against
``bks.csv`` (hierarchical: fewest vehicles first, so a distance-only solver
may go below it). Peers (VROOM, PyVRP) run on the same problems when their
packages are installed.

Full run (what a closing note quotes): all 56 Solomon instances at 5 s;
30 s runs on the representative subsets named in ``SOLOMON_30S``,
``HOMBERGER_30S`` and ``LILIM_30S`` (the first two instances of every
class), because the whole set at 30 s takes hours on a shared two-core
machine; live-shaped instances from :func:`benchmarks.instances.live_problem`,
the 1 000-order one solved ``LIVE1000_RUNS`` times against one VROOM run.
Quick run (CI): three Solomon and one Li & Lim instance under a
deterministic iteration and solution limit, and the live instances once; no peers.
"""

import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import peers
from benchmarks.harness import BenchResult
from benchmarks.instances import (
    Instance,
    best_known,
    instance_paths,
    live_problem,
    read_lilim,
    read_solomon,
)
from geo.settings import data_dir
from solver import Order, Plan, Problem, SolverParams, check_plan, solve, warm_up

logger = logging.getLogger(__name__)

SOLOMON_30S = (
    "c101", "c102", "c201", "c202", "r101", "r102",
    "r201", "r202", "rc101", "rc102", "rc201", "rc202",
)  # fmt: skip
HOMBERGER_30S = ("c1_2_1", "c2_2_1", "r1_2_1", "r2_2_1", "rc1_2_1", "rc2_2_1")
LILIM_30S = ("lc101", "lc201", "lr101", "lr201", "lrc101", "lrc201")
QUICK_SOLOMON = ("c101", "r101", "rc101")
QUICK_LILIM = ("lr101",)
QUICK_SOLUTION_LIMIT = 20
"""Improving solutions OR-Tools may find per instance in quick mode."""
QUICK_LNS_ITERATIONS = 2_000
"""Ruin-and-recreate iterations per instance in quick mode."""
QUICK_SAFETY_TIME_S = 120.0
"""Quick mode's time limit: far above need, so the solution limit decides."""
LIVE_SEEDS = (1, 2, 3)
LIVE200_PLACED_OVER_S = 3600
"""200 orders placed over one hour: about 6.7 orders per courier-hour."""
LIVE1000_PLACED_OVER_S = 7200
"""1 000 orders placed over two hours: 5 orders per courier-hour."""
LIVE1000_RUNS = 5
"""Solves of the 1 000-order instance in full mode: two threads make each solve
differ, so travel is the median and orders on time the worst of the runs."""


def run(quick: bool) -> BenchResult:
    """Run the solver benchmark; see the module docstring for what runs."""
    vrptw = data_dir() / "vrptw"
    metrics: dict[str, float] = {}
    notes: dict[str, Any] = {}
    peer: dict[str, dict[str, float]] = {"pyvrp": {}, "vroom": {}}
    violations = 0
    # Load the compiled construction and search once, outside any timing.
    warm_up()

    solomon = _load(vrptw / "solomon", "bks_dimacs.csv", read_solomon)
    lilim = _load(vrptw / "lilim_100", "bks.csv", read_lilim)
    homberger = _load(vrptw / "homberger_200", "bks_dimacs.csv", read_solomon)
    hard = SolverParams(hard_deadlines=True, courier_cost=0, push_cost_per_s=0.0)

    if quick:
        budget = hard.model_copy(
            update={
                "time_limit_s": QUICK_SAFETY_TIME_S,
                "solution_limit": QUICK_SOLUTION_LIMIT,
                "lns_iterations": QUICK_LNS_ITERATIONS,
            }
        )
        gaps, solved, bad = _gaps(_pick(solomon, QUICK_SOLOMON), budget)
        violations += bad
        metrics["solomon_instances"] = len(QUICK_SOLOMON)
        metrics["solomon_solved"] = solved
        metrics["solomon_mean_gap_pct_5s"] = _mean(gaps)
        gaps, _, bad = _gaps(_pick(lilim, QUICK_LILIM), budget)
        violations += bad
        metrics["lilim_mean_gap_pct_30s"] = _mean(gaps)
        notes["quick"] = (
            f"{QUICK_LNS_ITERATIONS} ruin-and-recreate iterations and OR-Tools "
            f"solution limit {QUICK_SOLUTION_LIMIT} instead of wall time; Solomon "
            f"{QUICK_SOLOMON}, Li & Lim {QUICK_LILIM}; no 30 s runs, no peers"
        )
    else:
        at_5 = hard.model_copy(update={"time_limit_s": 5.0})
        at_30 = hard.model_copy(update={"time_limit_s": 30.0})
        gaps, solved, bad = _gaps(solomon, at_5)
        violations += bad
        metrics["solomon_instances"] = len(solomon)
        metrics["solomon_solved"] = solved
        metrics["solomon_mean_gap_pct_5s"] = _mean(gaps)
        for key, instances, names in (
            ("solomon_mean_gap_pct_30s", solomon, SOLOMON_30S),
            ("h200_mean_gap_pct_30s", homberger, HOMBERGER_30S),
            ("lilim_mean_gap_pct_30s", lilim, LILIM_30S),
        ):
            subset = _pick(instances, names)
            gaps, _, bad = _gaps(subset, at_30)
            violations += bad
            metrics[key] = _mean(gaps)
            _peer_gaps(peer, key, subset, 30.0, metrics[key])
        _peer_gaps(
            peer,
            "solomon_mean_gap_pct_5s",
            _pick(solomon, SOLOMON_30S),
            5.0,
            _mean(_gaps(_pick(solomon, SOLOMON_30S), at_5)[0]),
        )
        notes["subsets"] = {
            "solomon_5s": "all 56",
            "solomon_30s": SOLOMON_30S,
            "h200_30s": HOMBERGER_30S,
            "lilim_30s": LILIM_30S,
            "peers_solomon_5s": SOLOMON_30S,
        }

    live_metrics, live_peers, bad = _live(quick)
    violations += bad
    metrics.update(live_metrics)
    for name, values in live_peers.items():
        peer[name].update(values)
    metrics["check_violations"] = violations
    notes["peers"] = (
        "VROOM: exploration level 5, one thread, no time limit; PyVRP: same wall "
        "time as onehour. Peers get the nearest stocking depot (no alternatives) "
        "and hard deadlines. Ratios are peer / onehour."
    )
    return BenchResult(
        metrics=metrics,
        peers={k: v for k, v in peer.items() if v},
        synthetic=False,
        notes=notes,
    )


def _load(
    folder: Path, bks_name: str, reader: Callable[[Path, float], Instance]
) -> list[Instance]:
    if not folder.is_dir():
        logger.warning("no instances in %s; skipped", folder)
        return []
    bks = best_known(folder / bks_name)
    return [
        reader(path, bks[path.stem.lower()])
        for path in instance_paths(folder)
        if path.stem.lower() in bks
    ]


def _pick(instances: list[Instance], names: tuple[str, ...]) -> list[Instance]:
    return [i for i in instances if i.name in names]


def _gap_pct(instance: Instance, travel: int) -> float:
    return 100.0 * (travel / instance.scale / instance.best_known - 1.0)


def _gaps(
    instances: list[Instance], params: SolverParams
) -> tuple[list[float], int, int]:
    """Return gaps of fully served instances, how many were, and violations."""
    gaps, solved, violations = [], 0, 0
    for instance in instances:
        plan = solve(instance.problem, params)
        problems = check_plan(instance.problem, plan, hard_deadlines=True)
        violations += len(problems)
        travel = sum(r.travel_s for r in plan.routes)
        logger.info(
            "%s: %d unassigned, gap %.2f %%, %.1f s",
            instance.name,
            len(plan.unassigned),
            _gap_pct(instance, travel),
            plan.solve_time_s,
        )
        if not plan.unassigned and not problems:
            solved += 1
            gaps.append(_gap_pct(instance, travel))
    return gaps, solved, violations


def _peer_gaps(
    peer: dict[str, dict[str, float]],
    key: str,
    instances: list[Instance],
    time_limit_s: float,
    ours: float,
) -> None:
    """Measure peers' mean gap on the same instances; store it and ratios."""
    runners = {
        "pyvrp": lambda p: peers.solve_pyvrp(p, time_limit_s),
        "vroom": lambda p: peers.solve_vroom(p),
    }
    for name, runner in runners.items():
        if not peers.available(name if name == "pyvrp" else "vroom"):
            continue
        if name == "vroom" and key.endswith("_5s"):
            continue
        gaps, seconds = [], []
        for instance in instances:
            result = runner(instance.problem)
            seconds.append(result.solve_s)
            if result.served == len(instance.problem.orders):
                gaps.append(_gap_pct(instance, result.travel))
        peer_key = key if name == "pyvrp" else key.rsplit("_", 1)[0]
        peer[name][peer_key] = _mean(gaps)
        peer[name][f"{peer_key}_solved_ratio"] = len(gaps) / max(len(instances), 1)
        peer[name][f"{peer_key}_mean_s"] = statistics.mean(seconds)
        peer[name][f"{peer_key}_gap_minus_onehour_pct"] = _mean(gaps) - ours


def _on_time(problem: Problem, plan: Plan) -> int:
    visits = plan.delivery_visits()
    return sum(
        1
        for order in problem.orders
        if order.id in visits and visits[order.id].start_s <= order.deadline_s
    )


def _live(quick: bool) -> tuple[dict[str, float], dict[str, dict[str, float]], int]:
    """Live-shaped instances: time to plan, orders on time, travel vs VROOM."""
    metrics: dict[str, float] = {}
    peer: dict[str, dict[str, float]] = {"vroom": {}, "pyvrp": {}}
    violations = 0
    seeds = LIVE_SEEDS[:1] if quick else LIVE_SEEDS

    times, on_time = [], []
    for seed in seeds:
        problem = live_problem(
            np.random.default_rng(seed), 200, 30, placed_over_s=LIVE200_PLACED_OVER_S
        )
        plan = solve(problem, SolverParams(time_limit_s=0.2))
        violations += len(check_plan(problem, plan))
        times.append(plan.solve_time_s)
        on_time.append(_on_time(problem, plan))
    metrics["live200_solve_s"] = statistics.median(times)
    metrics["live200_on_time"] = statistics.mean(on_time)

    problem = live_problem(
        np.random.default_rng(seeds[0]), 1000, 100, placed_over_s=LIVE1000_PLACED_OVER_S
    )
    solve_s, on_time, travel = [], [], []
    for _ in range(1 if quick else LIVE1000_RUNS):
        started = time.perf_counter()
        plan = solve(problem, SolverParams(time_limit_s=1.0))
        solve_s.append(time.perf_counter() - started)
        violations += len(check_plan(problem, plan))
        on_time.append(_on_time(problem, plan))
        travel.append(sum(r.travel_s for r in plan.routes))
    plan_s = statistics.median(solve_s)
    ours_on_time = min(on_time)
    ours_travel = statistics.median(travel)
    servable = _servable(problem)
    metrics["live1000_solve_s"] = plan_s
    metrics["live1000_on_time"] = ours_on_time
    metrics["live1000_servable_alone"] = servable
    metrics["live1000_served_ratio_1s"] = ours_on_time / max(servable, 1)
    metrics["live1000_travel_s"] = ours_travel

    if not quick and peers.available("vroom"):
        result = peers.solve_vroom(problem)
        peer["vroom"]["live1000_on_time"] = result.served
        peer["vroom"]["live1000_travel_s"] = result.travel
        peer["vroom"]["live1000_solve_s"] = result.solve_s
        peer["vroom"]["live1000_on_time_ratio"] = result.served / max(ours_on_time, 1)
        peer["vroom"]["live1000_solve_s_ratio"] = result.solve_s / plan_s
        metrics["live1000_travel_vs_vroom"] = ours_travel / max(result.travel, 1)
        metrics["live1000_travel_per_order_vs_vroom"] = (ours_travel / ours_on_time) / (
            result.travel / max(result.served, 1)
        )
    if not quick and peers.available("pyvrp"):
        result = peers.solve_pyvrp(problem, 1.0, required=False)
        peer["pyvrp"]["live1000_on_time_1s"] = result.served
        peer["pyvrp"]["live1000_on_time_ratio_1s"] = result.served / max(
            ours_on_time, 1
        )

    metrics["warm20_replan_s"] = _warm_replan(seeds[0])
    return metrics, peer, violations


def _servable(problem: Problem) -> int:
    """Count orders some courier could deliver on time if it did nothing else."""
    time_s = problem.time_s
    count = 0
    for order in problem.orders:
        best = min(
            max(
                max(c.start_s + int(time_s[c.start, p.location]), p.ready_s)
                + order.pickup_service_s
                + int(time_s[p.location, order.delivery]),
                order.earliest_s,
            )
            for c in problem.couriers
            for p in order.pickups
        )
        count += best <= order.deadline_s
    return count


def _warm_replan(seed: int) -> float:
    """Time a re-plan of 1 000 orders warm-started after 20 new ones arrive."""
    full = live_problem(
        np.random.default_rng(seed), 1000, 100, placed_over_s=LIVE1000_PLACED_OVER_S
    )
    new_ids = {o.id for o in full.orders[-20:]}
    earlier: tuple[Order, ...] = tuple(o for o in full.orders if o.id not in new_ids)
    before = Problem(full.couriers, earlier, full.time_s, full.distance_m)
    previous = solve(before, SolverParams(time_limit_s=1.0))
    plan = solve(full, SolverParams(time_limit_s=0.5), warm_start=previous)
    if check_plan(full, plan):
        logger.warning("warm re-plan broke the plan checker")
    return plan.solve_time_s


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")
