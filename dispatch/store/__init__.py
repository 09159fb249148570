"""Durable dispatch state: the event log, state tables, migrations and engines."""

from dispatch.store.engine import DEFAULT_DB_URL, create_store_engine
from dispatch.store.journal import Change, SqlStore

__all__ = ["DEFAULT_DB_URL", "Change", "SqlStore", "create_store_engine"]
