"""The composition root: the one place that turns settings into wired adapters and use cases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from threadline.adapters.auth.jwt_tokens import TokenVerifier
from threadline.adapters.bus.in_process import InProcessBus
from threadline.adapters.cache.memory import MemoryPageCache
from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.comment_reader import SqlCommentReader
from threadline.adapters.sql.engine import Database, open_database
from threadline.adapters.sql.event_log import SqlEventReader
from threadline.adapters.sql.projection_store import SqlProjectionStore
from threadline.adapters.sql.schema_migrations import is_current, upgrade
from threadline.adapters.sql.tenant_directory import SqlTenantDirectory
from threadline.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from threadline.application.command_runner import CommandPolicy, CommandRunner
from threadline.application.ports import PageCache
from threadline.application.projection.projector import ProjectionSignal, Projector
from threadline.settings import Settings

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    pass


@dataclass
class Threadline:
    settings: Settings
    write_db: Database
    read_db: Database
    bus: InProcessBus
    cache: PageCache | None
    runner: CommandRunner
    events: SqlEventReader
    projection_store: SqlProjectionStore
    projector: Projector
    reader: SqlCommentReader
    tenants: SqlTenantDirectory
    verifier: TokenVerifier
    signal: ProjectionSignal
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _projector_task: asyncio.Task[None] | None = None

    async def migrate(self) -> None:
        await upgrade(self.write_db.writer, "write")
        await upgrade(self.read_db.writer, "read")

    async def ensure_schema_current(self) -> None:
        for database, kind in ((self.write_db, "write"), (self.read_db, "read")):
            if not await is_current(database.writer, kind):  # type: ignore[arg-type]
                raise SchemaOutOfDate(
                    f"the {kind} database schema is older than this code: run `threadline migrate`"
                )

    async def start(self) -> None:
        await self.ensure_schema_current()
        if self.settings.run_projector:
            self._stop.clear()
            self._projector_task = asyncio.create_task(
                self.projector.run_forever(
                    self.bus, self.settings.projector_poll_interval_seconds, self._stop
                )
            )

    async def stop(self) -> None:
        self._stop.set()
        await self.bus.publish(0)
        if self._projector_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._projector_task
            self._projector_task = None
        await self.write_db.dispose()
        if self.read_db is not self.write_db:
            await self.read_db.dispose()


def build(settings: Settings) -> Threadline:
    write_db = open_database(settings.database_url, busy_timeout=settings.sqlite_busy_timeout_seconds)
    read_url = settings.effective_read_database_url
    read_db = (
        write_db
        if read_url == settings.database_url
        else open_database(read_url, busy_timeout=settings.sqlite_busy_timeout_seconds)
    )
    bus = InProcessBus()
    cache: PageCache | None = (
        MemoryPageCache(max_entries=settings.cache_max_entries) if settings.cache_enabled else None
    )
    renderer = ContentHtmlRenderer()
    signal = ProjectionSignal()
    events = SqlEventReader(write_db.reader)
    projection_store = SqlProjectionStore(read_db.writer)
    tenants = SqlTenantDirectory(write_db.writer)
    return Threadline(
        settings=settings,
        write_db=write_db,
        read_db=read_db,
        bus=bus,
        cache=cache,
        runner=CommandRunner(
            uow_factory=SqlUnitOfWorkFactory(write_db.writer),
            bus=bus,
            policy=CommandPolicy(max_reply_depth=settings.max_reply_depth),
            retries=settings.command_retries,
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
        ),
        reader=SqlCommentReader(read_db.reader),
        tenants=tenants,
        verifier=TokenVerifier(tenants),
        signal=signal,
    )
