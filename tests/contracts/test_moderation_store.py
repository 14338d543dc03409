"""The moderation write model's contract (``ModerationStore``), run against SQLite, PostgreSQL
and the in-memory fake the unit tests use.

One report per user per comment, ever (a dismissed report does not open the door again); bans
and thread locks change only by compare-and-set on their version, version 0 meaning "new".
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.fakes import FakeDatabase
from threadline.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from threadline.application.ports.write import UnitOfWorkFactory
from threadline.bootstrap import Threadline
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.moderation import Ban, ThreadLock

AT, LATER = "2026-01-01T00:00:00.000000Z", "2026-01-01T00:05:00.000000Z"
ACME, GLOBEX = "tenant-acme", "tenant-globex"


def ban(tenant_id: str = ACME, user_id: str = "mallory", *, version: int = 1) -> Ban:
    return Ban(tenant_id, user_id, True, "spam", "2026-02-01T00:00:00.000000Z", "moderator", version, AT)


def lock(tenant_id: str = ACME, *, version: int = 1) -> ThreadLock:
    return ThreadLock(tenant_id, "post", "p1", True, "heated", version, AT)


class ModerationStoreContract:
    @pytest.fixture
    def transaction(self) -> UnitOfWorkFactory:
        raise NotImplementedError("each implementation provides its write transactions")

    async def report(self, transaction: UnitOfWorkFactory, user_id: str, tenant_id: str = ACME) -> bool:
        async with transaction() as uow:
            added = await uow.moderation.add_report(tenant_id, "c1", user_id, "rude", AT)
            await uow.commit()
        return added

    async def dismiss(self, transaction: UnitOfWorkFactory, tenant_id: str = ACME) -> int:
        async with transaction() as uow:
            dismissed = await uow.moderation.dismiss_reports(tenant_id, "c1", LATER)
            await uow.commit()
        return dismissed

    async def test_a_user_reports_a_comment_once(self, transaction: UnitOfWorkFactory) -> None:
        assert await self.report(transaction, "bob") is True
        assert await self.report(transaction, "bob") is False
        assert await self.report(transaction, "carol") is True
        assert await self.report(transaction, "bob", GLOBEX) is True

    async def test_dismissal_closes_the_open_reports_and_counts_them(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        for user in ("bob", "carol"):
            await self.report(transaction, user)
        await self.report(transaction, "bob", GLOBEX)

        assert await self.dismiss(transaction) == 2
        assert await self.dismiss(transaction) == 0
        assert await self.dismiss(transaction, GLOBEX) == 1

    async def test_a_dismissed_report_does_not_open_the_door_again(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        await self.report(transaction, "bob")
        await self.dismiss(transaction)

        assert await self.report(transaction, "bob") is False
        assert await self.report(transaction, "dave") is True
        assert await self.dismiss(transaction) == 1

    async def test_a_report_left_without_commit_is_discarded(self, transaction: UnitOfWorkFactory) -> None:
        async with transaction() as uow:
            await uow.moderation.add_report(ACME, "c1", "bob", "rude", AT)

        assert await self.report(transaction, "bob") is True

    async def test_a_ban_is_created_at_version_zero_then_compared_and_set(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        async with transaction() as uow:
            assert await uow.moderation.ban(ACME, "mallory") is None
            await uow.moderation.save_ban(ban(), expected_version=0)
            await uow.commit()
        lifted = dataclasses.replace(ban(), active=False, expires_at=None, version=2, updated_at=LATER)

        async with transaction() as uow:
            assert await uow.moderation.ban(ACME, "mallory") == ban()
            await uow.moderation.save_ban(lifted, expected_version=1)
            await uow.commit()

        async with transaction() as uow:
            assert await uow.moderation.ban(ACME, "mallory") == lifted
            assert await uow.moderation.ban(GLOBEX, "mallory") is None

    async def test_a_ban_whose_version_moved_is_a_conflict(self, transaction: UnitOfWorkFactory) -> None:
        async with transaction() as uow:
            await uow.moderation.save_ban(ban(), expected_version=0)
            await uow.commit()

        async with transaction() as uow:
            with pytest.raises(ConcurrencyConflict):
                await uow.moderation.save_ban(ban(), expected_version=0)  # a second "new" ban
        async with transaction() as uow:
            with pytest.raises(ConcurrencyConflict):
                await uow.moderation.save_ban(ban(version=3), expected_version=2)
        async with transaction() as uow:
            await uow.moderation.save_ban(ban(GLOBEX), expected_version=0)  # another tenant's user
            await uow.commit()

    async def test_a_thread_lock_is_created_at_version_zero_then_compared_and_set(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        async with transaction() as uow:
            assert await uow.moderation.thread_lock(ACME, "post", "p1") is None
            await uow.moderation.save_thread_lock(lock(), expected_version=0)
            await uow.commit()
        unlocked = dataclasses.replace(lock(), locked=False, reason=None, version=2, updated_at=LATER)

        async with transaction() as uow:
            assert await uow.moderation.thread_lock(ACME, "post", "p1") == lock()
            await uow.moderation.save_thread_lock(unlocked, expected_version=1)
            await uow.commit()

        async with transaction() as uow:
            assert await uow.moderation.thread_lock(ACME, "post", "p1") == unlocked
            assert await uow.moderation.thread_lock(ACME, "post", "p2") is None
            assert await uow.moderation.thread_lock(GLOBEX, "post", "p1") is None

    async def test_a_thread_lock_whose_version_moved_is_a_conflict(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        async with transaction() as uow:
            await uow.moderation.save_thread_lock(lock(), expected_version=0)
            await uow.commit()

        async with transaction() as uow:
            with pytest.raises(ConcurrencyConflict):
                await uow.moderation.save_thread_lock(lock(), expected_version=0)
        async with transaction() as uow:
            with pytest.raises(ConcurrencyConflict):
                await uow.moderation.save_thread_lock(lock(version=3), expected_version=2)
        async with transaction() as uow:
            assert await uow.moderation.thread_lock(ACME, "post", "p1") == lock()


class TestSqliteModerationStore(ModerationStoreContract):
    @pytest.fixture
    def transaction(self, sqlite_threadline: Threadline) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(sqlite_threadline.write_db.writer)


class TestPostgresModerationStore(ModerationStoreContract):
    @pytest.fixture
    def transaction(self, postgres_threadline: Threadline) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(postgres_threadline.write_db.writer)


class TestFakeModerationStore(ModerationStoreContract):
    @pytest.fixture
    def transaction(self) -> UnitOfWorkFactory:
        return FakeDatabase().uow
