"""Tables. Every table and index leads with ``tenant_id`` so the schema can be sharded by tenant.

The write database holds ``comments``, ``comment_likes``, ``events`` and ``tenants``; the read
database holds the projected ``comment_view`` family and the projector's checkpoints. They may be
one database (the embedded default) or two.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.String(32)
Id = sa.String(64)

write_metadata = sa.MetaData()
read_metadata = sa.MetaData()

tenants = sa.Table(
    "tenants",
    write_metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("secret", sa.String(200), nullable=False),  # the first HS256 secret; keys live below
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="ACTIVE"),
    sa.Column("issuer", sa.String(512)),
    sa.Column("audience", sa.String(512)),
    sa.Column("settings", Json, nullable=False, server_default="{}"),
)

tenant_keys = sa.Table(
    "tenant_keys",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("algorithm", sa.String(16), nullable=False),
    sa.Column("material", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("retired_at", Timestamp),
)

comments = sa.Table(
    "comments",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(256), nullable=False),
    sa.Column("parent_id", Id),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("author_id", sa.String(256)),
    sa.Column("author_name", sa.String(256)),
    sa.Column("author_avatar", sa.String(2048)),
    sa.Column("author_role", sa.String(16)),
    sa.Column("content", sa.Text),
    sa.Column("content_format", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("is_pinned", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("request_fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp),
)

comment_likes = sa.Table(
    "comment_likes",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("liked", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

comment_reports = sa.Table(
    "comment_reports",
    write_metadata,
    # One report per user per comment, ever: a dismissed report does not open the door again.
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("reason", sa.String(1000)),
    sa.Column("reported_at", Timestamp, nullable=False),
    sa.Column("dismissed_at", Timestamp),
)

user_bans = sa.Table(
    "user_bans",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(1000)),
    sa.Column("expires_at", Timestamp),
    sa.Column("banned_by", sa.String(256), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

thread_locks = sa.Table(
    "thread_locks",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(256), primary_key=True),
    sa.Column("locked", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(1000)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

events = sa.Table(
    "events",
    write_metadata,
    # AUTOINCREMENT on SQLite: positions are never reused, even after the newest row is gone.
    sa.Column("position", Position, primary_key=True, autoincrement=True),
    sa.Column("event_id", Id, nullable=False, unique=True),
    sa.Column("tenant_id", Id, nullable=False),
    sa.Column("aggregate_id", sa.String(400), nullable=False),
    sa.Column("aggregate_version", sa.Integer, nullable=False),
    sa.Column("comment_id", Id, nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("metadata", Json, nullable=False),
    sa.Column("actor_id", sa.String(256), nullable=False),
    sa.Column("recorded_at", Timestamp, nullable=False),
    sa.UniqueConstraint("tenant_id", "aggregate_id", "aggregate_version", name="uq_events_aggregate_version"),
    sa.Index("ix_events_tenant_comment", "tenant_id", "comment_id", "position"),
    sa.Index("ix_events_tenant_position", "tenant_id", "position"),
    sa.Index("ix_events_tenant_actor", "tenant_id", "actor_id", "position"),
    sqlite_autoincrement=True,
)

# How far each outside consumer of the log (the NATS relay, webhook deliverers) has handed it on;
# global rather than per tenant, since one consumer follows every tenant's events.
consumer_checkpoints = sa.Table(
    "consumer_checkpoints",
    write_metadata,
    sa.Column("consumer", sa.String(128), primary_key=True),
    sa.Column("position", Position, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

# Webhooks (write migration 0007): admins' subscriptions, with the lease that lets one deliverer
# at a time send to each, and each event's delivery to each subscription, by the event's id.
webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("id", Id, primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("event_types", Json, nullable=False),
    sa.Column("description", sa.String(1000), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("previous_secret", sa.String(200)),
    sa.Column("previous_secret_until", Timestamp),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("failing_since", Timestamp),
    sa.Column("next_probe_at", Timestamp),
    sa.Column("lease_holder", sa.String(128)),
    sa.Column("lease_expires_at", Timestamp),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    write_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("subscription_id", Id, primary_key=True),
    sa.Column("delivery_id", Id, primary_key=True),  # the event's id: the webhook-id header
    sa.Column("position", Position, nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_error", sa.String(1000)),
    sa.Column("last_response", sa.Text),
    sa.Column("first_attempt_at", Timestamp),
    sa.Column("last_attempt_at", Timestamp),
    sa.Column("last_duration_ms", sa.Float),
    sa.Column("delivered_at", Timestamp),
    sa.Index("ix_webhook_deliveries_position", "tenant_id", "subscription_id", "position"),
    sa.Index("ix_webhook_deliveries_status", "tenant_id", "subscription_id", "status"),
)

comment_view = sa.Table(
    "comment_view",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(256), nullable=False),
    sa.Column("parent_id", Id),
    # The parent's id, or '' for a root: non-null so the planner can read a thread in index order.
    sa.Column("parent_key", Id, nullable=False, server_default=""),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("created_seq", Position, nullable=False),
    # Who may edit it and read its history; kept on a tombstone, never sent to clients.
    sa.Column("owner_id", sa.String(256)),
    sa.Column("author_id", sa.String(256)),
    sa.Column("author_name", sa.String(256)),
    sa.Column("author_avatar", sa.String(2048)),
    sa.Column("author_role", sa.String(16)),
    sa.Column("content", sa.Text),
    sa.Column("content_html", sa.Text),
    sa.Column("content_format", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("visible", sa.Boolean, nullable=False),
    sa.Column("is_pinned", sa.Boolean, nullable=False),
    sa.Column("is_edited", sa.Boolean, nullable=False),
    sa.Column("like_count", sa.Integer, nullable=False),
    sa.Column("reply_count", sa.Integer, nullable=False),
    sa.Column("view_count", sa.Integer, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("edited_at", Timestamp),
    # Serves roots (parent_key '') and replies alike: one range scan per page, any table size.
    sa.Index(
        "ix_comment_view_newest",
        "tenant_id",
        "entity_type",
        "entity_id",
        "parent_key",
        "visible",
        "is_pinned",
        "created_seq",
    ),
    sa.Index(
        "ix_comment_view_popular",
        "tenant_id",
        "entity_type",
        "entity_id",
        "parent_key",
        "visible",
        "is_pinned",
        "like_count",
        "created_seq",
    ),
    # A user's comments newest first, for the moderation console.
    sa.Index("ix_comment_view_owner", "tenant_id", "owner_id", "created_seq"),
)

comment_view_likes = sa.Table(
    "comment_view_likes",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Index("ix_comment_view_likes_comment", "tenant_id", "comment_id"),
)

comment_view_edits = sa.Table(
    "comment_view_edits",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("position", Position, primary_key=True),
    sa.Column("previous_content", sa.Text),
    sa.Column("new_content", sa.Text),
    sa.Column("editor_id", sa.String(256), nullable=False),
    sa.Column("edited_at", Timestamp, nullable=False),
)

entity_stats = sa.Table(
    "entity_stats",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(256), primary_key=True),
    sa.Column("comment_count", sa.Integer, nullable=False),
    sa.Column("root_count", sa.Integer, nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
)

moderation_queue = sa.Table(
    "moderation_queue",
    read_metadata,
    # A comment waiting for a moderator: pending approval, or reported and not yet dismissed.
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(256), nullable=False),
    sa.Column("owner_id", sa.String(256)),
    sa.Column("queued_seq", Position, nullable=False),
    sa.Column("pending", sa.Boolean, nullable=False),
    sa.Column("report_count", sa.Integer, nullable=False),
    sa.Column("last_reported_at", Timestamp),
    sa.Index("ix_moderation_queue_order", "tenant_id", "queued_seq"),
    # A signed-in reader's own pending comments in a thread: a lookup in this small table.
    sa.Index("ix_moderation_queue_thread", "tenant_id", "entity_type", "entity_id"),
)

comment_view_reports = sa.Table(
    "comment_view_reports",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("reason", sa.String(1000)),
    sa.Column("reported_at", Timestamp, nullable=False),
)

banned_users = sa.Table(
    "banned_users",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("reason", sa.String(1000)),
    sa.Column("expires_at", Timestamp),
    sa.Column("banned_by", sa.String(256), nullable=False),
    sa.Column("banned_at", Timestamp, nullable=False),
)

locked_threads = sa.Table(
    "locked_threads",
    read_metadata,
    # A thread locked now, with who, when and why; entity_stats.locked is the flag pages read.
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(256), primary_key=True),
    sa.Column("reason", sa.String(1000)),
    sa.Column("locked_by", sa.String(256), nullable=False),
    sa.Column("locked_at", Timestamp, nullable=False),
    sa.Column("locked_seq", Position, nullable=False),  # the log position of its ThreadLocked
    sa.Index("ix_locked_threads_order", "tenant_id", "locked_seq"),
)

user_actions = sa.Table(
    "user_actions",
    read_metadata,
    # An index into the event log: an action on this user or on one of their comments, at this
    # position ('' for an action on the user). The event itself is read from the log.
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("user_id", sa.String(256), primary_key=True),
    sa.Column("position", Position, primary_key=True, autoincrement=False),
    sa.Column("comment_id", Id, nullable=False),
    sa.Index("ix_user_actions_comment", "tenant_id", "comment_id"),
)

projection_checkpoints = sa.Table(
    "projection_checkpoints",
    read_metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", Position, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("failed_position", Position),
    sa.Column("error", sa.Text),
)

search_settings = sa.Table(
    "search_settings",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("config", sa.String(64), nullable=False),
)

view_totals = sa.Table(
    "view_totals",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("views", sa.BigInteger, nullable=False),
)

# The read model as it is sent: per thread, the first page of each sort at the default shape
# (``ids\nbody``, as the page cache stores it), and each published comment's by-id document,
# both as an anonymous reader gets them. Written by the projector in its batch transaction.
prepared_pages = sa.Table(
    "prepared_pages",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("entity_type", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(256), primary_key=True),
    sa.Column("sort", sa.String(16), primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)

prepared_comments = sa.Table(
    "prepared_comments",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("comment_id", Id, primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)

# The live feed (``application/live``): what the projector sent to live subscribers, per event,
# kept for a retention window so a subscriber that reconnects reads the very messages it missed.
# ``position`` is the event's log position (one message per event at most), so a range read
# across tenants (a fan-out listener catching up) walks the primary key. The horizon row says
# after which position every message is still kept; older resumes are answered with a reset.
live_feed = sa.Table(
    "live_feed",
    read_metadata,
    sa.Column("position", Position, primary_key=True, autoincrement=False),
    sa.Column("tenant_id", Id, nullable=False),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(256), nullable=False),
    sa.Column("comment_id", Id, nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("audience", sa.String(16), nullable=False),
    sa.Column("author_id", sa.String(256)),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("recorded_at", sa.Float, nullable=False),
    sa.Index("ix_live_feed_thread", "tenant_id", "entity_type", "entity_id", "position"),
    sa.Index("ix_live_feed_tenant", "tenant_id", "position"),
    sa.Index("ix_live_feed_comment", "tenant_id", "comment_id"),
)

live_feed_horizon = sa.Table(
    "live_feed_horizon",
    read_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("position", Position, nullable=False),
)

# SQLite's search index gives each tenant a range of FTS5 rowids (``search_index.py``): the slot
# is the range's number, handed out when the tenant's first comment is indexed, and kept by a
# rebuild. PostgreSQL's index does not need it (the table stays so both dialects have one schema).
search_tenants = sa.Table(
    "search_tenants",
    read_metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("slot", sa.Integer, nullable=False, unique=True),
)

# Tables that describe the world rather than project the log: a rebuild keeps them.
# (A tenant's search slot is a layout, not projected state: a redacted log may index less.)
PRESERVED_BY_REBUILD = ("projection_checkpoints", "search_settings", "search_tenants", "view_totals")

# The search index is dialect-specific (SQLite FTS5, PostgreSQL tsvector + GIN), created by the
# read migrations; a plain table object for queries.
comment_search = sa.table(
    "comment_search",
    sa.column("content"),
    sa.column("scope"),  # SQLite: thread, entity and recency-bucket tokens
    sa.column("seq"),  # PostgreSQL: the comment's created_seq
    sa.column("tenant_id"),
    sa.column("comment_id"),
    sa.column("entity_type"),
    sa.column("entity_id"),
)
