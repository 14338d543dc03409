"""A search index whose cost is bounded: per-tenant rowid ranges on SQLite, recency on PostgreSQL.

SQLite: the FTS5 table loses the tenant token (a token in every row of a tenant, which every
query walked) and gains a ``scope`` column (thread, entity type, entity id and recency-bucket
tokens); each tenant gets a slot in ``search_tenants`` and its rows the rowids
``slot << 40 | (2**40 - 1 - created_seq)``, newest first. PostgreSQL: ``comment_search`` gains
``seq`` (the comment's ``created_seq``) with indexes for a backward scan by recency, tenant-wide
and per thread, and the GIN index also covers the entity, so a thread's search never visits the
rest of the tenant. Existing rows are carried over (the comment's ``created_seq`` from
``comment_view``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SEQ_MAX = (1 << 40) - 1
_BUCKET_BITS = 14
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"


def upgrade() -> None:
    op.create_table(
        "search_tenants",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
        sa.UniqueConstraint("slot"),
    )
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_postgres()


def _upgrade_sqlite() -> None:
    op.execute(
        "INSERT INTO search_tenants (tenant_id, slot) SELECT tenant_id, row_number() OVER (ORDER BY tenant_id)"
        " FROM (SELECT DISTINCT tenant_id FROM comment_search)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE comment_search_bounded USING fts5("
        "content, scope, tenant_id UNINDEXED, comment_id UNINDEXED, "
        f"entity_type UNINDEXED, entity_id UNINDEXED, {_TOKENIZE})"
    )
    op.execute(
        "INSERT INTO comment_search_bounded"
        " (rowid, content, scope, tenant_id, comment_id, entity_type, entity_id)"
        f" SELECT (t.slot << 40) + ({_SEQ_MAX} - v.created_seq), s.content,"
        " 't' || lower(hex(s.entity_type || '/' || s.entity_id)) || ' y' || lower(hex(s.entity_type))"
        f" || ' e' || lower(hex(s.entity_id)) || ' b' || (v.created_seq >> {_BUCKET_BITS}),"
        " s.tenant_id, s.comment_id, s.entity_type, s.entity_id"
        " FROM comment_search s JOIN search_tenants t ON t.tenant_id = s.tenant_id"
        " JOIN comment_view v ON v.tenant_id = s.tenant_id AND v.id = s.comment_id ORDER BY 1"
    )
    op.execute("DROP TABLE comment_search")
    op.execute("ALTER TABLE comment_search_bounded RENAME TO comment_search")
    op.execute("INSERT INTO comment_search (comment_search) VALUES ('optimize')")


def _upgrade_postgres() -> None:
    # Rewriting a million rows takes longer than a request may (the service's statement_timeout);
    # the GIN index goes first so the rewrite does not maintain it row by row.
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("DROP INDEX ix_comment_search_document")
    op.execute("ALTER TABLE comment_search ADD COLUMN seq bigint")
    op.execute(
        "UPDATE comment_search s SET seq = v.created_seq FROM comment_view v"
        " WHERE v.tenant_id = s.tenant_id AND v.id = s.comment_id"
    )
    op.execute("DELETE FROM comment_search WHERE seq IS NULL")  # a row whose comment is gone
    op.execute("ALTER TABLE comment_search ALTER COLUMN seq SET NOT NULL")
    op.execute("CREATE INDEX ix_comment_search_recent ON comment_search (tenant_id, seq)")
    op.execute(
        "CREATE INDEX ix_comment_search_thread_recent ON comment_search (tenant_id, entity_type, entity_id, seq)"
    )
    op.execute(
        "CREATE INDEX ix_comment_search_document ON comment_search"
        " USING gin (tenant_id, entity_type, entity_id, document)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE comment_search_tenant_token USING fts5("
            "content, tenant_key, tenant_id UNINDEXED, comment_id UNINDEXED, "
            f"entity_type UNINDEXED, entity_id UNINDEXED, {_TOKENIZE})"
        )
        op.execute(
            "INSERT INTO comment_search_tenant_token"
            " (content, tenant_key, tenant_id, comment_id, entity_type, entity_id)"
            " SELECT content, 't' || lower(hex(tenant_id)), tenant_id, comment_id, entity_type, entity_id"
            " FROM comment_search"
        )
        op.execute("DROP TABLE comment_search")
        op.execute("ALTER TABLE comment_search_tenant_token RENAME TO comment_search")
    else:
        op.execute("DROP INDEX ix_comment_search_document")
        op.execute(
            "CREATE INDEX ix_comment_search_document ON comment_search USING gin (tenant_id, document)"
        )
        op.execute("DROP INDEX ix_comment_search_thread_recent")
        op.execute("DROP INDEX ix_comment_search_recent")
        op.execute("ALTER TABLE comment_search DROP COLUMN seq")
    op.drop_table("search_tenants")
