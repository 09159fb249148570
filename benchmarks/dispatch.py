"""Dispatcher latency at the business's peak: re-planning and the intake promise.

One city (Beijing's road graph when its OSM extract is present, else the
synthetic ``demo`` city), 150 couriers online at seeded network nodes and
orders arriving (one every 5 s, accepted even when late, re-planned every
5 min, every 15 min in quick mode) until about 600 are open.
``promise_p95_ms`` is measured when 500 orders are open: the 95th percentile
of :meth:`Dispatcher.promise` for new orders at seeded points.
``replan_p95_s`` is the 95th percentile of :meth:`Dispatcher.replan` at the
peak (problem building, travel matrix, the production ``OrToolsPlanner`` with
its 1 s live budget, and the commit), while new orders keep arriving and
couriers complete their committed stops between re-plans.

``intake_rps`` and ``intake_p99_ms`` come from the HTTP benchmark of the
service (:mod:`benchmarks.dispatch_http`), merged into this result.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.harness import BenchResult
from dispatch import (
    CourierOnline,
    Delivered,
    Dispatcher,
    DispatchParams,
    ItemLine,
    OrderPlaced,
    OrToolsPlanner,
    PickedUp,
    Point,
)
from dispatch import stock as depot_stock
from geo.settings import data_dir

logger = logging.getLogger(__name__)

SEED = 20261203


@dataclass(frozen=True)
class Peak:
    """The load measured: couriers, open orders, and how many samples."""

    couriers: int
    open_orders: int
    promise_at_open: int
    promises: int
    replans: int
    orders_per_replan: int
    fill_replan_every_s: int


QUICK = Peak(
    couriers=150,
    open_orders=600,
    promise_at_open=500,
    promises=40,
    replans=3,
    orders_per_replan=10,
    fill_replan_every_s=900,
)
FULL = Peak(
    couriers=150,
    open_orders=600,
    promise_at_open=500,
    promises=400,
    replans=20,
    orders_per_replan=10,
    fill_replan_every_s=300,
)


def run(quick: bool) -> BenchResult:
    """Measure re-plan and promise latency, then merge the HTTP intake figures."""
    import geo

    peak = QUICK if quick else FULL
    city_name = "beijing" if (data_dir() / "osm" / "beijing").is_dir() else "demo"
    city = geo.load_city(city_name)
    rng = np.random.default_rng(SEED)
    scene = _Scene(city, rng)
    dispatcher = Dispatcher(
        city.travel,
        depot_stock.city_depots(city.name, city.depots),
        OrToolsPlanner(),
        DispatchParams(),
        city=city.name,
    )
    for k in range(peak.couriers):
        lon, lat = scene.point()
        dispatcher.apply(
            CourierOnline(
                courier_id=f"c{k}",
                at_s=0,
                lon=lon,
                lat=lat,
                capacity=4,
                shift_end_s=10 * 3600,
            )
        )

    apply_s = scene.fill(dispatcher, peak.promise_at_open, peak.fill_replan_every_s)
    dispatcher.replan(scene.now_s)
    promise_s = [scene.time_promise(dispatcher) for _ in range(peak.promises)]
    promise_open = len(dispatcher.open_orders())
    apply_s += scene.fill(dispatcher, peak.open_orders, peak.fill_replan_every_s)

    replan_s, open_counts, build_s, unassigned = [], [], [], []
    late: list[float] = []
    for _ in range(peak.replans):
        scene.now_s += 30
        scene.complete_due(dispatcher)
        for _ in range(peak.orders_per_replan):
            apply_s.append(scene.place(dispatcher))
        open_counts.append(len(dispatcher.open_orders()))
        started = time.perf_counter()
        view = dispatcher.replan(scene.now_s)
        replan_s.append(time.perf_counter() - started)
        build_s.append(view.build_time_s)
        unassigned.append(len(view.unassigned))
        deliveries = [
            stop
            for stops in view.routes.values()
            for stop in stops
            if stop.kind == "delivery"
        ]
        late.append(
            sum(1 for s in deliveries if (s.eta_s or 0) > (s.deadline_s or 0))
            / max(len(deliveries), 1)
        )

    metrics: dict[str, float] = {
        "replan_p95_s": round(float(np.percentile(replan_s, 95)), 3),
        "promise_p95_ms": round(float(np.percentile(promise_s, 95)) * 1000, 2),
    }
    notes: dict[str, Any] = {
        "city": city.name,
        "couriers": peak.couriers,
        "open_orders_at_replan_mean": round(float(np.mean(open_counts)), 1),
        "open_orders_at_promise": promise_open,
        "replans": len(replan_s),
        "replan_p50_s": round(float(np.median(replan_s)), 3),
        "replan_build_p95_s": round(float(np.percentile(build_s, 95)), 3),
        "solver_params": OrToolsPlanner().params.model_dump(mode="json"),
        "unassigned_mean": round(float(np.mean(unassigned)), 1),
        "planned_late_share_mean": round(float(np.mean(late)), 3),
        "promises": len(promise_s),
        "promise_p50_ms": round(float(np.median(promise_s)) * 1000, 2),
        "order_apply_p95_ms": round(float(np.percentile(apply_s, 95)) * 1000, 2),
        "statuses": scene.statuses(dispatcher),
    }
    _merge_http(quick, metrics, notes)
    return BenchResult(metrics=metrics, synthetic=city.synthetic, notes=notes)


class _Scene:
    """Seeded orders and riders around one city."""

    def __init__(self, city: Any, rng: np.random.Generator) -> None:
        graph = city.travel.graph
        west, south, east, north = city.bbox
        inside = np.flatnonzero(
            (graph.lon >= west)
            & (graph.lon <= east)
            & (graph.lat >= south)
            & (graph.lat <= north)
        )
        self.points = np.column_stack([graph.lon[inside], graph.lat[inside]])
        self.rng = rng
        self.now_s = 0
        self.count = 0
        copies: dict[str, int] = {}
        for shelf in depot_stock.load_stock(depot_stock.stock_path(city.name)).values():
            for title, quantity in shelf.items():
                copies[title] = copies.get(title, 0) + quantity
        self.titles = sorted(copies, key=lambda title: -copies[title])[:40]

    def point(self) -> tuple[float, float]:
        lon, lat = self.points[self.rng.integers(len(self.points))]
        return float(lon), float(lat)

    def order(self) -> OrderPlaced:
        self.count += 1
        lon, lat = self.point()
        title = self.titles[int(self.rng.integers(len(self.titles)))]
        return OrderPlaced(
            order_id=f"b{self.count}",
            at_s=self.now_s,
            items=(ItemLine(title=title),),
            dropoff=Point(lon=lon, lat=lat),
            accept_late=True,
        )

    def place(self, dispatcher: Dispatcher) -> float:
        event = self.order()
        started = time.perf_counter()
        dispatcher.apply(event)
        return time.perf_counter() - started

    def fill(
        self, dispatcher: Dispatcher, open_orders: int, replan_every_s: int
    ) -> list[float]:
        """Place an order every 5 s, re-planning now and then, until enough are open."""
        apply_s = []
        while len(dispatcher.open_orders()) < open_orders:
            self.now_s += 5
            apply_s.append(self.place(dispatcher))
            if self.now_s % replan_every_s == 0:
                self.complete_due(dispatcher)
                dispatcher.replan(self.now_s)
        return apply_s

    def time_promise(self, dispatcher: Dispatcher) -> float:
        event = self.order()
        started = time.perf_counter()
        dispatcher.promise(event)
        return time.perf_counter() - started

    def complete_due(self, dispatcher: Dispatcher) -> None:
        """Let couriers finish every committed stop whose ETA has passed."""
        for courier in list(dispatcher.state.couriers.values()):
            stop = courier.committed
            while stop is not None and (stop.eta_s or 0) <= self.now_s:
                kind = PickedUp if stop.kind == "pickup" else Delivered
                dispatcher.apply(
                    kind(courier_id=courier.id, order_id=stop.order_id, at_s=self.now_s)
                )
                stop = dispatcher.state.couriers[courier.id].committed

    @staticmethod
    def statuses(dispatcher: Dispatcher) -> dict[str, int]:
        counts: dict[str, int] = {}
        for order in dispatcher.state.orders.values():
            counts[order.status.value] = counts.get(order.status.value, 0) + 1
        return counts


def _merge_http(quick: bool, metrics: dict[str, float], notes: dict[str, Any]) -> None:
    """Add the service's intake figures, when its benchmark is present."""
    try:
        from benchmarks.dispatch_http import intake_metrics
    except ImportError:
        notes["http"] = "benchmarks.dispatch_http is not present"
        return
    try:
        http = intake_metrics(quick)
    # A failed server must not hide the figures measured above.
    except Exception as error:
        logger.exception("HTTP intake benchmark failed")
        notes["http"] = f"failed: {error}"
        return
    metrics["intake_rps"] = http["intake_rps"]
    metrics["intake_p99_ms"] = http["intake_p99_ms"]
    notes["http"] = http.get("notes", {})
