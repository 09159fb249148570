"""The SQL journal: every event and the state it changed, in one transaction.

:class:`SqlStore` implements the dispatcher's ``Journal`` protocol. ``record``
appends the event to the log and writes the order, courier and depot records
whose ``updated_seq`` moved since they were last written (plus each changed
courier's committed stop and the state's scalars), then commits. If anything
fails the transaction rolls back and the error reaches the dispatcher, which
undoes its in-memory change. A process killed at any moment therefore restarts
from a state holding every acknowledged event and nothing else.
"""

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, Table, bindparam, delete, func, insert, select, update
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

COLLECTIONS = ("orders", "couriers", "depots")
"""Collections of the dispatcher state, each a mapping from id to a record."""
SCALARS_KEY = "scalars"
"""Row of ``dispatch_meta`` holding the state's scalars (clock, counters)."""


@dataclass(frozen=True)
class Change:
    """What one committed ``record`` wrote: the event and the records it changed.

    ``rows`` maps ``orders``, ``couriers`` and ``depots`` to the new JSON of
    each changed record by id.
    """

    event_id: int | None
    event: Json | None
    rows: dict[str, dict[str, Json]] = field(default_factory=dict)


@dataclass
class _Pending:
    rows: dict[str, dict[str, Json]]
    seqs: dict[str, dict[str, int]]
    meta: Json


class SqlStore:
    """The dispatcher's durable journal on an SQLAlchemy engine.

    Parameters
    ----------
    engine
        Where to keep the event log and the state.
    migrate
        Bring the schema to the newest Alembic revision first.

    Notes
    -----
    Records are written when their ``updated_seq`` differs from the one last
    written, so a record changed without bumping it is not saved. Records are
    never deleted: orders end in a terminal status and stay.
    """

    def __init__(self, engine: Engine, *, migrate: bool = True) -> None:
        self.engine = engine
        if migrate:
            upgrade(engine)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Change], None]] = []
        self._seqs: dict[str, dict[str, int]] = {name: {} for name in COLLECTIONS}
        self._committed: set[str] = set()
        self._meta: Json = {}
        self._sql = _Statements()
        self._load_index()

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

    def record(
        self, event: BaseModel, state: BaseModel, changed: Mapping[str, list[str]]
    ) -> None:
        """Append ``event`` and the records of ``state`` it changed, atomically.

        Only the records named in ``changed`` (ids per collection) are looked
        at, so an event costs the same however many orders the day has seen.

        Raises
        ------
        sqlalchemy.exc.SQLAlchemyError
            When the transaction fails; nothing of it is stored.
        """
        self._write(event.model_dump(mode="json"), state, changed)

    def save_state(self, state: BaseModel) -> None:
        """Write the records of ``state`` that changed, without an event."""
        self._write(None, state, None)

    def load_state(self) -> Json | None:
        """Return the stored state as JSON, or ``None`` for an empty store.

        The result validates as the dispatcher's ``DispatchState``: one
        mapping from id to record per collection, plus the stored scalars.
        """
        with self._lock, self.engine.connect() as connection:
            state: Json = dict(self._meta)
            for name in COLLECTIONS:
                table = _table(name)
                rows = connection.execute(select(table.c[_key(name)], table.c.data))
                state[name] = {key: data for key, data in rows}
        if not self._meta and not any(state[name] for name in COLLECTIONS):
            return None
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

    def committed_stops(self) -> dict[str, Json]:
        """Return each courier's stored committed stop, by courier id."""
        table = _table("committed")
        with self.engine.connect() as connection:
            rows = connection.execute(select(table.c.courier_id, table.c.data))
            return {courier_id: data for courier_id, data in rows}

    def _load_index(self) -> None:
        with self.engine.connect() as connection:
            for name in COLLECTIONS:
                table = _table(name)
                rows = connection.execute(select(table.c[_key(name)], table.c.data))
                self._seqs[name] = {k: int(d.get("updated_seq", 0)) for k, d in rows}
            committed = _table("committed")
            self._committed = set(
                connection.execute(select(committed.c.courier_id)).scalars()
            )
            scalars = connection.execute(
                select(MetaRow.data).where(MetaRow.key == SCALARS_KEY)
            ).scalar_one_or_none()
            self._meta = dict(scalars or {})
            self._sql.scalars_written = scalars is not None
        logger.info(
            "store holds %s", {name: len(seqs) for name, seqs in self._seqs.items()}
        )

    def _write(
        self,
        event: Json | None,
        state: BaseModel,
        changed: Mapping[str, list[str]] | None,
    ) -> None:
        with self._lock:
            pending = self._diff(state, changed)
            committed = _committed_rows(pending.rows["couriers"])
            sql = self._sql
            with self.engine.begin() as connection:
                event_id = sql.append(connection, event) if event else None
                for name in COLLECTIONS:
                    sql.upsert(connection, name, pending.rows[name], self._seqs[name])
                sql.write_committed(connection, committed, self._committed)
                if pending.meta:
                    sql.write_scalars(connection, {**self._meta, **pending.meta})
            self._sql.scalars_written |= bool(pending.meta)
            for name in COLLECTIONS:
                self._seqs[name].update(pending.seqs[name])
            for courier_id, stop in committed.items():
                if stop is None:
                    self._committed.discard(courier_id)
                else:
                    self._committed.add(courier_id)
            self._meta.update(pending.meta)
        change = Change(event_id, event, {k: v for k, v in pending.rows.items() if v})
        for listener in self._listeners:
            # NOTE: the change is committed; a failing listener must not make
            # the dispatcher undo in memory what the database now holds.
            try:
                listener(change)
            except Exception:
                logger.exception("a change listener failed; the change is stored")

    def _diff(
        self, state: BaseModel, changed: Mapping[str, list[str]] | None
    ) -> _Pending:
        """Collect the records whose ``updated_seq`` moved (among ``changed``)."""
        rows: dict[str, dict[str, Json]] = {}
        seqs: dict[str, dict[str, int]] = {}
        for name in COLLECTIONS:
            written = self._seqs[name]
            records: Mapping[str, Any] = getattr(state, name)
            keys = records.keys() if changed is None else changed.get(name, ())
            moved = {
                key: records[key]
                for key in keys
                if key in records and written.get(key) != records[key].updated_seq
            }
            rows[name] = {k: r.model_dump(mode="json") for k, r in moved.items()}
            seqs[name] = {k: r.updated_seq for k, r in moved.items()}
        scalars = state.model_dump(mode="json", exclude=set(COLLECTIONS))
        meta = {k: v for k, v in scalars.items() if self._meta.get(k, ...) != v}
        return _Pending(rows, seqs, meta)


def _table(name: str) -> Table:
    rows = {
        "orders": OrderRow,
        "couriers": CourierRow,
        "depots": DepotRow,
        "committed": CommittedStopRow,
    }
    return Base.metadata.tables[rows[name].__tablename__]


def _key(name: str) -> str:
    keys = {"orders": "order_id", "depots": "depot_id"}
    return keys.get(name, "courier_id")


def _columns(name: str, data: Json) -> Json:
    if name == "orders":
        return {"status": str(data["status"])}
    if name == "couriers":
        return {"online": bool(data["online"])}
    return {}


def _committed_rows(couriers: Mapping[str, Json]) -> dict[str, Json | None]:
    """Return the committed stop of each changed courier (``None``: none now)."""
    return {courier_id: data.get("committed") for courier_id, data in couriers.items()}


class _Statements:
    """Every write statement, built once: the hot path only binds parameters."""

    def __init__(self) -> None:
        self.insert: dict[str, Any] = {}
        self.update: dict[str, Any] = {}
        for name in (*COLLECTIONS, "committed"):
            table = _table(name)
            key = table.c[_key(name)]
            columns = [c.name for c in table.c if c.name != key.name]
            self.insert[name] = insert(table)
            self.update[name] = (
                update(table)
                .where(key == bindparam("b_key"))
                .values({c: bindparam(c) for c in columns})
            )
        committed = _table("committed")
        self.delete_committed = delete(committed).where(
            committed.c.courier_id == bindparam("b_key")
        )
        meta = Base.metadata.tables[MetaRow.__tablename__]
        self.insert_scalars = insert(meta).values(key=SCALARS_KEY)
        self.insert_event = insert(Base.metadata.tables[EventRow.__tablename__])
        self.update_scalars = update(meta).where(meta.c.key == SCALARS_KEY)
        self.scalars_written = False

    def append(self, connection: Connection, event: Json) -> int:
        """Append one event to the log and return its id."""
        result = connection.execute(
            self.insert_event,
            {
                "at_s": int(event.get("at_s", 0)),
                "type": str(event.get("type", "unknown")),
                "order_id": event.get("order_id"),
                "courier_id": event.get("courier_id"),
                "payload": event,
            },
        )
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database returned no id for the appended event")
        return int(primary_key[0])

    def upsert(
        self,
        connection: Connection,
        name: str,
        changed: Mapping[str, Json],
        written: Mapping[str, int],
    ) -> None:
        """Insert the new records of a collection and update the known ones."""
        key = _key(name)
        new = [
            {key: k, "data": v, **_columns(name, v)}
            for k, v in changed.items()
            if k not in written
        ]
        old = [
            {"b_key": k, "data": v, **_columns(name, v)}
            for k, v in changed.items()
            if k in written
        ]
        if new:
            connection.execute(self.insert[name], new)
        if old:
            connection.execute(self.update[name], old)

    def write_committed(
        self,
        connection: Connection,
        stops: Mapping[str, Json | None],
        written: set[str],
    ) -> None:
        """Write the committed stop of each changed courier (delete when none)."""
        gone = [
            {"b_key": c} for c, stop in stops.items() if stop is None and c in written
        ]
        new, old = [], []
        for courier_id, stop in stops.items():
            if stop is None:
                continue
            row = {
                "data": stop,
                "order_id": stop.get("order_id"),
                "kind": stop.get("kind"),
            }
            if courier_id in written:
                old.append({"b_key": courier_id, **row})
            else:
                new.append({"courier_id": courier_id, **row})
        if gone:
            connection.execute(self.delete_committed, gone)
        if new:
            connection.execute(self.insert["committed"], new)
        if old:
            connection.execute(self.update["committed"], old)

    def write_scalars(self, connection: Connection, scalars: Json) -> None:
        """Write the state's scalars as one row."""
        if self.scalars_written:
            connection.execute(self.update_scalars, {"data": scalars})
        else:
            connection.execute(self.insert_scalars, {"data": scalars})
