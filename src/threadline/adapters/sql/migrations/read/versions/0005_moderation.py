"""Moderation read models: the moderator queue, open reports, banned users, locked threads.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_AT = sa.String(length=32)
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("entity_stats") as batch:
        batch.add_column(sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "moderation_queue",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("comment_id", _ID, primary_key=True),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=256), nullable=False),
        sa.Column("owner_id", sa.String(length=256)),
        sa.Column("queued_seq", _POSITION, nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("last_reported_at", _AT),
    )
    op.create_index("ix_moderation_queue_order", "moderation_queue", ["tenant_id", "queued_seq"])
    op.create_index(
        "ix_moderation_queue_thread", "moderation_queue", ["tenant_id", "entity_type", "entity_id"]
    )
    op.create_table(
        "comment_view_reports",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("comment_id", _ID, primary_key=True),
        sa.Column("user_id", sa.String(length=256), primary_key=True),
        sa.Column("reason", sa.String(length=1000)),
        sa.Column("reported_at", _AT, nullable=False),
    )
    op.create_table(
        "banned_users",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("user_id", sa.String(length=256), primary_key=True),
        sa.Column("reason", sa.String(length=1000)),
        sa.Column("expires_at", _AT),
        sa.Column("banned_by", sa.String(length=256), nullable=False),
        sa.Column("banned_at", _AT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("banned_users")
    op.drop_table("comment_view_reports")
    op.drop_index("ix_moderation_queue_thread", table_name="moderation_queue")
    op.drop_index("ix_moderation_queue_order", table_name="moderation_queue")
    op.drop_table("moderation_queue")
    with op.batch_alter_table("entity_stats") as batch:
        batch.drop_column("locked")
