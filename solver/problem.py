"""The routing problem: couriers, orders and a travel-time matrix, in integers.

The solver knows nothing of maps or of the live business. Locations are row
indices into the matrix, times are integer seconds on one clock (or any other
integer unit, as the Solomon benchmarks use tenths of a distance unit), and
every order is a delivery with an optional choice of pickups.

Shapes the same model covers:

- live dispatch: each order has pickups at the depots that stock it and a
  deadline of placed time + 60 min; couriers start where they are now.
- on board: an order with no pickups listed in a courier's ``onboard`` is a
  delivery only, for that courier.
- VRPTW: an order with no pickups and on no courier is loaded at the start of
  whichever route serves it (couriers start and end at the depot).
"""

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

MAX_TRAVEL_S = int(np.iinfo(np.int32).max)
"""Longest travel time a matrix may hold: the solver keeps it as int32."""


class StopKind(StrEnum):
    """What a courier does at a stop."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class Pickup:
    """One place an order can be picked up, and when its items are ready there.

    ``latest_s``, when given, is the latest start of service there (a hard
    bound, as in the Li & Lim PDPTW instances); live pickups leave it ``None``.
    """

    location: int
    ready_s: int = 0
    latest_s: int | None = None

    def __post_init__(self) -> None:
        _check_non_negative("Pickup.location", self.location)
        _check_non_negative("Pickup.ready_s", self.ready_s)
        if self.latest_s is not None and self.latest_s < self.ready_s:
            raise ValueError(
                f"Pickup.latest_s={self.latest_s} is before ready_s={self.ready_s}"
            )


@dataclass(frozen=True, slots=True)
class Order:
    """A delivery to make by a deadline, with the pickups that can supply it.

    The delivery window is [``earliest_s``, ``deadline_s``]: service may not
    start before ``earliest_s``; starting after ``deadline_s`` is late (a cost,
    or infeasible when the solver is told deadlines are hard).
    """

    id: str
    delivery: int
    deadline_s: int
    pickups: tuple[Pickup, ...] = ()
    earliest_s: int = 0
    pickup_service_s: int = 0
    delivery_service_s: int = 0
    size: int = 1
    priority: int = 1
    current_courier: str | None = None
    """The courier the previous plan gave this order; moving it costs extra."""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Order.id must be a non-empty string")
        _check_non_negative(f"Order {self.id}: delivery", self.delivery)
        _check_non_negative(f"Order {self.id}: earliest_s", self.earliest_s)
        _check_non_negative(f"Order {self.id}: pickup_service_s", self.pickup_service_s)
        _check_non_negative(
            f"Order {self.id}: delivery_service_s", self.delivery_service_s
        )
        _check_non_negative(f"Order {self.id}: size", self.size)
        if self.deadline_s < self.earliest_s:
            raise ValueError(
                f"Order {self.id}: deadline_s={self.deadline_s} is before "
                f"earliest_s={self.earliest_s}"
            )
        if self.priority < 1:
            raise ValueError(
                f"Order {self.id}: priority={self.priority} must be at least 1"
            )


@dataclass(frozen=True, slots=True)
class CommittedStop:
    """A stop a courier is already riding to; the plan keeps it first, in order.

    ``pickup`` is the index into the order's ``pickups`` for a pickup stop.
    """

    order_id: str
    kind: StopKind
    pickup: int = 0


@dataclass(frozen=True, slots=True)
class Courier:
    """A courier as they are now: where, from when, until when, carrying what.

    ``end`` is ``None`` for an open route (the courier stays where the last
    delivery is), or a location the route must return to (VRPTW depots).
    """

    id: str
    start: int
    start_s: int
    shift_end_s: int
    capacity: int
    onboard: tuple[str, ...] = ()
    committed: tuple[CommittedStop, ...] = ()
    end: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Courier.id must be a non-empty string")
        _check_non_negative(f"Courier {self.id}: start", self.start)
        _check_non_negative(f"Courier {self.id}: start_s", self.start_s)
        _check_non_negative(f"Courier {self.id}: capacity", self.capacity)
        if self.shift_end_s < self.start_s:
            raise ValueError(
                f"Courier {self.id}: shift_end_s={self.shift_end_s} is before "
                f"start_s={self.start_s}"
            )


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs for one plan.

    ``time_s[i, j]`` is the travel time from location i to location j;
    ``distance_m`` (same shape, optional) is reported on routes but not
    optimised. Construction validates the whole problem and raises
    ``ValueError`` naming the first field that is wrong.
    """

    couriers: tuple[Courier, ...]
    orders: tuple[Order, ...]
    time_s: np.ndarray
    distance_m: np.ndarray | None = None
    order_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "order_index", {o.id: i for i, o in enumerate(self.orders)}
        )
        _validate(self)

    @property
    def n_locations(self) -> int:
        """Return the number of matrix rows."""
        return int(self.time_s.shape[0])


@dataclass(frozen=True, slots=True)
class Visit:
    """A planned stop: arrival, start of service (after waiting) and departure."""

    order_id: str
    kind: StopKind
    location: int
    arrival_s: int
    start_s: int
    departure_s: int
    pickup: int | None = None
    """Index into the order's ``pickups`` for a pickup visit."""


@dataclass(frozen=True, slots=True)
class Route:
    """One courier's planned stops, in order."""

    courier_id: str
    visits: tuple[Visit, ...]
    travel_s: int
    distance_m: int | None = None


class UnassignedReason(StrEnum):
    """Why an order is left out of a plan."""

    NO_PICKUP_IN_TIME = "no_pickup_in_time"
    """No courier can reach any pickup and still deliver by the deadline."""
    CAPACITY = "capacity"
    """The order is larger than every courier's free capacity."""
    SHIFT_END = "shift_end"
    """Every courier that could serve it goes off shift first."""
    NO_COURIER = "no_courier"
    """There is no courier at all."""
    UNREACHABLE = "unreachable"
    """A pickup or the delivery cannot be reached on the road network."""
    NOT_WORTH_IT = "not_worth_it"
    """Serving it would cost more than its penalty within the time budget."""


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order the plan does not serve, with the reason in words."""

    order_id: str
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True)
class Plan:
    """The solver's answer: routes, what is left out, and how it was found."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: int
    solve_time_s: float
    stats: dict[str, float] = field(default_factory=dict)

    def delivery_visits(self) -> dict[str, Visit]:
        """Return each served order's delivery visit, by order id."""
        return {
            v.order_id: v
            for r in self.routes
            for v in r.visits
            if v.kind is StopKind.DELIVERY
        }

    def courier_of(self) -> dict[str, str]:
        """Return the courier id serving each served order, by order id."""
        return {v.order_id: r.courier_id for r in self.routes for v in r.visits}


def _check_non_negative(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name}={value} must be >= 0")


def _validate(problem: Problem) -> None:
    shape = problem.time_s.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"time_s must be a square matrix, got shape {shape}")
    n = shape[0]
    if not np.issubdtype(problem.time_s.dtype, np.integer):
        raise ValueError(f"time_s must hold integers, got dtype {problem.time_s.dtype}")
    if problem.time_s.size and problem.time_s.min() < 0:
        raise ValueError("time_s holds negative travel times")
    if problem.time_s.size and problem.time_s.max() > MAX_TRAVEL_S:
        raise ValueError(
            f"time_s holds {problem.time_s.max()} s, over the {MAX_TRAVEL_S} s allowed"
        )
    if problem.distance_m is not None and problem.distance_m.shape != (n, n):
        raise ValueError(
            f"distance_m has shape {problem.distance_m.shape}, expected {(n, n)}"
        )
    if len(problem.order_index) != len(problem.orders):
        raise ValueError("Order ids must be unique")
    courier_ids = [c.id for c in problem.couriers]
    if len(set(courier_ids)) != len(courier_ids):
        raise ValueError("Courier ids must be unique")

    for order in problem.orders:
        for loc in (order.delivery, *(p.location for p in order.pickups)):
            if loc >= n:
                raise ValueError(
                    f"Order {order.id}: location {loc} is outside the {n}x{n} matrix"
                )

    carried: dict[str, str] = {}
    for courier in problem.couriers:
        _validate_courier(problem, courier, n, carried)


def _validate_courier(
    problem: Problem, courier: Courier, n: int, carried: dict[str, str]
) -> None:
    for loc in (courier.start, courier.end):
        if loc is not None and loc >= n:
            raise ValueError(
                f"Courier {courier.id}: location {loc} is outside the {n}x{n} matrix"
            )

    load = 0
    for order_id in courier.onboard:
        if order_id not in problem.order_index:
            raise ValueError(f"Courier {courier.id}: onboard order {order_id} unknown")
        if order_id in carried:
            raise ValueError(
                f"Courier {courier.id}: onboard order {order_id} is already on "
                f"courier {carried[order_id]}"
            )
        order = problem.orders[problem.order_index[order_id]]
        if order.pickups:
            raise ValueError(
                f"Courier {courier.id}: onboard order {order_id} still lists pickups"
            )
        carried[order_id] = courier.id
        load += order.size
    if load > courier.capacity:
        raise ValueError(
            f"Courier {courier.id}: capacity={courier.capacity} is smaller than the "
            f"on-board load {load}"
        )

    for stop in courier.committed:
        if stop.order_id not in problem.order_index:
            raise ValueError(
                f"Courier {courier.id}: committed stop for unknown order "
                f"{stop.order_id}"
            )
        order = problem.orders[problem.order_index[stop.order_id]]
        if stop.kind is StopKind.PICKUP and not 0 <= stop.pickup < len(order.pickups):
            raise ValueError(
                f"Courier {courier.id}: committed pickup {stop.pickup} does not exist "
                f"for order {stop.order_id}"
            )
        if stop.kind is StopKind.DELIVERY and stop.order_id not in courier.onboard:
            picked_here = any(
                s.order_id == stop.order_id and s.kind is StopKind.PICKUP
                for s in courier.committed
            )
            if not picked_here:
                raise ValueError(
                    f"Courier {courier.id}: committed delivery of {stop.order_id} "
                    "is neither on board nor picked up by a committed stop"
                )
