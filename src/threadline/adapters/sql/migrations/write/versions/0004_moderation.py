"""Moderation on the write side: reports (one per user per comment), bans and thread locks.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_AT = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "comment_reports",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("comment_id", _ID, primary_key=True),
        sa.Column("user_id", sa.String(length=256), primary_key=True),
        sa.Column("reason", sa.String(length=1000)),
        sa.Column("reported_at", _AT, nullable=False),
        sa.Column("dismissed_at", _AT),
    )
    op.create_table(
        "user_bans",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("user_id", sa.String(length=256), primary_key=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=1000)),
        sa.Column("expires_at", _AT),
        sa.Column("banned_by", sa.String(length=256), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_table(
        "thread_locks",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("entity_type", sa.String(length=64), primary_key=True),
        sa.Column("entity_id", sa.String(length=256), primary_key=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=1000)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("thread_locks")
    op.drop_table("user_bans")
    op.drop_table("comment_reports")
