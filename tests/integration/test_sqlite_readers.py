"""The embedded default's reader connections: reads run on them, see every commit at once, and
never wait for a writer that holds the write lock (WAL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import ActorFactory
from tests.integration.helpers import post
from threadline.adapters.sql.schema import comment_view
from threadline.bootstrap import Threadline


async def test_a_read_sees_a_commit_at_once_and_never_waits_for_a_held_write_lock(
    container: Threadline, make_actor: ActorFactory
) -> None:
    if container.read_db.sqlite_readers is None:
        pytest.skip("the reader connections of the embedded default")
    alice = make_actor("alice")
    comment_id = await post(container, alice, "before")
    await container.projector.catch_up()
    assert (await container.reader.by_ids(alice.tenant_id, [comment_id]))[0].content == "before"

    async with container.read_db.writer.begin() as connection:  # BEGIN IMMEDIATE: the write lock
        await connection.execute(
            comment_view.update().where(comment_view.c.id == comment_id).values(content="uncommitted")
        )
        # Answered while the lock is held (a blocked read would wait out the busy timeout), from
        # the last commit.
        [row] = await container.reader.by_ids(alice.tenant_id, [comment_id])
        assert row.content == "before"
        await connection.commit()

    [row] = await container.reader.by_ids(alice.tenant_id, [comment_id])
    assert row.content == "uncommitted"


async def test_booleans_come_back_as_booleans_on_every_path(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """sqlite3 answers 0 and 1; the rows (and the pages serialized from them) say false and true."""
    alice = make_actor("alice")
    comment_id = await post(container, alice, "pinned soon")
    await container.projector.catch_up()
    async with container.read_db.writer.begin() as connection:
        await connection.execute(
            comment_view.update().where(comment_view.c.id == comment_id).values(is_pinned=sa.true())
        )
    [row] = await container.reader.by_ids(alice.tenant_id, [comment_id])
    assert row.is_pinned is True and row.is_edited is False
    [node] = await container.reader.page(alice.tenant_id, "post", "p1", None, "newest", None, 0, 5)
    assert node.is_pinned is True and node.is_edited is False
