"""The write model's contract (``CommentStore``): what command handlers rely on, run against
SQLite, PostgreSQL and the in-memory fake the unit tests use.

A comment is changed only by compare-and-set on its version, an id is taken once per tenant,
and a like record moves only when the like really changes, each change bumping its version.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.fakes import FakeDatabase
from threadline.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from threadline.application.ports.write import UnitOfWorkFactory
from threadline.bootstrap import Threadline
from threadline.domain.comment import Comment, Status
from threadline.domain.errors import ConcurrencyConflict

AT, LATER = "2026-01-01T00:00:00.000000Z", "2026-01-01T00:05:00.000000Z"
ACME, GLOBEX = "tenant-acme", "tenant-globex"


def comment(tenant_id: str = ACME, comment_id: str = "c1", content: str = "hello") -> Comment:
    return Comment(
        tenant_id=tenant_id,
        id=comment_id,
        entity_type="post",
        entity_id="p1",
        parent_id=None,
        depth=0,
        path=comment_id,
        author_id="alice",
        author_name="Alice",
        author_avatar="https://img.test/alice.png",
        author_role="user",
        content=content,
        content_format="markdown",
        status=Status.ACTIVE,
        is_pinned=False,
        version=1,
        request_fingerprint="f" * 64,
        created_at=AT,
        updated_at=AT,
    )


class CommentStoreContract:
    @pytest.fixture
    def transaction(self) -> UnitOfWorkFactory:
        raise NotImplementedError("each implementation provides its write transactions")

    async def added(self, transaction: UnitOfWorkFactory, *comments: Comment) -> None:
        async with transaction() as uow:
            for each in comments:
                assert await uow.comments.add(each)
            await uow.commit()

    async def stored(self, transaction: UnitOfWorkFactory, tenant_id: str, comment_id: str) -> Comment | None:
        async with transaction() as uow:
            return await uow.comments.get(tenant_id, comment_id)

    async def test_an_added_comment_is_read_back_field_for_field(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        original = dataclasses.replace(comment(), edited_at=LATER, is_pinned=True, parent_id="p0", depth=1)
        await self.added(transaction, original)

        assert await self.stored(transaction, ACME, "c1") == original
        async with transaction() as uow:
            assert await uow.comments.get(ACME, "c1", for_update=True) == original

    async def test_an_unknown_comment_is_none(self, transaction: UnitOfWorkFactory) -> None:
        assert await self.stored(transaction, ACME, "nope") is None

    async def test_adding_a_taken_id_is_refused_and_keeps_the_first(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        await self.added(transaction, comment(content="first"))

        async with transaction() as uow:
            assert await uow.comments.add(comment(content="second")) is False
            await uow.commit()

        found = await self.stored(transaction, ACME, "c1")
        assert found is not None and found.content == "first"

    async def test_the_same_id_in_another_tenant_is_another_comment(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        await self.added(transaction, comment(ACME, content="acme's"), comment(GLOBEX, content="globex's"))

        acme, globex = (
            await self.stored(transaction, ACME, "c1"),
            await self.stored(transaction, GLOBEX, "c1"),
        )
        assert acme is not None and acme.content == "acme's"
        assert globex is not None and globex.content == "globex's"

    async def test_save_compares_and_sets_the_version(self, transaction: UnitOfWorkFactory) -> None:
        await self.added(transaction, comment())
        edited = dataclasses.replace(
            comment(), content="edited", version=2, updated_at=LATER, edited_at=LATER
        )

        async with transaction() as uow:
            await uow.comments.save(edited, expected_version=1)
            await uow.commit()

        assert await self.stored(transaction, ACME, "c1") == edited
        stale = dataclasses.replace(edited, content="lost update", version=2)
        async with transaction() as uow:
            with pytest.raises(ConcurrencyConflict):
                await uow.comments.save(stale, expected_version=1)
        found = await self.stored(transaction, ACME, "c1")
        assert found is not None and found.content == "edited"

    async def test_saving_a_comment_that_was_never_added_is_a_conflict(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        async with transaction() as uow:
            with pytest.raises(ConcurrencyConflict):
                await uow.comments.save(dataclasses.replace(comment(), version=2), expected_version=1)

    async def test_save_touches_only_its_own_tenants_comment(self, transaction: UnitOfWorkFactory) -> None:
        await self.added(transaction, comment(ACME), comment(GLOBEX, content="globex's"))

        async with transaction() as uow:
            await uow.comments.save(dataclasses.replace(comment(ACME), content="x", version=2), 1)
            await uow.commit()

        globex = await self.stored(transaction, GLOBEX, "c1")
        assert globex is not None and (globex.content, globex.version) == ("globex's", 1)

    async def test_changes_left_without_commit_are_discarded(self, transaction: UnitOfWorkFactory) -> None:
        await self.added(transaction, comment())
        async with transaction() as uow:
            await uow.comments.add(comment(comment_id="c2"))
            await uow.comments.save(dataclasses.replace(comment(), content="x", version=2), 1)
            await uow.comments.set_like(ACME, "c1", "bob", True, AT)

        assert await self.stored(transaction, ACME, "c2") is None
        found = await self.stored(transaction, ACME, "c1")
        assert found is not None and found.version == 1
        async with transaction() as uow:
            assert await uow.comments.set_like(ACME, "c1", "bob", True, AT) == 1

    async def test_a_like_record_moves_only_when_the_like_changes(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        await self.added(transaction, comment())
        steps: list[int | None] = []
        for liked in (True, True, False, False, True):
            async with transaction() as uow:
                steps.append(await uow.comments.set_like(ACME, "c1", "bob", liked, AT))
                await uow.commit()

        assert steps == [1, None, 2, None, 3]

    async def test_unliking_a_comment_never_liked_changes_nothing(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        await self.added(transaction, comment())
        async with transaction() as uow:
            assert await uow.comments.set_like(ACME, "c1", "bob", False, AT) is None
            await uow.commit()
        async with transaction() as uow:
            assert await uow.comments.set_like(ACME, "c1", "bob", True, AT) == 1

    async def test_likes_are_kept_per_user_and_per_tenant(self, transaction: UnitOfWorkFactory) -> None:
        await self.added(transaction, comment(ACME), comment(GLOBEX))
        async with transaction() as uow:
            assert await uow.comments.set_like(ACME, "c1", "bob", True, AT) == 1
            await uow.commit()

        async with transaction() as uow:
            assert await uow.comments.set_like(ACME, "c1", "carol", True, AT) == 1
            assert await uow.comments.set_like(GLOBEX, "c1", "bob", True, AT) == 1
            assert await uow.comments.set_like(ACME, "c1", "bob", True, AT) is None

    async def test_purge_removes_the_likes_and_keeps_the_comment(
        self, transaction: UnitOfWorkFactory
    ) -> None:
        await self.added(transaction, comment(ACME), comment(GLOBEX))
        async with transaction() as uow:
            await uow.comments.set_like(ACME, "c1", "bob", True, AT)
            await uow.comments.set_like(GLOBEX, "c1", "bob", True, AT)
            await uow.commit()

        async with transaction() as uow:
            await uow.comments.purge(ACME, "c1")
            await uow.commit()

        assert await self.stored(transaction, ACME, "c1") is not None
        async with transaction() as uow:
            assert await uow.comments.set_like(ACME, "c1", "bob", True, AT) == 1  # a fresh record
            assert await uow.comments.set_like(GLOBEX, "c1", "bob", True, AT) is None  # untouched


class TestSqliteCommentStore(CommentStoreContract):
    @pytest.fixture
    def transaction(self, sqlite_threadline: Threadline) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(sqlite_threadline.write_db.writer)


class TestPostgresCommentStore(CommentStoreContract):
    @pytest.fixture
    def transaction(self, postgres_threadline: Threadline) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(postgres_threadline.write_db.writer)


class TestFakeCommentStore(CommentStoreContract):
    @pytest.fixture
    def transaction(self) -> UnitOfWorkFactory:
        return FakeDatabase().uow
