"""A scenario: a stream with the map it plays on and the stock it draws from."""

import logging
from dataclasses import dataclass, field
from typing import Any

from geo.travel_model import TravelModel
from simulate.stream import RowProblem, Stream, StreamDepot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scenario:
    """Everything about the outside world except the policy and the seed.

    ``frame`` is ``wgs84`` (lon/lat degrees) or ``xy_m`` (planar metres) and
    applies to the travel model, the couriers' paths and every stop.
    ``stock`` gives copies per title per depot id.
    """

    name: str
    stream: Stream
    travel: TravelModel
    frame: str = "wgs84"
    depots: tuple[StreamDepot, ...] = ()
    stock: dict[str, dict[str, int]] = field(default_factory=dict)
    pickup_service_s: int | None = None
    delivery_service_s: int | None = None
    targets_s: tuple[int, ...] = ()
    synthetic: bool = False
    notes: dict[str, Any] = field(default_factory=dict)
    skipped: tuple[RowProblem, ...] = ()

    def __post_init__(self) -> None:
        if self.frame not in ("wgs84", "xy_m"):
            raise ValueError(f"Scenario.frame={self.frame!r}: choose 'wgs84' or 'xy_m'")
