"""Baseline planners the OR-Tools dispatcher is compared with.

Both implement the dispatcher's ``Planner`` protocol (``plan(problem,
previous) -> Plan``), so the simulator runs them through the very same
dispatch loop as the production planner:

- :class:`GreedyPlanner`: what a human dispatcher does. A courier keeps what
  they ride to and carry; each idle courier (nothing on board, no committed
  stop) is given the most urgent waiting order whose pickup is nearest, one
  order at a time.
- :class:`InsertionPlanner`: routes are kept; each new order is inserted at
  the cheapest pickup and delivery positions over all couriers and pickups.

Insertion never moves an order away from the courier the previous plan (or
the dispatcher's promise at intake) gave it; greedy keeps only committed and
on-board orders.
"""

import logging
import time
from dataclasses import dataclass

from solver.problem import (
    Courier,
    Order,
    Plan,
    Problem,
    Route,
    StopKind,
    Unassigned,
    UnassignedReason,
    Visit,
)

logger = logging.getLogger(__name__)

LATENESS_COST_PER_S = 1_000
"""Objective weight of a second of lateness, against 1 per second of travel."""
UNASSIGNED_COST = 10_000_000


@dataclass(frozen=True, slots=True)
class _Step:
    """One planned stop before timing: an order, what to do, which pickup."""

    order_id: str
    kind: StopKind
    pickup: int | None = None


@dataclass(frozen=True, slots=True)
class _Timed:
    """A sequence of steps with its visits and costs."""

    visits: tuple[Visit, ...]
    travel_s: int
    lateness_s: int
    feasible: bool

    @property
    def cost(self) -> int:
        return self.travel_s + LATENESS_COST_PER_S * self.lateness_s


class _Routes:
    """Shared machinery: keep each courier's existing stops, time and score them."""

    def __init__(
        self, problem: Problem, previous: Plan | None, keep_planned: bool = True
    ) -> None:
        self.problem = problem
        self.keep_planned = keep_planned
        self.orders = {o.id: o for o in problem.orders}
        self.steps: dict[str, list[_Step]] = {}
        placed: set[str] = set()
        previous_routes = {r.courier_id: r for r in previous.routes} if previous else {}
        for courier in problem.couriers:
            steps = self._existing(courier, previous_routes.get(courier.id))
            self.steps[courier.id] = steps
            placed.update(s.order_id for s in steps)
        self.waiting = [o for o in problem.orders if o.id not in placed]

    def _existing(self, courier: Courier, previous: Route | None) -> list[_Step]:
        """Return the committed stops, then the previous plan's stops of its orders."""
        steps = [
            _Step(s.order_id, s.kind, s.pickup if s.kind is StopKind.PICKUP else None)
            for s in courier.committed
        ]
        done = {(s.order_id, s.kind) for s in steps}
        mine = {s.order_id for s in steps} | set(courier.onboard)
        if self.keep_planned:
            mine.update(
                o.id for o in self.problem.orders if o.current_courier == courier.id
            )
        if previous is not None:
            for visit in previous.visits:
                key = (visit.order_id, visit.kind)
                if visit.order_id not in mine or key in done:
                    continue
                if visit.kind is StopKind.PICKUP:
                    if visit.order_id in courier.onboard:
                        continue
                    order = self.orders[visit.order_id]
                    pickup = visit.pickup if visit.pickup is not None else 0
                    if not 0 <= pickup < len(order.pickups):
                        pickup = 0
                    steps.append(_Step(visit.order_id, StopKind.PICKUP, pickup))
                else:
                    steps.append(_Step(visit.order_id, StopKind.DELIVERY))
                done.add(key)
        for order_id in sorted(mine):
            found = self.orders.get(order_id)
            if found is None:
                continue
            order = found
            if (
                order.pickups
                and order_id not in courier.onboard
                and (order_id, StopKind.PICKUP) not in done
            ):
                steps.append(_Step(order_id, StopKind.PICKUP, 0))
                done.add((order_id, StopKind.PICKUP))
            if (order_id, StopKind.DELIVERY) not in done:
                steps.append(_Step(order_id, StopKind.DELIVERY))
                done.add((order_id, StopKind.DELIVERY))
        return _pickups_first(steps)

    def time(self, courier: Courier, steps: list[_Step]) -> _Timed:
        """Return the visits of a step sequence, its travel and lateness."""
        matrix = self.problem.time_s
        at, now = courier.start, courier.start_s
        load = sum(self.orders[o].size for o in courier.onboard if o in self.orders)
        travel = lateness = 0
        feasible = load <= courier.capacity
        visits = []
        for step in steps:
            order = self.orders[step.order_id]
            if step.kind is StopKind.PICKUP:
                pickup = order.pickups[step.pickup or 0]
                where, ready, service = pickup.location, pickup.ready_s, 0
                service = order.pickup_service_s
                load += order.size
                feasible = feasible and load <= courier.capacity
            else:
                where, ready = order.delivery, order.earliest_s
                service = order.delivery_service_s
                load -= order.size
            leg = int(matrix[at, where])
            travel += leg
            arrival = now + leg
            start = max(arrival, ready)
            departure = start + service
            if step.kind is StopKind.DELIVERY:
                lateness += max(0, start - order.deadline_s)
            visits.append(
                Visit(
                    step.order_id,
                    step.kind,
                    where,
                    arrival,
                    start,
                    departure,
                    step.pickup if step.kind is StopKind.PICKUP else None,
                )
            )
            at, now = where, departure
        return _Timed(tuple(visits), travel, lateness, feasible)

    def plan(self, unassigned: list[Unassigned], started_s: float, name: str) -> Plan:
        routes, objective = [], 0
        for courier in self.problem.couriers:
            timed = self.time(courier, self.steps[courier.id])
            objective += timed.cost
            if timed.visits:
                routes.append(Route(courier.id, timed.visits, timed.travel_s))
        objective += UNASSIGNED_COST * len(unassigned)
        elapsed = time.perf_counter() - started_s
        logger.debug(
            "%s planned %d orders, %d unassigned in %.3f s",
            name,
            len(self.problem.orders),
            len(unassigned),
            elapsed,
        )
        return Plan(tuple(routes), tuple(unassigned), objective, elapsed)


def _pickups_first(steps: list[_Step]) -> list[_Step]:
    """Move any delivery placed before its own pickup to just after it."""
    fixed: list[_Step] = []
    pending: dict[str, _Step] = {}
    picked = {s.order_id for s in steps if s.kind is StopKind.PICKUP}
    seen_pickup: set[str] = set()
    for step in steps:
        if step.kind is StopKind.PICKUP:
            fixed.append(step)
            seen_pickup.add(step.order_id)
            if step.order_id in pending:
                fixed.append(pending.pop(step.order_id))
        elif step.order_id in picked and step.order_id not in seen_pickup:
            pending[step.order_id] = step
        else:
            fixed.append(step)
    fixed.extend(pending.values())
    return fixed


def _reason_for(problem: Problem, order: Order, why: str) -> Unassigned:
    if not problem.couriers:
        return Unassigned(order.id, UnassignedReason.NO_COURIER, "no courier online")
    if all(order.size > c.capacity for c in problem.couriers):
        return Unassigned(
            order.id, UnassignedReason.CAPACITY, f"size {order.size} > every capacity"
        )
    return Unassigned(order.id, UnassignedReason.NO_COURIER, why)


class GreedyPlanner:
    """Give each idle courier the most urgent waiting order nearest to them.

    A courier keeps only what it is riding to and what it carries; every other
    order waits. An idle courier has nothing on board and no committed stop.
    Waiting orders are taken by deadline; each goes to the idle courier whose
    arrival at one of its pickups is earliest. A courier carries one order at
    a time, as a human dispatcher hands out one job at a time.
    """

    name = "greedy"

    def plan(self, problem: Problem, previous: Plan | None) -> Plan:
        """Keep every route and give idle couriers one order each."""
        started = time.perf_counter()
        routes = _Routes(problem, previous, keep_planned=False)
        idle = [
            c
            for c in problem.couriers
            if not routes.steps[c.id] and not c.onboard and c.start_s < c.shift_end_s
        ]
        unassigned = []
        for order in sorted(routes.waiting, key=lambda o: (o.deadline_s, o.id)):
            best = None
            for courier in idle:
                if order.size > courier.capacity:
                    continue
                places = [p.location for p in order.pickups] or [order.delivery]
                for k, where in enumerate(places):
                    arrival = courier.start_s + int(
                        problem.time_s[courier.start, where]
                    )
                    if best is None or arrival < best[0]:
                        best = (arrival, courier, k)
            if best is None:
                unassigned.append(_reason_for(problem, order, "no idle courier"))
                continue
            _, courier, k = best
            pickup = [_Step(order.id, StopKind.PICKUP, k)] if order.pickups else []
            routes.steps[courier.id] = [*pickup, _Step(order.id, StopKind.DELIVERY)]
            idle.remove(courier)
        return routes.plan(unassigned, started, self.name)


class InsertionPlanner:
    """Insert each new order where it adds the least cost, keeping routes.

    Orders are taken by deadline; for every courier, pickup and pair of
    positions (pickup before delivery, after the committed stop) the added
    travel and lateness is computed, and the cheapest capacity-feasible
    insertion that ends before the courier's shift does wins.
    """

    name = "insertion"

    def plan(self, problem: Problem, previous: Plan | None) -> Plan:
        """Keep every route and insert the waiting orders one by one."""
        started = time.perf_counter()
        routes = _Routes(problem, previous)
        couriers = {c.id: c for c in problem.couriers}
        costs = {cid: routes.time(c, routes.steps[cid]) for cid, c in couriers.items()}
        unassigned = []
        for order in sorted(routes.waiting, key=lambda o: (o.deadline_s, o.id)):
            best: tuple[int, str, list[_Step], _Timed] | None = None
            for cid, courier in couriers.items():
                current = routes.steps[cid]
                first = len(courier.committed) if courier.committed else 0
                for candidate in _insertions(order, current, first):
                    timed = routes.time(courier, candidate)
                    if not timed.feasible or (
                        timed.visits
                        and timed.visits[-1].departure_s > courier.shift_end_s
                    ):
                        continue
                    added = timed.cost - costs[cid].cost
                    if best is None or added < best[0]:
                        best = (added, cid, candidate, timed)
            if best is None:
                unassigned.append(
                    _reason_for(
                        problem, order, "no courier can fit it before shift end"
                    )
                )
                continue
            _, cid, candidate, timed = best
            routes.steps[cid] = candidate
            costs[cid] = timed
        return routes.plan(unassigned, started, self.name)


def _insertions(order: Order, steps: list[_Step], first: int) -> list[list[_Step]]:
    """Return every way to insert an order's pickup and delivery after ``first``."""
    pickups = range(len(order.pickups)) if order.pickups else [None]
    out = []
    for k in pickups:
        for i in range(first, len(steps) + 1):
            with_pickup = steps[:i]
            if k is not None:
                with_pickup = [*with_pickup, _Step(order.id, StopKind.PICKUP, k)]
            rest = steps[i:]
            for j in range(len(rest) + 1):
                out.append(
                    [
                        *with_pickup,
                        *rest[:j],
                        _Step(order.id, StopKind.DELIVERY),
                        *rest[j:],
                    ]
                )
    return out
