"""A user's activity for the moderation console: their comments by recency, and the actions
taken on them and on their comments.

Revision ID: 0010
Revises: 0009

``ix_comment_view_owner`` serves a user's comments newest first (existing rows are indexed at
once). ``user_actions`` is the projector's index into the event log: one row per action on a
user (a ban, an unban) or on one of their comments (an approval, a rejection, a deletion by
someone else, a pin, an unpin, a report), keyed by the user and the event's log position, so a
page is a range scan of it and a read of those positions in the log, never a scan of the log.
It starts empty: ``threadline projections rebuild`` fills it for the log before the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_comment_view_owner", "comment_view", ["tenant_id", "owner_id", "created_seq"])
    op.create_table(
        "user_actions",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("user_id", sa.String(length=256), primary_key=True),
        sa.Column("position", _POSITION, primary_key=True, autoincrement=False),
        sa.Column("comment_id", _ID, nullable=False),
    )
    op.create_index("ix_user_actions_comment", "user_actions", ["tenant_id", "comment_id"])


def downgrade() -> None:
    op.drop_index("ix_user_actions_comment", table_name="user_actions")
    op.drop_table("user_actions")
    op.drop_index("ix_comment_view_owner", table_name="comment_view")
