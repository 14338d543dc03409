"""One settings object, read once at start-up from ``THREADLINE_*`` variables and passed down."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THREADLINE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./threadline.db"
    read_database_url: str | None = Field(
        default=None, description="Read-model database; defaults to the write database."
    )
    read_replica_urls: str = Field(
        default="", description="Comma-separated read replicas of the read database, for queries."
    )
    database_pool_size: int = Field(default=10, ge=1, le=500)
    database_max_overflow: int = Field(default=10, ge=0, le=500)
    statement_timeout_ms: int = Field(default=10_000, ge=0, description="PostgreSQL statement_timeout")
    replica_retry_after_seconds: float = 5.0

    redis_url: str | None = Field(default=None, description="Turns on the Redis cache and event fan-out.")
    redis_prefix: str = "threadline:"
    redis_socket_timeout_seconds: float = 0.5
    view_window_seconds: int = Field(default=1800, ge=1, description="A viewer counts once per window")
    view_flush_interval_seconds: float = 2.0
    cache_build_wait_seconds: float = Field(
        default=0.25, description="How long a reader waits for another one rebuilding the same page"
    )

    max_reply_depth: int = Field(default=10, ge=1, le=64)
    # Ceilings over the paging parameters' own bounds (api/routes/thread_params.py), which also
    # hold their defaults.
    max_page_limit: int = 100
    max_nested_depth: int = 10

    cache_enabled: bool = True
    near_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        description="With Redis: keep hot pages in each API process too, dropped on every bump "
        "broadcast and at the latest after this long (0: off)",
    )
    fast_reads: bool = Field(
        default=True, description="Answer cached anonymous thread pages in front of the framework"
    )
    fast_commands: bool = Field(
        default=True, description="Run creates, replies and likes in front of the framework"
    )
    cache_comment_ttl_seconds: float = 300.0
    cache_tree_ttl_seconds: float = 60.0
    cache_max_entries: int = 20_000

    run_projector: bool = True
    projector_batch_size: int = 500
    projector_busy_batch_size: int = Field(
        default=100, ge=1, description="Events per projector batch while commands wait for the writer"
    )
    projector_poll_interval_seconds: float = 1.0
    prepared_views_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="A viewed thread's prepared pages are rendered again, with its new view counts, "
        "at most this often",
    )

    read_your_writes_timeout_seconds: float = 2.0
    command_retries: int = 5
    command_batch_size: int = Field(
        default=64, ge=1, description="Most commands applied in one transaction (group commit; 1: off)"
    )
    command_batch_writers: int = Field(
        default=0, ge=0, le=16, description="Batches in flight per process (0: 1 on SQLite, 2 otherwise)"
    )
    sqlite_busy_timeout_seconds: float = 30.0

    rate_limits_enabled: bool = True
    rate_limit_writes_per_user: str = Field(default="120/minute", description="limits notation")
    rate_limit_writes_per_address: str = "600/minute"
    rate_limit_reads_per_user: str = "1200/minute"
    rate_limit_reads_per_address: str = "6000/minute"
    max_body_bytes: int = Field(default=65_536, ge=1024, description="Larger request bodies answer 413")

    operator_key: SecretStr | None = Field(default=None, description="Turns on the operator API")
    token_leeway_seconds: float = Field(
        default=30.0, ge=0, le=600, description="Clock skew allowed for exp/nbf/iat"
    )

    # Webhooks (README "Webhooks"): delivery in this process, attempts, backoff, leases, safety.
    run_webhooks: bool = Field(default=True, description="Deliver webhooks in this process (embedded)")
    webhook_allowed_hosts: str = Field(
        default="", description="Comma-separated hosts allowed http:// and private addresses"
    )
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_base_seconds: float = Field(default=1.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=300.0, gt=0)
    webhook_attempt_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_lanes: int = Field(default=8, ge=1, le=256, description="Threads in flight per subscription")
    webhook_window: int = Field(default=1000, ge=1, description="Events held per subscription")
    webhook_poll_interval_seconds: float = Field(default=1.0, gt=0)
    webhook_lease_seconds: float = Field(default=30.0, gt=0)
    webhook_probe_interval_seconds: float = Field(default=600.0, gt=0, description="A failing one's retry")
    webhook_secret_grace_seconds: float = Field(default=86_400.0, ge=0, description="Old secret signs too")
    webhook_response_limit_bytes: int = Field(default=4096, ge=0, le=65_536)
    # Live updates over SSE (README "Live updates"): retention for resuming, queues and limits.
    live_enabled: bool = Field(default=True, description="Serve /live streams and keep the live feed")
    live_retention_seconds: float = Field(
        default=86_400.0, gt=0, description="How long a stream may resume from its Last-Event-ID"
    )
    live_queue_size: int = Field(
        default=256, ge=1, le=100_000, description="Messages a slow client may lag before its reset"
    )
    live_heartbeat_seconds: float = Field(default=15.0, gt=0, description="Comment lines on idle streams")
    live_retry_ms: int = Field(default=3000, ge=0, description="The SSE retry: a client's reconnect delay")
    live_max_streams_per_tenant: int = Field(default=20_000, ge=1)
    live_max_streams_per_address: int = Field(default=200, ge=1)
    live_sync_seconds: float = Field(
        default=2.0, gt=0, description="How often a process checks the feed for batches it never heard"
    )
    live_send_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A stream whose client takes longer to accept a write ends"
    )
    # The event relay to NATS JetStream (`threadline relay`, adapters/nats/jetstream.py).
    nats_url: str | None = Field(
        default=None, description="Turns on `threadline relay`, e.g. nats://127.0.0.1:4222"
    )
    nats_stream: str = Field(
        default="THREADLINE", pattern=r"^[A-Za-z0-9_-]+$", description="JetStream stream, created if absent"
    )
    nats_subject_prefix: str = Field(
        default="threadline",
        pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$",
        description="Subjects are PREFIX.<tenant id>.<event type>; a created stream takes PREFIX.>",
    )
    nats_duplicate_window_seconds: float = Field(
        default=120.0, gt=0, description="JetStream drops a message id seen again within this window"
    )
    nats_ack_timeout_seconds: float = Field(default=5.0, gt=0, description="Wait for a batch's acks")
    nats_reconnect_seconds: float = Field(default=1.0, gt=0, description="Between connection attempts")
    relay_batch_size: int = Field(default=500, ge=1, le=10_000, description="Events published per batch")

    dev_tenant_name: str = "dev"
    demo_enabled: bool = Field(
        default=False,
        description="Serve /demo and a token for any demo user of the dev tenant to anyone who asks: "
        "for a developer's own machine only (`threadline serve --dev` turns it on)",
    )
    token_ttl_seconds: int = 7 * 24 * 3600

    @property
    def replica_urls(self) -> list[str]:
        return [url.strip() for url in self.read_replica_urls.split(",") if url.strip()]

    @property
    def webhook_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip())

    @property
    def effective_read_database_url(self) -> str:
        return self.read_database_url or self.database_url
