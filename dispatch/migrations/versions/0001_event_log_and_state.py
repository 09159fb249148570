"""Event log and current-state tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(64)


def upgrade() -> None:
    """Create the event log and one table per kind of state row."""
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at_s", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("courier_id", ID, nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_events_type", "events", ["type"])
    op.create_index("ix_events_order_id", "events", ["order_id"])
    op.create_index("ix_events_courier_id", "events", ["courier_id"])

    op.create_table(
        "orders",
        sa.Column("order_id", ID, primary_key=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_orders_status", "orders", ["status"])

    op.create_table(
        "couriers",
        sa.Column("courier_id", ID, primary_key=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "depots",
        sa.Column("depot_id", ID, primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_table(
        "committed_stops",
        sa.Column("courier_id", ID, primary_key=True),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_committed_stops_order_id", "committed_stops", ["order_id"])
    op.create_table(
        "dispatch_meta",
        sa.Column("key", ID, primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    """Drop every table this revision created."""
    for table in ("dispatch_meta", "committed_stops", "depots", "couriers", "orders"):
        op.drop_table(table)
    op.drop_table("events")
