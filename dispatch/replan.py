"""Turning live state into a solver problem, and a solver plan back into stops.

Times in the problem are seconds after ``now_s`` (the plan's origin), so they
are small and non-negative. Locations are the snapped nodes of couriers,
depots, shops and dropoffs, numbered in order of first use.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from dispatch.domain import (
    CourierRecord,
    DispatchState,
    OrderRecord,
    OrderStatus,
    Stop,
    UnassignedOrder,
)
from dispatch.params import DispatchParams
from dispatch.stock import stocking_depots
from geo.travel_model import TravelModel
from solver.problem import (
    CommittedStop,
    Courier,
    Order,
    Pickup,
    Plan,
    Problem,
    Route,
    StopKind,
    Visit,
)


@dataclass(frozen=True)
class Nodes:
    """Snapped network nodes of everything the dispatcher plans with."""

    depot: Mapping[str, int]
    dropoff: Mapping[str, int]
    shop: Mapping[str, int]
    courier: Mapping[str, int]

    def of_stop(self, stop: Stop) -> int:
        """Return the node of a stop on a route."""
        if stop.kind == "delivery":
            return self.dropoff[stop.order_id]
        if stop.depot_id is None:
            return self.shop[stop.order_id]
        return self.depot[stop.depot_id]


@dataclass
class BuiltProblem:
    """A solver problem with what is needed to read its plan back.

    ``pickup_depots[order_id][k]`` is the depot of the order's k-th pickup
    (``None`` for a shop); ``left_out`` lists open orders that could not go
    into the problem at all, with the reason.
    """

    problem: Problem
    now_s: int
    seq: int
    pickup_depots: dict[str, tuple[str | None, ...]]
    warm_start: Plan | None
    left_out: list[UnassignedOrder] = field(default_factory=list)
    build_time_s: float = 0.0


class _Locations:
    def __init__(self) -> None:
        self.nodes: list[int] = []
        self.index: dict[int, int] = {}

    def __call__(self, node: int) -> int:
        found = self.index.get(node)
        if found is None:
            found = self.index[node] = len(self.nodes)
            self.nodes.append(node)
        return found


def build_problem(
    state: DispatchState,
    nodes: Nodes,
    travel: TravelModel,
    params: DispatchParams,
    now_s: int,
) -> BuiltProblem:
    """Build the solver problem for the live state at ``now_s``."""
    loc = _Locations()
    couriers = [c for c in state.couriers.values() if c.online and _on_duty(c, now_s)]
    for courier in couriers:
        loc(nodes.courier[courier.id])
    committed_pickup = {
        c.committed.order_id: c.committed.depot_id
        for c in couriers
        if c.committed is not None and c.committed.kind == "pickup"
    }
    onboard = {order_id for c in couriers for order_id in c.onboard}

    orders: list[Order] = []
    pickup_depots: dict[str, tuple[str | None, ...]] = {}
    left_out: list[UnassignedOrder] = []
    courier_ids = {c.id for c in couriers}
    for record in state.orders.values():
        if record.status not in (OrderStatus.ACCEPTED, OrderStatus.ASSIGNED) and not (
            record.status is OrderStatus.PICKED_UP and record.id in onboard
        ):
            continue
        if record.status is OrderStatus.PICKED_UP:
            pickups: tuple[Pickup, ...] = ()
            depots: tuple[str | None, ...] = ()
        else:
            depots = _pickup_choices(state, record, committed_pickup)
            if not depots:
                left_out.append(
                    UnassignedOrder(
                        order_id=record.id,
                        reason="out_of_stock",
                        detail="no depot has free stock of every item any more",
                    )
                )
                continue
            ready_s = max(record.ready_s - now_s, 0)
            pickups = tuple(
                Pickup(
                    location=loc(
                        nodes.shop[record.id] if d is None else nodes.depot[d]
                    ),
                    ready_s=ready_s,
                )
                for d in depots
            )
        pickup_depots[record.id] = depots
        current = record.courier_id if record.courier_id in courier_ids else None
        orders.append(
            Order(
                id=record.id,
                delivery=loc(nodes.dropoff[record.id]),
                deadline_s=max(record.deadline_s - params.planning_margin_s - now_s, 0),
                pickups=pickups,
                pickup_service_s=params.pickup_service_s,
                delivery_service_s=params.delivery_service_s,
                size=record.size,
                current_courier=current,
            )
        )

    heading = {c.id: loc(nodes.of_stop(c.committed)) for c in couriers if c.committed}
    node_array = np.asarray(loc.nodes, dtype=np.int64)
    if len(node_array):
        time_s, distance_m = travel.matrix(node_array, node_array)
    else:
        time_s = distance_m = np.zeros((0, 0), dtype=np.int32)
    solver_couriers = []
    for courier in couriers:
        start = loc.index[nodes.courier[courier.id]]
        start_s = 0
        if courier.id in heading:
            # A courier riding to its committed stop is planned from there,
            # arriving when it set off plus the ride, not from a stale point.
            left_s = max(courier.position_s, courier.committed_s or 0)
            start, ride_s = heading[courier.id], int(time_s[start, heading[courier.id]])
            start_s = max(left_s + ride_s - now_s, 0)
        solver_couriers.append(_solver_courier(courier, start, start_s, now_s, params))
    problem = Problem(
        couriers=tuple(solver_couriers),
        orders=tuple(orders),
        time_s=time_s,
        distance_m=distance_m,
    )
    warm = _warm_start(problem, couriers, pickup_depots, now_s)
    return BuiltProblem(
        problem=problem,
        now_s=now_s,
        seq=state.seq,
        pickup_depots=pickup_depots,
        warm_start=warm,
        left_out=left_out,
    )


def plan_stops(
    built: BuiltProblem, plan: Plan, state: DispatchState
) -> dict[str, list[Stop]]:
    """Return each planned courier's stops, with ETAs on the dispatcher's clock."""
    routes: dict[str, list[Stop]] = {}
    for route in plan.routes:
        stops = []
        for visit in route.visits:
            order = state.orders[visit.order_id]
            if visit.kind is StopKind.PICKUP:
                depot_id = built.pickup_depots[visit.order_id][visit.pickup or 0]
                stops.append(
                    pickup_stop(state, order, depot_id, built.now_s + visit.arrival_s)
                )
            else:
                stops.append(delivery_stop(order, built.now_s + visit.arrival_s))
        routes[route.courier_id] = stops
    return routes


def pickup_stop(
    state: DispatchState, order: OrderRecord, depot_id: str | None, eta_s: int | None
) -> Stop:
    """Return the stop where a courier picks ``order`` up."""
    if depot_id is None:
        assert order.pickup is not None, f"order {order.id} has no shop pickup"
        lon, lat = order.pickup.lon, order.pickup.lat
    else:
        depot = state.depots[depot_id]
        lon, lat = depot.lon, depot.lat
    return Stop(
        order_id=order.id,
        kind="pickup",
        lon=lon,
        lat=lat,
        depot_id=depot_id,
        eta_s=eta_s,
        deadline_s=order.deadline_s,
    )


def delivery_stop(order: OrderRecord, eta_s: int | None) -> Stop:
    """Return the stop where a courier hands ``order`` over."""
    assert order.dropoff is not None, f"order {order.id} has no dropoff"
    return Stop(
        order_id=order.id,
        kind="delivery",
        lon=order.dropoff.lon,
        lat=order.dropoff.lat,
        eta_s=eta_s,
        deadline_s=order.deadline_s,
    )


def _on_duty(courier: CourierRecord, now_s: int) -> bool:
    return courier.shift_end_s > now_s or bool(courier.onboard)


def _pickup_choices(
    state: DispatchState, order: OrderRecord, committed_pickup: Mapping[str, str | None]
) -> tuple[str | None, ...]:
    if order.id in committed_pickup:
        return (committed_pickup[order.id],)
    if order.pickup is not None:
        return (None,)
    if order.forced_depot_id is not None:
        return (order.forced_depot_id,)
    others = stocking_depots(
        (d for d in state.depots.values() if d.id != order.depot_id), order.items
    )
    if order.depot_id is not None:
        return (order.depot_id, *others)
    return tuple(others)


def _solver_courier(
    courier: CourierRecord,
    start: int,
    start_s: int,
    now_s: int,
    params: DispatchParams,
) -> Courier:
    shift_end_s = courier.shift_end_s - now_s
    if shift_end_s <= start_s:
        # NOTE: a courier past shift end still delivers what is on board.
        shift_end_s = start_s + params.promise_window_s
    committed: tuple[CommittedStop, ...] = ()
    if courier.committed is not None:
        committed = (
            CommittedStop(
                order_id=courier.committed.order_id,
                kind=StopKind(courier.committed.kind),
                pickup=0,
            ),
        )
    return Courier(
        id=courier.id,
        start=start,
        start_s=start_s,
        shift_end_s=shift_end_s,
        capacity=courier.capacity,
        onboard=tuple(courier.onboard),
        committed=committed,
    )


def _warm_start(
    problem: Problem,
    couriers: list[CourierRecord],
    pickup_depots: Mapping[str, tuple[str | None, ...]],
    now_s: int,
) -> Plan | None:
    """Return the current routes as a plan of ``problem``, to start the solver from."""
    routes = []
    for courier, solver_courier in zip(couriers, problem.couriers, strict=True):
        stops = ([courier.committed] if courier.committed else []) + courier.route
        visits = _warm_visits(problem, solver_courier, stops, pickup_depots, now_s)
        if visits:
            routes.append(
                Route(courier_id=courier.id, visits=tuple(visits), travel_s=0)
            )
    if not routes:
        return None
    return Plan(routes=tuple(routes), unassigned=(), objective=0, solve_time_s=0.0)


def _warm_visits(
    problem: Problem,
    courier: Courier,
    stops: list[Stop],
    pickup_depots: Mapping[str, tuple[str | None, ...]],
    now_s: int,
) -> list[Visit]:
    visits: list[Visit] = []
    picked: set[str] = set()
    delivered: set[str] = set()
    for stop in stops:
        index = problem.order_index.get(stop.order_id)
        if index is None:
            continue
        order = problem.orders[index]
        at_s = max((stop.eta_s or now_s) - now_s, 0)
        if stop.kind == "pickup":
            depots = pickup_depots[stop.order_id]
            if stop.order_id in picked or stop.depot_id not in depots:
                continue
            k = depots.index(stop.depot_id)
            picked.add(stop.order_id)
            visits.append(
                Visit(
                    order.id,
                    StopKind.PICKUP,
                    order.pickups[k].location,
                    at_s,
                    at_s,
                    at_s,
                    pickup=k,
                )
            )
        elif stop.order_id not in delivered and (
            stop.order_id in picked or stop.order_id in courier.onboard
        ):
            delivered.add(stop.order_id)
            visits.append(
                Visit(order.id, StopKind.DELIVERY, order.delivery, at_s, at_s, at_s)
            )
    for order_id in picked - delivered:
        order = problem.orders[problem.order_index[order_id]]
        visits.append(Visit(order_id, StopKind.DELIVERY, order.delivery, 0, 0, 0))
    return visits
