"""Webhooks: admins' subscriptions (with the lease one deliverer holds on each) and each event's
delivery to each subscription. Their checkpoints are ``consumer_checkpoints`` rows
(``webhooks:<subscription id>``, migration 0006).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_AT = sa.String(length=32)
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("id", _ID, primary_key=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("event_types", _JSON, nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200)),
        sa.Column("previous_secret_until", _AT),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("failing_since", _AT),
        sa.Column("next_probe_at", _AT),
        sa.Column("lease_holder", sa.String(length=128)),
        sa.Column("lease_expires_at", _AT),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("tenant_id", _ID, primary_key=True),
        sa.Column("subscription_id", _ID, primary_key=True),
        sa.Column("delivery_id", _ID, primary_key=True),
        sa.Column("position", _POSITION, nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_error", sa.String(length=1000)),
        sa.Column("last_response", sa.Text()),
        sa.Column("first_attempt_at", _AT),
        sa.Column("last_attempt_at", _AT),
        sa.Column("last_duration_ms", sa.Float()),
        sa.Column("delivered_at", _AT),
    )
    op.create_index(
        "ix_webhook_deliveries_position", "webhook_deliveries", ["tenant_id", "subscription_id", "position"]
    )
    op.create_index(
        "ix_webhook_deliveries_status", "webhook_deliveries", ["tenant_id", "subscription_id", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_status", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_position", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
