"""The shadow read model's contract: what a rebuild builds beside the served read model, and the
switch that makes it the served one, run against SQLite and PostgreSQL.

Readers never see a shadow before its switch; the switch is all or nothing, brings the shadow's
checkpoint, keeps what is not in the log (view totals, other projections' checkpoints), holds the
live projector off while the shadow takes its last batches, and a shadow a stopped rebuild left is
resumed, not lost.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.contracts.read_model_probe import ReadModel, sql_read_model, view_row
from threadline.application.ports.projection import ProjectionStore, ShadowReadModels
from threadline.bootstrap import Threadline

ACME = "tenant-acme"
NAME = "comment_views"
# How long the live projector is given to (wrongly) get past its checkpoint during a switch.
LOCK_GRACE_SECONDS = 0.3


async def project(store: ProjectionStore, position: int, *comment_ids: str, name: str = NAME) -> None:
    async with store.transaction() as tx:
        await tx.checkpoint(name)
        for comment_id in comment_ids:
            await tx.views.insert(view_row(ACME, comment_id))
        await tx.set_checkpoint(name, position)
        await tx.commit()


async def position(store: ProjectionStore, name: str = NAME) -> int:
    return (await store.status(name)).position


async def nothing() -> None:
    return None


class ShadowReadModelsContract:
    @pytest.fixture
    def read_model(self) -> ReadModel:
        raise NotImplementedError

    @pytest.fixture
    def shadows(self) -> ShadowReadModels:
        raise NotImplementedError

    async def test_a_shadow_is_not_served_until_it_is_switched_in(
        self, read_model: ReadModel, shadows: ShadowReadModels
    ) -> None:
        await project(read_model.store, 3, "served")
        shadow = await shadows.open(fresh=False)
        try:
            assert await position(shadow.store) == 0  # a new shadow starts from the beginning
            await project(shadow.store, 5, "rebuilt")
            assert await read_model.probe.comment(ACME, "rebuilt") is None
            assert await read_model.probe.comment(ACME, "served") is not None
            assert await position(read_model.store) == 3

            await shadow.switch_over(nothing)
        finally:
            await shadow.close()

        assert await read_model.probe.comment(ACME, "rebuilt") is not None
        assert await read_model.probe.comment(ACME, "served") is None
        assert await position(read_model.store) == 5  # the checkpoint comes with the tables

    async def test_the_switch_keeps_view_totals_and_other_projections(
        self, read_model: ReadModel, shadows: ShadowReadModels
    ) -> None:
        await project(read_model.store, 2, "c1")
        await project(read_model.store, 9, name="other")
        await read_model.store.add_views({(ACME, "c1"): 2})
        shadow = await shadows.open(fresh=False)
        try:
            async with shadow.store.transaction() as tx:
                assert await tx.views.counted_views(ACME, "c1") == 2  # a rebuild starts from the totals
                await tx.checkpoint(NAME)
                await tx.views.insert(view_row(ACME, "c1") | {"view_count": 2})
                await tx.set_checkpoint(NAME, 2)
                await tx.commit()
            await read_model.store.add_views({(ACME, "c1"): 3})  # counted while the shadow is built
            await shadow.switch_over(nothing)
        finally:
            await shadow.close()

        comment = await read_model.probe.comment(ACME, "c1")
        assert comment is not None and comment["view_count"] == 5
        assert await position(read_model.store, "other") == 9
        async with read_model.store.transaction() as tx:
            assert await tx.views.counted_views(ACME, "c1") == 5

    async def test_the_live_projector_waits_while_the_shadow_takes_its_last_batches(
        self, read_model: ReadModel, shadows: ShadowReadModels
    ) -> None:
        await project(read_model.store, 4, "served")
        shadow = await shadows.open(fresh=False)
        live_batch: asyncio.Task[None] | None = None
        got_past = False

        async def live_projector() -> None:
            nonlocal got_past
            async with read_model.store.transaction() as tx:
                await tx.checkpoint(NAME)
                got_past = True
                await tx.set_checkpoint(NAME, 6)
                await tx.commit()

        async def last_batches() -> None:
            nonlocal live_batch
            live_batch = asyncio.create_task(live_projector())
            await asyncio.sleep(LOCK_GRACE_SECONDS)
            assert not got_past, "the live projector moved while the shadow was being switched in"
            await project(shadow.store, 5, "rebuilt")

        try:
            await shadow.switch_over(last_batches)
        finally:
            await shadow.close()
        assert live_batch is not None
        await live_batch  # then it goes on, on the switched-in read model
        assert await position(read_model.store) == 6
        assert await read_model.probe.comment(ACME, "rebuilt") is not None

    async def test_a_failed_switch_changes_nothing_and_the_shadow_is_resumed(
        self, read_model: ReadModel, shadows: ShadowReadModels
    ) -> None:
        await project(read_model.store, 3, "served")
        shadow = await shadows.open(fresh=False)

        async def failing() -> None:
            await project(shadow.store, 7, "rebuilt")
            raise RuntimeError("the rebuild was stopped")

        try:
            with pytest.raises(RuntimeError):
                await shadow.switch_over(failing)
        finally:
            await shadow.close()
        assert await read_model.probe.comment(ACME, "served") is not None
        assert await read_model.probe.comment(ACME, "rebuilt") is None
        assert await position(read_model.store) == 3

        resumed = await shadows.open(fresh=False)
        try:
            assert await position(resumed.store) == 7
        finally:
            await resumed.close()
        fresh = await shadows.open(fresh=True)
        try:
            assert await position(fresh.store) == 0
            await fresh.switch_over(nothing)
        finally:
            await fresh.close()
        assert await read_model.probe.comment(ACME, "served") is None  # an empty log: an empty model


class TestSqliteShadowReadModels(ShadowReadModelsContract):
    @pytest.fixture
    def read_model(self, sqlite_threadline: Threadline) -> ReadModel:
        return sql_read_model(sqlite_threadline)

    @pytest.fixture
    def shadows(self, sqlite_threadline: Threadline) -> ShadowReadModels:
        assert sqlite_threadline.shadows is not None
        return sqlite_threadline.shadows


class TestPostgresShadowReadModels(ShadowReadModelsContract):
    @pytest.fixture
    def read_model(self, postgres_threadline: Threadline) -> ReadModel:
        return sql_read_model(postgres_threadline)

    @pytest.fixture
    def shadows(self, postgres_threadline: Threadline) -> ShadowReadModels:
        assert postgres_threadline.shadows is not None
        return postgres_threadline.shadows
