"""From a chat message to a dispatcher order: parse, geocode, build ``OrderPlaced``.

:func:`intake_message` parses the text and geocodes its address in the city
served; :func:`order_event` turns the result into the ``OrderPlaced`` event the
dispatcher applies. A message that is incomplete or whose address is not
confidently found becomes an order with ``review`` set, which the dispatcher
keeps with status ``needs_review`` and the reasons; the original text travels
with it, so nothing the customer wrote is lost.
"""

import logging
from typing import Literal

from pydantic import BaseModel, Field

from dispatch.events import (
    MAX_ADDRESS_LENGTH,
    MAX_ITEM_LINES,
    Customer,
    ItemLine,
    OrderPlaced,
    Point,
)
from dispatch.parse import DraftOrder, MessageParser
from geo.geocode import Geocoder, GeocodeResult

logger = logging.getLogger(__name__)

MAX_REVIEW_MESSAGE_CHARS = 1500
"""How much of the original message is copied into the review reason."""


class CandidateView(BaseModel):
    """A possible location shown to a reviewer."""

    name: str
    kind: str
    lon: float
    lat: float
    confidence: float
    detail: str = ""


class GeocodeView(BaseModel):
    """The geocoder's answer for the draft's address, WGS-84."""

    point: tuple[float, float] | None
    confidence: float
    reason: str
    door: str = ""
    candidates: list[CandidateView] = Field(default_factory=list)

    @classmethod
    def of(cls, result: GeocodeResult, limit: int = 5) -> "GeocodeView":
        """Copy a :class:`geo.geocode.GeocodeResult` (first ``limit`` candidates)."""
        return cls(
            point=result.point,
            confidence=result.confidence,
            reason=result.reason,
            door=result.door,
            candidates=[
                CandidateView(
                    name=c.name,
                    kind=c.kind,
                    lon=c.lon,
                    lat=c.lat,
                    confidence=c.confidence,
                    detail=c.detail,
                )
                for c in result.candidates[:limit]
            ],
        )


class IntakeResult(BaseModel):
    """A parsed and geocoded message, ready to place or to review."""

    city: str
    draft: DraftOrder
    geocode: GeocodeView | None = None
    status: Literal["ready", "needs_review"]
    reasons: list[str] = Field(default_factory=list)


def intake_message(
    text: str, city: str, parser: MessageParser, geocoder: Geocoder | None
) -> IntakeResult:
    """Parse a chat message and geocode its address in ``city``.

    Parameters
    ----------
    text
        The message as received.
    city
        The city served (``beijing``, ``shanghai``, ``guangzhou``).
    parser
        The message parser (holds the catalogue).
    geocoder
        The geocoder; None skips geocoding (the result then needs review).

    Returns
    -------
    IntakeResult
        ``ready`` only when the draft is complete and the address has a point.
    """
    draft = parser.parse(text)
    reasons = list(draft.reasons)
    geocode = None
    if draft.address:
        if geocoder is None:
            reasons.append("address not geocoded: no geocoder configured")
        else:
            geocode = GeocodeView.of(geocoder.geocode(draft.address, city))
            if geocode.point is None:
                reasons.append(f"address not located: {geocode.reason}")
    status: Literal["ready", "needs_review"] = "needs_review" if reasons else "ready"
    logger.debug("message intake in %s: %s, %d reasons", city, status, len(reasons))
    return IntakeResult(
        city=city, draft=draft, geocode=geocode, status=status, reasons=reasons
    )


def order_event(result: IntakeResult, order_id: str, at_s: int) -> OrderPlaced:
    """Build the dispatcher's ``OrderPlaced`` from an intake result.

    A ``ready`` result carries its WGS-84 dropoff; any other carries ``review``
    (the reasons and the original message), and the dispatcher keeps it as
    ``needs_review``.
    """
    draft = result.draft
    items = tuple(
        ItemLine(title=item.title[:200], quantity=min(item.quantity, 100))
        for item in draft.items[:MAX_ITEM_LINES]
    )
    customer = None
    if draft.name or draft.phone:
        customer = Customer(name=(draft.name or "")[:100], phone=draft.phone or "")
    address = None
    if draft.address:
        # NOTE: OrderPlaced has no notes field; the courier reads the address,
        # so notes and the requested time ride along with it.
        extras = [
            f"{label}：{value}"
            for label, value in (("备注", draft.notes), ("时间", draft.requested_time))
            if value
        ]
        address = draft.address + (f"（{'；'.join(extras)}）" if extras else "")
        address = address[:MAX_ADDRESS_LENGTH]
    dropoff = None
    if result.geocode is not None and result.geocode.point is not None:
        lon, lat = result.geocode.point
        dropoff = Point(lon=lon, lat=lat, crs="wgs84")

    review = None
    if result.status != "ready":
        message = draft.text
        if len(message) > MAX_REVIEW_MESSAGE_CHARS:
            message = (
                message[:MAX_REVIEW_MESSAGE_CHARS] + f"… ({len(draft.text)} chars)"
            )
        review = "; ".join(result.reasons)[:2000] + f" | message: {message}"
    return OrderPlaced(
        order_id=order_id,
        at_s=at_s,
        items=items,
        dropoff=dropoff,
        address=address,
        customer=customer,
        review=review,
    )
