"""The event log's contract: what projectors, the audit trail and erasure rely on, run against
SQLite, PostgreSQL and the in-memory fake the unit tests use.

Appends happen inside a write transaction (``UnitOfWork.events``) and become visible at commit,
in position order; an aggregate version is claimed once per tenant; redaction and anonymization
rewrite payloads in place, keeping rows and positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.unit.fakes import FakeDatabase, FakeEventReader
from threadline.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from threadline.application.ports.projection import EventReader
from threadline.application.ports.write import EventGroup, UnitOfWorkFactory
from threadline.bootstrap import Threadline
from threadline.domain.clock import utc_now
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import (
    CommentCreated,
    CommentUpdated,
    EventMetadata,
    LoggedEvent,
    PendingEvent,
    UserBanned,
)

AT = "2026-01-01T00:00:00.000000Z"
ACME, GLOBEX = "tenant-acme", "tenant-globex"


@dataclass(frozen=True)
class EventLog:
    """The log as its clients see it: appended to in a write transaction, read outside one."""

    transaction: UnitOfWorkFactory
    reader: EventReader


def created(comment_id: str, content: str = "hello", *, version: int = 1) -> PendingEvent:
    event = CommentCreated(
        comment_id=comment_id,
        entity_type="post",
        entity_id="p1",
        occurred_at=AT,
        author_id="alice",
        author_name="Alice",
        author_avatar="https://img.test/alice.png",
        content=content,
        path=comment_id,
    )
    return PendingEvent(event, comment_id, version)


def updated(comment_id: str, content: str, *, version: int) -> PendingEvent:
    event = CommentUpdated(comment_id, "post", "p1", AT, content=content, editor_id="alice")
    return PendingEvent(event, comment_id, version)


def banned(user_id: str) -> PendingEvent:
    event: LoggedEvent = UserBanned(user_id=user_id, occurred_at=AT, reason="spam")
    return PendingEvent(event, f"ban:{user_id}", 1)


def by(actor_id: str, **extra: str) -> EventMetadata:
    return EventMetadata(actor_id, "user", f"corr-{actor_id}", f"cause-{actor_id}", dict(extra))


async def append(log: EventLog, tenant_id: str, *pending: PendingEvent, actor: str = "alice") -> int:
    async with log.transaction() as uow:
        position = await uow.events.append(tenant_id, pending, by(actor))
        await uow.commit()
    return position


class EventLogContract:
    @pytest.fixture
    def log(self) -> EventLog:
        raise NotImplementedError("each implementation provides its event log")

    async def test_appended_events_are_read_back_in_position_order_with_every_field(
        self, log: EventLog
    ) -> None:
        last = await append(log, ACME, created("c1"), updated("c1", "edited", version=2))

        stored = await log.reader.read_after(0, 10)

        assert [(e.event_type, e.aggregate_version) for e in stored] == [
            ("CommentCreated", 1),
            ("CommentUpdated", 2),
        ]
        assert stored[0].position < stored[1].position == last
        first = stored[0]
        assert (first.tenant_id, first.aggregate_id, first.comment_id) == (ACME, "c1", "c1")
        assert first.schema_version == 1 and first.recorded_at
        assert first.payload == created("c1").event.payload()
        assert first.metadata == {
            "actor_id": "alice",
            "actor_role": "user",
            "correlation_id": "corr-alice",
            "causation_id": "cause-alice",
        }
        assert first.event_id and first.event_id != stored[1].event_id

    async def test_a_savepoint_that_fails_undoes_its_appends_and_nothing_else(self, log: EventLog) -> None:
        """One command of a batch failing alone: what it appended is gone, its aggregate version
        free again, and what came before and after it commits."""
        async with log.transaction() as uow:
            await uow.events.append(ACME, [created("before")], by("alice"))
            with pytest.raises(ValueError):
                async with uow.savepoint():
                    await uow.events.append(ACME, [created("failed")], by("bob"))
                    raise ValueError("the command failed after appending")
            async with uow.savepoint():
                await uow.events.append(ACME, [created("kept")], by("carol"))
            await uow.events.append(ACME, [created("failed", "second try")], by("dave"))
            await uow.commit()

        stored = await log.reader.read_after(0, 10)
        assert [(e.aggregate_id, e.metadata["actor_id"]) for e in stored] == [
            ("before", "alice"),
            ("kept", "carol"),
            ("failed", "dave"),
        ]

    async def test_an_event_is_recorded_at_the_time_it_was_appended_not_when_it_says_it_happened(
        self, log: EventLog
    ) -> None:
        before = utc_now()
        await append(log, ACME, created("c1"))  # occurred_at is AT, long ago
        after = utc_now()

        (event,) = await log.reader.read_after(0, 10)
        assert before <= event.recorded_at <= after

    async def test_appending_no_events_records_nothing_and_has_no_position(self, log: EventLog) -> None:
        async with log.transaction() as uow:
            assert await uow.events.append(ACME, [], by("alice")) == 0
            await uow.commit()
        assert await log.reader.read_after(0, 10) == []

    async def test_metadata_extras_are_kept_beside_the_actor(self, log: EventLog) -> None:
        async with log.transaction() as uow:
            await uow.events.append(ACME, [created("c1")], by("alice", reason="moderation"))
            await uow.commit()

        (event,) = await log.reader.read_after(0, 10)
        assert event.metadata["reason"] == "moderation" and event.metadata["actor_id"] == "alice"

    async def test_append_returns_the_position_of_its_last_event_and_positions_only_grow(
        self, log: EventLog
    ) -> None:
        first = await append(log, ACME, created("c1"))
        second = await append(log, ACME, created("c2"), created("c3"))
        third = await append(log, GLOBEX, created("c1"))

        assert first < second < third
        positions = [e.position for e in await log.reader.read_after(0, 10)]
        assert positions == sorted(positions) and len(set(positions)) == 4
        assert positions[0] == first and positions[2] == second and positions[3] == third

    async def test_read_after_returns_only_later_events_up_to_the_limit(self, log: EventLog) -> None:
        for n in range(5):
            await append(log, ACME, created(f"c{n}"))
        everything = await log.reader.read_after(0, 100)

        page = await log.reader.read_after(everything[1].position, 2)

        assert [e.aggregate_id for e in page] == ["c2", "c3"]
        assert await log.reader.read_after(everything[-1].position, 10) == []

    async def test_appends_become_visible_at_commit_and_not_before(self, log: EventLog) -> None:
        async with log.transaction() as uow:
            await uow.events.append(ACME, [created("c1")], by("alice"))
            assert await log.reader.read_after(0, 10) == []
            assert await log.reader.last_position() == 0
            await uow.commit()

        assert [e.aggregate_id for e in await log.reader.read_after(0, 10)] == ["c1"]

    async def test_a_transaction_left_without_commit_leaves_no_event(self, log: EventLog) -> None:
        async with log.transaction() as uow:
            await uow.events.append(ACME, [created("c1")], by("alice"))

        assert await log.reader.read_after(0, 10) == []
        async with log.transaction() as uow:
            assert await uow.events.head() == 0

    async def test_an_aggregate_version_already_in_the_log_is_a_conflict(self, log: EventLog) -> None:
        await append(log, ACME, created("c1", "mine"))

        with pytest.raises(ConcurrencyConflict):
            await append(log, ACME, created("c1", "theirs"))

        (event,) = await log.reader.read_after(0, 10)
        assert event.payload["content"] == "mine"

    async def test_a_conflict_anywhere_in_a_batch_appends_none_of_it(self, log: EventLog) -> None:
        await append(log, ACME, created("c1"))

        with pytest.raises(ConcurrencyConflict):
            await append(log, ACME, created("c2"), created("c1", "again"))

        assert [e.aggregate_id for e in await log.reader.read_after(0, 10)] == ["c1"]

    async def test_a_batch_append_numbers_its_groups_in_order_and_answers_each_groups_last_position(
        self, log: EventLog
    ) -> None:
        before = await append(log, ACME, created("c0"))
        async with log.transaction() as uow:
            lasts = await uow.events.append_batch(
                [
                    EventGroup(ACME, [created("c1"), updated("c1", "edited", version=2)], by("alice")),
                    EventGroup(GLOBEX, [created("c1")], by("bob")),
                    EventGroup(ACME, [banned("mallory")], by("mia")),
                ]
            )
            await uow.commit()

        stored = await log.reader.read_after(before, 10)
        positions = [e.position for e in stored]
        assert positions == list(range(before + 1, before + 5)), "gap-free, in the batch's order"
        assert [(e.tenant_id, e.aggregate_id, e.metadata["actor_id"]) for e in stored] == [
            (ACME, "c1", "alice"),
            (ACME, "c1", "alice"),
            (GLOBEX, "c1", "bob"),
            (ACME, "ban:mallory", "mia"),
        ]
        assert lasts == [positions[1], positions[2], positions[3]]
        assert await log.reader.last_position() == positions[-1]

    async def test_a_version_claimed_twice_in_one_batch_appends_none_of_the_batch(
        self, log: EventLog
    ) -> None:
        with pytest.raises(ConcurrencyConflict):
            async with log.transaction() as uow:
                await uow.events.append_batch(
                    [
                        EventGroup(ACME, [created("c1")], by("alice")),
                        EventGroup(ACME, [created("c2"), created("c1")], by("alice")),
                    ]
                )
                await uow.commit()
        assert await log.reader.read_after(0, 10) == []

    async def test_the_same_aggregate_version_in_another_tenant_is_no_conflict(self, log: EventLog) -> None:
        await append(log, ACME, created("c1"))
        await append(log, GLOBEX, created("c1"))

        assert [e.tenant_id for e in await log.reader.read_after(0, 10)] == [ACME, GLOBEX]

    async def test_head_is_the_newest_committed_position(self, log: EventLog) -> None:
        async with log.transaction() as uow:
            assert await uow.events.head() == 0
        last = await append(log, ACME, created("c1"), created("c2"))

        async with log.transaction() as uow:
            assert await uow.events.head() == last
        assert await log.reader.last_position() == last

    async def test_redaction_blanks_the_personal_fields_of_every_event_about_the_comment(
        self, log: EventLog
    ) -> None:
        await append(log, ACME, created("c1", "my secret"), updated("c1", "still secret", version=2))
        await append(log, ACME, created("c2", "someone else's words"))
        await append(log, GLOBEX, created("c1", "another tenant's words"))
        before = await log.reader.read_after(0, 10)

        async with log.transaction() as uow:
            await uow.events.redact_comment(ACME, "c1")
            await uow.commit()

        after = await log.reader.read_after(0, 10)
        assert [(e.position, e.event_id) for e in after] == [(e.position, e.event_id) for e in before]
        created_c1, updated_c1, c2, other_tenant = after
        for field in ("content", "author_name", "author_avatar"):
            assert created_c1.payload[field] is None
        assert updated_c1.payload["content"] is None
        assert created_c1.payload["comment_id"] == "c1" and created_c1.payload["author_id"] == "alice"
        assert created_c1.payload["path"] == "c1" and created_c1.payload["depth"] == 0
        assert c2.payload["content"] == "someone else's words"
        assert other_tenant.payload["content"] == "another tenant's words"

    async def test_a_redaction_left_without_commit_changes_nothing(self, log: EventLog) -> None:
        await append(log, ACME, created("c1", "kept"))

        async with log.transaction() as uow:
            await uow.events.redact_comment(ACME, "c1")

        (event,) = await log.reader.read_after(0, 10)
        assert event.payload["content"] == "kept"

    async def test_anonymization_blanks_the_author_but_keeps_the_words(self, log: EventLog) -> None:
        await append(log, ACME, created("c1", "the words stay"))
        await append(log, GLOBEX, created("c1", "untouched"))

        async with log.transaction() as uow:
            await uow.events.anonymize_comment(ACME, "c1")
            await uow.commit()

        mine, other_tenant = await log.reader.read_after(0, 10)
        assert mine.payload["author_name"] is None and mine.payload["author_avatar"] is None
        assert mine.payload["content"] == "the words stay"
        assert other_tenant.payload["author_name"] == "Alice"

    async def test_audit_lists_one_tenants_events_by_comment_actor_and_type(self, log: EventLog) -> None:
        await append(log, ACME, created("c1"), actor="alice")
        await append(log, ACME, updated("c1", "v2", version=2), actor="bob")
        await append(log, ACME, created("c2"), actor="bob")
        await append(log, ACME, banned("mallory"), actor="moderator")
        await append(log, GLOBEX, created("c1"), actor="alice")

        async def audit(**filters: str) -> list[tuple[str, str]]:
            event_type = filters.get("event_type")
            found = await log.reader.audit(
                ACME,
                limit=10,
                comment_id=filters.get("comment_id"),
                actor_id=filters.get("actor_id"),
                event_types=None if event_type is None else [event_type],
            )
            assert all(e.tenant_id == ACME for e in found)
            assert [e.position for e in found] == sorted(e.position for e in found)
            return [(e.aggregate_id, e.event_type) for e in found]

        assert len(await audit()) == 4
        assert await audit(comment_id="c1") == [("c1", "CommentCreated"), ("c1", "CommentUpdated")]
        assert await audit(actor_id="bob") == [("c1", "CommentUpdated"), ("c2", "CommentCreated")]
        assert await audit(event_type="UserBanned") == [("ban:mallory", "UserBanned")]
        assert await audit(comment_id="c1", actor_id="bob") == [("c1", "CommentUpdated")]
        assert await audit(comment_id="") == [("ban:mallory", "UserBanned")]  # no comment: filed under ''

    async def test_audit_pages_by_position(self, log: EventLog) -> None:
        for n in range(4):
            await append(log, ACME, created(f"c{n}"))
            await append(log, GLOBEX, created(f"g{n}"))

        first = await log.reader.audit(ACME, after_position=0, limit=2)
        rest = await log.reader.audit(ACME, after_position=first[-1].position, limit=10)

        assert [e.aggregate_id for e in first] == ["c0", "c1"]
        assert [e.aggregate_id for e in rest] == ["c2", "c3"]

    async def test_audit_reads_newest_first_below_a_position_and_by_several_types(
        self, log: EventLog
    ) -> None:
        await append(log, ACME, created("c1"))
        await append(log, ACME, updated("c1", "v2", version=2))
        await append(log, ACME, updated("c1", "v3", version=3))
        await append(log, ACME, created("c2"))
        everything = await log.reader.audit(ACME, limit=10)
        third = everything[2].position

        below = await log.reader.audit(ACME, before_position=third, limit=10, newest_first=True)
        last_text = await log.reader.audit(
            ACME,
            before_position=third,
            limit=1,
            comment_id="c1",
            event_types={"CommentCreated", "CommentUpdated"},
            newest_first=True,
        )
        creates = await log.reader.audit(ACME, limit=10, event_types=["CommentCreated"])

        assert [e.position for e in below] == [everything[1].position, everything[0].position]
        assert [(e.event_type, e.payload["content"]) for e in last_text] == [("CommentUpdated", "v2")]
        assert [e.aggregate_id for e in creates] == ["c1", "c2"]

    async def test_events_are_read_back_by_position_within_their_tenant(self, log: EventLog) -> None:
        await append(log, ACME, created("c1"))
        await append(log, GLOBEX, created("g1"))
        await append(log, ACME, created("c2"))
        acme = await log.reader.audit(ACME, limit=10)
        globex = await log.reader.audit(GLOBEX, limit=10)
        wanted = [acme[1].position, globex[0].position, acme[0].position]

        found = await log.reader.at_positions(ACME, wanted)

        assert [e.aggregate_id for e in found] == ["c1", "c2"]
        assert await log.reader.at_positions(ACME, []) == []


def sql_event_log(threadline: Threadline) -> EventLog:
    return EventLog(SqlUnitOfWorkFactory(threadline.write_db.writer), threadline.events)


class TestSqliteEventLog(EventLogContract):
    @pytest.fixture
    def log(self, sqlite_threadline: Threadline) -> EventLog:
        return sql_event_log(sqlite_threadline)


class TestPostgresEventLog(EventLogContract):
    @pytest.fixture
    def log(self, postgres_threadline: Threadline) -> EventLog:
        return sql_event_log(postgres_threadline)


class TestFakeEventLog(EventLogContract):
    @pytest.fixture
    def log(self) -> EventLog:
        database = FakeDatabase()
        return EventLog(database.uow, FakeEventReader(database))
