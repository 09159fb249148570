"""The live dispatcher: applies events, promises at intake, re-plans and commits.

One :class:`Dispatcher` runs one city. ``apply`` validates an event fully
before it changes anything, so a refused event (a :class:`DispatchError`)
leaves the state as it was; after a change the journal records the event and
the state in the same logical step, and a journal failure undoes the change.

Re-planning builds a solver problem from the live state (``dispatch.replan``),
asks the planner for a plan warm-started from the current routes, and commits
each courier's next stop. ``prepare_replan`` / ``commit_replan`` split this so
a service can solve outside its lock; ``replan`` does both.
"""

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from dispatch import stock
from dispatch.domain import (
    PLANNABLE,
    TERMINAL,
    TRANSITIONS,
    CourierRecord,
    DepotRecord,
    DispatchState,
    OrderRecord,
    OrderStatus,
    Outcome,
    PlanView,
    Promise,
    StatusChange,
    Stop,
    UnassignedOrder,
)
from dispatch.errors import (
    DuplicateOrder,
    IllegalTransition,
    InvalidEvent,
    UnknownCourier,
    UnknownOrder,
)
from dispatch.events import (
    CourierOffline,
    CourierOnline,
    CourierPosition,
    Crs,
    Delivered,
    Event,
    OrderCancelled,
    OrderPlaced,
    PickedUp,
    Point,
    Tick,
)
from dispatch.params import DispatchParams
from dispatch.planner import Planner
from dispatch.promise import (
    NO_DEADLINE_S,
    CourierRoute,
    Insertion,
    PickupOption,
    best_insertion,
)
from dispatch.replan import (
    BuiltProblem,
    Nodes,
    build_problem,
    delivery_stop,
    pickup_stop,
    plan_stops,
)
from dispatch.transaction import Transaction
from geo.travel_model import TravelModel
from solver.problem import Plan

logger = logging.getLogger(__name__)

ETA_TOLERANCE_S = 60
"""An order's ETA is rewritten on a re-plan when it moves at least this much."""
MAX_CACHED_ROWS = 100_000
"""Network nodes whose travel times to the depots are kept for promises."""


class Journal(Protocol):
    """Durable record of events; the service's store implements it."""

    def record(
        self, event: Event, state: DispatchState, changed: Mapping[str, list[str]]
    ) -> None:
        """Store ``event`` and the records of ``state`` it changed, atomically.

        ``changed`` names the ids of those records per collection (``orders``,
        ``couriers``, ``depots``).
        """
        ...


class GeocodeResult(Protocol):
    """What a geocoder says about one address."""

    point: tuple[float, float] | None
    confidence: float
    reason: str


class Geocoder(Protocol):
    """Turns an address into a WGS-84 point, or says why it cannot."""

    def geocode(self, address: str, city: str) -> GeocodeResult | None:
        """Return the result for ``address`` in ``city``."""
        ...


@dataclass
class _Located:
    """Where a new order goes and comes from, or why it cannot be placed."""

    dropoff: Point | None = None
    dropoff_node: int | None = None
    shop: Point | None = None
    shop_node: int | None = None
    review: str = ""


@dataclass
class _Assessment:
    located: _Located
    status: OrderStatus
    reason: str
    promise: Promise
    candidates: list[str | None] = field(default_factory=list)
    insertion: Insertion | None = None


class Dispatcher:
    """Orders, couriers and depots of one city, and the plan that serves them.

    Parameters
    ----------
    travel
        Travel times on the city's network (or a planar model).
    depots
        The city's depots with their stock.
    planner
        Finds routes for a solver problem (``OrToolsPlanner`` in production).
    params
        Promise window, re-plan timer, service times.
    journal
        Durable record of every change; ``None`` keeps state in memory only.
    geocoder
        Places orders that come with an address and no point.
    city
        City name passed to the geocoder (default: ``travel.name``).

    Notes
    -----
    Not thread-safe: a service serialises calls (one lock), and can run the
    solver outside that lock with ``prepare_replan`` / ``commit_replan``.
    """

    def __init__(
        self,
        travel: TravelModel,
        depots: Iterable[DepotRecord],
        planner: Planner,
        params: DispatchParams | None = None,
        journal: Journal | None = None,
        *,
        geocoder: Geocoder | None = None,
        city: str | None = None,
    ) -> None:
        self.travel = travel
        self.planner = planner
        self.params = params or DispatchParams()
        self.journal = journal
        self.geocoder = geocoder
        self.city: str = city or str(getattr(travel, "name", ""))
        self._state = DispatchState(
            depots={d.id: d.model_copy(deep=True) for d in depots}
        )
        self._view: PlanView | None = None
        self._depot_node: dict[str, int] = {}
        self._dropoff_node: dict[str, int] = {}
        self._shop_node: dict[str, int] = {}
        self._courier_node: dict[str, int] = {}
        self._route_cache: dict[str, tuple[int, CourierRoute]] = {}
        self._depot_column: dict[str, int] = {}
        self._to_depot_rows: dict[int, np.ndarray] = {}
        self._depot_nodes = np.zeros(0, dtype=np.int64)
        self._snap_depots()
        self._handlers: dict[type, Callable[[Any, Transaction], Outcome]] = {
            OrderPlaced: self._order_placed,
            OrderCancelled: self._order_cancelled,
            CourierOnline: self._courier_online,
            CourierOffline: self._courier_offline,
            CourierPosition: self._courier_position,
            PickedUp: self._picked_up,
            Delivered: self._delivered,
            Tick: self._tick,
        }

    @classmethod
    def restore(
        cls,
        state: DispatchState | dict[str, Any],
        travel: TravelModel,
        planner: Planner,
        params: DispatchParams | None = None,
        journal: Journal | None = None,
        *,
        geocoder: Geocoder | None = None,
        city: str | None = None,
    ) -> "Dispatcher":
        """Rebuild a dispatcher from a saved :class:`DispatchState` (or its JSON).

        Raises
        ------
        ValueError
            When a saved point no longer snaps onto ``travel``'s network.
        """
        state = DispatchState.model_validate(state)
        dispatcher = cls(
            travel,
            state.depots.values(),
            planner,
            params,
            journal,
            geocoder=geocoder,
            city=city,
        )
        dispatcher._state = state.model_copy(deep=True)
        dispatcher._snap_restored()
        logger.info(
            "restored %d orders, %d couriers, %d depots at seq %d",
            len(state.orders),
            len(state.couriers),
            len(state.depots),
            state.seq,
        )
        return dispatcher

    @property
    def state(self) -> DispatchState:
        """Return the live state (read it; copy before changing anything)."""
        return self._state

    @property
    def plan(self) -> PlanView | None:
        """Return the latest plan, or ``None`` before the first re-plan."""
        return self._view

    def order(self, order_id: str) -> OrderRecord:
        """Return an order by id; raise ``UnknownOrder``."""
        try:
            return self._state.orders[order_id]
        except KeyError:
            raise UnknownOrder(order_id) from None

    def courier(self, courier_id: str) -> CourierRecord:
        """Return a courier by id; raise ``UnknownCourier``."""
        try:
            return self._state.couriers[courier_id]
        except KeyError:
            raise UnknownCourier(courier_id) from None

    def route(self, courier_id: str) -> list[Stop]:
        """Return a courier's stops: the committed one first, then the planned ones."""
        courier = self.courier(courier_id)
        head = [courier.committed] if courier.committed is not None else []
        return head + list(courier.route)

    def open_orders(self) -> list[OrderRecord]:
        """Return orders not yet in a terminal status."""
        return [o for o in self._state.orders.values() if o.status not in TERMINAL]

    def apply(self, event: Event) -> Outcome:
        """Apply one event and return what it did.

        Raises
        ------
        DispatchError
            ``UnknownOrder``, ``UnknownCourier``, ``IllegalTransition``,
            ``DuplicateOrder`` or ``InvalidEvent``; the state is unchanged.
        """
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"not a dispatch event: {type(event).__name__}")
        tx = Transaction(self)
        try:
            outcome = handler(event, tx)
            if tx.touched():
                self._finish(event, tx)
        except BaseException:
            tx.rollback()
            raise
        return outcome

    def promise(self, order: OrderPlaced) -> Promise:
        """Say whether ``order`` could be delivered in time, without taking it."""
        tx = Transaction(self)
        try:
            return self._assess(order, tx).promise
        finally:
            tx.rollback()

    def replan_due(self, now_s: int) -> bool:
        """Return whether a tick at ``now_s`` re-plans."""
        last = self._state.last_replan_s
        if last is None:
            return True
        if now_s - last >= self.params.replan_interval_s:
            return True
        return self._state.dirty and now_s - last >= self.params.replan_min_gap_s

    def replan(self, now_s: int) -> PlanView:
        """Plan every open order from the live state and commit next stops."""
        built = self.prepare_replan(now_s)
        plan = self.planner.plan(built.problem, built.warm_start)
        return self.commit_replan(built, plan)

    def prepare_replan(self, now_s: int) -> BuiltProblem:
        """Build the solver problem for the state at ``now_s`` (no state change)."""
        now_s = max(now_s, self._state.now_s)
        started = time.perf_counter()
        built = build_problem(
            self._state, self._nodes(), self.travel, self.params, now_s
        )
        built.build_time_s = time.perf_counter() - started
        logger.debug(
            "built problem: %d orders, %d couriers, %d locations in %.3f s",
            len(built.problem.orders),
            len(built.problem.couriers),
            built.problem.n_locations,
            built.build_time_s,
        )
        return built

    def commit_replan(self, built: BuiltProblem, plan: Plan) -> PlanView:
        """Commit a plan of ``built`` to the live state and return its view.

        Events applied since ``prepare_replan`` win: orders cancelled, picked
        up or delivered meanwhile and committed stops reached meanwhile are
        taken from the live state, not from the plan.
        """
        event = Tick(at_s=built.now_s)
        tx = Transaction(self)
        try:
            view = self._commit(built, plan, tx)
            self._finish(event, tx)
        except BaseException:
            tx.rollback()
            raise
        return view

    # --- events ---------------------------------------------------------------

    def _order_placed(self, event: OrderPlaced, tx: Transaction) -> Outcome:
        existing = self._state.orders.get(event.order_id)
        if existing is not None:
            if existing.placed != event:
                raise DuplicateOrder(event.order_id)
            return Outcome(
                event_type=event.type,
                order_id=existing.id,
                status=existing.intake_status,
                reason=existing.intake_reason,
                promise=existing.promise,
                duplicate=True,
            )
        self._check_forced_depot(event)
        self._advance_clock(event.at_s)
        assessment = self._assess(event, tx)
        record = self._new_order(event, assessment)
        tx.add("orders", record)
        if assessment.status is OrderStatus.ACCEPTED:
            self._accept(record, assessment, event.at_s, tx)
        self._state.dirty = True
        # NOTE: a review reason may quote the address, so it stays out of the log.
        logger.info(
            "order %s %s: %s",
            record.id,
            record.intake_status,
            "see its history"
            if record.intake_status is OrderStatus.NEEDS_REVIEW
            else record.intake_reason,
        )
        return Outcome(
            event_type=event.type,
            order_id=record.id,
            courier_id=record.courier_id,
            status=record.intake_status,
            reason=record.intake_reason,
            promise=record.promise,
        )

    def _order_cancelled(self, event: OrderCancelled, tx: Transaction) -> Outcome:
        order = self.order(event.order_id)
        if order.status is OrderStatus.PICKED_UP:
            raise IllegalTransition(
                f"order {order.id} is already picked up by courier "
                f"{order.courier_id}; it can no longer be cancelled"
            )
        self._check_transition(order, OrderStatus.CANCELLED)
        self._advance_clock(event.at_s)
        order = tx.order(order.id)
        self._unplan(order.id, tx)
        self._release(order, tx)
        self._set_status(order, OrderStatus.CANCELLED, event.at_s, event.reason)
        order.courier_id = None
        self._state.dirty = True
        logger.info("order %s cancelled", order.id)
        return self._order_outcome(event.type, order)

    def _courier_online(self, event: CourierOnline, tx: Transaction) -> Outcome:
        existing = self._state.couriers.get(event.courier_id)
        if existing is not None and existing.online:
            raise IllegalTransition(f"courier {event.courier_id} is already online")
        lon, lat, crs = self._to_model_frame(event.lon, event.lat, event.crs)
        node = self._snap_courier(event.courier_id, lon, lat)
        self._advance_clock(event.at_s)
        if existing is None:
            tx.add(
                "couriers",
                CourierRecord(
                    id=event.courier_id,
                    online=True,
                    lon=lon,
                    lat=lat,
                    crs=crs,
                    position_s=event.at_s,
                    capacity=event.capacity,
                    shift_end_s=event.shift_end_s,
                ),
            )
        else:
            courier = tx.courier(event.courier_id)
            courier.online = True
            courier.lon, courier.lat, courier.crs = lon, lat, crs
            courier.position_s = event.at_s
            courier.capacity = event.capacity
            courier.shift_end_s = event.shift_end_s
        tx.node(self._courier_node, event.courier_id, node)
        self._state.dirty = True
        logger.info("courier %s online until %d", event.courier_id, event.shift_end_s)
        return Outcome(event_type=event.type, courier_id=event.courier_id)

    def _courier_offline(self, event: CourierOffline, tx: Transaction) -> Outcome:
        courier = self.courier(event.courier_id)
        if not courier.online:
            raise IllegalTransition(f"courier {courier.id} is already offline")
        if courier.onboard:
            raise IllegalTransition(
                f"courier {courier.id} still carries orders {courier.onboard}; "
                "deliver them before going offline"
            )
        self._advance_clock(event.at_s)
        courier = tx.courier(courier.id)
        for stop in self.route(courier.id):
            order = tx.order(stop.order_id)
            if order.status is OrderStatus.ASSIGNED:
                self._set_status(
                    order,
                    OrderStatus.ACCEPTED,
                    event.at_s,
                    f"courier {courier.id} went offline; waiting for a new courier",
                )
                order.courier_id = None
        courier.online = False
        courier.committed = None
        courier.route = []
        courier.position_s = event.at_s
        self._state.dirty = True
        logger.info("courier %s offline", courier.id)
        return Outcome(event_type=event.type, courier_id=courier.id)

    def _courier_position(self, event: CourierPosition, tx: Transaction) -> Outcome:
        courier = self.courier(event.courier_id)
        if not courier.online:
            raise IllegalTransition(
                f"courier {courier.id} is offline; bring it online before "
                "reporting positions"
            )
        lon, lat, crs = self._to_model_frame(event.lon, event.lat, event.crs)
        node = self._snap_courier(courier.id, lon, lat)
        self._advance_clock(event.at_s)
        courier = tx.courier(courier.id)
        courier.lon, courier.lat, courier.crs = lon, lat, crs
        courier.position_s = event.at_s
        tx.node(self._courier_node, courier.id, node)
        return Outcome(event_type=event.type, courier_id=courier.id)

    def _picked_up(self, event: PickedUp, tx: Transaction) -> Outcome:
        courier = self.courier(event.courier_id)
        order = self.order(event.order_id)
        if order.status not in (OrderStatus.ACCEPTED, OrderStatus.ASSIGNED):
            raise IllegalTransition(
                f"order {order.id} is {order.status}; only an accepted or assigned "
                "order can be picked up"
            )
        if not courier.online:
            raise IllegalTransition(f"courier {courier.id} is offline")
        load = self._load(courier) + order.size
        if load > courier.capacity:
            raise IllegalTransition(
                f"courier {courier.id} would carry {load} with capacity "
                f"{courier.capacity}; deliver something first"
            )
        self._advance_clock(event.at_s)
        order = tx.order(order.id)
        planned_courier = order.courier_id
        self._unplan(order.id, tx, kind="pickup")
        self._unplan(order.id, tx, kind="delivery", keep_courier=courier.id)
        courier = tx.courier(courier.id)
        if order.depot_id is not None:
            stock.consume(tx.depot(order.depot_id), order.items)
        where = order.depot_id or "the shop"
        reason = f"picked up by courier {courier.id} at {where}"
        if planned_courier not in (None, courier.id):
            reason += f" (planned for courier {planned_courier})"
        self._set_status(order, OrderStatus.PICKED_UP, event.at_s, reason)
        order.courier_id = courier.id
        order.picked_up_s = event.at_s
        courier.onboard.append(order.id)
        lonlat, node = self._pickup_place(order)
        self._move_courier(courier, lonlat, node, event.at_s, tx)
        if not any(s.order_id == order.id for s in self.route(courier.id)):
            courier.route.append(delivery_stop(order, None))
        if courier.committed is None:
            self._promote(courier)
        self._state.dirty = True
        return self._order_outcome(event.type, order)

    def _delivered(self, event: Delivered, tx: Transaction) -> Outcome:
        courier = self.courier(event.courier_id)
        order = self.order(event.order_id)
        if order.status is not OrderStatus.PICKED_UP:
            raise IllegalTransition(
                f"order {order.id} is {order.status}; it must be picked up before "
                "it can be delivered"
            )
        if order.id not in courier.onboard:
            raise IllegalTransition(
                f"order {order.id} is on board courier {order.courier_id}, "
                f"not courier {courier.id}"
            )
        self._advance_clock(event.at_s)
        order = tx.order(order.id)
        courier = tx.courier(courier.id)
        self._unplan(order.id, tx)
        late_s = event.at_s - order.deadline_s
        timing = f"{late_s // 60} min late" if late_s > 0 else "on time"
        self._set_status(
            order,
            OrderStatus.DELIVERED,
            event.at_s,
            f"delivered by courier {courier.id}, {timing}",
        )
        order.delivered_s = event.at_s
        courier.onboard.remove(order.id)
        assert order.dropoff is not None
        self._move_courier(
            courier,
            (order.dropoff.lon, order.dropoff.lat),
            self._dropoff_node[order.id],
            event.at_s,
            tx,
        )
        if courier.committed is None:
            self._promote(courier)
        self._state.dirty = True
        return self._order_outcome(event.type, order)

    def _tick(self, event: Tick, tx: Transaction) -> Outcome:
        if not self.replan_due(event.at_s):
            return Outcome(event_type=event.type)
        self._advance_clock(event.at_s)
        built = self.prepare_replan(event.at_s)
        plan = self.planner.plan(built.problem, built.warm_start)
        view = self._commit(built, plan, tx)
        return Outcome(event_type=event.type, plan=view)

    # --- intake ---------------------------------------------------------------

    def _assess(self, event: OrderPlaced, tx: Transaction) -> _Assessment:
        """Locate, check stock and promise a new order, without keeping anything."""
        if event.review:
            located = _Located(review=f"intake: {event.review}")
            return self._verdict(
                located, OrderStatus.NEEDS_REVIEW, located.review, None, None
            )
        located = self._locate(event, tx)
        if located.review:
            return self._verdict(
                located, OrderStatus.NEEDS_REVIEW, located.review, None, None
            )
        depots = list(self._state.depots.values())
        if event.pickup is not None:
            candidates: list[str | None] = [None]
        elif event.depot_id is not None:
            depot = self._state.depots[event.depot_id]
            short = stock.missing_everywhere([depot], event.items)
            if short:
                return self._verdict(
                    located,
                    OrderStatus.REJECTED,
                    f"out of stock at depot {depot.id}: {_titles(short)}",
                    None,
                    None,
                )
            candidates = [event.depot_id]
        else:
            unknown = stock.unknown_titles(depots, event.items)
            if unknown:
                return self._verdict(
                    located,
                    OrderStatus.NEEDS_REVIEW,
                    f"no depot sells {_titles(unknown)}; check the title(s)",
                    None,
                    None,
                )
            missing = stock.missing_everywhere(depots, event.items)
            if missing:
                return self._verdict(
                    located,
                    OrderStatus.REJECTED,
                    f"out of stock everywhere: {_titles(missing)}",
                    None,
                    None,
                )
            candidates = list(stock.stocking_depots(depots, event.items))
            if not candidates:
                return self._verdict(
                    located,
                    OrderStatus.REJECTED,
                    "no single depot has every title: "
                    + _titles(list(stock.demand(event.items))),
                    None,
                    None,
                )
        deadline_s = self._deadline(event)
        insertion = self._insert(event, located, candidates, deadline_s)
        assessment = self._promise_verdict(event, located, candidates, insertion)
        return assessment

    def _promise_verdict(
        self,
        event: OrderPlaced,
        located: _Located,
        candidates: list[str | None],
        insertion: Insertion | None,
    ) -> _Assessment:
        deadline_s = self._deadline(event)
        if insertion is None:
            reason = "no courier online can take it now"
            status = OrderStatus.ACCEPTED if event.accept_late else OrderStatus.REJECTED
            verdict = self._verdict(located, status, reason, None, candidates[0])
        elif insertion.on_time:
            eta_s = insertion.eta_s
            reason = (
                f"promised by deadline: ETA in {(eta_s - event.at_s) // 60} min, "
                f"{(deadline_s - eta_s) // 60} min to spare"
            )
            verdict = self._verdict(
                located, OrderStatus.ACCEPTED, reason, insertion, None
            )
        else:
            late_min = -((deadline_s - insertion.eta_s) // 60)
            reason = (
                f"cannot make the deadline: best ETA in "
                f"{(insertion.eta_s - event.at_s) // 60} min, {late_min} min late"
            )
            status = OrderStatus.ACCEPTED if event.accept_late else OrderStatus.REJECTED
            verdict = self._verdict(located, status, reason, insertion, None)
        verdict.candidates = candidates
        return verdict

    @staticmethod
    def _verdict(
        located: _Located,
        status: OrderStatus,
        reason: str,
        insertion: Insertion | None,
        depot_id: str | None,
    ) -> _Assessment:
        feasible = insertion is not None and insertion.on_time
        promise = Promise(
            feasible=feasible,
            eta_s=insertion.eta_s if insertion else None,
            depot_id=insertion.pickup.depot_id if insertion else depot_id,
            reason=reason,
            courier_id=insertion.courier_id if insertion else None,
        )
        return _Assessment(located, status, reason, promise, insertion=insertion)

    def _locate(self, event: OrderPlaced, tx: Transaction) -> _Located:
        point = event.dropoff
        if point is None:
            point, review = self._geocode(event)
            if point is None:
                return _Located(review=review)
        try:
            lon, lat, crs = self._to_model_frame(point.lon, point.lat, point.crs)
        except ValueError as error:
            return _Located(review=f"dropoff cannot be converted: {error}")
        dropoff = Point(lon=lon, lat=lat, crs=crs)
        node, review = self._snap(lon, lat, "dropoff")
        if node is None:
            return _Located(dropoff=dropoff, review=review)
        located = _Located(dropoff=dropoff, dropoff_node=node)
        if event.pickup is not None:
            try:
                p_lon, p_lat, p_crs = self._to_model_frame(
                    event.pickup.lon, event.pickup.lat, event.pickup.crs
                )
            except ValueError as error:
                located.review = f"pickup cannot be converted: {error}"
                return located
            located.shop = Point(lon=p_lon, lat=p_lat, crs=p_crs)
            located.shop_node, located.review = self._snap(p_lon, p_lat, "pickup")
        if not located.review:
            tx.node(self._dropoff_node, event.order_id, node)
            if located.shop_node is not None:
                tx.node(self._shop_node, event.order_id, located.shop_node)
        return located

    def _geocode(self, event: OrderPlaced) -> tuple[Point | None, str]:
        if self.geocoder is None:
            return None, "address without a point and no geocoder configured"
        assert event.address is not None
        result = self.geocoder.geocode(event.address, self.city)
        if result is None or result.point is None:
            why = result.reason if result is not None else "no match"
            return None, f"address not found: {why}"
        if result.confidence < self.params.min_geocode_confidence:
            return None, (
                f"address ambiguous (confidence {result.confidence:.2f} < "
                f"{self.params.min_geocode_confidence:.2f}): {result.reason}"
            )
        lon, lat = result.point
        return Point(lon=lon, lat=lat, crs="wgs84"), ""

    def _insert(
        self,
        event: OrderPlaced,
        located: _Located,
        candidates: list[str | None],
        deadline_s: int,
    ) -> Insertion | None:
        assert located.dropoff_node is not None
        now_s = max(event.at_s, self._state.now_s)
        ready_s = event.ready_s if event.ready_s is not None else event.at_s
        options = []
        for depot_id in candidates:
            node = located.shop_node if depot_id is None else self._depot_node[depot_id]
            assert node is not None, "a shop pickup is snapped before insertion"
            column = None if depot_id is None else self._depot_column[depot_id]
            options.append(
                PickupOption(
                    node=node, ready_s=ready_s, depot_id=depot_id, column=column
                )
            )
        return best_insertion(
            self.travel,
            now_s,
            self._courier_routes(now_s),
            options,
            located.dropoff_node,
            deadline_s,
            event.size,
            self.params.pickup_service_s,
            self.params.delivery_service_s,
        )

    def _courier_routes(self, now_s: int) -> list[CourierRoute]:
        """Return the routes of couriers on duty, for insertion (cached per courier)."""
        routes = []
        for courier in self._state.couriers.values():
            if not courier.online or courier.shift_end_s <= now_s:
                continue
            cached = self._route_cache.get(courier.id)
            if cached is None or cached[0] != courier.updated_seq:
                cached = (courier.updated_seq, self._courier_route(courier))
                self._route_cache[courier.id] = cached
            routes.append(cached[1])
        return routes

    def _courier_route(self, courier: CourierRecord) -> CourierRoute:
        nodes = self._nodes()
        orders = self._state.orders
        stops = self.route(courier.id)
        pickup_s, delivery_s = (
            self.params.pickup_service_s,
            self.params.delivery_service_s,
        )
        sizes = [orders[s.order_id].size for s in stops]
        pickups = [s.kind == "pickup" for s in stops]
        stop_nodes = tuple(nodes.of_stop(s) for s in stops)
        to_depot_s = self._to_depots((self._courier_node[courier.id], *stop_nodes))
        return CourierRoute(
            courier_id=courier.id,
            node=self._courier_node[courier.id],
            available_s=courier.position_s,
            capacity=courier.capacity,
            onboard_load=self._load(courier),
            shift_end_s=courier.shift_end_s,
            nodes=stop_nodes,
            eta_s=tuple(
                s.eta_s if s.eta_s is not None else courier.position_s for s in stops
            ),
            service_s=tuple(pickup_s if p else delivery_s for p in pickups),
            deadline_s=tuple(
                NO_DEADLINE_S if p or s.deadline_s is None else s.deadline_s
                for s, p in zip(stops, pickups, strict=True)
            ),
            load_change=tuple(
                n if p else -n for n, p in zip(sizes, pickups, strict=True)
            ),
            committed=courier.committed is not None,
            to_depot_s=to_depot_s,
        )

    def _to_depots(self, origins: tuple[int, ...]) -> np.ndarray:
        """Return travel times from each origin node to each depot (rows cached)."""
        cache = self._to_depot_rows
        missing = sorted({n for n in origins if n not in cache})
        if missing:
            time_s, _ = self.travel.matrix(np.asarray(missing), self._depot_nodes)
            for node, row in zip(missing, time_s, strict=True):
                cache[node] = row
            while len(cache) > MAX_CACHED_ROWS:
                del cache[next(iter(cache))]
        return np.stack([cache[n] for n in origins])

    def _new_order(self, event: OrderPlaced, assessment: _Assessment) -> OrderRecord:
        history = [
            StatusChange(
                status=OrderStatus.PLACED, at_s=event.at_s, reason="order received"
            )
        ]
        if assessment.status is not OrderStatus.ACCEPTED:
            history.append(
                StatusChange(
                    status=assessment.status, at_s=event.at_s, reason=assessment.reason
                )
            )
        return OrderRecord(
            id=event.order_id,
            placed=event,
            status=history[-1].status,
            history=history,
            items=event.items,
            dropoff=assessment.located.dropoff,
            customer=event.customer,
            placed_s=event.at_s,
            deadline_s=self._deadline(event),
            ready_s=event.ready_s if event.ready_s is not None else event.at_s,
            size=event.size,
            forced_depot_id=event.depot_id,
            pickup=assessment.located.shop,
            intake_status=assessment.status,
            intake_reason=assessment.reason,
            promise=assessment.promise,
        )

    def _accept(
        self,
        order: OrderRecord,
        assessment: _Assessment,
        at_s: int,
        tx: Transaction,
    ) -> None:
        self._set_status(order, OrderStatus.ACCEPTED, at_s, assessment.reason)
        insertion = assessment.insertion
        depot_id = assessment.promise.depot_id
        if depot_id is not None:
            stock.reserve(tx.depot(depot_id), order.items)
            order.depot_id = depot_id
        if insertion is None:
            return
        order.promised_eta_s = order.eta_s = insertion.eta_s
        courier = tx.courier(insertion.courier_id)
        self._insert_stops(courier, order, insertion)
        order.courier_id = courier.id
        self._set_status(
            order,
            OrderStatus.ASSIGNED,
            at_s,
            f"inserted on courier {courier.id}'s route, pickup at "
            f"{depot_id or 'the shop'}",
        )

    def _insert_stops(
        self, courier: CourierRecord, order: OrderRecord, insertion: Insertion
    ) -> None:
        offset = 1 if courier.committed is not None else 0
        at = insertion.position - offset
        pickup = pickup_stop(
            self._state, order, insertion.pickup.depot_id, insertion.pickup_eta_s
        )
        delivery = delivery_stop(order, insertion.eta_s)
        later = courier.route[at:]
        if insertion.position < len(self.route(courier.id)):
            later = [
                s.model_copy(update={"eta_s": (s.eta_s or 0) + insertion.added_s})
                for s in later
            ]
        courier.route = [*courier.route[:at], pickup, delivery, *later]
        if courier.committed is None:
            self._promote(courier)

    # --- commit ---------------------------------------------------------------

    def _commit(self, built: BuiltProblem, plan: Plan, tx: Transaction) -> PlanView:
        state = self._state
        now_s = built.now_s
        unassigned = [
            UnassignedOrder(order_id=u.order_id, reason=str(u.reason), detail=u.detail)
            for u in plan.unassigned
        ] + list(built.left_out)
        routes = {
            courier_id: self._reconcile(courier_id, stops, tx, unassigned)
            for courier_id, stops in plan_stops(built, plan, state).items()
        }
        planned_couriers = {c.id for c in built.problem.couriers}
        for courier in state.couriers.values():
            if not courier.online:
                continue
            if courier.id not in planned_couriers and not courier.onboard:
                if courier.committed is not None or courier.route:
                    off_duty = tx.courier(courier.id)
                    off_duty.committed, off_duty.route = None, []
                routes[courier.id] = []
                continue
            routes[courier.id] = self._complete_route(
                courier, routes.get(courier.id, []), built
            )

        for courier_id, stops in routes.items():
            if stops == self.route(courier_id):
                continue
            courier = tx.courier(courier_id)
            committed = courier.committed
            if committed is not None:
                # NOTE: the committed stop is kept as it was committed, ETA
                # included; re-plans change only the stops after it.
                courier.route = [s for s in stops if not _same_stop(s, committed)]
            else:
                courier.committed = stops[0] if stops else None
                courier.committed_s = now_s if stops else None
                courier.route = stops[1:]
        planned = {s.order_id: cid for cid in routes for s in self.route(cid)}
        unassigned = [u for u in unassigned if u.order_id not in planned]
        self._sync_orders(planned, unassigned, now_s, tx)
        state.last_replan_s = now_s
        state.dirty = False
        view = PlanView(
            at_s=now_s,
            routes={cid: self.route(cid) for cid in routes},
            unassigned=unassigned,
            build_time_s=built.build_time_s,
            solve_time_s=plan.solve_time_s,
            objective=plan.objective,
        )
        self._view = view
        logger.info(
            "re-planned at %d: %d orders on %d routes, %d unassigned, "
            "build %.3f s, solve %.3f s",
            now_s,
            len(planned),
            sum(1 for stops in routes.values() if stops),
            len(unassigned),
            built.build_time_s,
            plan.solve_time_s,
        )
        return view

    def _reconcile(
        self,
        courier_id: str,
        stops: list[Stop],
        tx: Transaction,
        unassigned: list[UnassignedOrder],
    ) -> list[Stop]:
        """Drop planned stops that events since the problem was built made moot.

        A delivery whose pickup is neither on board nor earlier on the same
        route, or a pickup that overfills the bag, is a defect of the plan: the
        order's stops are dropped, the defect logged and the order reported
        unassigned, so no courier is sent to do what it cannot.
        """
        courier = self._state.couriers.get(courier_id)
        if courier is None or not courier.online:
            return []
        kept = []
        dropped: set[str] = set()
        picked: set[str] = set()
        load = self._load(courier)
        for stop in stops:
            order = self._state.orders[stop.order_id]
            if stop.kind == "pickup":
                if order.status not in (OrderStatus.ACCEPTED, OrderStatus.ASSIGNED):
                    continue
                if load + order.size > courier.capacity:
                    dropped.add(order.id)
                    unassigned.append(
                        _invalid_plan(order.id, courier_id, "exceeds the bag capacity")
                    )
                    continue
                picked.add(order.id)
                if not self._move_reservation(order, stop.depot_id, tx):
                    dropped.add(order.id)
                    unassigned.append(
                        UnassignedOrder(
                            order_id=order.id,
                            reason="stock_taken",
                            detail=f"depot {stop.depot_id} ran short; next plan",
                        )
                    )
                    continue
            elif (
                order.id in dropped
                or order.status not in PLANNABLE
                or (
                    order.status is OrderStatus.PICKED_UP
                    and order.id not in courier.onboard
                )
            ):
                continue
            elif order.status is not OrderStatus.PICKED_UP and order.id not in picked:
                unassigned.append(
                    _invalid_plan(order.id, courier_id, "delivered before any pickup")
                )
                continue
            load += order.size if stop.kind == "pickup" else -order.size
            kept.append(stop)
        return kept

    def _complete_route(
        self, courier: CourierRecord, stops: list[Stop], built: BuiltProblem
    ) -> list[Stop]:
        """Add to a planned route what the plan could not know about.

        Stops of orders placed after the problem was built stay where the
        promise put them, and every order on board keeps a delivery stop.
        """
        orders = self._state.orders
        index = built.problem.order_index
        newer = [
            s
            for s in self.route(courier.id)
            if s.order_id not in index and orders[s.order_id].status in PLANNABLE
        ]
        stops = stops + newer
        delivering = {s.order_id for s in stops if s.kind == "delivery"}
        for order_id in courier.onboard:
            if order_id not in delivering:
                stops.append(delivery_stop(orders[order_id], None))
        return stops

    def _move_reservation(
        self, order: OrderRecord, depot_id: str | None, tx: Transaction
    ) -> bool:
        if depot_id is None or depot_id == order.depot_id:
            return True
        target = self._state.depots[depot_id]
        if stock.stocking_depots([target], order.items) != [depot_id]:
            return False
        order = tx.order(order.id)
        self._release(order, tx)
        stock.reserve(tx.depot(depot_id), order.items)
        order.depot_id = depot_id
        return True

    def _sync_orders(
        self,
        planned: dict[str, str],
        unassigned: list[UnassignedOrder],
        now_s: int,
        tx: Transaction,
    ) -> None:
        """Bring each open order's status, courier and ETA in line with the plan."""
        etas = {
            s.order_id: s.eta_s
            for cid in planned.values()
            for s in self.route(cid)
            if s.kind == "delivery"
        }
        why = {u.order_id: u for u in unassigned}
        for order in list(self._state.orders.values()):
            if order.status not in PLANNABLE:
                continue
            courier_id = planned.get(order.id)
            if order.status is OrderStatus.PICKED_UP:
                if _eta_moved(order.eta_s, etas.get(order.id)):
                    tx.order(order.id).eta_s = etas.get(order.id)
                continue
            if courier_id is None:
                if order.status is OrderStatus.ASSIGNED:
                    order = tx.order(order.id)
                    u = why.get(order.id)
                    detail = f"{u.reason} {u.detail}".strip() if u else "not planned"
                    self._set_status(
                        order,
                        OrderStatus.ACCEPTED,
                        now_s,
                        f"left out of the plan: {detail}",
                    )
                    order.courier_id = None
                    order.eta_s = None
                continue
            if order.courier_id == courier_id and not _eta_moved(
                order.eta_s, etas.get(order.id)
            ):
                continue
            order = tx.order(order.id)
            if order.status is OrderStatus.ACCEPTED:
                self._set_status(
                    order,
                    OrderStatus.ASSIGNED,
                    now_s,
                    f"planned on courier {courier_id}, pickup at "
                    f"{order.depot_id or 'the shop'}",
                )
            elif order.courier_id != courier_id:
                logger.debug(
                    "order %s moved from courier %s to %s",
                    order.id,
                    order.courier_id,
                    courier_id,
                )
            order.courier_id = courier_id
            order.eta_s = etas.get(order.id)

    # --- helpers --------------------------------------------------------------

    def _finish(self, event: Event, tx: Transaction) -> None:
        state = self._state
        state.seq += 1
        tx.stamp(state.seq)
        if self.journal is not None:
            self.journal.record(event, state, tx.changed())

    def _advance_clock(self, at_s: int) -> None:
        self._state.now_s = max(self._state.now_s, at_s)

    def _deadline(self, event: OrderPlaced) -> int:
        if event.deadline_s is not None:
            return event.deadline_s
        return event.at_s + self.params.promise_window_s

    def _check_forced_depot(self, event: OrderPlaced) -> None:
        if event.depot_id is not None and event.depot_id not in self._state.depots:
            raise InvalidEvent(
                f"depot_id={event.depot_id!r} is not a depot of this city; "
                f"known depots: {sorted(self._state.depots)}"
            )

    @staticmethod
    def _check_transition(order: OrderRecord, status: OrderStatus) -> None:
        if status not in TRANSITIONS[order.status]:
            raise IllegalTransition(
                f"order {order.id} is {order.status}; it cannot become {status}"
            )

    def _set_status(
        self, order: OrderRecord, status: OrderStatus, at_s: int, reason: str
    ) -> None:
        self._check_transition(order, status)
        order.status = status
        order.history.append(StatusChange(status=status, at_s=at_s, reason=reason))

    def _order_outcome(self, event_type: str, order: OrderRecord) -> Outcome:
        return Outcome(
            event_type=event_type,
            order_id=order.id,
            courier_id=order.courier_id,
            status=order.status,
            reason=order.reason,
        )

    def _release(self, order: OrderRecord, tx: Transaction) -> None:
        if order.depot_id is not None and order.status not in (
            OrderStatus.PICKED_UP,
            *TERMINAL,
        ):
            stock.release(tx.depot(order.depot_id), order.items)
            order.depot_id = None

    def _unplan(
        self,
        order_id: str,
        tx: Transaction,
        kind: str | None = None,
        keep_courier: str | None = None,
    ) -> None:
        """Remove an order's stops (of one ``kind``, or all) from couriers' routes.

        A courier whose committed stop is removed rides on to its next stop.
        """

        def hit(stop: Stop | None) -> bool:
            return (
                stop is not None
                and stop.order_id == order_id
                and (kind is None or stop.kind == kind)
            )

        for courier in list(self._state.couriers.values()):
            if courier.id == keep_courier:
                continue
            committed_hit = hit(courier.committed)
            if not (committed_hit or any(hit(s) for s in courier.route)):
                continue
            courier = tx.courier(courier.id)
            courier.route = [s for s in courier.route if not hit(s)]
            if committed_hit:
                courier.committed = None
                self._promote(courier)

    def _promote(self, courier: CourierRecord) -> None:
        """Commit the courier's next planned stop: it rides there now."""
        if courier.route:
            courier.committed = courier.route[0]
            courier.committed_s = self._state.now_s
            courier.route = courier.route[1:]

    def _move_courier(
        self,
        courier: CourierRecord,
        lonlat: tuple[float, float],
        node: int,
        at_s: int,
        tx: Transaction,
    ) -> None:
        """Put a courier where it just picked up or delivered."""
        courier.lon, courier.lat = lonlat
        courier.position_s = at_s
        tx.node(self._courier_node, courier.id, node)

    def _pickup_place(self, order: OrderRecord) -> tuple[tuple[float, float], int]:
        if order.depot_id is not None:
            depot = self._state.depots[order.depot_id]
            return (depot.lon, depot.lat), self._depot_node[depot.id]
        assert order.pickup is not None
        return (order.pickup.lon, order.pickup.lat), self._shop_node[order.id]

    def _load(self, courier: CourierRecord) -> int:
        orders = self._state.orders
        return sum(orders[o].size for o in courier.onboard)

    def _nodes(self) -> Nodes:
        return Nodes(
            depot=self._depot_node,
            dropoff=self._dropoff_node,
            shop=self._shop_node,
            courier=self._courier_node,
        )

    def _to_model_frame(
        self, lon: float, lat: float, crs: Crs
    ) -> tuple[float, float, Crs]:
        """Return a point in the travel model's frame (WGS-84, or x/y metres)."""
        if crs in ("wgs84", "xy_m"):
            return float(lon), float(lat), crs
        from geo.coords import to_wgs84

        wgs_lon, wgs_lat = to_wgs84(lon, lat, crs)
        return float(wgs_lon), float(wgs_lat), "wgs84"

    def _snap(self, lon: float, lat: float, what: str) -> tuple[int | None, str]:
        """Return the network node of a point, or ``None`` and the reason."""
        try:
            snapped = self.travel.snap(np.asarray([[lon, lat]], dtype=float))
        except ValueError as error:
            return None, f"{what} is off the road network: {error}"
        distance_m = float(snapped.distance_m[0])
        if distance_m > self.params.max_snap_distance_m:
            return None, (
                f"{what} is {distance_m:.0f} m from the nearest road "
                f"(limit {self.params.max_snap_distance_m:.0f} m)"
            )
        return int(snapped.nodes[0]), ""

    def _snap_courier(self, courier_id: str, lon: float, lat: float) -> int:
        node, reason = self._snap(lon, lat, f"courier {courier_id}")
        if node is None:
            raise InvalidEvent(reason)
        return node

    def _snap_depots(self) -> None:
        depots = list(self._state.depots.values())
        if not depots:
            return
        points = np.asarray([[d.lon, d.lat] for d in depots], dtype=float)
        snapped = self.travel.snap(points)
        for column, (depot, node) in enumerate(zip(depots, snapped.nodes, strict=True)):
            self._depot_node[depot.id] = int(node)
            self._depot_column[depot.id] = column
        self._depot_nodes = np.asarray([self._depot_node[d.id] for d in depots])

    def _snap_restored(self) -> None:
        """Snap every point of a restored state that plans may need."""
        for courier in self._state.couriers.values():
            if courier.online:
                self._courier_node[courier.id] = self._snap_courier(
                    courier.id, courier.lon, courier.lat
                )
        for order in self._state.orders.values():
            if order.status in TERMINAL or order.dropoff is None:
                continue
            if order.status is OrderStatus.NEEDS_REVIEW:
                continue
            node, reason = self._snap(order.dropoff.lon, order.dropoff.lat, "dropoff")
            if node is None:
                raise ValueError(f"restored order {order.id}: {reason}")
            self._dropoff_node[order.id] = node
            if order.pickup is not None:
                shop, reason = self._snap(order.pickup.lon, order.pickup.lat, "pickup")
                if shop is None:
                    raise ValueError(f"restored order {order.id}: {reason}")
                self._shop_node[order.id] = shop


def _invalid_plan(order_id: str, courier_id: str, defect: str) -> UnassignedOrder:
    """Log a planner defect and return the order's unassigned entry."""
    logger.warning(
        "plan for courier %s is invalid for order %s (%s); order left out",
        courier_id,
        order_id,
        defect,
    )
    return UnassignedOrder(
        order_id=order_id, reason="invalid_plan", detail=f"the plan {defect}"
    )


def _eta_moved(old_s: int | None, new_s: int | None) -> bool:
    """Return whether an order's ETA changed enough to rewrite the order.

    Notes
    -----
    Every re-plan shifts ETAs by seconds; rewriting (and journalling) every
    open order for that would dominate a re-plan's commit. Routes always carry
    the exact ETAs.
    """
    if old_s is None or new_s is None:
        return old_s != new_s
    return abs(new_s - old_s) >= ETA_TOLERANCE_S


def _titles(titles: list[str]) -> str:
    return "、".join(f"《{t}》" for t in titles)


def _same_stop(a: Stop, b: Stop) -> bool:
    return a.order_id == b.order_id and a.kind == b.kind
