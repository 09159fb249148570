"""The live business as data: orders, couriers, depots, stops and plans.

:class:`DispatchState` is everything the dispatcher knows, serialisable with
pydantic (``model_dump_json``) and enough to rebuild a dispatcher with
``Dispatcher.restore``. Each record carries ``updated_seq``, the state's event
sequence number when the record last changed, so a store can write only the
records an event touched.
"""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatch.events import Customer, ItemLine, OrderPlaced, Point


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    PLACED = "placed"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


TERMINAL = frozenset(
    {OrderStatus.DELIVERED, OrderStatus.REJECTED, OrderStatus.CANCELLED}
)
"""Statuses an order never leaves."""

PLANNABLE = frozenset(
    {OrderStatus.ACCEPTED, OrderStatus.ASSIGNED, OrderStatus.PICKED_UP}
)
"""Statuses of orders the plan serves."""

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset(
        {
            OrderStatus.ACCEPTED,
            OrderStatus.NEEDS_REVIEW,
            OrderStatus.REJECTED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.ACCEPTED: frozenset(
        {OrderStatus.ASSIGNED, OrderStatus.PICKED_UP, OrderStatus.CANCELLED}
    ),
    OrderStatus.ASSIGNED: frozenset(
        {OrderStatus.ACCEPTED, OrderStatus.PICKED_UP, OrderStatus.CANCELLED}
    ),
    OrderStatus.PICKED_UP: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.NEEDS_REVIEW: frozenset({OrderStatus.CANCELLED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
"""Every status change the dispatcher makes; anything else is illegal."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class StatusChange(_Record):
    """One change of an order's status: when, to what, and why."""

    status: OrderStatus
    at_s: int
    reason: str


class Stop(_Record):
    """A place a courier goes to pick up or deliver one order.

    ``depot_id`` names the depot of a pickup (``None`` for a shop pickup or a
    delivery); ``eta_s`` is the planned arrival on the dispatcher's clock.
    """

    order_id: str
    kind: Literal["pickup", "delivery"]
    lon: float
    lat: float
    depot_id: str | None = None
    eta_s: int | None = None
    deadline_s: int | None = None


class Promise(_Record):
    """The answer at intake: can the order be at the door by its deadline, and when.

    ``eta_s`` is the best arrival found (``None`` when no courier can serve it
    at all); ``depot_id`` the depot it would be picked up at.
    """

    feasible: bool
    eta_s: int | None
    depot_id: str | None
    reason: str
    courier_id: str | None = None


class OrderRecord(_Record):
    """An order as the dispatcher keeps it.

    ``dropoff`` is WGS-84 (or x/y metres) after any CRS conversion or
    geocoding; ``placed`` is the event as received, for idempotent retries.
    ``depot_id`` is the depot holding its stock (reserved), ``courier_id`` the
    courier the current plan gives it.
    """

    id: str
    placed: OrderPlaced
    status: OrderStatus
    history: list[StatusChange]
    items: tuple[ItemLine, ...]
    dropoff: Point | None
    customer: Customer | None = None
    placed_s: int
    deadline_s: int
    ready_s: int
    size: int = 1
    forced_depot_id: str | None = None
    pickup: Point | None = None
    depot_id: str | None = None
    courier_id: str | None = None
    promised_eta_s: int | None = None
    eta_s: int | None = None
    intake_status: OrderStatus
    intake_reason: str = ""
    promise: Promise | None = None
    picked_up_s: int | None = None
    delivered_s: int | None = None
    updated_seq: int = 0

    @property
    def reason(self) -> str:
        """Return the reason of the latest status change."""
        return self.history[-1].reason


class CourierRecord(_Record):
    """A courier: where they are, what they carry, where they ride next.

    ``committed`` is the stop the courier is riding to (never moved by a
    re-plan); ``route`` the planned stops after it.
    """

    id: str
    online: bool
    lon: float
    lat: float
    crs: Literal["wgs84", "gcj02", "bd09", "xy_m"] = "wgs84"
    """Frame of ``lon``/``lat``: always WGS-84 or x/y metres once received."""
    position_s: int
    capacity: int
    shift_end_s: int
    onboard: list[str] = Field(default_factory=list)
    committed: Stop | None = None
    committed_s: int | None = None
    """When the courier was sent to its committed stop."""
    route: list[Stop] = Field(default_factory=list)
    updated_seq: int = 0


class DepotRecord(_Record):
    """A depot: where it is and its stock per catalogue title.

    ``stock`` counts copies on the shelf, ``reserved`` the copies promised to
    orders not yet picked up; free stock is the difference.
    """

    id: str
    name: str = ""
    lon: float
    lat: float
    stock: dict[str, int] = Field(default_factory=dict)
    reserved: dict[str, int] = Field(default_factory=dict)
    updated_seq: int = 0

    def free(self, title: str) -> int:
        """Return the copies of a title not yet promised to an order."""
        return self.stock.get(title, 0) - self.reserved.get(title, 0)


class DispatchState(_Record):
    """Everything the dispatcher knows; serialisable and restorable."""

    seq: int = 0
    """Number of state changes so far."""
    now_s: int = 0
    """Clock of the latest event applied."""
    last_replan_s: int | None = None
    dirty: bool = False
    """Something changed since the last plan."""
    orders: dict[str, OrderRecord] = Field(default_factory=dict)
    couriers: dict[str, CourierRecord] = Field(default_factory=dict)
    depots: dict[str, DepotRecord] = Field(default_factory=dict)


class UnassignedOrder(_Record):
    """An order the latest plan leaves out, and why."""

    order_id: str
    reason: str
    detail: str = ""


class PlanView(_Record):
    """The latest plan on the dispatcher's clock: routes, unassigned, timings."""

    at_s: int
    routes: dict[str, list[Stop]]
    unassigned: list[UnassignedOrder]
    build_time_s: float
    solve_time_s: float
    objective: int


class Outcome(_Record):
    """What applying one event did.

    For an order event, ``status`` and ``reason`` are the order's after the
    event (for a duplicate placement, those of the original intake) and
    ``promise`` the intake answer. ``plan`` is set when a tick re-planned.
    """

    event_type: str
    order_id: str | None = None
    courier_id: str | None = None
    status: OrderStatus | None = None
    reason: str = ""
    promise: Promise | None = None
    duplicate: bool = False
    plan: PlanView | None = None
