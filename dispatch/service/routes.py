"""Endpoints: orders, couriers, the plan, depots, the change stream and the map."""

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from dispatch.domain import (
    TERMINAL,
    CourierRecord,
    DepotRecord,
    OrderRecord,
    OrderStatus,
    PlanView,
    Promise,
    Stop,
)
from dispatch.errors import UnknownCourier, UnknownOrder
from dispatch.events import (
    CourierOffline,
    CourierOnline,
    CourierPosition,
    Delivered,
    OrderCancelled,
    OrderPlaced,
    PickedUp,
)
from dispatch.service.auth import CourierSelf, DispatcherOnly
from dispatch.service.bodies import (
    CancelBody,
    OnlineBody,
    OrderBody,
    PositionBody,
    TimeBody,
)
from dispatch.service.runtime import DispatchRuntime
from dispatch.service.views import courier_view, depot_view, order_view

logger = logging.getLogger(__name__)

STREAM_PING_S = 15.0
MAP_FINISHED_WITHIN_S = 2 * 3600
"""The map shows finished orders for this long, then only open ones."""
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

orders = APIRouter(prefix="/orders", tags=["orders"])
couriers = APIRouter(prefix="/couriers", tags=["couriers"])
planning = APIRouter(tags=["plan"])
live = APIRouter(tags=["map"])


class PlacedOrder(BaseModel):
    """The answer to a new order: the order as kept, and the promise made."""

    order: OrderRecord
    promise: Promise | None
    duplicate: bool


class Health(BaseModel):
    """Liveness and counts."""

    status: str
    city: str
    orders: int
    couriers: int
    replans: int


def _runtime(request: Request) -> DispatchRuntime:
    runtime: DispatchRuntime = request.app.state.runtime
    return runtime


def _order(runtime: DispatchRuntime, order_id: str) -> OrderRecord:
    def read(dispatcher: Any) -> OrderRecord:
        found: OrderRecord | None = dispatcher.state.orders.get(order_id)
        if found is None:
            raise UnknownOrder(order_id)
        return found.model_copy(deep=True)

    return runtime.read(read)


def _courier(runtime: DispatchRuntime, courier_id: str) -> CourierRecord:
    def read(dispatcher: Any) -> CourierRecord:
        found: CourierRecord | None = dispatcher.state.couriers.get(courier_id)
        if found is None:
            raise UnknownCourier(courier_id)
        return found.model_copy(deep=True)

    return runtime.read(read)


@orders.post(
    "",
    response_model=PlacedOrder,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The same order was placed before."}},
)
async def place_order(
    body: OrderBody, request: Request, _: DispatcherOnly
) -> JSONResponse:
    """Place an order and return the promise: ETA, depot, on time or not.

    An order id sent again with the same payload returns the first answer
    (200); with a different payload it is refused (409). An order that cannot
    be at the door by its deadline is rejected unless ``accept_late`` is set.
    """
    runtime = _runtime(request)
    fields = body.model_dump(exclude_unset=True)
    if fields.get("at_s") is None:
        fields["at_s"] = _placed_at(runtime, body.order_id)
    event = OrderPlaced.model_validate(fields)
    outcome = runtime.apply(event)
    order = runtime.read(
        lambda d: d.state.orders[event.order_id].model_dump(mode="json")
    )
    answer = {
        "order": order,
        "promise": outcome.promise.model_dump(mode="json") if outcome.promise else None,
        "duplicate": outcome.duplicate,
    }
    code = status.HTTP_200_OK if outcome.duplicate else status.HTTP_201_CREATED
    return JSONResponse(answer, code)


def _placed_at(runtime: DispatchRuntime, order_id: str) -> int:
    """Return the time of an earlier placement of ``order_id``, else now.

    A retry without ``at_s`` must compare equal to the first placement, so it
    reuses that placement's time.
    """

    def read(dispatcher: Any) -> int | None:
        existing = dispatcher.state.orders.get(order_id)
        return existing.placed.at_s if existing is not None else None

    earlier = runtime.read(read)
    return earlier if earlier is not None else runtime.now_s()


@orders.get("", response_model=list[OrderRecord])
async def list_orders(
    request: Request,
    _: DispatcherOnly,
    status_: OrderStatus | None = Query(None, alias="status"),
) -> list[OrderRecord]:
    """List orders, optionally of one status."""

    def read(dispatcher: Any) -> list[OrderRecord]:
        return [
            order.model_copy(deep=True)
            for order in dispatcher.state.orders.values()
            if status_ is None or order.status == status_
        ]

    return _runtime(request).read(read)


@orders.get("/{order_id}", response_model=OrderRecord)
async def get_order(order_id: str, request: Request, _: DispatcherOnly) -> OrderRecord:
    """Return one order with its status history."""
    return _order(_runtime(request), order_id)


@orders.post("/{order_id}/cancel", response_model=OrderRecord)
async def cancel_order(
    order_id: str, request: Request, _: DispatcherOnly, body: CancelBody | None = None
) -> OrderRecord:
    """Cancel an order that has not been picked up; its stock is released."""
    runtime = _runtime(request)
    fields = _fields(runtime, body)
    runtime.apply(OrderCancelled(order_id=order_id, **fields))
    return _order(runtime, order_id)


def _fields(runtime: DispatchRuntime, body: BaseModel | None) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True) if body is not None else {}
    if fields.get("at_s") is None:
        fields["at_s"] = runtime.now_s()
    return fields


@couriers.get("", response_model=list[CourierRecord])
async def list_couriers(request: Request, _: DispatcherOnly) -> list[CourierRecord]:
    """List every courier with position, load and route."""
    return _runtime(request).read(
        lambda d: [c.model_copy(deep=True) for c in d.state.couriers.values()]
    )


@couriers.get("/{courier_id}", response_model=CourierRecord)
async def get_courier(
    courier_id: str, request: Request, _: CourierSelf
) -> CourierRecord:
    """Return one courier (couriers may read only themselves)."""
    return _courier(_runtime(request), courier_id)


@couriers.post("/{courier_id}/online", response_model=CourierRecord)
async def courier_online(
    courier_id: str, body: OnlineBody, request: Request, _: CourierSelf
) -> CourierRecord:
    """Start a courier's shift at a position (a new courier id registers it)."""
    runtime = _runtime(request)
    fields = _fields(runtime, body)
    runtime.apply(CourierOnline(courier_id=courier_id, **fields))
    return _courier(runtime, courier_id)


@couriers.post("/{courier_id}/offline", response_model=CourierRecord)
async def courier_offline(
    courier_id: str, request: Request, _: CourierSelf, body: TimeBody | None = None
) -> CourierRecord:
    """End a courier's shift; refused (409) while they carry orders."""
    runtime = _runtime(request)
    runtime.apply(CourierOffline(courier_id=courier_id, **_fields(runtime, body)))
    return _courier(runtime, courier_id)


@couriers.post("/{courier_id}/position", response_model=CourierRecord)
async def courier_position(
    courier_id: str, body: PositionBody, request: Request, _: CourierSelf
) -> CourierRecord:
    """Report where a courier is."""
    runtime = _runtime(request)
    runtime.apply(CourierPosition(courier_id=courier_id, **_fields(runtime, body)))
    return _courier(runtime, courier_id)


@couriers.post("/{courier_id}/orders/{order_id}/picked-up", response_model=OrderRecord)
async def picked_up(
    courier_id: str,
    order_id: str,
    request: Request,
    _: CourierSelf,
    body: TimeBody | None = None,
) -> OrderRecord:
    """Report that the courier picked the order up; its stock is consumed."""
    runtime = _runtime(request)
    fields = _fields(runtime, body)
    runtime.apply(PickedUp(courier_id=courier_id, order_id=order_id, **fields))
    return _order(runtime, order_id)


@couriers.post("/{courier_id}/orders/{order_id}/delivered", response_model=OrderRecord)
async def delivered(
    courier_id: str,
    order_id: str,
    request: Request,
    _: CourierSelf,
    body: TimeBody | None = None,
) -> OrderRecord:
    """Report that the courier handed the order over at the door."""
    runtime = _runtime(request)
    fields = _fields(runtime, body)
    runtime.apply(Delivered(courier_id=courier_id, order_id=order_id, **fields))
    return _order(runtime, order_id)


@couriers.get("/{courier_id}/route", response_model=list[Stop])
async def courier_route(
    courier_id: str, request: Request, _: CourierSelf
) -> list[Stop]:
    """Return the courier's stops, the committed one first."""

    def read(dispatcher: Any) -> list[Stop]:
        if courier_id not in dispatcher.state.couriers:
            raise UnknownCourier(courier_id)
        return [stop.model_copy() for stop in dispatcher.route(courier_id)]

    return _runtime(request).read(read)


@planning.get("/plan", response_model=PlanView | None)
async def current_plan(request: Request, _: DispatcherOnly) -> PlanView | None:
    """Return the latest plan (``null`` before the first re-plan)."""
    plan: PlanView | None = _runtime(request).read(lambda d: d.plan)
    return plan


@planning.post("/plan/replan", response_model=PlanView)
async def replan_now(request: Request, _: DispatcherOnly) -> PlanView:
    """Re-plan now instead of waiting for the timer, and return the plan."""
    plan: PlanView = await asyncio.to_thread(_runtime(request).replan)
    return plan


@planning.get("/events")
async def event_log(
    request: Request,
    _: DispatcherOnly,
    after_id: int = Query(0, ge=0, description="Only events with a larger id."),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Return the journal: every applied event in order, each with its id."""
    store = _runtime(request).store
    events: list[dict[str, Any]] = await asyncio.to_thread(
        store.events, after_id, limit
    )
    return events


@planning.get("/depots", response_model=list[DepotRecord])
async def list_depots(request: Request, _: DispatcherOnly) -> list[DepotRecord]:
    """List depots with stock on the shelf and copies reserved per title."""
    return _runtime(request).read(
        lambda d: [depot.model_copy(deep=True) for depot in d.state.depots.values()]
    )


@live.get("/healthz", response_model=Health)
async def health(request: Request) -> Health:
    """Say the service is up (no token needed)."""
    runtime = _runtime(request)
    return runtime.read(
        lambda d: Health(
            status="ok",
            city=runtime.settings.city,
            orders=len(d.state.orders),
            couriers=len(d.state.couriers),
            replans=runtime.replans,
        )
    )


@live.get("/map/state")
async def map_state(
    request: Request,
    _: DispatcherOnly,
    finished_within_s: int = Query(
        MAP_FINISHED_WITHIN_S,
        ge=0,
        description="Also show orders delivered, rejected or cancelled this recently.",
    ),
) -> dict[str, Any]:
    """Return everything the map draws, without customer details.

    Open orders are always shown; finished ones only for a while.
    """
    runtime = _runtime(request)
    since_s = runtime.now_s() - finished_within_s

    def read(dispatcher: Any) -> dict[str, Any]:
        state = dispatcher.state
        shown = [
            o
            for o in state.orders.values()
            if o.status not in TERMINAL or o.history[-1].at_s > since_s
        ]
        return {
            "city": runtime.settings.city,
            "now_s": runtime.now_s(),
            "orders": [order_view(o.model_dump(mode="json")) for o in shown],
            "couriers": [
                courier_view(c.model_dump(mode="json")) for c in state.couriers.values()
            ],
            "depots": [
                depot_view(d.model_dump(mode="json")) for d in state.depots.values()
            ],
        }

    return runtime.read(read)


@live.get("/map/network")
async def map_network(request: Request) -> dict[str, Any]:
    """Return the road network as polylines in WGS-84 (public OSM data, no token)."""
    network: dict[str, Any] = request.app.state.network
    return network


@live.get("/stream", response_class=EventSourceResponse)
async def stream(request: Request, _: DispatcherOnly) -> AsyncIterator[ServerSentEvent]:
    """Stream changes as server-sent events (order, courier, depot, plan).

    Data carries no customer details. After a ``resync`` event the client
    should reload ``/map/state``.
    """
    broadcaster = _runtime(request).broadcaster
    queue = broadcaster.subscribe()
    try:
        yield ServerSentEvent(event="hello", data={"connected": True})
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), STREAM_PING_S)
            except TimeoutError:
                yield ServerSentEvent(comment="ping")
                continue
            yield ServerSentEvent(
                id=str(message.id), event=message.kind, data=message.data
            )
    finally:
        broadcaster.unsubscribe(queue)


@live.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    """Send a browser to the live map."""
    return RedirectResponse("/map")


@live.get("/map", include_in_schema=False)
async def map_page() -> FileResponse:
    """Serve the live map page."""
    return FileResponse(STATIC_DIR / "map.html")


ROUTERS = (orders, couriers, planning, live)
