"""The read-model writers' contract (``CommentViewWriter``, ``ModerationViewWriter``), used inside
a projection transaction, run against SQLite and PostgreSQL.

Projections rely on counters moving by deltas (never blind writes), on idempotent like and
report sets (an event applied once more must not count twice), and on every change belonging
to one tenant's row. Effects the ports cannot read back are checked in the rows the query side
reads (``read_model_probe``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.contracts.read_model_probe import ReadModel, sql_read_model, view_row
from threadline.application.ports.projection import LockEntry, ProjectionTransaction, QueueEntry, ViewState
from threadline.bootstrap import Threadline

ACME, GLOBEX = "tenant-acme", "tenant-globex"
AT, LATER = "2026-01-01T00:00:00.000000Z", "2026-01-01T00:05:00.000000Z"


def queued(
    comment_id: str = "c1", *, seq: int = 10, pending: bool = False, tenant_id: str = ACME
) -> QueueEntry:
    return QueueEntry(tenant_id, comment_id, "post", "p1", "alice", seq, pending)


class Writers:
    """Shared fixtures: one transaction that is committed after each step of a test."""

    @pytest.fixture
    def read_model(self) -> ReadModel:
        raise NotImplementedError("each implementation provides its projection store")

    async def committed(self, read_model: ReadModel, *rows: dict[str, object]) -> None:
        async with read_model.store.transaction() as tx:
            for row in rows:
                await tx.views.insert(row)
            await tx.commit()


class CommentViewWriterContract(Writers):
    async def test_an_inserted_comment_reads_back_as_its_view_state(self, read_model: ReadModel) -> None:
        await self.committed(read_model, view_row(ACME, "c2", parent_id="c1"))

        async with read_model.store.transaction() as tx:
            assert await tx.views.get(ACME, "c2") == ViewState(
                tenant_id=ACME,
                id="c2",
                entity_type="post",
                entity_id="p1",
                parent_id="c1",
                status="ACTIVE",
                visible=True,
                reply_count=0,
                content="hello",
                content_format="markdown",
                owner_id="alice",
            )
            assert await tx.views.get(GLOBEX, "c2") is None
            assert await tx.views.get(ACME, "unknown") is None

    async def test_an_update_changes_the_named_columns_of_one_tenants_comment(
        self, read_model: ReadModel
    ) -> None:
        await self.committed(read_model, view_row(ACME, "c1"), view_row(GLOBEX, "c1"))

        async with read_model.store.transaction() as tx:
            await tx.views.update(ACME, "c1", {"status": "DELETED", "visible": False, "content": None})
            await tx.commit()

        acme, globex = (
            await read_model.probe.comment(ACME, "c1"),
            await read_model.probe.comment(GLOBEX, "c1"),
        )
        assert acme is not None and (acme["status"], acme["visible"], acme["content"]) == (
            "DELETED",
            False,
            None,
        )
        assert acme["author_name"] == "Alice"  # not named: untouched
        assert globex is not None and (globex["status"], globex["content"]) == ("ACTIVE", "hello")

    async def test_a_deleted_comment_is_gone_for_its_tenant_only(self, read_model: ReadModel) -> None:
        await self.committed(read_model, view_row(ACME, "c1"), view_row(GLOBEX, "c1"))

        async with read_model.store.transaction() as tx:
            await tx.views.delete(ACME, "c1")
            await tx.commit()

        assert await read_model.probe.comment(ACME, "c1") is None
        assert await read_model.probe.comment(GLOBEX, "c1") is not None

    async def test_reply_and_like_counts_move_by_their_deltas(self, read_model: ReadModel) -> None:
        await self.committed(read_model, view_row(ACME, "c1"), view_row(GLOBEX, "c1"))

        for delta in (1, 1, -1, 2):
            async with read_model.store.transaction() as tx:
                await tx.views.add_reply_count(ACME, "c1", delta)
                await tx.views.add_like_count(ACME, "c1", -delta)
                await tx.commit()

        async with read_model.store.transaction() as tx:
            state = await tx.views.get(ACME, "c1")
            assert state is not None and state.reply_count == 3
        acme, globex = (
            await read_model.probe.comment(ACME, "c1"),
            await read_model.probe.comment(GLOBEX, "c1"),
        )
        assert acme is not None and acme["like_count"] == -3
        assert globex is not None and (globex["reply_count"], globex["like_count"]) == (0, 0)

    async def test_a_like_is_added_and_removed_once_per_user(self, read_model: ReadModel) -> None:
        await self.committed(read_model, view_row(ACME, "c1"))

        async with read_model.store.transaction() as tx:
            assert await tx.views.add_like(ACME, "c1", "bob") is True
            assert await tx.views.add_like(ACME, "c1", "bob") is False
            assert await tx.views.add_like(ACME, "c1", "carol") is True
            assert await tx.views.add_like(GLOBEX, "c1", "bob") is True
            await tx.commit()
        async with read_model.store.transaction() as tx:
            assert await tx.views.remove_like(ACME, "c1", "bob") is True
            assert await tx.views.remove_like(ACME, "c1", "bob") is False
            assert await tx.views.remove_like(ACME, "c1", "nobody") is False
            await tx.commit()
        async with read_model.store.transaction() as tx:
            assert await tx.views.add_like(ACME, "c1", "carol") is False  # still there
            assert await tx.views.add_like(ACME, "c1", "bob") is True  # removed before

    async def test_purged_likes_are_gone_for_that_comment_only(self, read_model: ReadModel) -> None:
        async with read_model.store.transaction() as tx:
            for tenant_id, comment_id in ((ACME, "c1"), (ACME, "c2"), (GLOBEX, "c1")):
                await tx.views.add_like(tenant_id, comment_id, "bob")
            await tx.commit()

        async with read_model.store.transaction() as tx:
            await tx.views.purge_likes(ACME, "c1")
            await tx.commit()

        async with read_model.store.transaction() as tx:
            assert await tx.views.add_like(ACME, "c1", "bob") is True
            assert await tx.views.add_like(ACME, "c2", "bob") is False
            assert await tx.views.add_like(GLOBEX, "c1", "bob") is False

    async def test_edits_are_kept_in_position_order_until_purged(self, read_model: ReadModel) -> None:
        async with read_model.store.transaction() as tx:
            for position, previous, new in ((7, "v2", "v3"), (3, "v1", "v2")):
                await tx.views.add_edit(
                    {
                        "tenant_id": ACME,
                        "comment_id": "c1",
                        "position": position,
                        "previous_content": previous,
                        "new_content": new,
                        "editor_id": "alice",
                        "edited_at": AT,
                    }
                )
            await tx.commit()
        assert await read_model.probe.edits(ACME, "c1") == [(3, "v1", "v2"), (7, "v2", "v3")]

        async with read_model.store.transaction() as tx:
            await tx.views.purge_edits(ACME, "c1")
            await tx.commit()
        assert await read_model.probe.edits(ACME, "c1") == []

    async def test_thread_stats_start_at_the_first_adjustment_and_then_accumulate(
        self, read_model: ReadModel
    ) -> None:
        for comments, roots in ((1, 1), (1, 0), (-1, -1)):
            async with read_model.store.transaction() as tx:
                await tx.views.adjust_stats(ACME, "post", "p1", comments, roots)
                await tx.commit()

        assert await read_model.probe.stats(ACME, "p1") == (1, 0, False)
        assert await read_model.probe.stats(ACME, "p2") is None
        assert await read_model.probe.stats(GLOBEX, "p1") is None

    async def test_a_comment_is_searchable_from_indexing_until_removal(self, read_model: ReadModel) -> None:
        async with read_model.store.transaction() as tx:
            # A comment is indexed once its row exists: the row's created_seq places it in time.
            await tx.views.insert(view_row(ACME, "c1", seq=1))
            await tx.views.insert(view_row(GLOBEX, "c1", seq=2))
            await tx.views.index_for_search(ACME, "c1", "post", "p1", "hello world")
            await tx.views.index_for_search(GLOBEX, "c1", "post", "p1", "hello world")
            await tx.commit()
        assert await read_model.probe.searchable(ACME, "c1")

        async with read_model.store.transaction() as tx:
            await tx.views.remove_from_search(ACME, "c1")
            await tx.commit()

        assert not await read_model.probe.searchable(ACME, "c1")
        assert await read_model.probe.searchable(GLOBEX, "c1")

    async def test_writes_left_without_commit_are_discarded(self, read_model: ReadModel) -> None:
        async with read_model.store.transaction() as tx:
            await tx.views.insert(view_row(ACME, "c1"))
            await tx.views.add_like(ACME, "c1", "bob")
            await tx.views.adjust_stats(ACME, "post", "p1", 1, 1)
            await tx.views.index_for_search(ACME, "c1", "post", "p1", "hello")

        assert await read_model.probe.comment(ACME, "c1") is None
        assert await read_model.probe.stats(ACME, "p1") is None
        assert not await read_model.probe.searchable(ACME, "c1")
        async with read_model.store.transaction() as tx:
            assert await tx.views.add_like(ACME, "c1", "bob") is True


class ModerationViewWriterContract(Writers):
    async def enqueued(self, read_model: ReadModel, item: QueueEntry, reported_at: str | None) -> None:
        async with read_model.store.transaction() as tx:
            await tx.moderation.enqueue(item, reported_at=reported_at)
            await tx.commit()

    async def test_a_pending_comment_is_queued_once_with_no_reports(self, read_model: ReadModel) -> None:
        await self.enqueued(read_model, queued(pending=True), None)
        await self.enqueued(read_model, queued(pending=True, seq=99), None)  # applied again

        entry = await read_model.probe.queued(ACME, "c1")
        assert entry is not None
        assert (entry["pending"], entry["report_count"], entry["last_reported_at"]) == (True, 0, None)
        assert entry["queued_seq"] == 10 and entry["owner_id"] == "alice"

    async def test_each_report_counts_once_more_and_keeps_the_comments_place_in_the_queue(
        self, read_model: ReadModel
    ) -> None:
        await self.enqueued(read_model, queued(seq=10), AT)
        await self.enqueued(read_model, queued(seq=20), LATER)
        await self.enqueued(read_model, queued(seq=5, tenant_id=GLOBEX), AT)

        entry = await read_model.probe.queued(ACME, "c1")
        assert entry is not None
        assert (entry["report_count"], entry["last_reported_at"], entry["queued_seq"]) == (2, LATER, 10)
        other = await read_model.probe.queued(GLOBEX, "c1")
        assert other is not None and other["report_count"] == 1

    async def test_a_dequeued_comment_leaves_the_queue_of_its_tenant_only(
        self, read_model: ReadModel
    ) -> None:
        await self.enqueued(read_model, queued(), AT)
        await self.enqueued(read_model, queued(tenant_id=GLOBEX), AT)

        async with read_model.store.transaction() as tx:
            await tx.moderation.dequeue(ACME, "c1")
            await tx.commit()

        assert await read_model.probe.queued(ACME, "c1") is None
        assert await read_model.probe.queued(GLOBEX, "c1") is not None

    async def test_open_reports_are_kept_once_per_user_until_cleared(self, read_model: ReadModel) -> None:
        async with read_model.store.transaction() as tx:
            for user_id in ("bob", "carol", "bob"):
                await tx.moderation.add_report(ACME, "c1", user_id, "rude", AT)
            await tx.moderation.add_report(GLOBEX, "c1", "bob", None, AT)
            await tx.commit()
        assert await read_model.probe.reporters(ACME, "c1") == ["bob", "carol"]

        async with read_model.store.transaction() as tx:
            await tx.moderation.clear_reports(ACME, "c1")
            await tx.commit()

        assert await read_model.probe.reporters(ACME, "c1") == []
        assert await read_model.probe.reporters(GLOBEX, "c1") == ["bob"]

    async def test_a_ban_is_replaced_by_the_next_and_gone_once_lifted(self, read_model: ReadModel) -> None:
        async def change(step: Callable[[ProjectionTransaction], Awaitable[None]]) -> None:
            async with read_model.store.transaction() as tx:
                await step(tx)
                await tx.commit()

        async def first(tx: ProjectionTransaction) -> None:
            await tx.moderation.set_ban(ACME, "mallory", "spam", None, "moderator", AT)
            await tx.moderation.set_ban(GLOBEX, "mallory", "spam", None, "moderator", AT)

        async def second(tx: ProjectionTransaction) -> None:
            await tx.moderation.set_ban(
                ACME, "mallory", "again", "2026-02-01T00:00:00.000000Z", "admin", LATER
            )

        await change(first)
        await change(second)
        ban = await read_model.probe.ban(ACME, "mallory")
        assert ban is not None
        assert (ban["reason"], ban["expires_at"], ban["banned_by"], ban["banned_at"]) == (
            "again",
            "2026-02-01T00:00:00.000000Z",
            "admin",
            LATER,
        )

        async def lift(tx: ProjectionTransaction) -> None:
            await tx.moderation.lift_ban(ACME, "mallory")

        await change(lift)
        assert await read_model.probe.ban(ACME, "mallory") is None
        assert await read_model.probe.ban(GLOBEX, "mallory") is not None

    async def test_locking_a_thread_keeps_its_counts_and_files_who_locked_it(
        self, read_model: ReadModel
    ) -> None:
        first, again = LockEntry("flame war", "mod", AT, 7), LockEntry(None, "admin", LATER, 9)
        async with read_model.store.transaction() as tx:
            await tx.views.adjust_stats(ACME, "post", "p1", 3, 2)
            await tx.moderation.set_thread_locked(ACME, "post", "p1", first)
            await tx.moderation.set_thread_locked(ACME, "post", "p2", again)  # no comments yet
            await tx.commit()

        assert await read_model.probe.stats(ACME, "p1") == (3, 2, True)
        assert await read_model.probe.stats(ACME, "p2") == (0, 0, True)
        assert await read_model.probe.stats(GLOBEX, "p1") is None
        assert await read_model.probe.lock(ACME, "p1") == {
            "reason": "flame war",
            "locked_by": "mod",
            "locked_at": AT,
            "locked_seq": 7,
        }
        assert await read_model.probe.lock(GLOBEX, "p1") is None

        async with read_model.store.transaction() as tx:
            await tx.moderation.set_thread_locked(ACME, "post", "p1", None)
            await tx.moderation.set_thread_locked(ACME, "post", "p2", LockEntry("again", "mod", LATER, 11))
            await tx.commit()
        assert await read_model.probe.stats(ACME, "p1") == (3, 2, False)
        assert await read_model.probe.lock(ACME, "p1") is None
        assert (await read_model.probe.lock(ACME, "p2") or {})["locked_seq"] == 11


class TestSqliteCommentViewWriter(CommentViewWriterContract):
    @pytest.fixture
    def read_model(self, sqlite_threadline: Threadline) -> ReadModel:
        return sql_read_model(sqlite_threadline)


class TestPostgresCommentViewWriter(CommentViewWriterContract):
    @pytest.fixture
    def read_model(self, postgres_threadline: Threadline) -> ReadModel:
        return sql_read_model(postgres_threadline)


class TestSqliteModerationViewWriter(ModerationViewWriterContract):
    @pytest.fixture
    def read_model(self, sqlite_threadline: Threadline) -> ReadModel:
        return sql_read_model(sqlite_threadline)


class TestPostgresModerationViewWriter(ModerationViewWriterContract):
    @pytest.fixture
    def read_model(self, postgres_threadline: Threadline) -> ReadModel:
        return sql_read_model(postgres_threadline)
