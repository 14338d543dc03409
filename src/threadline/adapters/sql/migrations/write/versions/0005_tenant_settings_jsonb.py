"""Tenant settings as JSONB on PostgreSQL, as the schema declares (0003 created it as JSON).

Every other JSON column is JSONB there; the schema-drift test (``compare_metadata``) found this
one was not. SQLite has one JSON type, so nothing changes there.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _retype(to: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The default is dropped around the change: PostgreSQL will not cast it on its own.
    op.execute("ALTER TABLE tenants ALTER COLUMN settings DROP DEFAULT")
    op.execute(f"ALTER TABLE tenants ALTER COLUMN settings TYPE {to} USING settings::{to}")
    op.execute(f"ALTER TABLE tenants ALTER COLUMN settings SET DEFAULT '{{}}'::{to}")


def upgrade() -> None:
    _retype("jsonb")


def downgrade() -> None:
    _retype("json")
