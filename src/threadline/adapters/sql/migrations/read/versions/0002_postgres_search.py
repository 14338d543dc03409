"""Search settings per tenant, and PostgreSQL full-text search.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_settings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("config", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # btree_gin lets one GIN index lead with tenant_id, like every other index here.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute(
        """
        CREATE TABLE comment_search (
            tenant_id varchar(64) NOT NULL,
            comment_id varchar(64) NOT NULL,
            entity_type varchar(64) NOT NULL,
            entity_id varchar(256) NOT NULL,
            config regconfig NOT NULL,
            content text NOT NULL,
            document tsvector NOT NULL,
            PRIMARY KEY (tenant_id, comment_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_comment_search_document ON comment_search USING gin (tenant_id, document)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE comment_search")
    op.drop_table("search_settings")
