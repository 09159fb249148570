"""Why an order is left out: each courier tried alone, from its first free moment."""

from solver.nodes import UNREACHABLE_THRESHOLD_S, Nodes, OrderKind, schedule
from solver.problem import Problem, Unassigned, UnassignedReason


def explain(problem: Problem, nodes: Nodes, order: int) -> Unassigned:
    """Return the reason an order cannot be (or was not) served.

    Every allowed courier is tried on its own: after its committed stops, go
    to the best pickup, then deliver. The first reason that holds for all of
    them is given: no courier, unreachable, too large, deadline, shift end;
    when some courier could serve the order alone, the plan left it out
    because serving it cost more than its penalty within the budget.
    """
    oid = problem.orders[order].id
    vehicles = _allowed(nodes, order)
    if not vehicles:
        return Unassigned(oid, UnassignedReason.NO_COURIER, "no courier is on shift")

    size = int(nodes.size[nodes.order_delivery[order]])
    on_board = nodes.order_kind[order] == OrderKind.ONBOARD
    capacities = [problem.couriers[v].capacity for v in vehicles]
    if not on_board and size > max(capacities):
        return Unassigned(
            oid,
            UnassignedReason.CAPACITY,
            f"size {size} exceeds the largest capacity {max(capacities)}",
        )

    best_late_s, best_over_s, reachable = None, None, False
    for v in vehicles:
        for late_s, over_s in _alone(nodes, order, v):
            if late_s is None:
                continue
            reachable = True
            if late_s <= 0 and over_s <= 0:
                return Unassigned(
                    oid,
                    UnassignedReason.NOT_WORTH_IT,
                    f"courier {problem.couriers[v].id} could serve it alone; the "
                    "plan found no place worth its penalty",
                )
            if over_s <= 0:
                best_late_s = (
                    late_s if best_late_s is None else min(best_late_s, late_s)
                )
            if late_s <= 0:
                best_over_s = (
                    over_s if best_over_s is None else min(best_over_s, over_s)
                )

    if not reachable:
        return Unassigned(
            oid, UnassignedReason.UNREACHABLE, "no road reaches its pickup or delivery"
        )
    if best_over_s is not None:
        return Unassigned(
            oid,
            UnassignedReason.SHIFT_END,
            f"on time only by working {best_over_s} s past a shift end",
        )
    detail = "every courier ends its shift first"
    if best_late_s is not None:
        detail = f"at best {best_late_s} s late"
    return Unassigned(oid, UnassignedReason.NO_PICKUP_IN_TIME, detail)


def _allowed(nodes: Nodes, order: int) -> list[int]:
    only = int(nodes.vehicle[nodes.order_delivery[order]])
    if only >= 0:
        return [only]
    return list(range(nodes.n_vehicles))


def _alone(nodes: Nodes, order: int, v: int) -> list[tuple[int | None, int]]:
    """Return (lateness, shift overrun) per pickup choice; None when unreachable."""
    travel = nodes.travel_s
    chain = [nodes.start(v), *nodes.committed[v]]
    _, _, departure = schedule(nodes, [*chain, nodes.end(v)])
    free_s = int(departure[-2])
    here = int(nodes.loc[chain[-1]])
    end = nodes.end(v)
    d = int(nodes.order_delivery[order])
    ld = int(nodes.loc[d])

    ways: list[tuple[int, int]] = []
    pickups = nodes.order_pickups[order]
    if pickups:
        for p in pickups:
            lp = int(nodes.loc[p])
            legs = (int(travel[here, lp]), int(travel[lp, ld]))
            t = max(free_s + legs[0], int(nodes.earliest_s[p])) + int(
                nodes.service_s[p]
            )
            ways.append((max(t + legs[1], int(nodes.earliest_s[d])), max(legs)))
    else:
        leg = int(travel[here, ld])
        ways.append((max(free_s + leg, int(nodes.earliest_s[d])), leg))

    out: list[tuple[int | None, int]] = []
    for start_s, longest_leg in ways:
        back = int(travel[ld, nodes.loc[end]])
        if max(longest_leg, back) >= UNREACHABLE_THRESHOLD_S:
            out.append((None, 0))
            continue
        finish_s = start_s + int(nodes.service_s[d]) + back
        late_s = start_s - int(nodes.deadline_s[d])
        over_s = finish_s - int(nodes.latest_s[end])
        if start_s > nodes.latest_s[d]:
            late_s = max(late_s, 1)
        out.append((late_s, over_s))
    return out
