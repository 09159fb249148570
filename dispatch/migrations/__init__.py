"""Alembic migrations of the dispatch store, runnable from code or the alembic CLI.

From code: :func:`upgrade` (``onehour serve`` calls it at start). From a shell:
``ONEHOUR_DB=sqlite:///onehour.sqlite alembic -c dispatch/migrations/alembic.ini
upgrade head``.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(engine: Engine | None = None) -> Config:
    """Return an Alembic configuration for this package's migrations.

    Parameters
    ----------
    engine
        Run migrations on this engine; without it, ``env.py`` reads the URL
        from the environment variable ``ONEHOUR_DB``.
    """
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database behind ``engine`` back to ``revision``."""
    command.downgrade(alembic_config(engine), revision)
