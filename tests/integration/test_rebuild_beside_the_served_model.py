"""A rebuild replays the log beside the served read model and switches in atomically: readers never
see an empty or partial read model, the live projector keeps serving what is posted meanwhile,
and a rebuild killed at any point leaves the served read model as it was and resumes when run
again. On the embedded default and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import ActorFactory
from tests.integration.helpers import post, read_model_snapshot
from threadline.adapters.sql.shadow_read_model import SHADOW_SCHEMA, SqliteShadows
from threadline.bootstrap import Threadline
from threadline.domain.search_query import parse_search_query
from threadline.domain.tenant import Tenant
from threadline.settings import Settings

THREADS = [("post", f"p{n}") for n in range(4)]
PER_THREAD = 15


async def seeded(container: Threadline, make_actor: ActorFactory, per_thread: int = PER_THREAD) -> list[str]:
    alice = make_actor("alice")
    ids = []
    for entity in THREADS:
        for n in range(per_thread):
            ids.append(await post(container, alice, f"comment {n} on {entity[1]}", entity=entity))
    await container.projector.catch_up()
    return ids


async def test_readers_see_the_whole_read_model_all_through_a_rebuild(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory
) -> None:
    ids = await seeded(container, make_actor)
    before = await read_model_snapshot(container)
    container.projector.batch_size = 3  # a slow rebuild, many batches long
    reads: list[tuple[dict[str, int], bool]] = []
    rebuilding = asyncio.Event()

    async def reader() -> None:
        while not rebuilding.is_set():
            counts = await container.reader.counts(tenant.id, "post", [e for _, e in THREADS])
            first = await container.reader.by_id(tenant.id, ids[0])
            reads.append((counts, first is not None))
            await asyncio.sleep(0)

    readers = asyncio.create_task(reader())
    try:
        outcome = await container.rebuild_read_model()
    finally:
        rebuilding.set()
        await readers
    assert outcome.applied == len(ids) and outcome.position == len(ids)
    assert len(reads) > 5
    expected = {entity_id: PER_THREAD for _, entity_id in THREADS}
    assert all(counts == expected and found for counts, found in reads), "a reader saw a partial model"
    assert await read_model_snapshot(container) == before


async def test_what_is_posted_during_a_rebuild_is_served_after_the_switch(
    container: Threadline, tenant: Tenant, make_actor: ActorFactory
) -> None:
    ids = await seeded(container, make_actor)
    newcomer = await container.tenants.create("newcomer")  # its first comment comes mid-rebuild
    await container.start_projector()  # the live projector runs all along, as in `serve`
    container.projector.batch_size = 3
    bob = make_actor("bob")
    posted: list[str] = []
    done = asyncio.Event()

    async def poster() -> None:
        while not done.is_set() and len(posted) < 20:
            posted.append(await post(container, bob, f"during {len(posted)}", entity=THREADS[0]))
            if len(posted) == 3:
                carol = make_actor("carol", tenant_id=newcomer.id)
                await post(container, carol, "a walrus arrives", entity=THREADS[0])
            await asyncio.sleep(0.01)

    posting = asyncio.create_task(poster())
    try:
        await container.rebuild_read_model()
    finally:
        done.set()
        await posting
    head = await container.events.last_position()
    for _ in range(400):  # the live projector goes on from the switched-in checkpoint
        if (await container.projection_store.status(container.projector.name)).position == head:
            break
        await asyncio.sleep(0.05)
    await container.stop_projector()
    assert posted
    for comment_id in [ids[0], *posted]:
        assert await container.reader.by_id(tenant.id, comment_id) is not None, comment_id
    counts = await container.reader.counts(tenant.id, "post", [THREADS[0][1]])
    assert counts == {THREADS[0][1]: PER_THREAD + len(posted)}
    hits, _ = await container.reader.search(
        newcomer.id, parse_search_query("walrus"), entity_type=None, entity_id=None, limit=10, offset=0
    )
    assert [hit.content for hit in hits] == ["a walrus arrives"]  # its search index came along
    served = await read_model_snapshot(container)
    await container.rebuild_read_model()  # from a quiet log: the same read model again
    assert await read_model_snapshot(container) == served


async def shadow_position(container: Threadline) -> int:
    """How far the shadow a rebuild is building has come (0 if there is none yet)."""
    shadows = container.shadows
    if isinstance(shadows, SqliteShadows):
        if not shadows.path.exists():
            return 0
        engine = sa.create_engine(f"sqlite:///{shadows.path}")
        try:
            with engine.connect() as connection:
                value = connection.execute(
                    sa.text("SELECT max(position) FROM projection_checkpoints")
                ).scalar()
        except sa.exc.OperationalError:
            return 0
        finally:
            engine.dispose()
        return int(value or 0)
    async with container.read_db.reader.connect() as connection:
        exists = (
            await connection.execute(
                sa.text(
                    "SELECT 1 FROM pg_tables WHERE schemaname = :s AND tablename = 'projection_checkpoints'"
                ),
                {"s": SHADOW_SCHEMA},
            )
        ).first()
        if exists is None:
            return 0
        value = (
            await connection.execute(
                sa.text(f"SELECT max(position) FROM {SHADOW_SCHEMA}.projection_checkpoints")
            )
        ).scalar()
    return int(value or 0)


def environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "THREADLINE_DATABASE_URL": settings.database_url,
        "THREADLINE_READ_DATABASE_URL": settings.effective_read_database_url,
        "THREADLINE_REDIS_URL": settings.redis_url or "",
        "THREADLINE_REDIS_PREFIX": settings.redis_prefix,
        "THREADLINE_RUN_PROJECTOR": "false",
        "THREADLINE_PROJECTOR_BATCH_SIZE": "1",  # one event per batch: a long replay to stop in
    }


async def rebuild_process(settings: Settings) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "threadline.cli.main",
        "projections",
        "rebuild",
        env=environment(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_a_rebuild_killed_midway_leaves_the_served_model_and_resumes(
    settings: Settings, container: Threadline, tenant: Tenant, make_actor: ActorFactory, tmp_path: Path
) -> None:
    ids = await seeded(container, make_actor, per_thread=40)  # 160 events, replayed one per batch
    before = await read_model_snapshot(container)

    process = await rebuild_process(settings)
    try:
        reached = 0
        for _ in range(3000):  # until the shadow has some of the log, then frozen where it stands
            reached = await shadow_position(container)
            if reached >= 5 or process.returncode is not None:
                break
            await asyncio.sleep(0.01)
        assert process.returncode is None, "the rebuild finished before it could be stopped"
        process.send_signal(signal.SIGSTOP)
        reached = await shadow_position(container)
        assert await read_model_snapshot(container) == before  # mid-rebuild: still serving, untouched
        process.send_signal(signal.SIGKILL)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    assert 0 < reached < len(ids)

    assert await read_model_snapshot(container) == before  # still serving, untouched
    assert await container.reader.by_id(tenant.id, ids[-1]) is not None

    resumed = await rebuild_process(settings)
    output, _ = await resumed.communicate()
    assert resumed.returncode == 0, output.decode()
    text = output.decode()
    assert "resumed a stopped rebuild at event" in text, text
    assert f"switched in at position {len(ids)}" in text, text
    assert await read_model_snapshot(container) == before
    assert await shadow_position(container) == 0  # the shadow is gone once switched in
