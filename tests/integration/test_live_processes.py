"""Live updates across real processes and their failures: two `threadline serve` processes and a
standalone `threadline projector` on PostgreSQL + Redis, and the embedded default on a SQLite file.
Followers read streams over real sockets; processes are killed with SIGKILL (no shutdown at all)
and restarted. Whatever dies, a follower that resumes from its Last-Event-ID is told every change
of its thread exactly once, in log order."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.api.live_support import LiveReader
from tests.api.support import Api, Json
from tests.backends import PostgresTemplates, SqliteTemplate
from tests.integration.process_support import Deployment, Worker, embedded_deployment, postgres_deployment
from threadline.bootstrap import build
from threadline.domain.live import live_event_name
from threadline.domain.tenant import Tenant

# The processes outlive each test: every test runs in the module's event loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")

THREAD = ("post", "p1")
Told = tuple[str, str, str]  # what a follower was told of one change: (id, event, data)


@dataclass
class Cluster:
    """Two API processes and a standalone projector on one PostgreSQL + Redis; each test follows
    a tenant of its own. Started once per module (a process start is most of a test's time)."""

    deployment: Deployment
    a: Worker
    b: Worker
    projector: Worker

    async def revive(self) -> Cluster:
        """Every process running: a test that killed one and failed may have left it down."""
        for worker in (self.a, self.b, self.projector):
            if worker.process is None or worker.process.returncode is not None:
                await worker.start()
        return self


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_cluster(
    postgres_templates: PostgresTemplates | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    async with postgres_deployment(postgres_templates, tmp_path_factory.mktemp("cluster")) as deployment:
        cluster = Cluster(
            deployment,
            deployment.serve("api-a"),
            deployment.serve("api-b"),
            deployment.projector("projector"),
        )
        await asyncio.gather(cluster.a.start(), cluster.b.start(), cluster.projector.start())
        yield cluster


@pytest_asyncio.fixture(loop_scope="module")
async def cluster(shared_cluster: Cluster) -> Cluster:
    return await shared_cluster.revive()


@pytest_asyncio.fixture(loop_scope="module")
async def embedded(sqlite_template: SqliteTemplate, tmp_path: Path) -> AsyncIterator[Deployment]:
    async with embedded_deployment(sqlite_template.copy_to(tmp_path), tmp_path) as found:
        yield found


async def create_tenant(deployment: Deployment) -> Tenant:
    container = build(deployment.settings)
    try:
        return await container.tenants.create(f"acme {uuid.uuid4().hex[:8]}")
    finally:
        await container.stop()


@contextlib.asynccontextmanager
async def commands_to(server: Worker, tenant: Tenant) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        yield Api(http, tenant)


@contextlib.asynccontextmanager
async def following(server: Worker, tenant: Tenant, last_id: str | None = None) -> AsyncIterator[LiveReader]:
    """A follower of the thread on ``server``, its stream open (resuming after ``last_id``)."""
    headers = {"X-Tenant-ID": tenant.id}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    reader = LiveReader(f"{server.base}/v1/entities/{THREAD[0]}/{THREAD[1]}/live", headers=headers)
    try:
        await reader.start()
        assert reader.status == 200
        await reader.until_event("ready")
        yield reader
    finally:
        await reader.close()


def told(reader: LiveReader) -> list[Told]:
    return [(e.id, e.event, e.data) for e in reader.changes]


async def until_told(reader: LiveReader, position: int) -> None:
    """Until the follower has been told of the change at ``position`` (or of a later one)."""
    await reader.until(lambda: bool(reader.changes) and int(reader.changes[-1].id) >= position)


async def until_ended(reader: LiveReader) -> None:
    await reader.until(lambda: reader.ended)


@dataclass
class Conversation:
    """Changes to the thread, varied step by step: a comment, a reply, an edit, a like and its
    undoing. Each is one event, told to everyone who follows the thread."""

    api: Api
    comments: list[tuple[str, str]] = field(default_factory=list)  # (id, author)
    positions: list[int] = field(default_factory=list)
    step: int = 0

    async def change(self) -> int:
        step, self.step = self.step, self.step + 1
        kind = step % 5
        if kind == 0 or not self.comments:
            body = await self.api.create(f"comment {step}", entity_type=THREAD[0], entity_id=THREAD[1])
            self.comments.append((body["id"], "alice"))
        elif kind == 1:
            root = next(c for c, author in reversed(self.comments) if author == "alice")
            body = await self.api.create(
                f"reply {step}", user="bob", entity_type=THREAD[0], entity_id=THREAD[1], parent_id=root
            )
            self.comments.append((body["id"], "bob"))
        elif kind == 2:
            comment_id, author = self.comments[-1]
            body = await self.api.edit(comment_id, f"edited at {step}", user=author)
        elif kind == 3:
            body = await self.api.like(self.comments[-1][0], user=f"fan{step}")
        else:
            body = await self.api.unlike(self.comments[-1][0], user=f"fan{step - 1}")
        assert body["changed"] is True, body
        position: int = body["position"]
        self.positions.append(position)
        return position

    async def changes(self, count: int) -> int:
        for _ in range(count):
            await self.change()
        return self.positions[-1]


async def the_log(api: Api) -> list[tuple[str, str]]:
    """The thread's changes as the log holds them: (position, live event name)."""
    events: list[Json] = await api.audit_events()
    return [(str(e["position"]), live_event_name(e["event_type"])) for e in events]


async def test_followers_of_two_api_processes_are_told_the_same_changes_in_the_same_order(
    cluster: Cluster,
) -> None:
    tenant = await create_tenant(cluster.deployment)
    a, b = cluster.a, cluster.b
    async with (
        following(a, tenant) as on_a,
        following(b, tenant) as on_b,
        commands_to(a, tenant) as api,
    ):
        talk = Conversation(api)
        last = await talk.changes(12)
        await until_told(on_a, last)
        await until_told(on_b, last)
        # An erasure, after everyone was told of the comment: its own batch, so it is told too.
        erased = await api.hard_delete(talk.comments[-1][0])
        await until_told(on_a, erased["position"])
        await until_told(on_b, erased["position"])
        log = await the_log(api)
    assert told(on_a) == told(on_b)
    assert [(i, name) for i, name, _ in told(on_a)] == log
    assert [int(i) for i, _, _ in told(on_a)] == [*talk.positions, erased["position"]]


async def test_a_follower_resumes_on_another_api_process_with_exactly_what_it_missed(
    cluster: Cluster,
) -> None:
    tenant = await create_tenant(cluster.deployment)
    a, b = cluster.a, cluster.b
    async with following(b, tenant) as uninterrupted, commands_to(a, tenant) as api:
        talk = Conversation(api)
        async with following(a, tenant) as before:
            await until_told(before, await talk.changes(5))
        missed = await talk.changes(5)
        # Process B has heard of every missed change: all of them come before its `ready`.
        await until_told(uninterrupted, missed)
        async with following(b, tenant, last_id=before.last_id) as after:
            last = await talk.changes(5)
            await until_told(after, last)
            await until_told(uninterrupted, last)
    ready = after.named("ready")
    assert len(ready) == 1 and ready[0].id == str(missed)
    replayed = [(e.id, e.event, e.data) for e in after.events[: after.names.index("ready")] if e.id]
    assert replayed == [t for t in told(uninterrupted) if int(before.last_id) < int(t[0]) <= missed]
    assert len(replayed) == 5
    assert told(before) + told(after) == told(uninterrupted)
    assert [int(i) for i, _, _ in told(uninterrupted)] == talk.positions


async def test_a_follower_of_a_killed_api_process_resumes_on_its_restart_without_loss(
    cluster: Cluster,
) -> None:
    tenant = await create_tenant(cluster.deployment)
    a, b = cluster.a, cluster.b
    async with following(b, tenant) as uninterrupted, commands_to(b, tenant) as api:
        talk = Conversation(api)
        async with following(a, tenant) as before:
            await until_told(before, await talk.changes(4))
            await talk.changes(2)  # told or not when the process dies
            await a.kill()
            await until_ended(before)
        await talk.changes(4)
        await a.start()  # the same port, a new process
        async with following(a, tenant, last_id=before.last_id) as after:
            last = await talk.changes(4)
            await until_told(after, last)
            await until_told(uninterrupted, last)
    assert told(before) + told(after) == told(uninterrupted)
    assert [int(i) for i, _, _ in told(uninterrupted)] == talk.positions


async def test_a_killed_projector_and_its_successor_tell_every_change_once_in_log_order(
    cluster: Cluster,
) -> None:
    tenant = await create_tenant(cluster.deployment)
    a, projector = cluster.a, cluster.projector
    async with following(a, tenant) as follower, commands_to(a, tenant) as api:
        talk = Conversation(api)
        await until_told(follower, await talk.changes(6))
        await talk.changes(3)  # the projector perhaps in the middle of their batch when it dies
        conversation = asyncio.create_task(talk.changes(21))  # changes keep coming meanwhile
        await projector.kill()
        await projector.start()  # a new process in its place
        await conversation
        await until_told(follower, talk.positions[-1])
        log = await the_log(api)
    assert [(i, name) for i, name, _ in told(follower)] == log
    assert [int(i) for i, _, _ in told(follower)] == talk.positions
    assert not follower.named("reset")


async def test_the_embedded_server_killed_and_restarted_resumes_its_followers_without_loss(
    embedded: Deployment,
) -> None:
    tenant = await create_tenant(embedded)
    server = await embedded.serve("embedded").start()
    async with (
        contextlib.AsyncExitStack() as streams,
        following(server, tenant) as before,
        commands_to(server, tenant) as api,
    ):
        talk = Conversation(api)
        await until_told(before, await talk.changes(4))
        await talk.changes(3)  # perhaps not even projected when the process dies
        await server.kill()
        await until_ended(before)
        await server.start()
        # Every follower reconnects at once, as browsers do when their server comes back.
        reconnecting = [following(server, tenant, last_id=before.last_id) for _ in range(4)]
        resumed = await asyncio.gather(*(streams.enter_async_context(r) for r in reconnecting))
        last = await talk.changes(4)
        for after in resumed:
            await until_told(after, last)
        # What the live feed kept from the start: a follower that was never cut off.
        replay = await streams.enter_async_context(following(server, tenant, last_id="0"))
        await until_told(replay, last)
        log = await the_log(api)
        # A graceful stop ends every open stream (their clients would reconnect and resume). A
        # single uvicorn process re-raises the SIGTERM once it has shut down.
        assert await server.stop() in (0, -signal.SIGTERM)
        for follower in (*resumed, replay):
            await until_ended(follower)
        # Each stream finished its response: none was cut off by the shutdown.
        assert "without completing response" not in server.log.read_text()
    for after in resumed:
        assert told(before) + told(after) == told(replay)
    assert [(i, name) for i, name, _ in told(replay)] == log
    assert [int(i) for i, _, _ in told(replay)] == talk.positions
