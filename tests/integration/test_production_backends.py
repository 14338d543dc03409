"""The production shape (PostgreSQL write and read databases, Redis, worker processes) under the
stresses it meets: concurrent writers, killed workers, a vanishing Redis, dead replicas."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import uuid
from collections.abc import AsyncIterator

import orjson
import pytest

from tests.backends import (
    PostgresTemplates,
    drop_redis_keys,
    postgres_settings,
    require_servers,
    sqlalchemy_url,
)
from tests.contracts.eventually import eventually
from tests.integration.helpers import CountingReader, post, read_model_snapshot, rebuild, run
from tests.tcp_splice import splice
from threadline.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from threadline.application.commands.like_comment import like_comment
from threadline.application.commands.update_comment import update_comment
from threadline.application.ports.projection import StoredEvent
from threadline.application.queries.read_your_writes import wait_for_position
from threadline.application.queries.thread_page import Sort, ThreadPageQuery, cached_thread_page
from threadline.bootstrap import Threadline, build
from threadline.domain.commands import LikeComment, UpdateComment
from threadline.domain.identity import Actor, Role
from threadline.settings import Settings


@pytest.fixture
async def databases(postgres_templates: PostgresTemplates | None) -> AsyncIterator[tuple[str, str, str]]:
    require_servers()
    assert postgres_templates is not None
    write, read = await postgres_templates.acquire()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield write, read, prefix
    finally:
        await postgres_templates.release((write, read))
        await drop_redis_keys(prefix)


@pytest.fixture
async def production(databases: tuple[str, str, str]) -> AsyncIterator[Threadline]:
    container = build(postgres_settings(*databases))
    await container.start()
    try:
        yield container
    finally:
        await container.stop()


def actor(tenant_id: str, user: str, role: Role = Role.USER) -> Actor:
    return Actor(tenant_id, user, user.title(), None, role)


class SlowCommit(SqlUnitOfWork):
    """Lingers a few milliseconds between appending and committing: the window in which a
    position taken earlier can commit later than one taken after it."""

    async def commit(self) -> None:
        await asyncio.sleep(random.uniform(0, 0.02))
        await super().commit()


class SlowCommitFactory(SqlUnitOfWorkFactory):
    def __call__(self) -> SqlUnitOfWork:
        return SlowCommit(self._engine)


async def test_concurrent_writers_are_projected_exactly_once_in_log_order(production: Threadline) -> None:
    """EVENT-LOG-NOTES §1 on PostgreSQL: 16 writers commit concurrently while a projector tails
    the log; it must apply every event once, in position order, skipping none."""
    tenant = await production.tenants.create("acme")
    applied: list[int] = []

    def record(batch: list[StoredEvent]) -> None:
        applied.extend(event.position for event in batch)

    production.projector.on_batch = record
    production.projector.batch_size = 7
    production.runner.uow_factory = SlowCommitFactory(production.write_db.writer)
    await production.start_projector()
    root = await post(production, actor(tenant.id, "host"), "the thread")

    async def writer(index: int) -> None:
        me = actor(tenant.id, f"writer-{index}")
        rng = random.Random(index)
        for step in range(20):
            choice = rng.random()
            if choice < 0.4:
                await post(production, me, f"reply {index}-{step}", parent_id=root)
            elif choice < 0.7:
                await post(production, me, f"root {index}-{step}")
            else:
                await run(production, me, like_comment, LikeComment(root))

    await asyncio.gather(*(writer(i) for i in range(16)))
    head = await production.events.last_position()

    async def the_projector_has_told_of_the_head() -> bool:
        # The listener, not the checkpoint: a reader may see the committed checkpoint an instant
        # before the projector hands that batch to its listener.
        return bool(applied) and applied[-1] >= head

    await eventually(the_projector_has_told_of_the_head, seconds=60.0)
    logged = [event.position for event in await production.events.read_after(0, 100_000)]
    assert applied == logged  # every event, once, in order
    incremental = await read_model_snapshot(production)
    await production.stop_projector()
    await rebuild(production)
    assert await read_model_snapshot(production) == incremental


async def _spawn_projector(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "threadline.cli.main",
        "projector",
        "--batch-size",
        "5",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _started(worker: asyncio.subprocess.Process) -> None:
    assert worker.stderr is not None
    async with asyncio.timeout(30):
        while b"projector worker started" not in await worker.stderr.readline():
            pass


async def test_a_projector_worker_killed_at_any_moment_loses_and_duplicates_nothing(
    databases: tuple[str, str, str],
) -> None:
    write, read, prefix = databases
    settings = postgres_settings(write, read, prefix)
    env = {
        **os.environ,
        "THREADLINE_DATABASE_URL": sqlalchemy_url(write),
        "THREADLINE_READ_DATABASE_URL": sqlalchemy_url(read),
        "THREADLINE_REDIS_URL": settings.redis_url or "",
        "THREADLINE_REDIS_PREFIX": prefix,
        "THREADLINE_PROJECTOR_POLL_INTERVAL_SECONDS": "0.05",
    }
    writer = build(settings)
    tenant = await writer.tenants.create("acme")
    root = await post(writer, actor(tenant.id, "host"), "kill me softly")
    rng = random.Random(3)
    worker = await _spawn_projector(env)
    try:
        for round_ in range(4):
            for i in range(40):
                fan = actor(tenant.id, f"fan-{round_}-{i}")
                await run(writer, fan, like_comment, LikeComment(root))
                await post(writer, fan, f"reply {round_}-{i}", parent_id=root)
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            worker.send_signal(signal.SIGKILL)
            await worker.wait()
            worker = await _spawn_projector(env)
        head = await writer.events.last_position()
        reached, _ = await wait_for_position(head, writer.reader, writer.signal, 30.0)
        assert reached
        await _started(worker)  # SIGTERM before its handler is installed would just kill it
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 15) == 0  # graceful: finishes its batch, exits
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    node = await writer.reader.by_id(tenant.id, root)
    assert node is not None and (node.like_count, node.reply_count) == (160, 160)
    incremental = await read_model_snapshot(writer)
    await rebuild(writer)
    assert await read_model_snapshot(writer) == incremental
    await writer.stop()


class RedisProxy:
    """A TCP hop to Redis that a test can cut and restore, to take Redis away mid-run."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", 6379)
        self.links.update({writer, upstream_writer})
        await splice(reader, writer, upstream_reader, upstream_writer)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for link in self.links:
            link.close()
        self.links.clear()
        await self.server.wait_closed()

    async def restore(self) -> None:
        await self.start()


async def test_with_redis_gone_mid_run_reads_fall_back_and_writes_still_land(
    databases: tuple[str, str, str],
) -> None:
    proxy = RedisProxy()
    await proxy.start()
    settings = postgres_settings(*databases, redis_url=f"redis://127.0.0.1:{proxy.port}/0")
    container = build(settings)
    await container.start(projector=False)
    tenant = await container.tenants.create("acme")
    alice = actor(tenant.id, "alice")
    query = ThreadPageQuery(tenant.id, "post", "p1", None, 0, Sort.NEWEST, 20, 1, None, 3, 5)

    async def contents() -> list[str]:
        page = await cached_thread_page(query, container.reader, container.cache, 60)
        return [node["content"] for node in orjson.loads(page.body)["data"]]

    try:
        first = await post(container, alice, "before the outage")
        await container.projector.catch_up()
        assert await contents() == ["before the outage"]  # now cached in Redis

        await proxy.cut()
        await post(container, alice, "during the outage")
        await run(container, alice, update_comment, UpdateComment(first, "edited during the outage"))
        await container.projector.catch_up()
        assert await contents() == ["during the outage", "edited during the outage"]

        await proxy.restore()
        await asyncio.sleep(2.1)  # the circuit breaker closes again
        await container.projector.run_once()  # its loop retries the invalidations Redis missed
        await container.cache.bump(())  # type: ignore[union-attr]
        assert await contents() == ["during the outage", "edited during the outage"]
        assert len(await container.events.read_after(0, 100)) == 3  # nothing lost, nothing doubled
    finally:
        await container.stop()
        await proxy.cut()


async def test_a_dead_redis_from_the_start_changes_nothing_but_speed(databases: tuple[str, str, str]) -> None:
    container = build(postgres_settings(*databases, redis_url="redis://127.0.0.1:1/0"))
    await container.start(projector=False)
    try:
        tenant = await container.tenants.create("acme")
        comment_id = await post(container, actor(tenant.id, "alice"), "no cache today")
        await run(container, actor(tenant.id, "bob"), like_comment, LikeComment(comment_id))
        await container.projector.catch_up()
        query = ThreadPageQuery(tenant.id, "post", "p1", None, 0, Sort.NEWEST, 20, 1, None, 3, 5)
        page = await cached_thread_page(query, container.reader, container.cache, 60)
        [node] = orjson.loads(page.body)["data"]
        assert (node["content"], node["like_count"]) == ("no cache today", 1)
    finally:
        await container.stop()


async def test_with_redis_down_a_hot_page_s_readers_still_share_one_rebuild(
    databases: tuple[str, str, str],
) -> None:
    """Redis timing out is when a stampede hurts most: the readers of one page in one process wait
    for one build from the database instead of each running it."""
    container = build(postgres_settings(*databases, redis_url="redis://127.0.0.1:1/0"))
    await container.start(projector=False)
    try:
        tenant = await container.tenants.create("acme")
        await post(container, actor(tenant.id, "alice"), "hot while Redis is down")
        await container.projector.catch_up()
        reader = CountingReader(container.router)
        CountingReader.builds = 0
        query = ThreadPageQuery(tenant.id, "post", "p1", None, 0, Sort.NEWEST, 20, 1, None, 3, 5)

        pages = await asyncio.gather(
            *(cached_thread_page(query, reader, container.cache, 60) for _ in range(30))
        )

        assert CountingReader.builds == 1
        assert {page.body for page in pages} == {pages[0].body}
        [node] = orjson.loads(pages[0].body)["data"]
        assert node["content"] == "hot while Redis is down"
    finally:
        await container.stop()


async def test_queries_skip_a_replica_that_is_down(databases: tuple[str, str, str]) -> None:
    write, read, prefix = databases
    dead = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    settings = postgres_settings(write, read, prefix, read_replica_urls=f"{dead},{sqlalchemy_url(read)}")
    container = build(settings)
    await container.start(projector=False)
    try:
        tenant = await container.tenants.create("acme")
        comment_id = await post(container, actor(tenant.id, "alice"), "replicated")
        await container.projector.catch_up()
        for _ in range(4):  # round robin lands on the dead replica at least once
            node = await container.reader.by_id(tenant.id, comment_id)
            assert node is not None and node.content == "replicated"
    finally:
        await container.stop()


async def test_a_lost_database_connection_is_retried_without_applying_twice(production: Threadline) -> None:
    tenant = await production.tenants.create("acme")
    alice = actor(tenant.id, "alice")
    comment_id = await post(production, alice, "first")
    database = production.settings.database_url.rsplit("/", 1)[1]
    async with production.read_db.reader.connect() as connection:
        await connection.exec_driver_sql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
            " AND pid <> pg_backend_pid()"
        )
    await run(production, actor(tenant.id, "bob"), like_comment, LikeComment(comment_id))
    await run(production, actor(tenant.id, "bob"), like_comment, LikeComment(comment_id))
    likes = [e for e in await production.events.read_after(0, 100) if e.event_type == "CommentLiked"]
    assert len(likes) == 1


async def test_the_service_refuses_to_start_on_an_old_schema(databases: tuple[str, str, str]) -> None:
    from alembic import command

    from threadline.adapters.sql.schema_migrations import alembic_config
    from threadline.bootstrap import SchemaOutOfDate

    container = build(postgres_settings(*databases))

    def downgrade(connection: object) -> None:
        config = alembic_config("read")
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")

    async with container.read_db.writer.begin() as connection:
        await connection.run_sync(downgrade)
    with pytest.raises(SchemaOutOfDate, match="threadline migrate"):
        await container.start()
    await container.migrate()
    await container.start()
    await container.stop()


def test_postgres_settings_keep_the_read_model_in_its_own_database(databases: tuple[str, str, str]) -> None:
    settings: Settings = postgres_settings(*databases)
    assert settings.effective_read_database_url != settings.database_url


async def test_a_commit_in_one_process_wakes_projectors_in_others(databases: tuple[str, str, str]) -> None:
    """Redis fan-out: the bus of one process publishes, another process's bus wakes at once."""
    settings = postgres_settings(*databases)
    api, worker = build(settings), build(settings)
    await api.start(projector=False)
    await worker.start(projector=False)
    heard: list[int] = []
    worker.bus.subscribe(heard.append)  # type: ignore[union-attr]
    try:
        await asyncio.wait_for(worker.bus.listening.wait(), 10)  # type: ignore[union-attr]
        tenant = await api.tenants.create("acme")
        await post(api, actor(tenant.id, "alice"), "wake up")
        for _ in range(250):
            if heard:
                break
            await asyncio.sleep(0.02)
        assert heard == [await api.events.last_position()]
    finally:
        await api.stop()
        await worker.stop()


async def test_a_tenant_can_search_in_its_own_language(production: Threadline) -> None:
    from threadline.adapters.sql.search_index import set_search_config
    from threadline.domain.search_query import parse_search_query

    english, simple = await production.tenants.create("english"), await production.tenants.create("simple")
    for tenant in (english, simple):
        await post(production, actor(tenant.id, "alice"), "The runners were running")
    async with production.read_db.writer.begin() as connection:
        await set_search_config(connection, english.id, "english")
    await production.projector.catch_up()
    query = parse_search_query("run")
    stemmed, _ = await production.reader.search(
        english.id, query, entity_type=None, entity_id=None, limit=5, offset=0
    )
    literal, _ = await production.reader.search(
        simple.id, query, entity_type=None, entity_id=None, limit=5, offset=0
    )
    assert len(stemmed) == 1 and literal == []
