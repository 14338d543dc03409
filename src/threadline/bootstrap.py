"""The composition root: the one place that turns settings into wired adapters and use cases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis

from threadline.adapters.auth.jwt_tokens import TokenVerifier
from threadline.adapters.auth.rate_limits import LimitsRateLimiter
from threadline.adapters.bus.in_process import InProcessBus
from threadline.adapters.bus.live_fanout import InProcessLiveFanout, RedisLiveFanout
from threadline.adapters.bus.redis_fanout import RedisBus
from threadline.adapters.cache.live_counts import MemoryLiveCounts, RedisLiveCounts
from threadline.adapters.cache.memory import MemoryPageCache
from threadline.adapters.cache.near_pages import NearPageCache
from threadline.adapters.cache.redis_pages import RedisPageCache
from threadline.adapters.cache.view_counters import MemoryViewCounter, RedisViewCounter
from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.comment_reader import SqlCommentReader
from threadline.adapters.sql.consumer_checkpoints import SqlConsumerCheckpoints
from threadline.adapters.sql.engine import Database, is_transient, open_database
from threadline.adapters.sql.event_log import SqlEventReader
from threadline.adapters.sql.live_counts_source import SqlCountsSource
from threadline.adapters.sql.live_feed import SqlLiveFeed
from threadline.adapters.sql.moderation_reader import SqlModerationReader
from threadline.adapters.sql.projection_store import SqlProjectionStore
from threadline.adapters.sql.replicas import ReadRouter
from threadline.adapters.sql.schema_migrations import is_current, upgrade
from threadline.adapters.sql.search_index import set_search_config
from threadline.adapters.sql.shadow_read_model import shadow_read_models
from threadline.adapters.sql.tenant_directory import SqlTenantDirectory
from threadline.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from threadline.adapters.sql.user_data import SqlUserData
from threadline.adapters.sql.webhook_store import SqlWebhookStore
from threadline.adapters.webhooks.http_sender import HttpWebhookSender
from threadline.adapters.webhooks.resolver import DnsResolver
from threadline.application.command_batches import CommandBatcher
from threadline.application.command_runner import CommandPolicy, CommandRunner
from threadline.application.live.hub import LiveHub, LiveLimits
from threadline.application.live.recorder import LiveRecorder
from threadline.application.live_counts_keeper import LiveCountsKeeper
from threadline.application.ports.cross_cutting import RateLimiter, ViewCounter
from threadline.application.ports.live_counts import LiveCounts
from threadline.application.ports.projection import ShadowReadModels, StoredEvent
from threadline.application.ports.query import PageCache
from threadline.application.projection.prepared_pages import PagePreparer, ViewedPages
from threadline.application.projection.projector import COMMENTS_PROJECTION, ProjectionSignal, Projector
from threadline.application.projection.rebuild import RebuildOutcome, rebuild_read_model
from threadline.application.queries.thread_page import DEFAULT_SHAPE
from threadline.application.relay.relay import Relay
from threadline.application.webhooks.deliverer import DeliveryRules
from threadline.application.webhooks.deliverers import WebhookDeliverers
from threadline.application.webhooks.deliveries import WebhookDeliveries
from threadline.application.webhooks.retry_schedule import RetrySchedule
from threadline.application.webhooks.subscriptions import WebhookAdmin
from threadline.application.webhooks.url_policy import UrlPolicy
from threadline.application.writer_turns import WriterTurns
from threadline.settings import Settings

log = logging.getLogger(__name__)
VIEW_PUSH_SECONDS = 0.5


class SchemaOutOfDate(RuntimeError):
    pass


@dataclass
class Webhooks:
    """The webhook parts: the store, admins' use cases, and the deliverers this process may run."""

    store: SqlWebhookStore
    admin: WebhookAdmin
    deliveries: WebhookDeliveries
    deliverers: WebhookDeliverers
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.deliverers.run_forever(self._stop))

    async def stop(self) -> None:
        """In-flight attempts are cancelled (their events go again later); progress is written."""
        if self._task is not None:
            self._stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


@dataclass
class Threadline:
    settings: Settings
    write_db: Database
    read_db: Database
    bus: InProcessBus | RedisBus
    cache: PageCache | None
    runner: CommandRunner
    events: SqlEventReader
    projection_store: SqlProjectionStore
    projector: Projector
    reader: SqlCommentReader
    router: ReadRouter
    tenants: SqlTenantDirectory
    verifier: TokenVerifier
    signal: ProjectionSignal
    views: ViewCounter
    shadows: ShadowReadModels | None = None
    turns: WriterTurns | None = None
    user_data: SqlUserData | None = None
    moderation: SqlModerationReader | None = None
    rate_limiter: RateLimiter | None = None
    redis: Redis | None = None
    viewed_pages: ViewedPages | None = None
    live_counts: LiveCounts | None = None  # kept by counts_keeper where a projector runs
    counts_keeper: LiveCountsKeeper | None = None
    webhooks: Webhooks | None = None
    live: LiveHub | None = None  # this process's live subscribers (README "Live updates")
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _pusher: asyncio.Task[None] | None = None
    _push_stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def set_search_config(self, tenant_id: str, config: str) -> None:
        """Choose a tenant's text-search configuration and re-index its comments with it."""
        async with self.read_db.writer.begin() as connection:
            await set_search_config(connection, tenant_id, config)

    async def rebuild_read_model(
        self, *, fresh: bool = False, on_batch: Callable[[list[StoredEvent]], None] | None = None
    ) -> RebuildOutcome:
        """Replay the log into a shadow read model and switch it in (``application/projection/
        rebuild.py``); the served read model is never empty meanwhile."""
        assert self.shadows is not None
        outcome = await rebuild_read_model(
            self.shadows,
            self.events,
            self.projector.renderer,
            batch_size=self.projector.batch_size,
            fresh=fresh,
            on_batch=on_batch,
            name=self.projector.name,
            preparer=self.projector.preparer,
        )
        if self.cache is not None:
            await self.cache.bump_epoch()  # pages built from the old read model
        if self.counts_keeper is not None:
            await self.counts_keeper.load()  # the live counts, from the read model switched in
        return outcome

    async def migrate(self) -> None:
        await upgrade(self.write_db.writer, "write")
        await upgrade(self.read_db.writer, "read")

    async def ensure_schema_current(self) -> None:
        for database, kind in ((self.write_db, "write"), (self.read_db, "read")):
            if not await is_current(database.writer, kind):  # type: ignore[arg-type]
                raise SchemaOutOfDate(
                    f"the {kind} database schema is older than this code: run `threadline migrate`"
                )

    async def start(self, *, projector: bool | None = None) -> None:
        """Check the schema, start the bus listener and, if asked, the projector and view flusher."""
        await self.ensure_schema_current()
        if isinstance(self.bus, RedisBus):
            await self.bus.start()
        if isinstance(self.cache, NearPageCache):
            await self.cache.start()
        if self.redis is not None and self._pusher is None:
            self._push_stop.clear()
            self._pusher = asyncio.create_task(self._push_views_forever())
        if self.settings.run_projector if projector is None else projector:
            await self.start_projector()
        if self.settings.run_webhooks and self.webhooks is not None:
            self.webhooks.start()

    @property
    def projecting(self) -> bool:
        """Whether this process runs the projector (``start_projector``)."""
        return bool(self._tasks)

    async def start_projector(self) -> None:
        if self._tasks:
            return
        self._stop.clear()
        if self.cache is not None:
            await self.cache.bump_epoch()  # a previous projector may have died between commit and bump
        interval = self.settings.projector_poll_interval_seconds
        self._tasks = [
            asyncio.create_task(self.projector.run_forever(self.bus, interval, self._stop)),
            asyncio.create_task(self._flush_views_forever()),
        ]
        if self.counts_keeper is not None:
            self._tasks.append(asyncio.create_task(self._keep_counts_forever(self.counts_keeper)))

    async def _keep_counts_forever(self, keeper: LiveCountsKeeper) -> None:
        """Load the live counts at once (a previous projector may have died between commit and
        update), then again whenever they went cold (Redis flushed or restarted)."""
        while not self._stop.is_set():
            await keeper.keep()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.projector_poll_interval_seconds)

    async def flush_views(self) -> None:
        counted = await self.views.drain()
        if not counted:
            return
        # Sharing the writer with commands (the embedded default): the flush and the refresh of
        # viewed pages each wait for a turn on it, as the projector's batches do.
        async with self.turns.turn() if self.turns is not None else contextlib.nullcontext():
            await self.projection_store.add_views(counted)
        if self.viewed_pages is not None:
            async with self.turns.turn() if self.turns is not None else contextlib.nullcontext():
                await self.viewed_pages.refresh(counted)

    async def _flush_views_forever(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.settings.view_flush_interval_seconds)
            try:
                await self.flush_views()
            except Exception:
                log.exception("flushing view counts failed; they are retried next interval")

    async def stop_projector(self) -> None:
        """Graceful: the projector finishes the batch in hand, the flusher its last flush."""
        self._stop.set()
        await self.bus.publish(0)
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _push_views_forever(self) -> None:
        """API processes hand their buffered views to Redis a few times a second, and once more
        when stopping. Never cancelled mid-command: a Redis connection cut off halfway through a
        pipeline is not safe to reuse."""
        while not self._push_stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._push_stop.wait(), VIEW_PUSH_SECONDS)
            try:
                await self.views.push()
            except Exception:
                log.exception("pushing view counts failed; they are retried next time")

    async def stop(self) -> None:
        if self.live is not None:
            await self.live.close()  # streams end first: their clients reconnect and resume
        if self._pusher is not None:
            self._push_stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pusher, 5.0)
            self._pusher = None
        await self.stop_projector()
        if self.webhooks is not None:
            await self.webhooks.stop()
        if isinstance(self.cache, NearPageCache):
            await self.cache.stop()
        if isinstance(self.bus, RedisBus):
            await self.bus.stop()
        if self.redis is not None:
            await self.redis.aclose()
        await self.router.dispose()
        await self.write_db.dispose()
        if self.read_db is not self.write_db:
            await self.read_db.dispose()


def _open(settings: Settings, url: str) -> Database:
    return open_database(
        url,
        busy_timeout=settings.sqlite_busy_timeout_seconds,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        statement_timeout_ms=settings.statement_timeout_ms,
    )


def build(settings: Settings) -> Threadline:
    write_db = _open(settings, settings.database_url)
    read_url = settings.effective_read_database_url
    read_db = write_db if read_url == settings.database_url else _open(settings, read_url)
    replicas = [_open(settings, url).reader for url in settings.replica_urls]
    router = ReadRouter(read_db.reader, replicas, retry_after=settings.replica_retry_after_seconds)

    redis: Redis | None = None
    bus: InProcessBus | RedisBus
    views: ViewCounter
    cache: PageCache | None = None
    live_counts: LiveCounts | None = None
    fanout: InProcessLiveFanout | RedisLiveFanout
    if settings.redis_url:
        redis = Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_socket_timeout_seconds,
            socket_connect_timeout=settings.redis_socket_timeout_seconds,
        )
        bus = RedisBus(redis, settings.redis_prefix)
        fanout = RedisLiveFanout(redis, settings.redis_prefix)
        views = RedisViewCounter(redis, settings.redis_prefix, settings.view_window_seconds)
        if settings.cache_enabled:
            cache = RedisPageCache(redis, settings.redis_prefix)
            live_counts = RedisLiveCounts(redis, settings.redis_prefix)
            if settings.near_cache_seconds > 0:
                cache = NearPageCache(cache, redis, settings.redis_prefix, ttl=settings.near_cache_seconds)
    else:
        bus = InProcessBus()
        fanout = InProcessLiveFanout()
        views = MemoryViewCounter(settings.view_window_seconds)
        if settings.cache_enabled:
            cache = MemoryPageCache(max_entries=settings.cache_max_entries)
            # Like the memory page cache: kept by this process's projector only.
            live_counts = MemoryLiveCounts()

    renderer = ContentHtmlRenderer()
    signal = ProjectionSignal()
    events = SqlEventReader(write_db.reader)
    projection_store = SqlProjectionStore(read_db.writer)
    tenants = SqlTenantDirectory(write_db.writer)
    reader = SqlCommentReader(router, sqlite=read_db.sqlite_readers if not replicas else None)
    preparer = PagePreparer(DEFAULT_SHAPE.within(settings.max_page_limit, settings.max_nested_depth))
    keeper = None
    if live_counts is not None:
        keeper = LiveCountsKeeper(live_counts, SqlCountsSource(read_db.reader, COMMENTS_PROJECTION))
    policy = CommandPolicy(max_reply_depth=settings.max_reply_depth)
    uow_factory = SqlUnitOfWorkFactory(write_db.writer)
    # SQLite with the read model in the same file: commands, the projector and the view flusher
    # share one writer connection, and take turns on it (application/writer_turns.py).
    turns = WriterTurns() if write_db.is_sqlite and read_db is write_db else None
    batcher = None
    if settings.command_batch_size > 1:
        writers = settings.command_batch_writers or (1 if write_db.is_sqlite else 2)
        batcher = CommandBatcher(
            uow_factory,
            policy,
            max_batch=settings.command_batch_size,
            writers=writers,
            turns=turns,
            is_transient=is_transient,
        )
    return Threadline(
        settings=settings,
        write_db=write_db,
        read_db=read_db,
        bus=bus,
        cache=cache,
        runner=CommandRunner(
            uow_factory=uow_factory,
            bus=bus,
            policy=policy,
            retries=settings.command_retries,
            is_transient=is_transient,
            batcher=batcher,
            turns=turns,
        ),
        events=events,
        projection_store=projection_store,
        projector=Projector(
            reader=events,
            store=projection_store,
            renderer=renderer,
            cache=cache,
            signal=signal,
            batch_size=settings.projector_batch_size,
            preparer=preparer,
            listeners=[keeper.batch_committed] if keeper is not None else [],
            turns=turns,
            busy_batch_size=settings.projector_busy_batch_size,
            live=LiveRecorder(fanout, settings.live_retention_seconds) if settings.live_enabled else None,
        ),
        reader=reader,
        router=router,
        tenants=tenants,
        verifier=TokenVerifier(tenants, leeway_seconds=settings.token_leeway_seconds),
        signal=signal,
        views=views,
        shadows=shadow_read_models(
            read_db.writer, read_url, busy_timeout=settings.sqlite_busy_timeout_seconds
        ),
        turns=turns,
        user_data=SqlUserData(write_db.reader, read_db.reader),
        moderation=SqlModerationReader(router, sqlite=read_db.sqlite_readers),
        rate_limiter=_rate_limiter(settings),
        redis=redis,
        viewed_pages=ViewedPages(
            projection_store, preparer, COMMENTS_PROJECTION, settings.prepared_views_refresh_seconds, reader
        ),
        live_counts=live_counts,
        counts_keeper=keeper,
        webhooks=build_webhooks(settings, write_db, turns),
        live=LiveHub(
            SqlLiveFeed(read_db.reader, COMMENTS_PROJECTION),
            fanout,
            LiveLimits(
                queue_size=settings.live_queue_size,
                per_tenant=settings.live_max_streams_per_tenant,
                per_address=settings.live_max_streams_per_address,
            ),
            sync_seconds=settings.live_sync_seconds,
        )
        if settings.live_enabled
        else None,
    )


def build_webhooks(settings: Settings, write_db: Database, turns: WriterTurns | None) -> Webhooks:
    """Webhook subscriptions (the admin API) and their deliverers, over the write database."""
    store = SqlWebhookStore(write_db.writer, write_db.reader, turns)
    policy = UrlPolicy(settings.webhook_hosts, DnsResolver())
    admin = WebhookAdmin(store, policy, settings.webhook_secret_grace_seconds)
    schedule = RetrySchedule(
        max_attempts=settings.webhook_max_attempts,
        base_seconds=settings.webhook_backoff_base_seconds,
        cap_seconds=settings.webhook_backoff_max_seconds,
        attempt_timeout_seconds=settings.webhook_attempt_timeout_seconds,
    )
    rules = DeliveryRules(
        schedule=schedule,
        lanes=settings.webhook_lanes,
        window=settings.webhook_window,
        poll_seconds=settings.webhook_poll_interval_seconds,
        lease_seconds=settings.webhook_lease_seconds,
        probe_seconds=settings.webhook_probe_interval_seconds,
    )
    limit, connections = settings.webhook_response_limit_bytes, settings.webhook_lanes + 4  # + requeued
    deliverers = WebhookDeliverers(
        store, policy, lambda: HttpWebhookSender(body_limit=limit, max_connections=connections), rules
    )
    return Webhooks(store, admin, WebhookDeliveries(store, admin), deliverers)


def _rate_limiter(settings: Settings) -> RateLimiter | None:
    if not settings.rate_limits_enabled:
        return None
    return LimitsRateLimiter(
        {
            ("write", "user"): settings.rate_limit_writes_per_user,
            ("write", "address"): settings.rate_limit_writes_per_address,
            ("read", "user"): settings.rate_limit_reads_per_user,
            ("read", "address"): settings.rate_limit_reads_per_address,
        },
        redis_url=settings.redis_url,
        prefix=settings.redis_prefix,
    )


def build_relay(container: Threadline) -> Relay:
    """The event relay to NATS JetStream (`threadline relay`), reading the container's log."""
    from threadline.adapters.nats.jetstream import JetStreamEvents, StreamOptions

    settings = container.settings
    if not settings.nats_url:
        raise ValueError("the relay needs THREADLINE_NATS_URL")
    stream = JetStreamEvents(
        StreamOptions(
            url=settings.nats_url,
            stream=settings.nats_stream,
            subject_prefix=settings.nats_subject_prefix,
            duplicate_window_seconds=settings.nats_duplicate_window_seconds,
            ack_timeout_seconds=settings.nats_ack_timeout_seconds,
            reconnect_seconds=settings.nats_reconnect_seconds,
        )
    )
    return Relay(
        reader=container.events,
        checkpoints=SqlConsumerCheckpoints(container.write_db.writer),
        stream=stream,
        consumer=f"relay:nats:{settings.nats_stream}",
        batch_size=settings.relay_batch_size,
    )
