"""The event log's batch append, on SQLite and PostgreSQL: many groups (tenants, aggregates) in
one transaction, positions in the batch's order without gaps, behind every committed position,
and all or nothing on a conflict.

The held-transaction tests are EVENT-LOG-NOTES §1 for batches: they fail if the batch stops
taking the log lock, or takes it after drawing its first position."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.conftest import ActorFactory
from tests.integration.helpers import held_writer, post, scalar
from threadline.adapters.sql.engine import open_database
from threadline.adapters.sql.event_log import PAGE_ROWS, SqlEventAppender
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.ports.write import EventGroup
from threadline.bootstrap import Threadline
from threadline.domain.commands import CreateComment
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import EventMetadata, PendingEvent, ThreadLocked


def locks(tenant_id: str, thread: str, versions: range, actor: str = "importer") -> EventGroup:
    """One group: versions of one thread-lock aggregate, as an importer would append them."""
    events = [
        PendingEvent(ThreadLocked("post", thread, "2026-01-01T00:00:00Z", f"v{v}"), f"lock/{thread}", v)
        for v in versions
    ]
    return EventGroup(tenant_id, events, EventMetadata(actor, "admin", str(uuid.uuid4()), str(uuid.uuid4())))


async def append_committed(container: Threadline, groups: list[EventGroup]) -> list[int]:
    async with container.write_db.writer.begin() as connection:
        return await SqlEventAppender(connection).append_batch(groups)


async def test_a_batch_of_many_tenants_and_aggregates_lands_in_its_order_without_gaps(
    container: Threadline, make_actor: ActorFactory
) -> None:
    await post(container, make_actor("alice"), "before")
    head = await container.events.last_position()
    groups = [
        locks("tenant-a", "t1", range(1, 3), actor="ann"),
        locks("tenant-b", "t1", range(1, 2), actor="bob"),
        locks("tenant-a", "t2", range(1, 4), actor="ann"),
    ]

    lasts = await append_committed(container, groups)

    logged = await container.events.read_after(head, 100)
    assert [e.position for e in logged] == list(range(head + 1, head + 7))
    assert lasts == [head + 2, head + 3, head + 6]
    assert [(e.tenant_id, e.aggregate_id, e.aggregate_version) for e in logged] == [
        ("tenant-a", "lock/t1", 1),
        ("tenant-a", "lock/t1", 2),
        ("tenant-b", "lock/t1", 1),
        ("tenant-a", "lock/t2", 1),
        ("tenant-a", "lock/t2", 2),
        ("tenant-a", "lock/t2", 3),
    ]
    assert [e.metadata["actor_id"] for e in logged] == ["ann", "ann", "bob", "ann", "ann", "ann"]
    assert logged[2].metadata["correlation_id"] == groups[1].metadata.correlation_id
    assert [e.payload["reason"] for e in logged[3:]] == ["v1", "v2", "v3"]


async def test_a_batch_larger_than_one_statement_keeps_its_order_across_statements(
    container: Threadline,
) -> None:
    size = 2 * PAGE_ROWS + 500
    groups = [locks("tenant-a", f"t{n}", range(1, 2)) for n in range(size)]

    lasts = await append_committed(container, groups)

    logged = await container.events.read_after(0, size + 1)
    assert [e.aggregate_id for e in logged] == [f"lock/t{n}" for n in range(size)]
    assert [e.position for e in logged] == lasts == list(range(1, size + 1))


async def test_a_version_already_in_the_log_rolls_the_whole_batch_back(container: Threadline) -> None:
    await append_committed(container, [locks("tenant-a", "taken", range(1, 2))])
    clashing = [
        locks("tenant-a", "fresh", range(1, PAGE_ROWS + 1)),  # a whole statement before the clash
        locks("tenant-a", "taken", range(1, 3)),
        locks("tenant-b", "fresh", range(1, 2)),
    ]

    with pytest.raises(ConcurrencyConflict):
        await append_committed(container, clashing)

    assert await scalar(container, "SELECT count(*) FROM events") == 1
    # The log carries on after the rollback, still in commit order.
    lasts = await append_committed(container, [locks("tenant-a", "taken", range(2, 3))])
    assert lasts[0] > 1
    assert [e.aggregate_version for e in await container.events.read_after(0, 10)] == [1, 2]


async def test_a_version_claimed_twice_within_one_batch_is_a_conflict(container: Threadline) -> None:
    twice = [locks("tenant-a", "t1", range(1, 3)), locks("tenant-a", "t1", range(2, 4))]

    with pytest.raises(ConcurrencyConflict):
        await append_committed(container, twice)

    assert await scalar(container, "SELECT count(*) FROM events") == 0


async def test_a_group_without_events_is_refused(container: Threadline) -> None:
    with pytest.raises(ValueError, match="without events"):
        await append_committed(
            container, [locks("tenant-a", "t1", range(1, 2)), locks("tenant-a", "t2", range(0))]
        )
    assert await scalar(container, "SELECT count(*) FROM events") == 0


async def test_a_command_waits_for_a_held_batch_and_lands_right_after_it(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """The batch appends (more than one statement) and holds its transaction: a command's append
    must wait, no reader or projector may see anything, and the command's event comes after the
    whole batch once it commits."""
    other = open_database(container.settings.database_url)
    appended, release = asyncio.Event(), asyncio.Event()
    size = PAGE_ROWS + 200
    groups = [locks("tenant-a", f"t{n}", range(1, 2)) for n in range(size)]

    async def held_batch() -> list[int]:
        async with other.writer.begin() as connection:
            try:
                lasts = await SqlEventAppender(connection).append_batch(groups)
            finally:
                appended.set()  # a failed append shows in the gather below instead of hanging
            await release.wait()
        return lasts

    batch = asyncio.create_task(held_batch())
    await appended.wait()
    assert not batch.done() or batch.result()
    command = asyncio.create_task(post(container, make_actor("alice"), "from the command"))
    done, _ = await asyncio.wait({command}, timeout=0.3)
    assert not done, "the command committed while the batch held the log"
    assert await container.events.read_after(0, 10) == []
    projecting = asyncio.create_task(container.projector.catch_up())

    release.set()
    lasts, _ = await asyncio.gather(batch, command)
    applied = await projecting + await container.projector.catch_up()
    logged = await container.events.read_after(0, size + 10)
    assert lasts == list(range(1, size + 1))
    assert [e.event_type for e in logged] == ["ThreadLocked"] * size + ["CommentCreated"]
    assert logged[-1].position == size + 1
    assert applied == size + 1
    assert await container.reader.projection_position("comments") == size + 1
    await other.dispose()


async def test_a_batch_waits_for_a_held_command_and_lands_after_it(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    held = held_writer(container)
    other, in_commit, release, held_runner = held.database, held.in_commit, held.release, held.runner
    command = asyncio.create_task(
        held_runner.run(
            create_comment,
            CreateComment(str(uuid.uuid4()), "post", "p1", "held command"),
            CommandContext(alice),
        )
    )
    await in_commit.wait()
    batch = asyncio.create_task(append_committed(container, [locks("tenant-a", "t1", range(1, 4))]))
    done, _ = await asyncio.wait({batch}, timeout=0.3)
    assert not done, "the batch committed while a command held the log"
    assert await container.events.read_after(0, 10) == []

    release.set()
    outcome, lasts = await asyncio.gather(command, batch)
    logged = await container.events.read_after(0, 10)
    assert [e.event_type for e in logged] == [
        "CommentCreated",
        "ThreadLocked",
        "ThreadLocked",
        "ThreadLocked",
    ]
    assert outcome.position == 1 and lasts == [4]
    await other.dispose()
