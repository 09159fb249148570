"""The SQL journal: every event and the state it changed, in one transaction.

:class:`SqlStore` implements the dispatcher's ``Journal`` protocol. ``record``
appends the event to the log and writes the state rows that differ from what
the database already holds, then commits; if anything fails the transaction
rolls back and the error reaches the dispatcher, which undoes its in-memory
change. A process killed at any moment therefore restarts from a state that
contains every acknowledged event and nothing else.
"""

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from dispatch.migrations import upgrade
from dispatch.store.engine import create_store_engine
from dispatch.store.models import (
    Base,
    CommittedStopRow,
    CourierRow,
    DepotRow,
    EventRow,
    MetaRow,
    OrderRow,
)

logger = logging.getLogger(__name__)

Json = dict[str, Any]


class _Dumpable(Protocol):
    def model_dump(self, *, mode: str) -> Json: ...


@dataclass(frozen=True)
class Change:
    """What one committed ``record`` wrote: the event and the rows it changed.

    ``rows`` maps a collection name (``orders``, ``couriers``, ``depots``,
    ``committed``) to the new JSON of each changed row by id; ``removed``
    names the ids deleted from each collection.
    """

    event_id: int | None
    event: Json | None
    rows: dict[str, dict[str, Json]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Collection:
    """How one collection of the dispatcher state maps onto a table."""

    names: tuple[str, ...]
    row: type[Base]
    key: str
    columns: Callable[[Json], Json]


def _order_columns(data: Json) -> Json:
    return {"status": str(data.get("status", "placed"))}


def _courier_columns(data: Json) -> Json:
    online = data.get("online")
    if online is None:
        online = data.get("status") not in (None, "offline")
    return {"online": bool(online)}


def _stop_columns(data: Json) -> Json:
    stop = data[0] if isinstance(data, list) and data else data
    if not isinstance(stop, dict):
        return {"order_id": None, "kind": None}
    return {"order_id": stop.get("order_id"), "kind": stop.get("kind")}


COLLECTIONS = (
    _Collection(("orders",), OrderRow, "order_id", _order_columns),
    _Collection(("couriers",), CourierRow, "courier_id", _courier_columns),
    _Collection(("depots",), DepotRow, "depot_id", lambda _: {}),
    _Collection(
        ("committed", "committed_stops"), CommittedStopRow, "courier_id", _stop_columns
    ),
)


class SqlStore:
    """The dispatcher's durable journal on an SQLAlchemy engine.

    Parameters
    ----------
    engine
        Where to keep the event log and the state; the schema is migrated to
        the newest revision when ``migrate`` is true.
    migrate
        Run the Alembic migrations before use.
    """

    def __init__(self, engine: Engine, *, migrate: bool = True) -> None:
        self.engine = engine
        if migrate:
            upgrade(engine)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Change], None]] = []
        self._written: dict[str, dict[str, Json]] = {}
        self._meta: dict[str, Any] = {}
        self._load_written()

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> "SqlStore":
        """Open (and migrate) the store behind a database URL."""
        return cls(create_store_engine(url), migrate=migrate)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """Call ``listener`` with each :class:`Change` after it is committed."""
        self._listeners.append(listener)

    def record(self, event: _Dumpable, state: _Dumpable) -> None:
        """Append ``event`` and the rows of ``state`` that changed, atomically.

        Raises
        ------
        sqlalchemy.exc.SQLAlchemyError
            When the transaction fails; nothing of it is stored.
        """
        self._write(event.model_dump(mode="json"), state.model_dump(mode="json"))

    def save_state(self, state: _Dumpable) -> None:
        """Write the rows of ``state`` that changed, without an event."""
        self._write(None, state.model_dump(mode="json"))

    def load_state(self) -> Json | None:
        """Return the stored state as JSON, or ``None`` for an empty store.

        The result has one key per collection (a mapping from id to row, as
        the dispatcher state serialised it) plus the stored scalars.
        """
        with self._lock:
            if not any(self._written.values()) and not self._meta:
                return None
            state: Json = {name: dict(rows) for name, rows in self._written.items()}
            state.update(self._meta)
            return state

    def events(self, after_id: int = 0, limit: int = 1000) -> list[Json]:
        """Return up to ``limit`` logged events with ids above ``after_id``."""
        query = (
            select(EventRow.id, EventRow.payload)
            .where(EventRow.id > after_id)
            .order_by(EventRow.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [{"id": row.id, **row.payload} for row in connection.execute(query)]

    def event_count(self) -> int:
        """Return how many events the log holds."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count(EventRow.id))).scalar_one())

    def _load_written(self) -> None:
        with self.engine.connect() as connection:
            for collection in COLLECTIONS:
                table = Base.metadata.tables[collection.row.__tablename__]
                rows = connection.execute(select(table.c[collection.key], table.c.data))
                self._written[collection.names[0]] = {k: data for k, data in rows}
            for key, data in connection.execute(select(MetaRow.key, MetaRow.data)):
                self._meta[key] = data["value"]
        counts = {k: len(v) for k, v in self._written.items()}
        logger.info("store holds %s", counts)

    def _write(self, event: Json | None, state: Json) -> None:
        with self._lock:
            rows, removed, written, meta = self._diff(state)
            with self.engine.begin() as connection:
                event_id = _insert_event(connection, event) if event else None
                for collection in COLLECTIONS:
                    name = collection.names[0]
                    _write_rows(
                        connection,
                        collection,
                        rows.get(name, {}),
                        self._written.get(name, {}),
                        removed.get(name, []),
                    )
                _write_meta(connection, meta, self._meta)
            self._written.update(written)
            self._meta.update(meta)
        change = Change(
            event_id,
            event,
            {k: v for k, v in rows.items() if v},
            {k: v for k, v in removed.items() if v},
        )
        for listener in self._listeners:
            listener(change)

    def _diff(
        self, state: Json
    ) -> tuple[dict[str, dict[str, Json]], dict[str, list[str]], dict[str, Json], Json]:
        rows: dict[str, dict[str, Json]] = {}
        removed: dict[str, list[str]] = {}
        written: dict[str, Json] = {}
        seen: set[str] = set()
        for collection in COLLECTIONS:
            name = collection.names[0]
            present = next((n for n in collection.names if n in state), None)
            if present is None:
                continue
            seen.add(present)
            current = _by_id(state[present], collection.key)
            before = self._written.get(name, {})
            rows[name] = {k: v for k, v in current.items() if before.get(k) != v}
            removed[name] = [k for k in before if k not in current]
            written[name] = current
        meta = {
            k: v
            for k, v in state.items()
            if k not in seen and (k not in self._meta or self._meta[k] != v)
        }
        return rows, removed, written, meta


def _by_id(collection: Any, key: str) -> dict[str, Json]:
    """Return a collection serialised as a mapping or a list, keyed by id."""
    if isinstance(collection, Mapping):
        return {str(k): v for k, v in collection.items()}
    id_field = key.removesuffix("_id")
    result = {}
    for item in collection:
        item_id = item.get(key, item.get("id", item.get(id_field)))
        result[str(item_id)] = item
    return result


def _insert_event(connection: Connection, event: Json) -> int:
    result = connection.execute(
        insert(EventRow).values(
            at_s=int(event.get("at_s", 0)),
            type=str(event.get("type", "unknown")),
            order_id=event.get("order_id"),
            courier_id=event.get("courier_id"),
            payload=event,
        )
    )
    primary_key = result.inserted_primary_key
    if primary_key is None:
        raise RuntimeError("the database returned no id for the appended event")
    return int(primary_key[0])


def _write_rows(
    connection: Connection,
    collection: _Collection,
    changed: Mapping[str, Json],
    before: Mapping[str, Json],
    removed: Iterable[str],
) -> None:
    table = Base.metadata.tables[collection.row.__tablename__]
    key_column = table.c[collection.key]
    new = [
        {collection.key: k, "data": v, **collection.columns(v)}
        for k, v in changed.items()
        if k not in before
    ]
    old = [
        {"b_key": k, "data": v, **collection.columns(v)}
        for k, v in changed.items()
        if k in before
    ]
    if new:
        connection.execute(insert(table), new)
    if old:
        values: dict[str, Any] = {c: bindparam(c) for c in old[0] if c != "b_key"}
        statement = update(table).where(key_column == bindparam("b_key")).values(values)
        connection.execute(statement, old)
    removed = list(removed)
    if removed:
        connection.execute(delete(table).where(key_column.in_(removed)))


def _write_meta(
    connection: Connection, changed: Mapping[str, Any], before: Mapping[str, Any]
) -> None:
    table = Base.metadata.tables[MetaRow.__tablename__]
    for key, value in changed.items():
        data = {"value": value}
        if key in before:
            connection.execute(
                update(table).where(table.c.key == key).values(data=data)
            )
        else:
            connection.execute(insert(table).values(key=key, data=data))
