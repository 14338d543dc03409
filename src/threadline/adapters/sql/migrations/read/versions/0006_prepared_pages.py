"""Prepared pages: the default pages of each thread and each comment's by-id document as bytes.

Revision ID: 0006
Revises: 0005

The tables start empty; ``threadline projections rebuild`` fills them for existing threads (until
then those threads are served as before, built per request), and the projector keeps them current.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "prepared_pages",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("entity_type", sa.String(length=64), primary_key=True),
        sa.Column("entity_id", sa.String(length=256), primary_key=True),
        sa.Column("sort", sa.String(length=16), primary_key=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "prepared_comments",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("comment_id", _ID, primary_key=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prepared_comments")
    op.drop_table("prepared_pages")
