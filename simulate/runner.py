"""Run policies over a scenario: build the dispatcher, the fleet and the oracle.

Each policy gets a fresh dispatcher (same travel model, same depots and
stock) and a fresh world seeded from the config, so policies are compared on
exactly the same orders, couriers and travel-time noise draws.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from dispatch.dispatcher import Dispatcher
from dispatch.domain import DepotRecord
from dispatch.events import ItemLine
from dispatch.params import DispatchParams
from dispatch.planner import OrToolsPlanner, live_solver_params
from dispatch.stock import build_depots, stocking_depots
from geo.travel_model import UNREACHABLE_S
from simulate.config import Policy, SimulationConfig, SolverClock
from simulate.policies import GreedyPlanner, InsertionPlanner
from simulate.results import RunResult
from simulate.scenario import Scenario
from simulate.stream import StreamCourier
from simulate.world import Progress, World, wgs84_points

logger = logging.getLogger(__name__)

BUDGET_TIME_LIMIT_S = 20.0
"""Wall-time cap of a re-plan under an iteration budget: a safety net only."""
SHIFT_LEAD_S = 15 * 60
"""Generated couriers come online this long before the first order."""
IDLE_REPLAN_S = 300
"""Longest time between re-plans when nothing happens."""


@dataclass
class PolicyRun:
    """One policy's result with the world's own complaints (should be none)."""

    result: RunResult
    errors: list[str]


def make_planner(policy: Policy, config: SimulationConfig) -> Any:
    """Return the planner of a policy, with the config's solver budget."""
    if policy is Policy.GREEDY:
        return GreedyPlanner()
    if policy is Policy.INSERTION:
        return InsertionPlanner()
    live = live_solver_params()
    if config.solver_clock is SolverClock.BUDGET:
        # NOTE: OR-Tools' search is bounded by wall time or by solutions found,
        # not by work: under a limit of 5 solutions its greedy descent took up
        # to 13 s a re-plan on a 3 000-order day (120 open orders, 80
        # couriers). 2 000 iterations of the solver's compiled ruin and
        # recreate take about 0.1 s there and reach the objective of the live
        # 1 s solve (ruin and recreate, then OR-Tools), so the deterministic
        # budget is that search alone, bounded by its iteration count.
        params = live.model_copy(
            update={
                "time_limit_s": BUDGET_TIME_LIMIT_S,
                "lns_iterations": config.solver_iterations,
                "max_model_nodes": 0,
            }
        )
    else:
        params = live.model_copy(update={"time_limit_s": config.solver_time_limit_s})
    return OrToolsPlanner(params)


def depot_records(scenario: Scenario) -> list[DepotRecord]:
    """Return the scenario's depots with their stock, as the dispatcher keeps them."""
    depots = [
        SimpleNamespace(id=d.depot_id, lon=d.lon, lat=d.lat, name=d.name)
        for d in scenario.depots
    ]
    return build_depots(depots, scenario.stock)


def dispatch_params(scenario: Scenario, config: SimulationConfig) -> DispatchParams:
    """Return dispatcher settings matching the world's service times and timer."""
    # NOTE: a tick re-plans when something changed since the last plan, and at
    # least every IDLE_REPLAN_S otherwise, as the service's timer does; quiet
    # ticks cost nothing.
    return DispatchParams(
        replan_interval_s=max(IDLE_REPLAN_S, config.replan_interval_s),
        replan_min_gap_s=config.replan_interval_s,
        pickup_service_s=_first(scenario.pickup_service_s, config.pickup_service_s),
        delivery_service_s=_first(
            scenario.delivery_service_s, config.delivery_service_s
        ),
        planning_margin_s=config.planning_margin_s,
    )


def fleet(
    scenario: Scenario, config: SimulationConfig, couriers: int | None = None
) -> tuple[StreamCourier, ...]:
    """Return the stream's couriers, or ``couriers`` generated at the depots.

    Generated couriers start at the depots in turn (at random pickups drawn
    with the config's seed when there are no depots), from 15 min before the
    first order to the end of the run unless the config sets a shift.
    """
    count = config.couriers if couriers is None else couriers
    stream = scenario.stream
    if stream.couriers and couriers is None:
        return stream.couriers
    orders = stream.orders
    first = min((o.placed_s for o in orders), default=0)
    last = max((o.placed_s for o in orders), default=0)
    on_s = (
        config.shift_start_s
        if config.shift_start_s is not None
        else max(first - SHIFT_LEAD_S, 0)
    )
    off_s = (
        config.shift_end_s
        if config.shift_end_s is not None
        else last + config.drain_s + config.replan_interval_s
    )
    if scenario.depots:
        starts = [(d.lon, d.lat) for d in scenario.depots]
        if scenario.frame != "xy_m":
            starts = [tuple(p) for p in wgs84_points(np.array(starts), "wgs84")]
    else:
        places = [o.pickup or o.dropoff for o in orders]
        rng = np.random.default_rng(config.seed)
        picks = rng.choice(len(places), size=max(count, 1), replace=True)
        starts = [places[int(k)] for k in picks]
    return tuple(
        StreamCourier(
            courier_id=f"C{i + 1:03d}",
            on_s=on_s,
            off_s=max(off_s, on_s + 1),
            start=(
                float(starts[i % len(starts)][0]),
                float(starts[i % len(starts)][1]),
            ),
            capacity=config.courier_capacity,
        )
        for i in range(count)
    )


def oracle_times(
    scenario: Scenario, depots: Sequence[DepotRecord], config: SimulationConfig
) -> dict[str, int | None]:
    """Return each order's earliest possible delivery with an idle courier waiting.

    The courier waits at the best pickup that can supply the order (its shop,
    its forced depot, or a depot whose opening stock covers every item), picks
    it up when ready and rides straight to the door. ``None`` when no pickup
    can supply it or the door cannot be reached.
    """
    travel = scenario.travel
    orders = scenario.stream.orders
    if not orders:
        return {}
    pickup_service = _first(scenario.pickup_service_s, config.pickup_service_s)
    delivery_service = _first(scenario.delivery_service_s, config.delivery_service_s)
    frame = "xy_m" if scenario.frame == "xy_m" else "wgs84"

    dropoffs = _snap_rows(travel, [o.dropoff for o in orders], [o.crs for o in orders])
    depot_nodes = {
        d.id: int(n)
        for d, n in zip(
            depots,
            _snap_rows(travel, [(d.lon, d.lat) for d in depots], [frame] * len(depots)),
            strict=True,
        )
    }
    shops = _snap_rows(
        travel,
        [o.pickup if o.pickup is not None else o.dropoff for o in orders],
        [o.crs for o in orders],
    )

    origins = sorted({*depot_nodes.values(), *(int(s) for s in shops if s >= 0)})
    targets = sorted({int(d) for d in dropoffs if d >= 0})
    if not origins or not targets:
        return {o.order_id: None for o in orders}
    time_s, _ = travel.matrix(np.array(origins), np.array(targets))
    row = {node: i for i, node in enumerate(origins)}
    col = {node: j for j, node in enumerate(targets)}

    out: dict[str, int | None] = {}
    for order, drop, shop in zip(orders, dropoffs, shops, strict=True):
        if drop < 0:
            out[order.order_id] = None
            continue
        if order.pickup is not None:
            sources = [int(shop)] if shop >= 0 else []
        elif order.depot_id is not None:
            sources = (
                [depot_nodes[order.depot_id]] if order.depot_id in depot_nodes else []
            )
        else:
            items = [ItemLine(title=t, quantity=q) for t, q in order.items]
            sources = [depot_nodes[d] for d in stocking_depots(depots, items)]
        ready = order.ready_s if order.ready_s is not None else order.placed_s
        best = None
        for source in sources:
            leg = int(time_s[row[source], col[int(drop)]])
            if leg >= UNREACHABLE_S:
                continue
            done = ready + pickup_service + leg + delivery_service
            best = done if best is None else min(best, done)
        out[order.order_id] = best
    return out


def _snap_rows(travel: Any, points: list[Any], crs: list[str]) -> np.ndarray:
    """Snap points one frame at a time; -1 where a point is off the network."""
    if not points:
        return np.zeros(0, dtype=np.int64)
    array = np.asarray(points, dtype=float).reshape(-1, 2)
    nodes = np.full(len(array), -1, dtype=np.int64)
    for frame in sorted(set(crs)):
        rows = np.flatnonzero(np.array(crs) == frame)
        converted = wgs84_points(array[rows], frame)
        nodes[rows] = snap_lenient(travel, converted)
    return nodes


def snap_lenient(travel: Any, points: np.ndarray) -> np.ndarray:
    """Return snapped nodes, -1 for points the travel model refuses.

    A model may refuse in stages (outside the map first, then too far from a
    road), so refused points are set aside until the rest snap.
    """
    from geo.errors import OffNetworkError

    nodes = np.full(len(points), -1, dtype=np.int64)
    good = np.arange(len(points))
    while good.size:
        try:
            nodes[good] = travel.snap(points[good]).nodes
            break
        except OffNetworkError as error:
            good = np.delete(good, np.asarray(error.indices, dtype=int))
    return nodes


def run_policy(
    scenario: Scenario,
    config: SimulationConfig,
    policy: Policy,
    couriers: int | None = None,
    progress: Progress | None = None,
) -> PolicyRun:
    """Run one policy over the scenario with a fresh dispatcher and world."""
    depots = depot_records(scenario)
    dispatcher = Dispatcher(
        scenario.travel,
        depots,
        make_planner(policy, config),
        dispatch_params(scenario, config),
    )
    world = World(
        scenario,
        config,
        dispatcher,
        fleet(scenario, config, couriers),
        oracle_times(scenario, depots, config),
        policy.value,
    )
    result = world.run(progress)
    return PolicyRun(result, world.errors)


def run_policies(
    scenario: Scenario,
    config: SimulationConfig,
    policies: Sequence[Policy],
    couriers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, PolicyRun]:
    """Run several policies side by side, in the order given."""
    return {
        p.value: run_policy(scenario, config, p, couriers, progress) for p in policies
    }


def _first(*values: int | None) -> int:
    return next(v for v in values if v is not None)
