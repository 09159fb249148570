"""The durable store: what a restart gets back, and what a failed write leaves."""

import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from dispatch.events import (
    CourierOnline,
    ItemLine,
    OrderCancelled,
    OrderPlaced,
    PickedUp,
    Point,
)
from dispatch.migrations import downgrade, upgrade
from dispatch.store.models import Base

NOW_S = int(time.time())


def placed(order_id: str, lon: float = 116.4610) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        at_s=NOW_S,
        items=(ItemLine(title="三体"),),
        dropoff=Point(lon=lon, lat=39.9400),
    )


def online(courier_id: str, lon: float = 116.45) -> CourierOnline:
    return CourierOnline(
        courier_id=courier_id, at_s=NOW_S, lon=lon, lat=39.93, shift_end_s=NOW_S + 28800
    )


def test_a_restart_restores_every_order_courier_and_committed_stop(db_url, request):
    open_store_dispatcher = request.getfixturevalue("store_dispatcher_opener")
    store, dispatcher = open_store_dispatcher(db_url)
    dispatcher.apply(online("c1"))
    dispatcher.apply(online("c2", lon=116.44))
    for n in range(4):
        dispatcher.apply(placed(f"o{n}", lon=116.455 + n * 0.002))
    dispatcher.replan(NOW_S + 5)
    picked = next(o for o in dispatcher.state.orders.values() if o.courier_id)
    dispatcher.apply(
        PickedUp(courier_id=picked.courier_id, order_id=picked.id, at_s=NOW_S + 600)
    )
    cancelled = next(
        o
        for o in dispatcher.state.orders.values()
        if o.status in ("accepted", "assigned")
    )
    dispatcher.apply(OrderCancelled(order_id=cancelled.id, at_s=NOW_S + 601))
    before = dispatcher.state.model_dump(mode="json")
    committed = {
        c.id: c.committed.model_dump(mode="json")
        for c in dispatcher.state.couriers.values()
        if c.committed is not None
    }
    store.close()

    store, restored = open_store_dispatcher(db_url)
    assert restored.state.model_dump(mode="json") == before
    assert store.committed_stops() == committed
    assert committed, "the plan committed no stop; the test proves nothing"
    assert [e["type"] for e in store.events()][-2:] == ["picked_up", "order_cancelled"]
    store.close()


def test_a_failed_write_leaves_the_store_and_the_dispatcher_unchanged(db_url, request):
    open_store_dispatcher = request.getfixturevalue("store_dispatcher_opener")
    store, dispatcher = open_store_dispatcher(db_url)
    dispatcher.apply(online("c1"))
    events_before = store.event_count()
    state_before = dispatcher.state.model_dump(mode="json")
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE orders RENAME TO orders_away"))

    with pytest.raises(SQLAlchemyError):
        dispatcher.apply(placed("o1"))

    assert dispatcher.state.model_dump(mode="json") == state_before
    assert store.event_count() == events_before
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE orders_away RENAME TO orders"))
    dispatcher.apply(placed("o1"))
    store.close()

    store, restored = open_store_dispatcher(db_url)
    assert list(restored.state.orders) == ["o1"]
    assert store.event_count() == events_before + 1
    store.close()


def test_migrations_go_down_to_nothing_and_up_again(db_url, request):
    open_store_dispatcher = request.getfixturevalue("store_dispatcher_opener")
    store, _ = open_store_dispatcher(db_url)
    tables = {"events", "orders", "couriers", "depots", "committed_stops"}
    assert tables <= set(inspect(store.engine).get_table_names())

    downgrade(store.engine, "base")
    assert not tables & set(inspect(store.engine).get_table_names())
    upgrade(store.engine)
    assert tables <= set(inspect(store.engine).get_table_names())
    store.close()


def test_the_migrated_schema_matches_the_models(db_url, request):
    open_store_dispatcher = request.getfixturevalue("store_dispatcher_opener")
    store, _ = open_store_dispatcher(db_url)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    store.close()
    assert differences == []
