"""Database engines from URLs: an SQLite file by default, PostgreSQL by URL."""

import logging
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///onehour.sqlite"
"""Where ``onehour serve`` keeps its state unless told otherwise."""

SQLITE_BUSY_TIMEOUT_MS = 5000


def create_store_engine(url: str) -> Engine:
    """Create an engine for ``url``, tuned for many small durable transactions.

    Parameters
    ----------
    url
        An SQLAlchemy URL: ``sqlite:///path.sqlite`` or
        ``postgresql+psycopg://user@host:port/database``. A PostgreSQL schema
        can be chosen with ``?options=-csearch_path%3Dname``.

    Notes
    -----
    SQLite files run in WAL mode with ``synchronous=NORMAL``: a committed
    transaction survives the process being killed (SIGKILL), but the last
    commits may be lost if the whole machine loses power. PostgreSQL keeps its
    own durability settings: each commit waits for its WAL flush (about 13 ms
    on the shared test machine). Adding ``-csynchronous_commit%3Doff`` to the
    URL's ``options`` keeps the SIGKILL guarantee and trades the last half
    second of commits should the database server itself crash.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False}, pool_pre_ping=False
        )
        event.listen(engine, "connect", _configure_sqlite)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    logger.info(
        "database %s (%s)",
        parsed.render_as_string(hide_password=True),
        parsed.drivername,
    )
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
