"""Locked threads with who locked them, when and why, for the moderation console's list.

Revision ID: 0009
Revises: 0008

``entity_stats.locked`` stays the flag thread pages read; this table adds the lock's details and
the log position it was taken at (the list is served newest first by an index). It starts
empty: the read database does not hold the log, so threads locked before the upgrade appear
after ``threadline projections rebuild``; locks taken from then on appear at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_AT = sa.String(length=32)
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "locked_threads",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("entity_type", sa.String(length=64), primary_key=True),
        sa.Column("entity_id", sa.String(length=256), primary_key=True),
        sa.Column("reason", sa.String(length=1000)),
        sa.Column("locked_by", sa.String(length=256), nullable=False),
        sa.Column("locked_at", _AT, nullable=False),
        sa.Column("locked_seq", _POSITION, nullable=False),
    )
    op.create_index("ix_locked_threads_order", "locked_threads", ["tenant_id", "locked_seq"])


def downgrade() -> None:
    op.drop_index("ix_locked_threads_order", table_name="locked_threads")
    op.drop_table("locked_threads")
