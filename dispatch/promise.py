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
slightly pessimistic.
"""

from dataclasses import dataclass, field

import numpy as np

from geo.travel_model import UNREACHABLE_S, TravelModel

_NO_SLACK_LIMIT = np.iinfo(np.int64).max // 4


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """A stop already on a route: where, planned arrival, deadline, load change."""

    node: int
    eta_s: int
    service_s: int
    deadline_s: int | None
    load_change: int


@dataclass(frozen=True)
class CourierRoute:
    """A courier's position and the stops it will make, for insertion.

    ``stops`` starts with the committed stop when ``committed`` is true; the
    new order may only go after it.
    """

    courier_id: str
    node: int
    available_s: int
    capacity: int
    onboard_load: int
    shift_end_s: int
    stops: tuple[PlannedStop, ...] = ()
    committed: bool = False


@dataclass(frozen=True, slots=True)
class PickupOption:
    """A place the new order can be picked up: a depot (or a shop) and its readiness."""

    node: int
    ready_s: int
    depot_id: str | None


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
    courier: list[int] = field(default_factory=list)
    position: list[int] = field(default_factory=list)
    prev_node: list[int] = field(default_factory=list)
    prev_departure_s: list[int] = field(default_factory=list)
    next_node: list[int] = field(default_factory=list)
    next_eta_s: list[int] = field(default_factory=list)
    slack_s: list[int] = field(default_factory=list)
    load: list[int] = field(default_factory=list)


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
    gaps = _collect_gaps(routes, now_s)
    if not gaps.courier or not pickups:
        return None

    prev_nodes, prev_index = np.unique(np.asarray(gaps.prev_node), return_inverse=True)
    pickup_nodes = np.asarray([p.node for p in pickups])
    to_pickup_s, _ = travel.matrix(prev_nodes, pickup_nodes)
    pickup_to_drop_s, _ = travel.matrix(pickup_nodes, np.asarray([dropoff_node]))
    next_nodes = np.asarray(gaps.next_node)
    has_next = next_nodes >= 0
    drop_to_next_s = np.zeros(len(next_nodes), dtype=np.int64)
    if has_next.any():
        unique_next, next_index = np.unique(next_nodes[has_next], return_inverse=True)
        row, _ = travel.matrix(np.asarray([dropoff_node]), unique_next)
        drop_to_next_s[has_next] = row[0].astype(np.int64)[next_index]

    courier = np.asarray(gaps.courier)
    capacity_ok = np.asarray(gaps.load) + size <= np.asarray(
        [routes[c].capacity for c in gaps.courier]
    )
    shift_end_s = np.asarray([routes[c].shift_end_s for c in gaps.courier])
    prev_departure_s = np.asarray(gaps.prev_departure_s, dtype=np.int64)
    next_eta_s = np.asarray(gaps.next_eta_s, dtype=np.int64)
    slack_s = np.asarray(gaps.slack_s, dtype=np.int64)

    best: Insertion | None = None
    best_key: tuple[int, int, int] | None = None
    for k, option in enumerate(pickups):
        leg_s = to_pickup_s[prev_index, k].astype(np.int64)
        leg_to_drop_s = int(pickup_to_drop_s[k, 0])
        reachable = (leg_s < UNREACHABLE_S) & (leg_to_drop_s < UNREACHABLE_S)
        reachable &= ~has_next | (drop_to_next_s < UNREACHABLE_S)
        pickup_eta_s = prev_departure_s + leg_s
        start_s = np.maximum(pickup_eta_s, option.ready_s)
        eta_s = start_s + pickup_service_s + leg_to_drop_s
        after_s = eta_s + delivery_service_s
        delay_s = np.where(has_next, after_s + drop_to_next_s - next_eta_s, 0)
        added_s = np.where(has_next, delay_s, after_s - prev_departure_s)
        usable = reachable & capacity_ok & (eta_s <= shift_end_s)
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
                        position=gaps.position[i],
                        pickup=option,
                        pickup_eta_s=int(pickup_eta_s[i]),
                        eta_s=int(eta_s[i]),
                        on_time=rank == 0,
                        added_s=int(added_s[i]),
                    )
                break
    return best


def _collect_gaps(routes: list[CourierRoute], now_s: int) -> _Gaps:
    gaps = _Gaps()
    for c, route in enumerate(routes):
        stops = route.stops
        slack = _suffix_slack(stops, now_s)
        load = route.onboard_load
        departure_s = max(route.available_s, now_s)
        node = route.node
        first = 1 if route.committed and stops else 0
        for i, stop in enumerate(stops):
            if i >= first:
                _add_gap(gaps, c, i, node, departure_s, stop, slack[i], load)
            load += stop.load_change
            departure_s = max(stop.eta_s, now_s) + stop.service_s
            node = stop.node
        gaps.courier.append(c)
        gaps.position.append(len(stops))
        gaps.prev_node.append(node)
        gaps.prev_departure_s.append(departure_s)
        gaps.next_node.append(-1)
        gaps.next_eta_s.append(0)
        gaps.slack_s.append(_NO_SLACK_LIMIT)
        gaps.load.append(load)
    return gaps


def _add_gap(
    gaps: _Gaps,
    courier: int,
    position: int,
    prev_node: int,
    prev_departure_s: int,
    stop: PlannedStop,
    slack_s: int,
    load: int,
) -> None:
    gaps.courier.append(courier)
    gaps.position.append(position)
    gaps.prev_node.append(prev_node)
    gaps.prev_departure_s.append(prev_departure_s)
    gaps.next_node.append(stop.node)
    gaps.next_eta_s.append(max(stop.eta_s, prev_departure_s))
    gaps.slack_s.append(slack_s)
    gaps.load.append(load)


def _suffix_slack(stops: tuple[PlannedStop, ...], now_s: int) -> list[int]:
    """Return, per stop, how much later it and every stop after it may arrive."""
    slack = [0] * len(stops)
    running = _NO_SLACK_LIMIT
    for i in range(len(stops) - 1, -1, -1):
        stop = stops[i]
        if stop.deadline_s is not None:
            running = min(running, max(stop.deadline_s - max(stop.eta_s, now_s), 0))
        slack[i] = running
    return slack
