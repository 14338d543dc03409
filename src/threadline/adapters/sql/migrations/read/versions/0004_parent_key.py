"""Index threads by a non-null parent key.

PostgreSQL does not treat ``parent_id IS NULL`` as an equality when it plans an ORDER BY, so the
roots of a thread were sorted instead of read in index order. ``parent_key`` is the parent's id,
or '' for a root comment, and the thread indexes lead with it.

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

_THREAD = ["tenant_id", "entity_type", "entity_id"]


def upgrade() -> None:
    with op.batch_alter_table("comment_view") as batch:
        batch.add_column(sa.Column("parent_key", sa.String(length=64), nullable=False, server_default=""))
        batch.drop_index("ix_comment_view_newest")
        batch.drop_index("ix_comment_view_popular")
    op.execute("UPDATE comment_view SET parent_key = COALESCE(parent_id, '')")
    with op.batch_alter_table("comment_view") as batch:
        batch.create_index(
            "ix_comment_view_newest", [*_THREAD, "parent_key", "visible", "is_pinned", "created_seq"]
        )
        batch.create_index(
            "ix_comment_view_popular",
            [*_THREAD, "parent_key", "visible", "is_pinned", "like_count", "created_seq"],
        )


def downgrade() -> None:
    with op.batch_alter_table("comment_view") as batch:
        batch.drop_index("ix_comment_view_newest")
        batch.drop_index("ix_comment_view_popular")
        batch.create_index(
            "ix_comment_view_newest", [*_THREAD, "parent_id", "visible", "is_pinned", "created_seq"]
        )
        batch.create_index(
            "ix_comment_view_popular",
            [*_THREAD, "parent_id", "visible", "is_pinned", "like_count", "created_seq"],
        )
        batch.drop_column("parent_key")
