"""What a simulation run produces: every order's fate and every courier's day."""

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Fate(StrEnum):
    """How an order ends when the simulation stops."""

    DELIVERED = "delivered"
    REJECTED = "rejected"
    """Refused at intake (no promise possible, no stock, off the network)."""
    UNASSIGNED = "unassigned"
    """Accepted but never delivered before the world stopped."""
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class OrderResult:
    """One order from placement to its end, with the reason when not delivered."""

    order_id: str
    placed_s: int
    deadline_s: int
    fate: Fate
    reason: str = ""
    courier_id: str | None = None
    depot_id: str | None = None
    picked_up_s: int | None = None
    delivered_s: int | None = None
    oracle_s: int | None = None
    """Earliest possible delivery with an idle courier waiting at the best pickup."""

    @property
    def click_to_door_s(self) -> int | None:
        """Return placement to delivery, or None when not delivered."""
        if self.delivered_s is None:
            return None
        return self.delivered_s - self.placed_s

    @property
    def on_time(self) -> bool:
        """Return True when delivered by the deadline."""
        return self.delivered_s is not None and self.delivered_s <= self.deadline_s

    @property
    def lateness_s(self) -> int:
        """Return seconds past the deadline (0 when on time or not delivered)."""
        if self.delivered_s is None:
            return 0
        return max(0, self.delivered_s - self.deadline_s)


class Activity(StrEnum):
    """What a courier does during a leg of their day."""

    RIDE = "ride"
    WAIT = "wait"
    """At a stop before the order is ready."""
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Leg:
    """A stretch of a courier's day in one activity, from one place to another.

    ``points`` (k, 2) and ``times_s`` (k,) trace a ride in the travel model's
    frame (lon/lat or x/y metres); for a wait or service both ends coincide.
    """

    courier_id: str
    activity: Activity
    start_s: int
    end_s: int
    order_id: str | None
    points: np.ndarray
    times_s: np.ndarray
    distance_m: float = 0.0

    @property
    def start_point(self) -> tuple[float, float]:
        """Return where the leg begins."""
        return float(self.points[0, 0]), float(self.points[0, 1])

    @property
    def end_point(self) -> tuple[float, float]:
        """Return where the leg ends."""
        return float(self.points[-1, 0]), float(self.points[-1, 1])


@dataclass
class CourierResult:
    """A courier's shifts and legs over the run."""

    courier_id: str
    shifts: list[tuple[int, int]] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)

    @property
    def online_s(self) -> int:
        """Return the seconds spent online."""
        return sum(end - start for start, end in self.shifts)

    @property
    def busy_s(self) -> int:
        """Return the seconds spent riding, waiting at stops or serving."""
        return sum(leg.end_s - leg.start_s for leg in self.legs)

    @property
    def distance_m(self) -> float:
        """Return the metres ridden."""
        return sum(leg.distance_m for leg in self.legs)


@dataclass(frozen=True, slots=True)
class Replan:
    """One re-plan: when, for how many orders, how long it took."""

    at_s: int
    orders: int
    build_time_s: float
    solve_time_s: float
    unassigned: int


@dataclass
class RunResult:
    """Everything one policy's run produced."""

    policy: str
    stream_name: str
    orders: list[OrderResult]
    couriers: list[CourierResult]
    replans: list[Replan]
    start_s: int
    end_s: int
    wall_time_s: float
    cpu_time_s: float = 0.0
    """Processor time of the run: the wall time on an otherwise idle machine."""
    frame: str = "wgs84"
    """Coordinate frame of leg points: ``wgs84`` lon/lat or ``xy_m``."""
    skipped_rows: int = 0
    targets_s: tuple[int, ...] = ()
    depots: list[tuple[str, float, float]] = field(default_factory=list)
    synthetic_map: bool = False
    """True when the streets are generated (the demo city) or planar."""

    @property
    def simulated_s(self) -> int:
        """Return the span of simulated time."""
        return self.end_s - self.start_s
