"""What happens in the world, as events the dispatcher applies one at a time.

Every event carries ``at_s``: integer seconds on the one clock the caller uses
(the service uses Unix seconds, the simulator seconds from the stream start).
``Event`` is a discriminated union on the field ``type``; parse untrusted JSON
with :func:`parse_event`.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Crs = Literal["wgs84", "gcj02", "bd09", "xy_m"]
"""Coordinate frames a caller may declare; everything inside is WGS-84 or x/y metres."""

MAX_ID_LENGTH = 64
MAX_ADDRESS_LENGTH = 500
MAX_ITEM_LINES = 50


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Point(_Frozen):
    """A point as the caller gives it: lon/lat degrees, or x/y metres for ``xy_m``."""

    lon: float
    lat: float
    crs: Crs = "wgs84"

    @model_validator(mode="after")
    def _check_range(self) -> "Point":
        if self.crs != "xy_m" and not (
            -180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0
        ):
            raise ValueError(
                f"point ({self.lon}, {self.lat}) in {self.crs} is outside "
                "lon [-180, 180], lat [-90, 90]"
            )
        return self


class ItemLine(_Frozen):
    """A catalogue title and how many copies."""

    title: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=100)


class Customer(_Frozen):
    """Who receives the order; never logged in full."""

    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32)


class _Event(_Frozen):
    at_s: int = Field(ge=0)


class OrderPlaced(_Event):
    """A customer places an order.

    ``dropoff`` or ``address`` is required; an address alone is geocoded.
    ``deadline_s`` defaults to ``at_s`` + the promise window (one hour),
    ``ready_s`` to ``at_s``. ``depot_id`` forces the pickup depot and
    ``pickup`` names a shop to pick up from (both for replays of other data).
    """

    type: Literal["order_placed"] = "order_placed"
    order_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    items: tuple[ItemLine, ...] = Field(default=(), max_length=MAX_ITEM_LINES)
    dropoff: Point | None = None
    address: str | None = Field(default=None, max_length=MAX_ADDRESS_LENGTH)
    customer: Customer | None = None
    deadline_s: int | None = Field(default=None, ge=0)
    ready_s: int | None = Field(default=None, ge=0)
    depot_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)
    pickup: Point | None = None
    size: int = Field(default=1, ge=1, le=100)
    accept_late: bool = False
    review: str | None = Field(default=None, max_length=4000)
    """Set by intake when a parsed message is incomplete: the order is kept with
    status needs_review and this reason (dropoff and address may then be absent)."""

    @model_validator(mode="after")
    def _check_consistent(self) -> "OrderPlaced":
        if self.review:
            return self
        if self.dropoff is None and not (self.address and self.address.strip()):
            raise ValueError("dropoff or address is required; neither was given")
        if self.depot_id is not None and self.pickup is not None:
            raise ValueError("give depot_id or pickup, not both")
        if self.deadline_s is not None and self.deadline_s <= self.at_s:
            raise ValueError(
                f"deadline_s={self.deadline_s} must be after at_s={self.at_s}"
            )
        return self


class OrderCancelled(_Event):
    """The customer or a dispatcher cancels an order before pickup."""

    type: Literal["order_cancelled"] = "order_cancelled"
    order_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    reason: str = Field(default="cancelled", max_length=200)


class CourierOnline(_Event):
    """A courier starts a shift (or comes back) at a position."""

    type: Literal["courier_online"] = "courier_online"
    courier_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    lon: float
    lat: float
    crs: Crs = "wgs84"
    capacity: int = Field(default=4, ge=1, le=100)
    shift_end_s: int = Field(ge=0)

    @model_validator(mode="after")
    def _check_shift(self) -> "CourierOnline":
        if self.shift_end_s <= self.at_s:
            raise ValueError(
                f"shift_end_s={self.shift_end_s} must be after at_s={self.at_s}"
            )
        return self


class CourierOffline(_Event):
    """A courier ends a shift; allowed only with nothing on board."""

    type: Literal["courier_offline"] = "courier_offline"
    courier_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)


class CourierPosition(_Event):
    """A courier reports where they are."""

    type: Literal["courier_position"] = "courier_position"
    courier_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    lon: float
    lat: float
    crs: Crs = "wgs84"


class PickedUp(_Event):
    """A courier picked an order up at its depot or shop."""

    type: Literal["picked_up"] = "picked_up"
    courier_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    order_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)


class Delivered(_Event):
    """A courier handed an order over at the door."""

    type: Literal["delivered"] = "delivered"
    courier_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    order_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)


class Tick(_Event):
    """The re-planning timer fired."""

    type: Literal["tick"] = "tick"


Event = Annotated[
    OrderPlaced
    | OrderCancelled
    | CourierOnline
    | CourierOffline
    | CourierPosition
    | PickedUp
    | Delivered
    | Tick,
    Field(discriminator="type"),
]
"""Any event, told apart by its ``type`` field."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: dict | str | bytes) -> Event:
    """Validate a dict or JSON text into an event.

    Raises
    ------
    pydantic.ValidationError
        Naming each field that is wrong.
    """
    if isinstance(data, str | bytes):
        return EVENT_ADAPTER.validate_json(data)
    return EVENT_ADAPTER.validate_python(data)
