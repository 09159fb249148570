"""SQLAlchemy tables: the append-only event log and the current dispatch state.

State is kept as one row per order, courier, depot and committed stop, with the
columns people query by (status, order and courier ids) beside the full
serialised row in ``data``. Scalars of the dispatcher state that belong to no
collection (the clock, counters) live in ``dispatch_meta``.
"""

from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 64
"""Longest order, courier or depot id the store accepts."""

# NOTE: SQLite only auto-increments an INTEGER PRIMARY KEY, so the event id is a
# BIGINT everywhere else and an INTEGER (still 64-bit) on SQLite.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every onehour table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class EventRow(Base):
    """One applied event, in the order the dispatcher accepted it."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    at_s: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32), index=True)
    order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    courier_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    payload: Mapped[dict[str, Any]]


class OrderRow(Base):
    """The current state of one order, with its status history in ``data``."""

    __tablename__ = "orders"

    order_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    data: Mapped[dict[str, Any]]


class CourierRow(Base):
    """The current state of one courier."""

    __tablename__ = "couriers"

    courier_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]]


class DepotRow(Base):
    """One depot with its stock per item."""

    __tablename__ = "depots"

    depot_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    data: Mapped[dict[str, Any]]


class CommittedStopRow(Base):
    """The stop a courier is riding to now; it survives restarts unchanged."""

    __tablename__ = "committed_stops"

    courier_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]]


class MetaRow(Base):
    """A scalar of the dispatcher state that belongs to no collection."""

    __tablename__ = "dispatch_meta"

    key: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    data: Mapped[dict[str, Any]]
