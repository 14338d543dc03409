"""The projector's guarantees: exactly once, in order, resumable, and loud when an event fails."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.conftest import ActorFactory
from tests.integration.helpers import post, read_model_snapshot, run
from threadline.adapters.bus.in_process import InProcessBus
from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.adapters.sql.engine import open_database
from threadline.adapters.sql.projection_store import SqlProjectionStore, SqlProjectionTransaction
from threadline.application.commands.like_comment import like_comment
from threadline.application.ports.projection import ProjectionTransaction
from threadline.application.projection.context import Touched
from threadline.application.projection.prepared_pages import PagePreparer
from threadline.application.projection.projector import ProjectionFailed, ProjectionSignal, Projector
from threadline.application.queries.read_your_writes import wait_for_position
from threadline.bootstrap import Threadline
from threadline.domain.commands import LikeComment


class ProcessDied(Exception):
    """Stands for the process being killed at a chosen step."""


class DiesBeforeCheckpoint(SqlProjectionStore):
    """A projector whose process dies after applying a batch but before storing its checkpoint."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlProjectionTransaction]:
        async with super().transaction() as tx:

            async def die(name: str, position: int) -> None:
                raise ProcessDied()

            tx.set_checkpoint = die  # type: ignore[method-assign]
            yield tx


class FailingRenderer(ContentHtmlRenderer):
    def render(self, content: str, content_format: str) -> str:
        if "BOOM" in content:
            raise ValueError("renderer exploded")
        return super().render(content, content_format)


class DeafBus(InProcessBus):
    """A bus that loses every wake-up."""

    async def publish(self, position: int) -> None:
        return None


async def test_checkpoint_is_the_last_applied_event_batch_by_batch(
    container: Threadline, make_actor: ActorFactory
) -> None:
    for i in range(5):
        await post(container, make_actor(), f"comment {i}")
    positions = [e.position for e in await container.events.read_after(0, 10)]
    container.projector.batch_size = 2
    applied = []
    for _ in range(4):
        applied.append(await container.projector.run_once())
    assert applied == [2, 2, 1, 0]
    assert await container.reader.projection_position("comments") == positions[-1]


async def test_a_crash_before_the_checkpoint_loses_and_duplicates_nothing(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice, "liked a lot")
    for user in ("bob", "carol", "dave"):
        await run(container, make_actor(user), like_comment, LikeComment(comment_id))
    empty = await read_model_snapshot(container)

    doomed = Projector(
        container.events,
        DiesBeforeCheckpoint(container.read_db.writer),
        ContentHtmlRenderer(),
        None,
        ProjectionSignal(),
    )
    with pytest.raises(ProcessDied):
        await doomed.catch_up()
    assert await read_model_snapshot(container) == empty
    assert await container.reader.projection_position("comments") == 0

    assert await container.projector.catch_up() == 4
    node = await container.reader.by_id(alice.tenant_id, comment_id)
    assert node is not None and node.like_count == 3
    assert await container.projector.catch_up() == 0


async def test_a_failing_event_stops_the_projection_right_before_it_and_is_reported(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    first = await post(container, alice, "fine")
    await post(container, alice, "BOOM")
    third = await post(container, alice, "also fine")
    logged = await container.events.read_after(0, 10)
    container.projector.renderer = FailingRenderer()

    with pytest.raises(ProjectionFailed):
        await container.projector.catch_up()
    status = await container.projection_store.status("comments")
    assert status.position == logged[0].position
    assert status.failed_position == logged[1].position
    assert status.error is not None and "renderer exploded" in status.error
    assert await container.reader.by_id(alice.tenant_id, first) is not None
    assert await container.reader.by_id(alice.tenant_id, third) is None

    container.projector.renderer = ContentHtmlRenderer()
    assert await container.projector.catch_up() == 2
    healed = await container.projection_store.status("comments")
    assert healed.position == logged[-1].position and healed.error is None and healed.failed_position is None


class FailingPreparer(PagePreparer):
    """Cannot render the pages of one thread."""

    async def prepare(self, tx: ProjectionTransaction, touched: Touched) -> None:
        if any(entity_id == "cursed" for _, _, entity_id in touched.threads):
            raise RuntimeError("page rendering exploded")
        await super().prepare(tx, touched)


async def test_a_thread_whose_pages_fail_to_render_stops_the_projection_right_before_it(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    for n in range(5):
        await post(container, alice, f"fine {n}", entity=("post", f"p{n}"))
    await post(container, alice, "doomed", entity=("post", "cursed"))
    for n in range(5, 8):
        await post(container, alice, f"fine {n}", entity=("post", f"p{n}"))
    logged = await container.events.read_after(0, 20)
    healthy = container.projector.preparer
    container.projector.preparer = FailingPreparer(healthy.shape)

    for _ in range(len(logged)):  # each attempt keeps half of what it was given
        with pytest.raises(ProjectionFailed):
            await container.projector.catch_up()
        if (await container.projection_store.status("comments")).position == logged[4].position:
            break
    status = await container.projection_store.status("comments")
    assert status.position == logged[4].position  # every event before the failing one
    assert status.failed_position is not None and status.error is not None
    assert "page rendering exploded" in status.error

    container.projector.preparer = healthy
    assert await container.projector.catch_up() == 4
    assert (await container.projection_store.status("comments")).error is None


async def test_two_projector_instances_never_apply_an_event_twice(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    target = await post(container, alice, "popular")
    for i in range(30):
        await run(container, make_actor(f"fan-{i}"), like_comment, LikeComment(target))
        await post(container, make_actor(f"fan-{i}"), f"reply {i}", parent_id=target)
    second_db = open_database(container.settings.effective_read_database_url)
    twin = Projector(
        container.events,
        SqlProjectionStore(second_db.writer),
        ContentHtmlRenderer(),
        None,
        ProjectionSignal(),
        batch_size=4,
    )
    container.projector.batch_size = 4
    try:
        applied = await asyncio.gather(container.projector.catch_up(), twin.catch_up())
    finally:
        await second_db.dispose()
    assert sum(applied) == 61
    node = await container.reader.by_id(alice.tenant_id, target)
    assert node is not None and (node.like_count, node.reply_count) == (30, 30)


async def test_the_projector_catches_up_by_polling_when_every_wake_up_is_lost(
    container: Threadline, make_actor: ActorFactory
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(container.projector.run_forever(DeafBus(), 0.05, stop))
    try:
        await post(container, make_actor(), "nobody told the projector")
        head = await container.events.last_position()
        reached, position = await wait_for_position(head, container.reader, ProjectionSignal(), 3.0)
        assert reached and position == head
    finally:
        stop.set()
        await task


async def test_a_projector_started_after_commits_applies_them(
    container: Threadline, make_actor: ActorFactory
) -> None:
    for i in range(3):
        await post(container, make_actor(), f"before start {i}")
    container.settings.run_projector = True
    await container.start()
    head = await container.events.last_position()
    reached, _ = await wait_for_position(head, container.reader, container.signal, 3.0)
    assert reached


async def test_read_your_writes_reports_a_projection_that_did_not_catch_up(
    container: Threadline, make_actor: ActorFactory
) -> None:
    await post(container, make_actor(), "unprojected")
    head = await container.events.last_position()
    reached, position = await wait_for_position(head, container.reader, container.signal, 0.2)
    assert (reached, position) == (False, 0)
