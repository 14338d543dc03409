"""The live feed's contract (``SqlLiveFeedWriter`` in the projector's batch transaction, and
``SqlLiveFeed`` for resuming streams and hubs that missed batches), on SQLite and PostgreSQL.

What a resumed stream reads must be exactly what a live one was sent: the same messages, in log
order, of its thread or tenant alone, the same bytes. The horizon says from where on that holds:
set by the first batch ever kept, moved past what retention prunes; an erased comment's earlier
messages are gone from the feed so a resume never brings its words back.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from threadline.adapters.sql.live_feed import SqlLiveFeed
from threadline.application.ports.live import Audience, LiveMessage
from threadline.application.projection.projector import COMMENTS_PROJECTION
from threadline.bootstrap import Threadline

ACME, GLOBEX = "tenant-acme", "tenant-globex"
P1, P2 = ("post", "p1"), ("post", "p2")


def message(
    position: int,
    *,
    tenant_id: str = ACME,
    thread: tuple[str, str] = P1,
    comment_id: str | None = None,
    event: str = "comment.created",
    audience: Audience = "public",
    author_id: str | None = None,
    data: bytes | None = None,
) -> LiveMessage:
    comment = comment_id if comment_id is not None else f"c{position}"
    return LiveMessage(
        position,
        tenant_id,
        *thread,
        event,
        audience,
        author_id,
        comment,
        data if data is not None else b'{"id":"%s"}' % comment.encode(),
    )


def positions(messages: Sequence[LiveMessage]) -> list[int]:
    return [m.position for m in messages]


class LiveFeedContract:
    @pytest.fixture
    def threadline(self) -> Threadline:
        raise NotImplementedError("each backend provides its store")

    @pytest.fixture
    def feed(self, threadline: Threadline) -> SqlLiveFeed:
        return SqlLiveFeed(threadline.read_db.reader, COMMENTS_PROJECTION)

    async def record(
        self,
        threadline: Threadline,
        messages: Sequence[LiveMessage],
        *,
        after: int,
        through: int | None = None,
        at: float = 1000.0,
        commit: bool = True,
    ) -> None:
        """One projector batch: its messages kept and the checkpoint moved, in one transaction."""
        async with threadline.projection_store.transaction() as tx:
            await tx.checkpoint(COMMENTS_PROJECTION)
            await tx.live.record(messages, after=after, recorded_at=at)
            last = through if through is not None else (messages[-1].position if messages else after)
            await tx.set_checkpoint(COMMENTS_PROJECTION, last)
            if commit:
                await tx.commit()

    async def prune(self, threadline: Threadline, recorded_before: float) -> int:
        async with threadline.projection_store.transaction() as tx:
            horizon = await tx.live.prune(recorded_before=recorded_before)
            await tx.commit()
        return horizon

    async def forget(self, threadline: Threadline, tenant_id: str, comment_id: str, before: int) -> None:
        async with threadline.projection_store.transaction() as tx:
            await tx.live.forget_comment(tenant_id, comment_id, before=before)
            await tx.commit()

    async def test_a_feed_nothing_was_kept_in_may_be_resumed_only_from_the_projections_head(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        assert (await feed.horizon(), await feed.head()) == (0, 0)
        assert await feed.read_after(ACME, 0, thread=None) == []

        async with threadline.projection_store.transaction() as tx:
            await tx.checkpoint(COMMENTS_PROJECTION)
            await tx.set_checkpoint(COMMENTS_PROJECTION, 7)  # a projection from before the feed
            await tx.commit()

        assert (await feed.horizon(), await feed.head()) == (7, 7)

    async def test_what_a_batch_keeps_is_read_back_whole_and_byte_for_byte(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        kept = [
            message(1, data='{"content":"smörgåsbord 🥪 «ok»","n":1.50}'.encode()),
            message(2, event="comment.liked", audience="author", author_id="alice"),
            message(3, thread=("", ""), comment_id="", event="user.banned", audience="moderators"),
        ]
        await self.record(threadline, kept, after=0)

        assert await feed.read_after(ACME, 0, thread=None) == kept
        assert await feed.head() == 3

    async def test_a_batch_whose_transaction_is_not_committed_keeps_nothing(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(threadline, [message(1)], after=0)
        await self.record(threadline, [message(2), message(3)], after=1, commit=False)

        assert positions(await feed.read_after(ACME, 0, thread=None)) == [1]
        assert await feed.head() == 1

    async def test_a_thread_reads_its_own_messages_and_a_tenant_every_one_of_its_own(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(
            threadline,
            [
                message(1),
                message(2, thread=P2),
                message(3, tenant_id=GLOBEX),
                message(4, thread=("", ""), comment_id="", event="user.banned"),
                message(5),
                message(6, thread=("video", "p1")),
            ],
            after=0,
        )
        await self.record(threadline, [message(8), message(9, thread=P2)], after=6)

        assert positions(await feed.read_after(ACME, 0, thread=P1)) == [1, 5, 8]
        assert positions(await feed.read_after(ACME, 1, thread=P1)) == [5, 8]
        assert positions(await feed.read_after(ACME, 0, thread=None)) == [1, 2, 4, 5, 6, 8, 9]
        assert positions(await feed.read_after(GLOBEX, 0, thread=P1)) == [3]
        assert await feed.read_after(GLOBEX, 3, thread=None) == []

    async def test_reading_after_a_position_stops_at_through_and_at_the_limit(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(threadline, [message(p) for p in range(1, 11)], after=0)

        assert positions(await feed.read_after(ACME, 2, thread=P1, through=6)) == [3, 4, 5, 6]
        assert positions(await feed.read_after(ACME, 2, thread=None, through=6, limit=2)) == [3, 4]
        assert positions(await feed.read_after(ACME, 6, thread=P1, through=6)) == []
        assert positions(await feed.read_after(ACME, 8, thread=P1, limit=100)) == [9, 10]

    async def test_a_range_is_read_across_every_tenant_in_log_order(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(
            threadline,
            [message(1), message(2, tenant_id=GLOBEX), message(3, thread=P2), message(4, tenant_id=GLOBEX)],
            after=0,
        )
        await self.record(threadline, [message(6)], after=4)

        assert positions(await feed.read_range(0, 6)) == [1, 2, 3, 4, 6]
        assert positions(await feed.read_range(1, 4)) == [2, 3, 4]
        assert positions(await feed.read_range(1, 6, limit=2)) == [2, 3]
        assert await feed.read_range(6, 10) == []

    async def test_the_first_batch_ever_kept_sets_the_horizon_and_later_ones_leave_it(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(threadline, [], after=40, through=42)  # a batch with no live messages
        await self.record(threadline, [message(43)], after=42)
        await self.record(threadline, [message(45)], after=43, through=46)

        assert await feed.horizon() == 40
        assert await feed.head() == 46

    async def test_pruning_drops_what_was_kept_before_the_moment_and_moves_the_horizon_past_it(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(threadline, [message(1), message(2, tenant_id=GLOBEX)], after=0, at=100.0)
        await self.record(threadline, [message(4)], after=2, through=4, at=110.0)
        await self.record(threadline, [message(5), message(6)], after=4, at=200.0)

        assert await self.prune(threadline, recorded_before=150.0) == 4

        assert await feed.horizon() == 4
        assert positions(await feed.read_range(0, 6)) == [5, 6]
        assert positions(await feed.read_after(ACME, 0, thread=P1)) == [5, 6]
        assert await self.prune(threadline, recorded_before=150.0) == 4  # nothing more to drop
        assert await feed.horizon() == 4
        assert await self.prune(threadline, recorded_before=1000.0) == 6
        assert (await feed.horizon(), await feed.read_range(0, 6)) == (6, [])

    async def test_forgetting_a_comment_drops_its_earlier_messages_and_nothing_else(
        self, threadline: Threadline, feed: SqlLiveFeed
    ) -> None:
        await self.record(
            threadline,
            [
                message(1, comment_id="secret"),
                message(2, comment_id="other"),
                message(3, comment_id="secret", event="comment.updated"),
                message(4, comment_id="secret", tenant_id=GLOBEX),  # the same id elsewhere
            ],
            after=0,
        )
        await self.record(
            threadline, [message(5, comment_id="secret", event="comment.hard_deleted")], after=4
        )

        await self.forget(threadline, ACME, "secret", before=5)

        kept = await feed.read_after(ACME, 0, thread=P1)
        assert [(m.position, m.comment_id, m.event) for m in kept] == [
            (2, "other", "comment.created"),
            (5, "secret", "comment.hard_deleted"),
        ]
        assert positions(await feed.read_after(GLOBEX, 0, thread=None)) == [4]
        assert await feed.horizon() == 0  # forgetting is no pruning: every other message is kept


class TestSqliteLiveFeed(LiveFeedContract):
    @pytest.fixture
    def threadline(self, sqlite_threadline: Threadline) -> Threadline:
        return sqlite_threadline


class TestPostgresLiveFeed(LiveFeedContract):
    @pytest.fixture
    def threadline(self, postgres_threadline: Threadline) -> Threadline:
        return postgres_threadline
