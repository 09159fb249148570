"""The promise at intake: a fast insertion of one new order into the current routes.

For every courier and every gap in its route (after its committed stop) the
new order's pickup and delivery are tried back to back, at each depot that can
supply it; the cheapest insertion that keeps the new order and every later
stop on time wins. All gaps of all couriers are evaluated at once with numpy,
so a promise costs three small travel-matrix look-ups and a few vector
operations, whatever the number of open orders.

Notes
-----
Pickup and delivery are inserted next to each other, never with other stops
between them; the re-plan finds interleaved routes. Waiting time after an
insertion point is not used to absorb the detour, so the on-time check is
slightly pessimistic. Gaps inside routes are priced exactly only for the most
promising few (:data:`MAX_INNER_GAPS`); appending at a route's end is always
priced.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from geo.travel_model import UNREACHABLE_S, TravelModel

_NO_SLACK_LIMIT = np.iinfo(np.int64).max // 4


MAX_INNER_GAPS = 48
"""Gaps inside routes whose detour a promise prices exactly (per criterion)."""
NO_DEADLINE_S = np.iinfo(np.int64).max // 4
"""Deadline of a stop that has none (a pickup)."""


@dataclass(frozen=True)
class CourierRoute:
    """A courier's position and the stops it will make, for insertion.

    The stop arrays run in route order: network node, planned arrival,
    service time, delivery deadline (:data:`NO_DEADLINE_S` for a pickup) and
    load change. When ``committed`` is true the first stop is the one the
    courier rides to, and the new order may only go after it.
    """

    courier_id: str
    node: int
    available_s: int
    capacity: int
    onboard_load: int
    shift_end_s: int
    nodes: tuple[int, ...] = ()
    eta_s: tuple[int, ...] = ()
    service_s: tuple[int, ...] = ()
    deadline_s: tuple[int, ...] = ()
    load_change: tuple[int, ...] = ()
    committed: bool = False
    to_depot_s: np.ndarray | None = None
    """Travel times to each depot, shaped (stops + 1, depots): the courier's
    position first, then each stop; lets a promise skip matrix look-ups."""

    @cached_property
    def stop_table(self) -> np.ndarray:
        """Return the stop arrays as one int64 table, shaped (5, stops).

        Rows: node, planned arrival, service time, deadline, load change.
        Built once per route, so a promise stacks arrays instead of tuples.
        """
        return np.array(
            [self.nodes, self.eta_s, self.service_s, self.deadline_s, self.load_change],
            dtype=np.int64,
        ).reshape(5, len(self.nodes))


@dataclass(frozen=True, slots=True)
class PickupOption:
    """A place the new order can be picked up: a depot (or a shop) and its readiness."""

    node: int
    ready_s: int
    depot_id: str | None
    column: int | None = None
    """The depot's column in the routes' ``to_depot_s``; ``None`` for a shop."""


@dataclass(frozen=True)
class Insertion:
    """The best place found for a new order.

    ``position`` is the index in the courier's ``stops`` before which the
    pickup and delivery go; ``on_time`` says whether the deadline and every
    later stop's deadline hold.
    """

    courier_id: str
    position: int
    pickup: PickupOption
    pickup_eta_s: int
    eta_s: int
    on_time: bool
    added_s: int


@dataclass
class _Gaps:
    """Every place a new order may go, flattened over couriers."""

    courier: np.ndarray
    position: np.ndarray
    prev_node: np.ndarray
    prev_departure_s: np.ndarray
    next_node: np.ndarray
    next_eta_s: np.ndarray
    slack_s: np.ndarray
    load: np.ndarray


def best_insertion(
    travel: TravelModel,
    now_s: int,
    routes: list[CourierRoute],
    pickups: list[PickupOption],
    dropoff_node: int,
    deadline_s: int,
    size: int,
    pickup_service_s: int,
    delivery_service_s: int,
) -> Insertion | None:
    """Return the cheapest on-time insertion, else the one with the earliest ETA.

    Returns ``None`` when no courier can take the order at all (no courier,
    no capacity, or nothing reachable before a shift ends).
    """
    if not routes or not pickups:
        return None
    gaps = _collect_gaps(routes, now_s)

    pickup_nodes = np.asarray([p.node for p in pickups])
    to_pickup_s = _to_pickups(travel, routes, pickups, gaps)
    pickup_to_drop_s, _ = travel.matrix(pickup_nodes, np.asarray([dropoff_node]))
    courier = gaps.courier
    capacity = np.asarray([r.capacity for r in routes])[courier]
    capacity_ok = gaps.load + size <= capacity
    shift_end_s = np.asarray([r.shift_end_s for r in routes])[courier]
    prev_departure_s = gaps.prev_departure_s
    next_eta_s = gaps.next_eta_s
    slack_s = gaps.slack_s
    has_next = gaps.next_node >= 0

    def arrivals(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        leg_s = to_pickup_s[:, k]
        leg_to_drop_s = int(pickup_to_drop_s[k, 0])
        pickup_eta_s = prev_departure_s + leg_s
        start_s = np.maximum(pickup_eta_s, pickups[k].ready_s)
        eta_s = start_s + pickup_service_s + leg_to_drop_s
        usable = (leg_s < UNREACHABLE_S) & (leg_to_drop_s < UNREACHABLE_S)
        usable &= capacity_ok & (eta_s <= shift_end_s)
        return pickup_eta_s, eta_s, usable

    drop_to_next_s = _drop_to_next(
        travel,
        dropoff_node,
        gaps,
        [arrivals(k) for k in range(len(pickups))],
        deadline_s,
        delivery_service_s,
    )

    best: Insertion | None = None
    best_key: tuple[int, int, int] | None = None
    for k, option in enumerate(pickups):
        pickup_eta_s, eta_s, usable = arrivals(k)
        usable &= ~has_next | (drop_to_next_s < UNREACHABLE_S)
        after_s = eta_s + delivery_service_s
        delay_s = np.where(has_next, after_s + drop_to_next_s - next_eta_s, 0)
        added_s = np.where(has_next, delay_s, after_s - prev_departure_s)
        on_time = usable & (eta_s <= deadline_s) & (delay_s <= slack_s)
        keep_others = usable & (delay_s <= slack_s)
        for mask, rank in ((on_time, 0), (keep_others, 1), (usable, 2)):
            if mask.any():
                score = np.where(mask, added_s if rank == 0 else eta_s, _NO_SLACK_LIMIT)
                i = int(np.argmin(score))
                key = (rank, int(score[i]), int(eta_s[i]))
                if best_key is None or key < best_key:
                    best_key = key
                    best = Insertion(
                        courier_id=routes[int(courier[i])].courier_id,
                        position=int(gaps.position[i]),
                        pickup=option,
                        pickup_eta_s=int(pickup_eta_s[i]),
                        eta_s=int(eta_s[i]),
                        on_time=rank == 0,
                        added_s=int(added_s[i]),
                    )
                break
    return best


def _drop_to_next(
    travel: TravelModel,
    dropoff_node: int,
    gaps: _Gaps,
    arrivals: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    deadline_s: int,
    delivery_service_s: int,
) -> np.ndarray:
    """Return travel times from the dropoff to each gap's next stop.

    Only the most promising gaps inside routes get a time (the
    :data:`MAX_INNER_GAPS` with the least detour before the ride on, and as
    many with the earliest ETA); the others get :data:`UNREACHABLE_S`, which
    rules them out, so a promise costs one small matrix row.
    """
    has_next = gaps.next_node >= 0
    least_added = np.full(len(has_next), _NO_SLACK_LIMIT)
    earliest = np.full(len(has_next), _NO_SLACK_LIMIT)
    for _, eta_s, usable in arrivals:
        ok = usable & has_next
        added_s = eta_s + delivery_service_s - gaps.next_eta_s
        least_added = np.minimum(
            least_added, np.where(ok & (eta_s <= deadline_s), added_s, _NO_SLACK_LIMIT)
        )
        earliest = np.minimum(earliest, np.where(ok, eta_s, _NO_SLACK_LIMIT))
    chosen = np.union1d(_smallest(least_added), _smallest(earliest))
    drop_to_next_s = np.full(len(has_next), UNREACHABLE_S, dtype=np.int64)
    if len(chosen):
        unique_next, index = np.unique(gaps.next_node[chosen], return_inverse=True)
        row, _ = travel.matrix(np.asarray([dropoff_node]), unique_next)
        drop_to_next_s[chosen] = row[0].astype(np.int64)[index]
    return drop_to_next_s


def _smallest(values: np.ndarray) -> np.ndarray:
    """Return the indices of the smallest values below the no-limit mark."""
    candidates = np.flatnonzero(values < _NO_SLACK_LIMIT)
    if len(candidates) > MAX_INNER_GAPS:
        keep = np.argpartition(values[candidates], MAX_INNER_GAPS)[:MAX_INNER_GAPS]
        candidates = candidates[keep]
    return candidates


def _to_pickups(
    travel: TravelModel,
    routes: list[CourierRoute],
    pickups: list[PickupOption],
    gaps: _Gaps,
) -> np.ndarray:
    """Return travel times from each gap's previous stop to each pickup."""
    columns = [p.column for p in pickups]
    if all(c is not None for c in columns) and all(
        r.to_depot_s is not None for r in routes
    ):
        stacked = np.vstack([r.to_depot_s for r in routes])  # type: ignore[misc]
        offsets = np.cumsum([0] + [len(r.nodes) + 1 for r in routes[:-1]])
        rows = offsets[gaps.courier] + gaps.position
        return stacked[np.ix_(rows, np.asarray(columns))].astype(np.int64)
    prev_nodes, prev_index = np.unique(gaps.prev_node, return_inverse=True)
    time_s, _ = travel.matrix(prev_nodes, np.asarray([p.node for p in pickups]))
    return time_s[prev_index].astype(np.int64)


def _collect_gaps(routes: list[CourierRoute], now_s: int) -> _Gaps:
    """Lay routes out as (courier, gap) arrays and keep the usable gaps.

    Gap ``j`` of a courier lies before its stop ``j`` (after the last stop
    when ``j`` equals the number of stops).
    """
    n_couriers = len(routes)
    width = max(len(r.nodes) for r in routes)
    node = np.full((n_couriers, width), -1, dtype=np.int64)
    eta_s = np.zeros((n_couriers, width), dtype=np.int64)
    service_s = np.zeros((n_couriers, width), dtype=np.int64)
    deadline_s = np.full((n_couriers, width), NO_DEADLINE_S, dtype=np.int64)
    change = np.zeros((n_couriers, width), dtype=np.int64)
    length = np.asarray([len(r.nodes) for r in routes])
    row = np.repeat(np.arange(n_couriers), length)
    col = np.arange(len(row)) - np.repeat(np.cumsum(length) - length, length)
    stops = np.concatenate([r.stop_table for r in routes], axis=1)
    for k, table in enumerate((node, eta_s, service_s, deadline_s, change)):
        table[row, col] = stops[k]
    first = np.asarray([1 if r.committed and r.nodes else 0 for r in routes])
    start_node = np.asarray([r.node for r in routes], dtype=np.int64)
    start_s = np.maximum(np.asarray([r.available_s for r in routes]), now_s)
    onboard = np.asarray([r.onboard_load for r in routes], dtype=np.int64)

    arrive_s = np.maximum(eta_s, now_s)
    slack = np.where(
        deadline_s < NO_DEADLINE_S,
        np.maximum(deadline_s - arrive_s, 0),
        _NO_SLACK_LIMIT,
    )
    suffix_slack = np.minimum.accumulate(slack[:, ::-1], axis=1)[:, ::-1]
    column = np.full((n_couriers, 1), 0, dtype=np.int64)
    prev_node = np.hstack([start_node[:, None], node])
    prev_departure_s = np.hstack([start_s[:, None], arrive_s + service_s])
    next_node = np.hstack([node, column - 1])
    next_eta_s = np.maximum(np.hstack([eta_s, column]), prev_departure_s)
    slack_s = np.hstack([suffix_slack, column + _NO_SLACK_LIMIT])
    load = onboard[:, None] + np.hstack([column, np.cumsum(change, axis=1)])

    position = np.arange(width + 1)[None, :]
    usable = (position >= first[:, None]) & (position <= length[:, None])
    courier_of, gap = np.nonzero(usable)
    at_end = gap == length[courier_of]
    return _Gaps(
        courier=courier_of,
        position=gap,
        prev_node=prev_node[courier_of, gap],
        prev_departure_s=prev_departure_s[courier_of, gap],
        next_node=np.where(at_end, -1, next_node[courier_of, gap]),
        next_eta_s=next_eta_s[courier_of, gap],
        slack_s=np.where(at_end, _NO_SLACK_LIMIT, slack_s[courier_of, gap]),
        load=load[courier_of, gap],
    )
