"""The event queue orders happenings by time, then priority, then arrival."""

from simulate.kernel import EventQueue, Priority


def test_events_come_out_by_time_then_priority_then_scheduling_order() -> None:
    queue = EventQueue()
    queue.push(60, Priority.TICK, "tick")
    queue.push(60, Priority.ORDER, "order", "b")
    queue.push(30, Priority.TICK, "tick")
    queue.push(60, Priority.ORDER, "order", "c")
    queue.push(60, Priority.ARRIVAL, "arrive")

    popped = [queue.pop() for _ in range(len(queue))]

    assert [(e.time_s, e.kind, e.payload) for e in popped] == [
        (30, "tick", None),
        (60, "arrive", None),
        (60, "order", "b"),
        (60, "order", "c"),
        (60, "tick", None),
    ]


def test_a_tick_waits_for_everything_else_of_its_second() -> None:
    assert max(Priority) == Priority.TICK
