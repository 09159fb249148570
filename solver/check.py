"""An independent plan checker: recomputes every time and load from the problem.

It shares no code with the solver beyond the problem types, so a bug in the
model or the construction shows up here as a violation.
"""

from collections import Counter

from solver.problem import Courier, Order, Plan, Problem, Route, StopKind

UNREACHABLE_THRESHOLD_S = 2**28
"""Travel times at or above this count as no road at all."""


def check_plan(problem: Problem, plan: Plan, hard_deadlines: bool = False) -> list[str]:
    """Return every way a plan breaks the problem's rules (empty when valid).

    Checks that each order is served exactly once or listed as unassigned,
    visits sit at the right locations, times follow the travel matrix and the
    windows, pickups precede deliveries on the same courier, on-board orders
    stay with their courier, committed stops come first and in order, loads
    stay within capacity, shifts are respected and travel totals add up.
    With ``hard_deadlines`` a late delivery is a violation too.
    """
    problems: list[str] = []
    couriers = {c.id: c for c in problem.couriers}
    served = Counter(
        v.order_id for r in plan.routes for v in r.visits if _is_delivery(v)
    )
    dropped = Counter(u.order_id for u in plan.unassigned)

    for order in problem.orders:
        count = served[order.id] + dropped[order.id]
        if count != 1:
            problems.append(
                f"order {order.id} appears {served[order.id]} times served and "
                f"{dropped[order.id]} times unassigned; expected exactly once"
            )
    for oid in (set(served) | set(dropped)) - set(problem.order_index):
        problems.append(f"plan mentions unknown order {oid}")

    seen_couriers: set[str] = set()
    for route in plan.routes:
        courier = couriers.get(route.courier_id)
        if courier is None:
            problems.append(f"route for unknown courier {route.courier_id}")
            continue
        if route.courier_id in seen_couriers:
            problems.append(f"courier {route.courier_id} has two routes")
        seen_couriers.add(route.courier_id)
        problems.extend(
            _check_route(problem, courier, route, hard_deadlines, set(dropped))
        )

    for courier in problem.couriers:
        if courier.committed and courier.id not in seen_couriers:
            problems.append(f"courier {courier.id} has committed stops but no route")
        if courier.onboard and courier.id not in seen_couriers:
            dropped_onboard = [o for o in courier.onboard if dropped[o]]
            if len(dropped_onboard) != len(courier.onboard):
                problems.append(f"courier {courier.id} carries orders but no route")
    return problems


def _is_delivery(visit: object) -> bool:
    return getattr(visit, "kind", None) is StopKind.DELIVERY


def _check_route(
    problem: Problem,
    courier: Courier,
    route: Route,
    hard_deadlines: bool,
    unassigned: set[str],
) -> list[str]:
    problems: list[str] = []
    name = f"courier {courier.id}"
    orders = problem.orders
    index = problem.order_index
    time_s = problem.time_s

    for k, stop in enumerate(courier.committed):
        if k >= len(route.visits):
            problems.append(f"{name}: committed stop {k} ({stop.order_id}) missing")
            break
        visit = route.visits[k]
        pickup_ok = stop.kind is StopKind.DELIVERY or visit.pickup == stop.pickup
        if (
            visit.order_id != stop.order_id
            or visit.kind is not stop.kind
            or not (pickup_ok)
        ):
            problems.append(
                f"{name}: visit {k} is {visit.kind} of {visit.order_id}, committed "
                f"stop is {stop.kind} of {stop.order_id}"
            )

    picked: set[str] = set()
    delivered: set[str] = set()
    start_loaded = [
        v.order_id
        for v in route.visits
        if v.kind is StopKind.DELIVERY
        and v.order_id in index
        and not orders[index[v.order_id]].pickups
        and v.order_id not in courier.onboard
    ]
    load = sum(orders[index[o]].size for o in courier.onboard)
    load += sum(orders[index[o]].size for o in start_loaded)
    if load > courier.capacity:
        problems.append(
            f"{name}: starts with load {load} above capacity {courier.capacity}"
        )
    location, clock_s, travel_total_s, distance_total_m = (
        courier.start,
        courier.start_s,
        0,
        0,
    )

    for k, visit in enumerate(route.visits):
        where = f"{name} visit {k} ({visit.kind} of {visit.order_id})"
        if visit.order_id not in index:
            problems.append(f"{where}: unknown order")
            continue
        order = orders[index[visit.order_id]]
        expected_loc, lower_s, service_s = _stop_rules(order, visit, problems, where)
        if expected_loc is None:
            continue
        if visit.location != expected_loc:
            problems.append(
                f"{where}: at location {visit.location}, expected {expected_loc}"
            )
        leg_s = int(time_s[location, expected_loc])
        if leg_s >= UNREACHABLE_THRESHOLD_S:
            problems.append(f"{where}: location {expected_loc} is unreachable")
        travel_total_s += leg_s
        if problem.distance_m is not None:
            distance_total_m += int(problem.distance_m[location, expected_loc])
        if visit.arrival_s != clock_s + leg_s:
            problems.append(
                f"{where}: arrival_s={visit.arrival_s}, travel gives {clock_s + leg_s}"
            )
        earliest_start = max(clock_s + leg_s, lower_s)
        if visit.start_s < earliest_start:
            problems.append(
                f"{where}: start_s={visit.start_s} before {earliest_start} "
                "(arrival or window start)"
            )
        if visit.departure_s != visit.start_s + service_s:
            problems.append(
                f"{where}: departure_s={visit.departure_s}, expected "
                f"{visit.start_s + service_s}"
            )
        if (
            visit.kind is StopKind.PICKUP
            and visit.pickup is not None
            and order.pickups[visit.pickup].latest_s is not None
            and visit.start_s > (order.pickups[visit.pickup].latest_s or 0)
            and not _is_committed(courier, visit.order_id, StopKind.PICKUP)
        ):
            problems.append(
                f"{where}: starts at {visit.start_s}, after the pickup's latest_s "
                f"{order.pickups[visit.pickup].latest_s}"
            )
        if (
            visit.kind is StopKind.DELIVERY
            and hard_deadlines
            and not _is_committed(courier, visit.order_id, StopKind.DELIVERY)
            and visit.start_s > order.deadline_s
        ):
            problems.append(
                f"{where}: starts at {visit.start_s}, after deadline {order.deadline_s}"
            )

        if visit.kind is StopKind.PICKUP:
            if visit.order_id in picked:
                problems.append(f"{where}: picked up twice")
            picked.add(visit.order_id)
            load += order.size
        else:
            if visit.order_id in delivered:
                problems.append(f"{where}: delivered twice")
            delivered.add(visit.order_id)
            if order.pickups and visit.order_id not in picked:
                problems.append(f"{where}: delivered before it is picked up")
            if not order.pickups and _onboard_elsewhere(problem, order, courier):
                problems.append(f"{where}: the order is on board another courier")
            load -= order.size
        if load > courier.capacity:
            problems.append(f"{where}: load {load} above capacity {courier.capacity}")
        location, clock_s = expected_loc, visit.departure_s

    for oid in picked - delivered:
        # A committed pickup whose delivery no longer fits is listed unassigned.
        if _is_committed(courier, oid, StopKind.PICKUP) and oid in unassigned:
            continue
        problems.append(f"{name}: picks up {oid} but never delivers it")
    if courier.end is not None:
        leg_s = int(time_s[location, courier.end])
        travel_total_s += leg_s
        if problem.distance_m is not None:
            distance_total_m += int(problem.distance_m[location, courier.end])
        clock_s += leg_s
    shift_end_s = max(courier.shift_end_s, _committed_finish_s(problem, courier))
    if clock_s > shift_end_s:
        problems.append(
            f"{name}: route ends at {clock_s}, after shift end {shift_end_s}"
        )
    if route.travel_s != travel_total_s:
        problems.append(
            f"{name}: travel_s={route.travel_s}, legs add up to {travel_total_s}"
        )
    if route.distance_m is not None and route.distance_m != distance_total_m:
        problems.append(
            f"{name}: distance_m={route.distance_m}, legs add up to {distance_total_m}"
        )
    return problems


def _stop_rules(
    order: Order, visit: object, problems: list[str], where: str
) -> tuple[int | None, int, int]:
    """Return the location, window start and service time a visit must have."""
    kind = getattr(visit, "kind", None)
    if kind is StopKind.DELIVERY:
        return order.delivery, order.earliest_s, order.delivery_service_s
    pickup = getattr(visit, "pickup", None)
    if pickup is None or not 0 <= pickup < len(order.pickups):
        problems.append(f"{where}: pickup index {pickup} does not exist")
        return None, 0, 0
    chosen = order.pickups[pickup]
    return chosen.location, chosen.ready_s, order.pickup_service_s


def _onboard_elsewhere(problem: Problem, order: Order, courier: Courier) -> bool:
    return any(
        order.id in other.onboard for other in problem.couriers if other is not courier
    )


def _committed_finish_s(problem: Problem, courier: Courier) -> int:
    """Return when the committed stops alone end (they may overrun a shift)."""
    if not courier.committed:
        return 0
    location, clock_s = courier.start, courier.start_s
    for stop in courier.committed:
        order = problem.orders[problem.order_index[stop.order_id]]
        if stop.kind is StopKind.DELIVERY:
            target, lower_s, service_s = (
                order.delivery,
                order.earliest_s,
                order.delivery_service_s,
            )
        else:
            chosen = order.pickups[stop.pickup]
            target, lower_s, service_s = (
                chosen.location,
                chosen.ready_s,
                order.pickup_service_s,
            )
        clock_s = max(clock_s + int(problem.time_s[location, target]), lower_s)
        clock_s += service_s
        location = target
    if courier.end is not None:
        clock_s += int(problem.time_s[location, courier.end])
    return clock_s


def _is_committed(courier: Courier, order_id: str, kind: StopKind) -> bool:
    return any(s.order_id == order_id and s.kind is kind for s in courier.committed)
