"""Request bodies: each event's fields without ``type``, ids from the path.

``at_s`` is optional everywhere and defaults to the service clock (Unix
seconds); replays may set it. Field limits are those of :mod:`dispatch.events`;
the event built from a body is validated again, so a rule that spans fields
(a deadline after placement) is checked there and reported as a 422 too.
"""

from pydantic import BaseModel, ConfigDict, Field

from dispatch.events import (
    MAX_ADDRESS_LENGTH,
    MAX_ID_LENGTH,
    MAX_ITEM_LINES,
    Crs,
    Customer,
    ItemLine,
    Point,
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at_s: int | None = Field(default=None, ge=0, description="Unix s; default now")


class OrderBody(_Body):
    """A new order: items, where to, for whom, and by when."""

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
    accept_late: bool = Field(
        default=False, description="Take the order even if it would be late."
    )


class CancelBody(_Body):
    """Why an order is cancelled."""

    reason: str = Field(default="cancelled", max_length=200)


class OnlineBody(_Body):
    """Where a courier starts, how much they carry, when their shift ends."""

    lon: float
    lat: float
    crs: Crs = "wgs84"
    capacity: int = Field(default=4, ge=1, le=100)
    shift_end_s: int = Field(ge=0)


class PositionBody(_Body):
    """Where a courier is now."""

    lon: float
    lat: float
    crs: Crs = "wgs84"


class TimeBody(_Body):
    """Only the time of a report (optional)."""
