"""The dispatcher as its callers use it: events in, statuses, stock and routes out."""

import pytest

from dispatch import (
    CourierOffline,
    CourierOnline,
    CourierPosition,
    Delivered,
    Dispatcher,
    DispatchState,
    DuplicateOrder,
    IllegalTransition,
    InvalidEvent,
    ItemLine,
    OrderCancelled,
    OrderPlaced,
    OrderStatus,
    PickedUp,
    Point,
    Tick,
    UnknownCourier,
    UnknownOrder,
)
from tests.dispatch.conftest import DEPOT_A, FAR_AWAY, NEAR_A, make_planner

HOUR_S = 3600


def online(courier_id: str, at_s: int = 0, where=DEPOT_A, capacity: int = 3):
    return CourierOnline(
        courier_id=courier_id,
        at_s=at_s,
        lon=where[0],
        lat=where[1],
        capacity=capacity,
        shift_end_s=at_s + 8 * HOUR_S,
    )


def order(order_id: str, at_s: int, title: str = "活着", where=NEAR_A, **extra):
    return OrderPlaced(
        order_id=order_id,
        at_s=at_s,
        items=(ItemLine(title=title),),
        dropoff=Point(lon=where[0], lat=where[1]),
        **extra,
    )


def statuses(dispatcher: Dispatcher, order_id: str) -> list[str]:
    return [change.status.value for change in dispatcher.order(order_id).history]


def test_tiny_day_runs_from_order_to_door_with_statuses_and_stock_right(dispatcher):
    dispatcher.apply(online("c1"))
    outcome = dispatcher.apply(order("o1", at_s=60))

    assert outcome.status is OrderStatus.ACCEPTED
    assert outcome.promise.feasible and outcome.promise.depot_id == "A"
    assert dispatcher.state.depots["A"].reserved == {"活着": 1}

    plan = dispatcher.replan(90)
    assert [(s.order_id, s.kind) for s in plan.routes["c1"]] == [
        ("o1", "pickup"),
        ("o1", "delivery"),
    ]
    committed = dispatcher.state.couriers["c1"].committed
    assert committed is not None and committed.kind == "pickup"

    dispatcher.apply(PickedUp(courier_id="c1", order_id="o1", at_s=300))
    depot = dispatcher.state.depots["A"]
    assert depot.stock["活着"] == 1 and depot.reserved == {}
    assert dispatcher.route("c1")[0].kind == "delivery"

    dispatcher.apply(Delivered(courier_id="c1", order_id="o1", at_s=900))
    assert statuses(dispatcher, "o1") == [
        "placed",
        "accepted",
        "assigned",
        "picked_up",
        "delivered",
    ]
    assert all(c.reason for c in dispatcher.order("o1").history)
    assert dispatcher.route("c1") == []
    assert dispatcher.state.couriers["c1"].onboard == []


def test_promise_says_on_time_for_a_nearby_order_without_taking_it(dispatcher):
    dispatcher.apply(online("c1"))
    before = dispatcher.state.model_dump()

    promise = dispatcher.promise(order("o1", at_s=60))

    assert promise.feasible
    assert 60 < promise.eta_s <= 60 + HOUR_S
    assert promise.depot_id == "A"
    assert dispatcher.state.model_dump() == before


def test_an_order_too_far_for_the_hour_gets_its_best_eta_and_is_refused(dispatcher):
    dispatcher.apply(online("c1"))

    promise = dispatcher.promise(order("far", at_s=60, where=FAR_AWAY))
    outcome = dispatcher.apply(order("far", at_s=60, where=FAR_AWAY))

    assert not promise.feasible
    assert promise.eta_s > 60 + HOUR_S
    assert outcome.status is OrderStatus.REJECTED
    assert "best ETA" in outcome.reason and "late" in outcome.reason
    assert dispatcher.state.depots["A"].reserved == {}


def test_a_late_order_is_taken_when_the_caller_accepts_late(dispatcher):
    dispatcher.apply(online("c1"))

    outcome = dispatcher.apply(order("far", at_s=60, where=FAR_AWAY, accept_late=True))

    assert outcome.status is OrderStatus.ACCEPTED
    assert not outcome.promise.feasible and outcome.promise.eta_s > 60 + HOUR_S
    plan = dispatcher.replan(120)
    assert "far" in {s.order_id for s in plan.routes["c1"]}


def test_an_order_out_of_stock_everywhere_is_rejected_naming_the_title(dispatcher):
    dispatcher.apply(online("c1"))
    outcome = dispatcher.apply(
        OrderPlaced(
            order_id="o1",
            at_s=60,
            items=(ItemLine(title="三体", quantity=4), ItemLine(title="活着")),
            dropoff=Point(lon=NEAR_A[0], lat=NEAR_A[1]),
        )
    )

    assert outcome.status is OrderStatus.REJECTED
    assert "《三体》" in outcome.reason and "活着" not in outcome.reason
    assert all(not d.reserved for d in dispatcher.state.depots.values())


def test_an_order_is_picked_up_where_all_its_items_are(dispatcher):
    dispatcher.apply(online("c1"))
    outcome = dispatcher.apply(
        OrderPlaced(
            order_id="o1",
            at_s=60,
            items=(ItemLine(title="三体", quantity=2),),
            dropoff=Point(lon=NEAR_A[0], lat=NEAR_A[1]),
        )
    )

    assert outcome.promise.depot_id == "B"
    assert dispatcher.state.depots["B"].reserved == {"三体": 2}


def test_an_unknown_title_goes_to_review_not_to_a_guess(dispatcher):
    outcome = dispatcher.apply(order("o1", at_s=60, title="不存在的书"))

    assert outcome.status is OrderStatus.NEEDS_REVIEW
    assert "《不存在的书》" in outcome.reason


def test_cancel_releases_the_reserved_stock(dispatcher):
    dispatcher.apply(online("c1"))
    dispatcher.apply(order("o1", at_s=60))
    dispatcher.replan(90)
    assert dispatcher.state.depots["A"].reserved == {"活着": 1}

    outcome = dispatcher.apply(
        OrderCancelled(order_id="o1", at_s=120, reason="changed mind")
    )

    assert outcome.status is OrderStatus.CANCELLED
    assert dispatcher.state.depots["A"].reserved == {}
    assert dispatcher.state.depots["A"].stock["活着"] == 2
    assert dispatcher.route("c1") == []


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (Delivered(courier_id="c1", order_id="o1", at_s=200), IllegalTransition),
        (PickedUp(courier_id="c9", order_id="o1", at_s=200), UnknownCourier),
        (PickedUp(courier_id="c1", order_id="o9", at_s=200), UnknownOrder),
        (OrderCancelled(order_id="o9", at_s=200), UnknownOrder),
        (
            CourierPosition(courier_id="c9", at_s=200, lon=116.4, lat=39.9),
            UnknownCourier,
        ),
        (online("c1", at_s=200), IllegalTransition),
        (order("o2", at_s=200, depot_id="Z"), InvalidEvent),
    ],
)
def test_an_impossible_event_raises_and_leaves_state_unchanged(
    dispatcher, event, error
):
    dispatcher.apply(online("c1"))
    dispatcher.apply(order("o1", at_s=60))
    before = dispatcher.state.model_dump_json()

    with pytest.raises(error):
        dispatcher.apply(event)

    assert dispatcher.state.model_dump_json() == before


def test_delivering_twice_is_illegal_and_changes_nothing(dispatcher):
    dispatcher.apply(online("c1"))
    dispatcher.apply(order("o1", at_s=60))
    dispatcher.apply(PickedUp(courier_id="c1", order_id="o1", at_s=300))
    dispatcher.apply(Delivered(courier_id="c1", order_id="o1", at_s=900))
    before = dispatcher.state.model_dump_json()

    with pytest.raises(IllegalTransition, match="o1 is delivered"):
        dispatcher.apply(Delivered(courier_id="c1", order_id="o1", at_s=901))
    with pytest.raises(IllegalTransition):
        dispatcher.apply(OrderCancelled(order_id="o1", at_s=902))

    assert dispatcher.state.model_dump_json() == before


def test_a_courier_cannot_go_offline_with_orders_on_board(dispatcher):
    dispatcher.apply(online("c1"))
    dispatcher.apply(order("o1", at_s=60))
    dispatcher.apply(PickedUp(courier_id="c1", order_id="o1", at_s=300))

    with pytest.raises(IllegalTransition, match="still carries"):
        dispatcher.apply(CourierOffline(courier_id="c1", at_s=400))
    assert dispatcher.state.couriers["c1"].online


def test_a_courier_going_offline_hands_its_planned_orders_back(dispatcher):
    dispatcher.apply(online("c1"))
    dispatcher.apply(order("o1", at_s=60))
    assert dispatcher.order("o1").status is OrderStatus.ASSIGNED

    dispatcher.apply(CourierOffline(courier_id="c1", at_s=100))

    assert dispatcher.order("o1").status is OrderStatus.ACCEPTED
    assert dispatcher.order("o1").courier_id is None
    assert dispatcher.state.depots["A"].reserved == {"活着": 1}


def test_the_same_order_sent_twice_is_taken_once(dispatcher):
    dispatcher.apply(online("c1"))
    first = dispatcher.apply(order("o1", at_s=60))
    seq = dispatcher.state.seq

    again = dispatcher.apply(order("o1", at_s=60))

    assert again.duplicate
    assert again.status == first.status and again.promise == first.promise
    assert dispatcher.state.seq == seq
    assert dispatcher.state.depots["A"].reserved == {"活着": 1}


def test_an_order_id_reused_with_another_payload_is_refused(dispatcher):
    dispatcher.apply(order("o1", at_s=60))
    before = dispatcher.state.model_dump_json()

    with pytest.raises(DuplicateOrder, match="o1"):
        dispatcher.apply(order("o1", at_s=60, title="三体"))
    assert dispatcher.state.model_dump_json() == before


def test_a_restored_dispatcher_has_the_same_state_and_carries_on(dispatcher, travel):
    dispatcher.apply(online("c1"))
    dispatcher.apply(online("c2", where=NEAR_A))
    dispatcher.apply(order("o1", at_s=60))
    dispatcher.apply(order("o2", at_s=70, title="三体"))
    dispatcher.replan(100)
    dispatcher.apply(PickedUp(courier_id="c1", order_id="o1", at_s=300))

    saved = dispatcher.state.model_dump_json()
    restored = Dispatcher.restore(
        DispatchState.model_validate_json(saved), travel, make_planner()
    )

    assert restored.state.model_dump_json() == saved
    assert restored.route("c1") == dispatcher.route("c1")
    for d in (dispatcher, restored):
        d.apply(Delivered(courier_id="c1", order_id="o1", at_s=900))
    assert restored.state.model_dump_json() == dispatcher.state.model_dump_json()


def test_a_committed_stop_stays_first_across_replans(dispatcher):
    dispatcher.apply(online("c1", capacity=4))
    dispatcher.apply(
        OrderPlaced(
            order_id="o1",
            at_s=0,
            items=(ItemLine(title="三体", quantity=2),),
            dropoff=Point(lon=116.44, lat=39.91),
        )
    )
    dispatcher.replan(10)
    committed = dispatcher.state.couriers["c1"].committed
    assert committed is not None and committed.depot_id == "B"

    # Two orders for the depot the courier stands at: going there first
    # would be cheaper, but the courier is already riding to depot B.
    for k in range(2):
        dispatcher.apply(order(f"n{k}", at_s=20 + k, where=NEAR_A))
    dispatcher.replan(40)
    dispatcher.replan(80)

    def where(stop):
        return (stop.order_id, stop.kind, stop.depot_id)

    assert where(dispatcher.state.couriers["c1"].committed) == where(committed)
    assert where(dispatcher.route("c1")[0]) == where(committed)


def test_a_tick_replans_on_the_timer_and_soon_after_changes(dispatcher):
    assert dispatcher.apply(Tick(at_s=0)).plan is not None
    assert dispatcher.apply(Tick(at_s=3)).plan is None
    dispatcher.apply(online("c1", at_s=3))
    assert dispatcher.apply(Tick(at_s=4)).plan is None
    assert dispatcher.apply(Tick(at_s=5)).plan is not None
    assert dispatcher.apply(Tick(at_s=20)).plan is None
    assert dispatcher.apply(Tick(at_s=35)).plan is not None


class _FailingJournal:
    def __init__(self) -> None:
        self.fail = False
        self.recorded = 0

    def record(self, event, state, changed) -> None:
        if self.fail:
            raise OSError("disk full")
        self.recorded += 1


def test_a_journal_failure_undoes_the_change(travel):
    from tests.dispatch.conftest import make_depots

    journal = _FailingJournal()
    dispatcher = Dispatcher(travel, make_depots(), make_planner(), journal=journal)
    dispatcher.apply(online("c1"))
    assert journal.recorded == 1
    before = dispatcher.state.model_dump_json()

    journal.fail = True
    with pytest.raises(OSError, match="disk full"):
        dispatcher.apply(order("o1", at_s=60))

    assert dispatcher.state.model_dump_json() == before
    journal.fail = False
    assert dispatcher.apply(order("o1", at_s=60)).status is OrderStatus.ACCEPTED


def test_orders_of_a_courier_past_shift_end_move_to_one_on_duty(dispatcher):
    dispatcher.apply(
        CourierOnline(
            courier_id="short",
            at_s=0,
            lon=NEAR_A[0],
            lat=NEAR_A[1],
            capacity=3,
            shift_end_s=600,
        )
    )
    dispatcher.apply(order("o1", at_s=10))
    assert dispatcher.order("o1").courier_id == "short"
    dispatcher.apply(online("long", at_s=20))

    plan = dispatcher.replan(700)

    assert dispatcher.route("short") == []
    assert [s.order_id for s in plan.routes["long"]] == ["o1", "o1"]
    assert dispatcher.order("o1").courier_id == "long"


def test_a_replayed_order_is_picked_up_at_its_shop_without_touching_stock(dispatcher):
    dispatcher.apply(online("c1"))
    shop = (116.41, 39.91)
    outcome = dispatcher.apply(
        OrderPlaced(
            order_id="meal",
            at_s=60,
            dropoff=Point(lon=NEAR_A[0], lat=NEAR_A[1]),
            pickup=Point(lon=shop[0], lat=shop[1]),
            ready_s=600,
        )
    )

    assert outcome.status is OrderStatus.ACCEPTED
    assert outcome.promise.depot_id is None
    pickup = dispatcher.route("c1")[0]
    assert (pickup.kind, pickup.depot_id, pickup.lon, pickup.lat) == (
        "pickup",
        None,
        *shop,
    )
    before = {d.id: dict(d.stock) for d in dispatcher.state.depots.values()}
    dispatcher.replan(120)
    dispatcher.apply(PickedUp(courier_id="c1", order_id="meal", at_s=700))
    assert {d.id: d.stock for d in dispatcher.state.depots.values()} == before
    assert all(not d.reserved for d in dispatcher.state.depots.values())


def test_a_forced_depot_without_the_title_rejects_naming_depot_and_title(dispatcher):
    dispatcher.apply(online("c1"))

    outcome = dispatcher.apply(order("o1", at_s=60, title="百年孤独", depot_id="A"))

    assert outcome.status is OrderStatus.REJECTED
    assert "depot A" in outcome.reason and "《百年孤独》" in outcome.reason


def test_a_forced_depot_is_where_the_order_is_picked_up(dispatcher):
    dispatcher.apply(online("c1"))

    outcome = dispatcher.apply(order("o1", at_s=60, title="三体", depot_id="B"))
    plan = dispatcher.replan(90)

    assert outcome.promise.depot_id == "B"
    assert [s.depot_id for s in plan.routes["c1"] if s.kind == "pickup"] == ["B"]
    assert dispatcher.state.depots["B"].reserved == {"三体": 1}


def test_a_silent_courier_is_planned_as_still_riding_to_its_committed_stop(dispatcher):
    dispatcher.apply(online("c1"))
    dispatcher.apply(
        OrderPlaced(
            order_id="o1",
            at_s=0,
            items=(ItemLine(title="三体", quantity=2),),
            dropoff=Point(lon=NEAR_A[0], lat=NEAR_A[1]),
        )
    )
    first = dispatcher.replan(10).routes["c1"]

    later = dispatcher.replan(300).routes["c1"]

    assert [(s.order_id, s.kind) for s in later] == [
        ("o1", "pickup"),
        ("o1", "delivery"),
    ]
    assert abs(later[1].eta_s - first[1].eta_s) <= 15


class _CarelessPlanner:
    """A planner that delivers every order without ever picking it up."""

    def plan(self, problem, previous):
        from solver import Plan, Route, StopKind, Visit

        routes = tuple(
            Route(
                courier_id=courier.id,
                visits=tuple(
                    Visit(o.id, StopKind.DELIVERY, o.delivery, 0, 0, 0)
                    for o in problem.orders
                ),
                travel_s=0,
            )
            for courier in problem.couriers[:1]
        )
        return Plan(routes=routes, unassigned=(), objective=0, solve_time_s=0.0)


def test_a_defective_plan_sends_no_courier_to_deliver_what_it_lacks(travel):
    from tests.dispatch.conftest import make_depots

    dispatcher = Dispatcher(travel, make_depots(), _CarelessPlanner())
    dispatcher.apply(order("o1", at_s=60, accept_late=True))
    dispatcher.apply(online("c1", at_s=70))

    plan = dispatcher.replan(90)

    assert dispatcher.route("c1") == []
    assert [(u.order_id, u.reason) for u in plan.unassigned] == [("o1", "invalid_plan")]
    assert dispatcher.order("o1").status is OrderStatus.ACCEPTED
    assert dispatcher.state.depots["A"].reserved == {"活着": 1}


def test_cancelling_the_order_a_courier_rides_to_sends_it_to_its_next_stop(dispatcher):
    dispatcher.apply(online("c1"))
    dispatcher.apply(order("o1", at_s=10))
    dispatcher.apply(order("o2", at_s=20, title="三体"))
    first = dispatcher.state.couriers["c1"].committed
    assert first is not None and first.order_id == "o1"

    dispatcher.apply(OrderCancelled(order_id="o1", at_s=30))

    committed = dispatcher.state.couriers["c1"].committed
    assert committed is not None and committed.order_id == "o2"
    assert {s.order_id for s in dispatcher.route("c1")} == {"o2"}


def test_an_order_kept_for_review_can_be_cancelled(dispatcher):
    dispatcher.apply(order("o1", at_s=10, title="不存在的书"))

    outcome = dispatcher.apply(OrderCancelled(order_id="o1", at_s=30, reason="bad"))

    assert outcome.status is OrderStatus.CANCELLED
    assert statuses(dispatcher, "o1") == ["placed", "needs_review", "cancelled"]


def test_events_between_building_and_committing_a_plan_win(dispatcher):
    dispatcher.apply(online("c1", capacity=4))
    dispatcher.apply(order("o1", at_s=10))
    dispatcher.apply(order("o2", at_s=20, title="三体"))

    built = dispatcher.prepare_replan(30)
    plan = dispatcher.planner.plan(built.problem, built.warm_start)
    dispatcher.apply(OrderCancelled(order_id="o2", at_s=31))
    dispatcher.apply(PickedUp(courier_id="c1", order_id="o1", at_s=32))
    dispatcher.apply(order("o3", at_s=33))
    view = dispatcher.commit_replan(built, plan)

    stops = [(s.order_id, s.kind) for s in dispatcher.route("c1")]
    assert ("o2", "pickup") not in stops and ("o2", "delivery") not in stops
    assert ("o1", "pickup") not in stops and ("o1", "delivery") in stops
    assert ("o3", "pickup") in stops and ("o3", "delivery") in stops
    assert view.routes["c1"] == dispatcher.route("c1")
    assert dispatcher.order("o3").status is OrderStatus.ASSIGNED


def test_replans_aim_a_margin_before_the_deadline_that_promises_answer_for(dispatcher):
    dispatcher.apply(online("c1"))
    outcome = dispatcher.apply(order("o1", at_s=60))
    margin_s = dispatcher.params.planning_margin_s

    built = dispatcher.prepare_replan(90)

    assert outcome.promise.feasible and margin_s > 0
    assert dispatcher.order("o1").deadline_s == 60 + HOUR_S
    (planned,) = built.problem.orders
    assert planned.deadline_s == 60 + HOUR_S - margin_s - 90
