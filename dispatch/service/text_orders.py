"""``POST /orders/text``: place an order from a free-text chat message.

The message is parsed and its address geocoded in the service's city; the
resulting ``OrderPlaced`` goes through the same dispatcher as ``POST /orders``.
An incomplete message or an address not confidently located is still kept, as
an order with status ``needs_review`` whose reason lists what is missing and
carries the original text. The answer shows the parse and the geocoding next
to the order and the promise.
"""

import hashlib
import logging
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from dispatch.domain import OrderRecord, Promise
from dispatch.events import MAX_ID_LENGTH
from dispatch.intake import IntakeResult, intake_message, order_event
from dispatch.parse import MessageParser
from dispatch.service.auth import DispatcherOnly
from geo.geocode import Geocoder

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20_000

router = APIRouter(prefix="/orders", tags=["orders"])


class TextOrderBody(BaseModel):
    """A chat message to turn into an order."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_TEXT_CHARS, description="The message as received.")
    order_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ID_LENGTH,
        description="Defaults to a hash of the text, so a resent message is "
        "recognised as the same order.",
    )
    at_s: int | None = Field(default=None, ge=0, description="Defaults to now.")
    city: str | None = Field(
        default=None, description="Defaults to the city the service dispatches."
    )


class TextOrderAnswer(BaseModel):
    """The order as kept, the promise, and how the message was read."""

    order: OrderRecord
    promise: Promise | None
    duplicate: bool
    intake: IntakeResult


@lru_cache(maxsize=1)
def _parser() -> MessageParser:
    return MessageParser()


@lru_cache(maxsize=1)
def _geocoder() -> Geocoder:
    return Geocoder()


def _order_id(text: str) -> str:
    return "txt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@router.post(
    "/text",
    response_model=TextOrderAnswer,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The same message was placed before."}},
)
async def place_text_order(
    body: TextOrderBody, request: Request, _: DispatcherOnly
) -> JSONResponse:
    """Parse a chat message, geocode it and place it (or keep it for review)."""
    runtime: Any = request.app.state.runtime
    city = body.city or runtime.settings.city
    if not city:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "city: the service names no city; give one in the body",
        )
    try:
        geocoder = _geocoder()
        geocoder.gazetteer(city)
    except (FileNotFoundError, ValueError) as error:
        logger.warning("no gazetteer for %s: %s", city, error)
        geocoder = None
    result = intake_message(body.text, city, _parser(), geocoder)

    order_id = body.order_id or _order_id(body.text)

    def placed_at(dispatcher: Any) -> int | None:
        existing = dispatcher.state.orders.get(order_id)
        return existing.placed.at_s if existing is not None else None

    at_s = body.at_s
    if at_s is None:
        earlier = runtime.read(placed_at)
        at_s = earlier if earlier is not None else runtime.now_s()
    event = order_event(result, order_id, at_s)
    outcome = runtime.apply(event)
    order = runtime.read(lambda d: d.state.orders[order_id].model_copy(deep=True))
    answer = TextOrderAnswer(
        order=order, promise=outcome.promise, duplicate=outcome.duplicate, intake=result
    )
    code = status.HTTP_200_OK if outcome.duplicate else status.HTTP_201_CREATED
    return JSONResponse(answer.model_dump(mode="json"), code)
