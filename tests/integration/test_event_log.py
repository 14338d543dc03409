"""The event log's invariants on SQLite: atomic with the write model, ordered by commit, append-only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ActorFactory
from tests.integration.helpers import cached_text, held_writer, post, run, scalar, stored_text
from threadline.adapters.sql.schema import comments, events
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment
from threadline.application.commands.update_comment import update_comment
from threadline.bootstrap import Threadline
from threadline.domain.commands import (
    ContentFormat,
    CreateComment,
    HardDeleteComment,
    LikeComment,
    UpdateComment,
)
from threadline.domain.errors import ConcurrencyConflict, ParentNotFound
from threadline.domain.identity import Role


async def test_every_accepted_command_appends_its_event_with_metadata(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice, "first")
    outcome = await run(container, alice, update_comment, UpdateComment(comment_id, "second"))

    stored = await container.events.read_after(0, 10)
    assert [e.event_type for e in stored] == ["CommentCreated", "CommentUpdated"]
    assert [e.aggregate_version for e in stored] == [1, 2]
    assert outcome.position == stored[-1].position
    created = stored[0]
    assert created.tenant_id == alice.tenant_id and created.aggregate_id == comment_id
    assert created.schema_version == 1
    assert created.payload["content"] == "first"
    assert created.metadata["actor_id"] == "alice" and created.metadata["actor_role"] == "user"
    assert created.metadata["correlation_id"] and created.metadata["causation_id"]


async def test_a_rejected_command_changes_nothing(container: Threadline, make_actor: ActorFactory) -> None:
    alice = make_actor("alice")
    await post(container, alice)
    before = await scalar(container, "SELECT count(*) FROM events")
    with pytest.raises(ParentNotFound):
        await post(container, alice, parent_id="00000000-0000-4000-8000-000000000000")
    assert await scalar(container, "SELECT count(*) FROM events") == before
    assert await scalar(container, "SELECT count(*) FROM comments") == 1


async def test_event_insert_failure_rolls_back_the_write_model(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """The comment row and its event commit together: a clash on the event rolls back the row."""
    alice = make_actor("alice")
    comment_id = await post(container, alice, "v1")
    # Pretend another writer already took version 2 of this comment in the log.
    async with container.write_db.writer.begin() as connection:
        await connection.execute(
            events.insert().values(
                event_id="clash",
                tenant_id=alice.tenant_id,
                aggregate_id=comment_id,
                aggregate_version=2,
                comment_id=comment_id,
                event_type="CommentUpdated",
                schema_version=1,
                payload={},
                metadata={},
                actor_id="x",
                recorded_at="2026-01-01T00:00:00Z",
            )
        )
    container.runner.retries = 1
    with pytest.raises(ConcurrencyConflict):
        await run(container, alice, update_comment, UpdateComment(comment_id, "v2"))
    async with container.write_db.reader.connect() as connection:
        row = (await connection.execute(sa.select(comments.c.content, comments.c.version))).one()
    assert tuple(row) == ("v1", 1)


async def test_aggregate_versions_are_unique_under_concurrent_edits(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice, "v0")
    await asyncio.gather(
        *(run(container, alice, update_comment, UpdateComment(comment_id, f"v{i}")) for i in range(1, 21))
    )
    versions = [
        e.aggregate_version for e in await container.events.read_after(0, 100) if e.aggregate_id == comment_id
    ]
    assert versions == list(range(1, 22))


async def test_positions_follow_commit_order_while_a_writer_holds_its_transaction(
    container: Threadline, settings: object, make_actor: ActorFactory, tmp_path: Path
) -> None:
    """EVENT-LOG-NOTES §1: writer A appends and holds its transaction open; writer B must not
    commit a later position first, and a reader must see neither until A commits."""
    alice = make_actor("alice")
    held = held_writer(container)
    other, in_commit, release, held_runner = held.database, held.in_commit, held.release, held.runner
    a = asyncio.create_task(
        held_runner.run(
            create_comment,
            CreateComment("00000000-0000-4000-8000-00000000000a", "post", "p1", "from A"),
            CommandContext(alice),
        )
    )
    await in_commit.wait()
    b = asyncio.create_task(post(container, alice, "from B"))
    done, _ = await asyncio.wait({b}, timeout=0.3)
    assert not done, "B committed while A held the log"
    assert await container.events.read_after(0, 10) == []
    # SQLite has one writer: the projector queues behind A too, and can never pass over A's event.
    projecting = asyncio.create_task(container.projector.catch_up())

    release.set()
    await asyncio.gather(a, b)
    applied = await projecting + await container.projector.catch_up()
    logged = await container.events.read_after(0, 10)
    assert [e.payload["content"] for e in logged] == ["from A", "from B"]
    assert applied == 2
    assert await container.reader.projection_position("comments") == logged[-1].position
    await other.dispose()


async def test_hard_delete_keeps_log_rows_and_positions_but_not_the_words(
    container: Threadline, make_actor: ActorFactory, tmp_path: Path
) -> None:
    alice, admin = make_actor("alice"), make_actor("root", Role.ADMIN)
    secret = "my-very-private-sentence"
    comment_id = await post(container, alice, f"{secret} v1", content_format=ContentFormat.MARKDOWN)
    await run(container, alice, update_comment, UpdateComment(comment_id, f"{secret} v2"))
    await run(container, make_actor("bob"), like_comment, LikeComment(comment_id))
    await container.projector.catch_up()
    positions_before = [e.position for e in await container.events.read_after(0, 100)]
    assert secret in await stored_text(container)  # the search below would find it if it stayed

    await run(container, admin, hard_delete_comment, HardDeleteComment(comment_id, "legal request"))
    await container.projector.catch_up()

    logged = await container.events.read_after(0, 100)
    assert [e.position for e in logged][:-1] == positions_before
    assert logged[-1].event_type == "CommentHardDeleted"
    assert logged[-1].payload["reason"] == "legal request" and logged[-1].metadata["actor_id"] == "root"
    dump = await stored_text(container) + await cached_text(container)
    assert secret not in dump
    assert "Alice" not in dump  # the author's display name is personal data too
    assert await scalar(container, "SELECT count(*) FROM comment_likes") == 0
