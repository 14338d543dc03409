"""The live feed: the messages live subscribers were sent, kept for a retention window so a
subscriber that reconnects after ``Last-Event-ID`` reads exactly what it missed.

Revision ID: 0008
Revises: 0007

Starts empty with no horizon; the projector's first batch after the upgrade sets the horizon to
where it started, so a position from before the upgrade is answered with a reset, never a gap.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "live_feed",
        sa.Column("position", _POSITION, primary_key=True, autoincrement=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=256), nullable=False),
        sa.Column("comment_id", _ID, nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=256)),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_live_feed_thread", "live_feed", ["tenant_id", "entity_type", "entity_id", "position"])
    op.create_index("ix_live_feed_tenant", "live_feed", ["tenant_id", "position"])
    op.create_index("ix_live_feed_comment", "live_feed", ["tenant_id", "comment_id"])
    op.create_table(
        "live_feed_horizon",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("position", _POSITION, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("live_feed_horizon")
    op.drop_index("ix_live_feed_comment", table_name="live_feed")
    op.drop_index("ix_live_feed_tenant", table_name="live_feed")
    op.drop_index("ix_live_feed_thread", table_name="live_feed")
    op.drop_table("live_feed")
