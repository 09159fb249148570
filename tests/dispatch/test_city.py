"""The dispatcher on real road graphs: the synthetic demo city and Beijing's OSM."""

import numpy as np
import pytest

import solver
from dispatch import (
    CourierOnline,
    Delivered,
    Dispatcher,
    DispatchParams,
    ItemLine,
    OrderPlaced,
    OrderStatus,
    OrToolsPlanner,
    PickedUp,
    Point,
)
from dispatch import stock as depot_stock
from geo.settings import data_dir


def _load(name: str):
    import geo

    if name != "demo" and not (data_dir() / "osm" / name).is_dir():
        pytest.skip(f"no OSM extract for {name} under {data_dir() / 'osm'}")
    return geo.load_city(name)


def _network_points(
    city, rng: np.random.Generator, n: int
) -> list[tuple[float, float]]:
    graph = city.travel.graph
    west, south, east, north = city.bbox
    inside = np.flatnonzero(
        (graph.lon >= west)
        & (graph.lon <= east)
        & (graph.lat >= south)
        & (graph.lat <= north)
    )
    chosen = rng.choice(inside, size=n, replace=False)
    return [(float(graph.lon[i]), float(graph.lat[i])) for i in chosen]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["demo", "beijing"])
def test_orders_on_a_city_graph_are_promised_planned_and_delivered(name):
    city = _load(name)
    depots = depot_stock.city_depots(city.name, city.depots)
    title = max(depots[0].stock, key=depots[0].stock.get)
    dispatcher = Dispatcher(
        city.travel,
        depots,
        OrToolsPlanner(solver.SolverParams(time_limit_s=5.0, solution_limit=20)),
        DispatchParams(),
    )
    rng = np.random.default_rng(3)
    points = _network_points(city, rng, 12)
    for k, (lon, lat) in enumerate(points[:4]):
        dispatcher.apply(
            CourierOnline(
                courier_id=f"c{k}", at_s=0, lon=lon, lat=lat, shift_end_s=8 * 3600
            )
        )
    for k, (lon, lat) in enumerate(points[4:]):
        outcome = dispatcher.apply(
            OrderPlaced(
                order_id=f"o{k}",
                at_s=10 * k,
                items=(ItemLine(title=title),),
                dropoff=Point(lon=lon, lat=lat),
                accept_late=True,
            )
        )
        assert outcome.status is OrderStatus.ACCEPTED, outcome.reason
        assert outcome.promise.eta_s is not None

    plan = dispatcher.replan(120)

    routed = {s.order_id for stops in plan.routes.values() for s in stops}
    assert routed | {u.order_id for u in plan.unassigned} == set(
        dispatcher.state.orders
    )
    now_s = 120
    for _ in range(40):
        moving = [c for c in dispatcher.state.couriers.values() if c.committed]
        if not moving:
            break
        for courier in moving:
            stop = courier.committed
            now_s = max(now_s, stop.eta_s or now_s) + 1
            event = PickedUp if stop.kind == "pickup" else Delivered
            dispatcher.apply(
                event(courier_id=courier.id, order_id=stop.order_id, at_s=now_s)
            )
    statuses = {o.status for o in dispatcher.state.orders.values()}
    assert statuses == {OrderStatus.DELIVERED}
    reserved = sum(sum(d.reserved.values()) for d in dispatcher.state.depots.values())
    assert reserved == 0
