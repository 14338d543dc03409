"""Checkpoints of the log's outside consumers (the NATS relay, the webhook deliverers): how far
each has handed events on, so that it resumes there after a restart or a crash.

They live in the write database, beside the log they follow, because the consumers read the log
and never the read model: a rebuild of the read model leaves them where they were.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumer_checkpoints",
        sa.Column("consumer", sa.String(length=128), primary_key=True),
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consumer_checkpoints")
