"""Tenants can be disabled, carry optional iss/aud, and have several signing keys.

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
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="ACTIVE"))
        batch.add_column(sa.Column("issuer", sa.String(length=512), nullable=True))
        batch.add_column(sa.Column("audience", sa.String(length=512), nullable=True))
    op.create_table(
        "tenant_keys",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("material", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("retired_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "key_id"),
    )
    op.execute(
        "INSERT INTO tenant_keys (tenant_id, key_id, algorithm, material, created_at)"
        " SELECT id, 'k1', 'HS256', secret, created_at FROM tenants"
    )


def downgrade() -> None:
    op.drop_table("tenant_keys")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("audience")
        batch.drop_column("issuer")
        batch.drop_column("status")
