"""The projection store's contract: checkpoints, their lock, failures and view counts,
run against SQLite and PostgreSQL (the only implementations: unit tests drive no projector).

A checkpoint moves in the same transaction as the read-model change it covers, so a crash
between the two is impossible; reading it takes a lock, so a second projector instance waits
and then starts from where the first one stopped instead of applying the same events again.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.contracts.read_model_probe import ReadModel, sql_read_model, view_row
from threadline.bootstrap import Threadline

ACME, GLOBEX = "tenant-acme", "tenant-globex"
NAME = "comment_views"
# How long a second transaction is given to (wrongly) get past a checkpoint another one holds.
LOCK_GRACE_SECONDS = 0.3


class ProjectionStoreContract:
    @pytest.fixture
    def read_model(self) -> ReadModel:
        raise NotImplementedError("each implementation provides its projection store")

    async def checkpoint(self, read_model: ReadModel, name: str = NAME) -> int:
        async with read_model.store.transaction() as tx:
            return await tx.checkpoint(name)

    async def move(self, read_model: ReadModel, position: int, name: str = NAME) -> None:
        async with read_model.store.transaction() as tx:
            await tx.checkpoint(name)
            await tx.set_checkpoint(name, position)
            await tx.commit()

    async def test_a_new_projection_starts_at_position_zero(self, read_model: ReadModel) -> None:
        status = await read_model.store.status(NAME)
        assert (status.name, status.position, status.failed_position, status.error) == (NAME, 0, None, None)
        assert await self.checkpoint(read_model) == 0

    async def test_a_checkpoint_moves_with_the_commit_of_its_transaction(self, read_model: ReadModel) -> None:
        await self.move(read_model, 5)

        assert await self.checkpoint(read_model) == 5
        status = await read_model.store.status(NAME)
        assert status.position == 5 and status.updated_at

    async def test_a_transaction_left_without_commit_moves_neither_checkpoint_nor_views(
        self, read_model: ReadModel
    ) -> None:
        async with read_model.store.transaction() as tx:
            await tx.checkpoint(NAME)
            await tx.views.insert(view_row(ACME, "c1"))
            await tx.set_checkpoint(NAME, 5)

        assert await self.checkpoint(read_model) == 0
        async with read_model.store.transaction() as tx:
            assert await tx.views.get(ACME, "c1") is None

    async def second_waits_for_first(self, read_model: ReadModel, start: int) -> None:
        second_started = asyncio.Event()

        async def second_projector() -> int:
            second_started.set()
            return await self.checkpoint(read_model)

        async with read_model.store.transaction() as first:
            assert await first.checkpoint(NAME) == start
            second = asyncio.create_task(second_projector())
            await second_started.wait()
            done, _ = await asyncio.wait({second}, timeout=LOCK_GRACE_SECONDS)
            assert not done, "the second projector read the checkpoint while the first held it"
            await first.set_checkpoint(NAME, 7)
            await first.commit()

        assert await asyncio.wait_for(second, 10) == 7

    async def test_a_second_projector_waits_for_the_checkpoint_and_sees_where_the_first_stopped(
        self, read_model: ReadModel
    ) -> None:
        await self.move(read_model, 2)
        await self.second_waits_for_first(read_model, 2)

    async def test_two_new_projectors_wait_for_each_other_too(self, read_model: ReadModel) -> None:
        """No checkpoint row yet: both must still lock the same one, not nothing."""
        await self.second_waits_for_first(read_model, 0)

    async def test_checkpoints_are_kept_per_projection(self, read_model: ReadModel) -> None:
        await self.move(read_model, 5, "one")
        await self.move(read_model, 9, "two")

        assert await self.checkpoint(read_model, "one") == 5
        assert await self.checkpoint(read_model, "two") == 9

    async def test_a_failure_shows_in_the_status_until_the_checkpoint_reaches_it(
        self, read_model: ReadModel
    ) -> None:
        await self.move(read_model, 3)
        await read_model.store.record_failure(NAME, 4, "ValueError: bad payload")

        status = await read_model.store.status(NAME)
        assert (status.position, status.failed_position, status.error) == (3, 4, "ValueError: bad payload")
        await self.move(read_model, 3)
        assert (await read_model.store.status(NAME)).failed_position == 4
        await self.move(read_model, 4)
        status = await read_model.store.status(NAME)
        assert (status.position, status.failed_position, status.error) == (4, None, None)

    async def test_a_failure_before_the_first_commit_still_shows_in_the_status(
        self, read_model: ReadModel
    ) -> None:
        """A new projection whose very first event fails has rolled back the transaction that
        made its checkpoint: the failure must not vanish with it."""
        async with read_model.store.transaction() as tx:
            await tx.checkpoint(NAME)  # rolled back: the batch failed

        await read_model.store.record_failure(NAME, 1, "LookupError: unknown event type")

        status = await read_model.store.status(NAME)
        assert (status.position, status.failed_position, status.error) == (
            0,
            1,
            "LookupError: unknown event type",
        )
        assert await self.checkpoint(read_model) == 0

    async def test_added_views_accumulate_in_the_read_model_and_in_the_totals_a_rebuild_keeps(
        self, read_model: ReadModel
    ) -> None:
        async with read_model.store.transaction() as tx:
            await tx.views.insert(view_row(ACME, "c1"))
            await tx.views.insert(view_row(GLOBEX, "c1"))
            await tx.commit()

        await read_model.store.add_views({(ACME, "c1"): 2})
        await read_model.store.add_views({(ACME, "c1"): 3, (GLOBEX, "c1"): 1, (ACME, "gone"): 4})

        acme, globex = (
            await read_model.probe.comment(ACME, "c1"),
            await read_model.probe.comment(GLOBEX, "c1"),
        )
        assert acme is not None and acme["view_count"] == 5
        assert globex is not None and globex["view_count"] == 1
        async with read_model.store.transaction() as tx:
            assert await tx.views.counted_views(ACME, "c1") == 5
            assert await tx.views.counted_views(ACME, "gone") == 4  # not projected yet: kept for it
            assert await tx.views.counted_views(GLOBEX, "nothing") == 0

    async def test_adding_no_views_changes_nothing(self, read_model: ReadModel) -> None:
        await read_model.store.add_views({})
        async with read_model.store.transaction() as tx:
            assert await tx.views.counted_views(ACME, "c1") == 0


class TestSqliteProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def read_model(self, sqlite_threadline: Threadline) -> ReadModel:
        return sql_read_model(sqlite_threadline)


class TestPostgresProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def read_model(self, postgres_threadline: Threadline) -> ReadModel:
        return sql_read_model(postgres_threadline)
