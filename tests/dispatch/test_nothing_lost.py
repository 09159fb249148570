"""A seeded busy hour driven through the dispatcher: no order ever vanishes.

The solver runs its construction only (no OR-Tools search): what is checked is
the dispatcher's bookkeeping over many re-plans, not the quality of routes.
"""

from collections import Counter

import numpy as np

import solver
from dispatch import (
    CourierOnline,
    Delivered,
    Dispatcher,
    DispatchParams,
    ItemLine,
    OrderCancelled,
    OrderPlaced,
    OrderStatus,
    OrToolsPlanner,
    PickedUp,
    Point,
    Tick,
)
from dispatch.domain import PLANNABLE, TERMINAL
from tests.dispatch.conftest import DEPOT_A, make_depots

TITLES = ["活着", "三体", "百年孤独"]


def _orders(rng: np.random.Generator, n: int) -> list[OrderPlaced]:
    times = np.sort(rng.integers(0, 3600, n))
    return [
        OrderPlaced(
            order_id=f"o{k}",
            at_s=int(t),
            items=(ItemLine(title=TITLES[int(rng.integers(len(TITLES)))]),),
            dropoff=Point(
                lon=DEPOT_A[0] + float(rng.uniform(-0.03, 0.05)),
                lat=DEPOT_A[1] + float(rng.uniform(-0.03, 0.03)),
            ),
            accept_late=bool(rng.random() < 0.3),
        )
        for k, t in enumerate(times)
    ]


class _Riders:
    """Couriers that ride to their committed stop and complete it on arrival."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.arrival: dict[str, tuple[str, str, int]] = {}

    def ride(self, now_s: int) -> None:
        dispatcher = self.dispatcher
        for courier in list(dispatcher.state.couriers.values()):
            stop = courier.committed
            if stop is None:
                continue
            key = (stop.order_id, stop.kind)
            planned = self.arrival.get(courier.id)
            if planned is None or planned[:2] != key:
                points = np.asarray([[courier.lon, courier.lat], [stop.lon, stop.lat]])
                nodes = dispatcher.travel.snap(points).nodes
                time_s, _ = dispatcher.travel.matrix(nodes[:1], nodes[1:])
                planned = (*key, now_s + int(time_s[0, 0]))
                self.arrival[courier.id] = planned
            if planned[2] <= now_s:
                event = PickedUp if stop.kind == "pickup" else Delivered
                dispatcher.apply(
                    event(courier_id=courier.id, order_id=stop.order_id, at_s=now_s)
                )


def test_every_order_ends_terminal_or_open_and_stock_balances(travel):
    rng = np.random.default_rng(7)
    depots = make_depots()
    for depot in depots:
        depot.stock = {title: 8 for title in TITLES}
    initial = {d.id: dict(d.stock) for d in depots}
    dispatcher = Dispatcher(
        travel,
        depots,
        OrToolsPlanner(solver.SolverParams(time_limit_s=2.0, improve=False)),
        DispatchParams(replan_interval_s=60),
    )
    for k in range(10):
        dispatcher.apply(
            CourierOnline(
                courier_id=f"c{k}",
                at_s=0,
                lon=DEPOT_A[0],
                lat=DEPOT_A[1],
                capacity=3,
                shift_end_s=6 * 3600,
            )
        )

    riders = _Riders(dispatcher)
    placed = _orders(rng, 60)
    pending = list(placed)
    for now_s in range(0, 3 * 3600, 60):
        while pending and pending[0].at_s <= now_s:
            dispatcher.apply(pending.pop(0))
        if now_s == 1800:
            open_ids = [o.id for o in dispatcher.open_orders() if o.status in PLANNABLE]
            for order_id in open_ids[:2]:
                if dispatcher.order(order_id).status is not OrderStatus.PICKED_UP:
                    dispatcher.apply(OrderCancelled(order_id=order_id, at_s=now_s))
        dispatcher.apply(Tick(at_s=now_s))
        riders.ride(now_s)

    state = dispatcher.state
    assert {o.order_id for o in placed} == set(state.orders)
    plan = dispatcher.plan
    assert plan is not None
    routed = {s.order_id for c in state.couriers for s in dispatcher.route(c)}
    unassigned = {u.order_id for u in plan.unassigned}
    for order in state.orders.values():
        assert order.history[0].status is OrderStatus.PLACED
        if order.status in PLANNABLE:
            assert order.id in routed or order.id in unassigned, order.id
        else:
            assert order.status in TERMINAL | {OrderStatus.NEEDS_REVIEW}
    accepted = [o for o in state.orders.values() if len(o.history) > 2]
    assert len(accepted) >= 40
    assert all(o.status in TERMINAL for o in accepted)

    consumed: Counter = Counter()
    held: Counter = Counter()
    for order in state.orders.values():
        for line in order.items:
            if order.status in (OrderStatus.PICKED_UP, OrderStatus.DELIVERED):
                consumed[(order.depot_id, line.title)] += line.quantity
            elif order.status in PLANNABLE and order.depot_id is not None:
                held[(order.depot_id, line.title)] += line.quantity
    for depot in state.depots.values():
        for title in TITLES:
            shelf = depot.stock.get(title, 0) + consumed[(depot.id, title)]
            assert shelf == initial[depot.id][title]
            assert depot.reserved.get(title, 0) == held[(depot.id, title)]
