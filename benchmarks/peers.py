"""Peer solvers on the same problems: VROOM (pyvroom) and PyVRP, both optional.

Each adapter returns a :class:`PeerResult` measured the same way as
onehour's plans: travel from the problem's own matrix, orders served, and
wall time. Neither peer models pickup alternatives, so each order is given
its stocking depot nearest to the delivery; both treat deadlines as hard.
"""

import importlib.util
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver import Problem


@dataclass(frozen=True)
class PeerResult:
    """What a peer found: total travel, orders served, seconds taken."""

    travel: int
    served: int
    solve_s: float


def available(name: str) -> bool:
    """Return whether a peer's package is installed."""
    return importlib.util.find_spec(name) is not None


def nearest_pickup(problem: Problem, order_index: int) -> int:
    """Return the index of the pickup alternative nearest the delivery."""
    order = problem.orders[order_index]
    times = [problem.time_s[p.location, order.delivery] for p in order.pickups]
    return int(np.argmin(times))


def solve_vroom(problem: Problem, time_limit_s: float | None = None) -> PeerResult:
    """Solve with VROOM (exploration level 5, one thread)."""
    import vroom

    started = time.perf_counter()
    task = vroom.Input()
    task.set_durations_matrix("car", np.asarray(problem.time_s, dtype=np.uint32))
    for v, courier in enumerate(problem.couriers):
        task.add_vehicle(
            vroom.Vehicle(
                v,
                start=courier.start,
                end=courier.end,
                capacity=vroom.Amount([courier.capacity]),
                time_window=vroom.TimeWindow(courier.start_s, courier.shift_end_s),
            )
        )
    for i, order in enumerate(problem.orders):
        window = [vroom.TimeWindow(order.earliest_s, order.deadline_s)]
        if not order.pickups:
            task.add_job(
                vroom.Job(
                    i,
                    location=order.delivery,
                    default_service=order.delivery_service_s,
                    delivery=vroom.Amount([order.size]),
                    time_windows=window,
                )
            )
            continue
        pickup = order.pickups[nearest_pickup(problem, i)]
        latest = pickup.latest_s if pickup.latest_s is not None else 2**31 - 1
        task.add_shipment(
            vroom.ShipmentStep(
                i,
                location=pickup.location,
                default_service=order.pickup_service_s,
                time_windows=[vroom.TimeWindow(pickup.ready_s, latest)],
            ),
            vroom.ShipmentStep(
                i,
                location=order.delivery,
                default_service=order.delivery_service_s,
                time_windows=window,
            ),
            amount=vroom.Amount([order.size]),
        )
    timeout = None
    if time_limit_s is not None:
        from datetime import timedelta

        timeout = timedelta(seconds=time_limit_s)
    solution = task.solve(exploration_level=5, nb_threads=1, timeout=timeout)
    elapsed = time.perf_counter() - started

    routes = solution.routes
    travel = 0
    for _, steps in routes.groupby("vehicle_id", sort=False):
        locations = steps["location_index"].to_numpy(dtype=np.int64)
        travel += int(problem.time_s[locations[:-1], locations[1:]].sum())
    served = int(routes["type"].isin(["job", "delivery"]).sum())
    return PeerResult(travel, served, elapsed)


def solve_pyvrp(
    problem: Problem, time_limit_s: float, required: bool = True, seed: int = 1
) -> PeerResult:
    """Solve with PyVRP's hybrid genetic search for a fixed wall time.

    Orders without pickups become clients, orders with pickups shipments
    (nearest stocking depot). Open routes end at a dummy depot that costs
    nothing to reach. With ``required`` False every order may be skipped
    for a large prize, as the live problems need.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    started = time.perf_counter()
    n = problem.n_locations
    matrix = np.zeros((n + 1, n + 1), dtype=np.int64)
    matrix[:n, :n] = problem.time_s
    matrix[n, :n] = np.iinfo(np.int32).max
    locations = [pyvrp.Location(0, 0) for _ in range(n + 1)]

    depot_of: dict[int, int] = {}
    for courier in problem.couriers:
        for loc in (courier.start, n if courier.end is None else courier.end):
            depot_of.setdefault(loc, len(depot_of))
    depots = [pyvrp.Depot(loc) for loc in depot_of]

    kinds: dict[tuple[int, int, int, int, int], int] = {}
    for c in problem.couriers:
        end = n if c.end is None else c.end
        key = (depot_of[c.start], depot_of[end], c.capacity, c.start_s, c.shift_end_s)
        kinds[key] = kinds.get(key, 0) + 1
    vehicle_types = [
        pyvrp.VehicleType(
            count, capacity=[cap], start_depot=start, end_depot=end,
            tw_early=early, tw_late=late,
        )
        for (start, end, cap, early, late), count in kinds.items()
    ]  # fmt: skip

    prize = 10**7
    clients, shipments = [], []
    for i, order in enumerate(problem.orders):
        if not order.pickups:
            clients.append(
                pyvrp.Client(
                    order.delivery, delivery=[order.size],
                    service_duration=order.delivery_service_s,
                    tw_early=order.earliest_s, tw_late=order.deadline_s,
                    prize=prize, required=required,
                )
            )  # fmt: skip
            continue
        pickup = order.pickups[nearest_pickup(problem, i)]
        latest = pickup.latest_s if pickup.latest_s is not None else 2**62
        shipments.append(
            pyvrp.Shipment(
                pickup.location, order.delivery, pickup_tw_early=pickup.ready_s,
                pickup_tw_late=latest, pickup_service_duration=order.pickup_service_s,
                delivery_tw_early=order.earliest_s, delivery_tw_late=order.deadline_s,
                delivery_service_duration=order.delivery_service_s,
                amount=[order.size], prize=prize, required=required,
            )
        )  # fmt: skip
    matrices: list[Any] = [matrix]
    data = pyvrp.ProblemData(
        locations, clients, depots, vehicle_types, matrices, matrices,
        shipments=shipments,
    )  # fmt: skip
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    elapsed = time.perf_counter() - started
    best = result.best
    if not best.is_feasible():
        return PeerResult(0, 0, elapsed)
    served = len(clients) + len(shipments) - best.num_missing_clients()
    served -= best.num_missing_shipments()
    return PeerResult(int(best.distance()), served, elapsed)
