"""Alembic environment: migrate the engine given in code, or ONEHOUR_DB."""

import os

from alembic import context
from sqlalchemy import Engine

from dispatch.store.engine import DEFAULT_DB_URL, create_store_engine
from dispatch.store.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations inside one transaction on a live connection."""
    engine: Engine | None = context.config.attributes.get("engine")
    if engine is None:
        engine = create_store_engine(os.environ.get("ONEHOUR_DB", DEFAULT_DB_URL))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
