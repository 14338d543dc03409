"""In-memory fakes of the write-side ports (``CommentStore``, ``ModerationStore``,
``EventAppender``, ``UnitOfWork``) and of the log as projectors read it (``EventReader``).

Each fake subclasses the Protocol it stands for (mypy checks the signatures), and each runs
the same contract suite as the SQL adapters (``tests/contracts/``), so "behaves like the SQL
store" is a test, not a promise.

A ``FakeDatabase`` holds the committed state. Each ``FakeUnitOfWork`` copies that state when it
is entered and works on the copy; ``commit`` makes the copy durable, and leaving the block without
``commit`` throws it away. Like the SQL adapters, the fakes enforce optimistic concurrency: a
``save`` whose expected version moved, an append that claims an aggregate version already in the
log, or a commit after another writer's commit raises ``ConcurrencyConflict``.

Hooks let a test play a concurrent writer (``on_enter`` runs right after a unit of work took its
copy, so whatever it commits lands between that copy and the commit) or a failing log
(``fail_appends``).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from threadline.application.ports.cross_cutting import EventBus
from threadline.application.ports.projection import EventReader, StoredEvent
from threadline.application.ports.write import (
    CommentStore,
    EventAppender,
    EventGroup,
    ModerationStore,
    UnitOfWork,
)
from threadline.domain.clock import utc_now
from threadline.domain.comment import Comment
from threadline.domain.errors import ConcurrencyConflict
from threadline.domain.events import EventMetadata, PendingEvent, anonymize, redact
from threadline.domain.moderation import Ban, ThreadLock

CommentKey = tuple[str, str]
LikeKey = tuple[str, str, str]


@dataclass
class LikeRecord:
    liked: bool
    version: int
    updated_at: str


@dataclass
class FakeState:
    comments: dict[CommentKey, Comment] = field(default_factory=dict)
    likes: dict[LikeKey, LikeRecord] = field(default_factory=dict)
    events: list[StoredEvent] = field(default_factory=list)
    reports: dict[LikeKey, bool] = field(default_factory=dict)  # (tenant, comment, user) -> open
    bans: dict[tuple[str, str], Ban] = field(default_factory=dict)
    locks: dict[tuple[str, str, str], ThreadLock] = field(default_factory=dict)

    def copy(self) -> FakeState:
        return copy.deepcopy(self)


class FakeCommentStore(CommentStore):
    """The write model of one transaction, over that transaction's private copy of the state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self.dirty = False
        self.purged: list[CommentKey] = []

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None:
        found = self._state.comments.get((tenant_id, comment_id))
        return copy.deepcopy(found) if found is not None else None

    async def add(self, comment: Comment) -> bool:
        key = (comment.tenant_id, comment.id)
        if key in self._state.comments:
            return False
        self._state.comments[key] = copy.deepcopy(comment)
        self.dirty = True
        return True

    async def save(self, comment: Comment, expected_version: int) -> None:
        key = (comment.tenant_id, comment.id)
        current = self._state.comments.get(key)
        if current is None or current.version != expected_version:
            raise ConcurrencyConflict()
        self._state.comments[key] = copy.deepcopy(comment)
        self.dirty = True

    async def set_like(
        self, tenant_id: str, comment_id: str, user_id: str, liked: bool, at: str
    ) -> int | None:
        key = (tenant_id, comment_id, user_id)
        record = self._state.likes.get(key)
        if record is None:
            if not liked:
                return None
            self._state.likes[key] = LikeRecord(True, 1, at)
            self.dirty = True
            return 1
        if record.liked == liked:
            return None
        self._state.likes[key] = LikeRecord(liked, record.version + 1, at)
        self.dirty = True
        return record.version + 1

    async def purge(self, tenant_id: str, comment_id: str) -> None:
        self.purged.append((tenant_id, comment_id))
        self.dirty = True
        for key in [k for k in self._state.likes if k[:2] == (tenant_id, comment_id)]:
            del self._state.likes[key]


class FakeModerationStore(ModerationStore):
    """Reports, bans and locks of one transaction, with the same compare-and-set as the SQL store."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self.dirty = False

    async def add_report(self, tenant_id: str, comment_id: str, user_id: str, reason: str, at: str) -> bool:
        key = (tenant_id, comment_id, user_id)
        if key in self._state.reports:
            return False
        self._state.reports[key] = True
        self.dirty = True
        return True

    async def dismiss_reports(self, tenant_id: str, comment_id: str, at: str) -> int:
        open_keys = [
            k for k, is_open in self._state.reports.items() if k[:2] == (tenant_id, comment_id) and is_open
        ]
        for key in open_keys:
            self._state.reports[key] = False
        self.dirty = self.dirty or bool(open_keys)
        return len(open_keys)

    async def ban(self, tenant_id: str, user_id: str) -> Ban | None:
        found = self._state.bans.get((tenant_id, user_id))
        return copy.deepcopy(found) if found is not None else None

    async def save_ban(self, ban: Ban, expected_version: int) -> None:
        current = self._state.bans.get((ban.tenant_id, ban.user_id))
        if (current.version if current else 0) != expected_version:
            raise ConcurrencyConflict()
        self._state.bans[(ban.tenant_id, ban.user_id)] = copy.deepcopy(ban)
        self.dirty = True

    async def thread_lock(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadLock | None:
        found = self._state.locks.get((tenant_id, entity_type, entity_id))
        return copy.deepcopy(found) if found is not None else None

    async def save_thread_lock(self, lock: ThreadLock, expected_version: int) -> None:
        key = (lock.tenant_id, lock.entity_type, lock.entity_id)
        current = self._state.locks.get(key)
        if (current.version if current else 0) != expected_version:
            raise ConcurrencyConflict()
        self._state.locks[key] = copy.deepcopy(lock)
        self.dirty = True


class FakeEventAppender(EventAppender):
    """The event log of one transaction: appends land in the private copy until commit."""

    def __init__(self, state: FakeState, *, fail: bool = False) -> None:
        self._state = state
        self._fail = fail
        self.dirty = False
        self.appended: list[StoredEvent] = []
        self.redacted: list[CommentKey] = []

    async def append(self, tenant_id: str, events: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        if self._fail:
            raise RuntimeError("the event log is unavailable")
        if not events:
            return 0  # as the SQL log: nothing appended has no position
        position, recorded_at = await self.head(), utc_now()
        meta: dict[str, object] = {
            "actor_id": metadata.actor_id,
            "actor_role": metadata.actor_role,
            "correlation_id": metadata.correlation_id,
            "causation_id": metadata.causation_id,
            **metadata.extra,
        }
        for item in events:
            claimed = (tenant_id, item.aggregate_id, item.aggregate_version)
            if any((e.tenant_id, e.aggregate_id, e.aggregate_version) == claimed for e in self._state.events):
                raise ConcurrencyConflict()
            position += 1
            stored = StoredEvent(
                position=position,
                event_id=str(uuid.uuid4()),
                tenant_id=tenant_id,
                aggregate_id=item.aggregate_id,
                aggregate_version=item.aggregate_version,
                comment_id=item.event.subject_comment_id,
                event_type=item.event.event_type,
                schema_version=item.event.schema_version,
                payload=item.event.payload(),
                metadata=dict(meta),
                recorded_at=recorded_at,
            )
            self._state.events.append(stored)
            self.appended.append(stored)
            self.dirty = True
        return position

    async def append_batch(self, groups: Sequence[EventGroup]) -> list[int]:
        if any(not group.events for group in groups):
            raise ValueError("an event group without events has no position")
        return [await self.append(group.tenant_id, group.events, group.metadata) for group in groups]

    async def head(self) -> int:
        return self._state.events[-1].position if self._state.events else 0

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        self.dirty = True
        for index, event in enumerate(self._state.events):
            if (event.tenant_id, event.comment_id) == (tenant_id, comment_id):
                self._state.events[index] = dataclasses.replace(event, payload=anonymize(dict(event.payload)))

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        self.redacted.append((tenant_id, comment_id))
        self.dirty = True
        for index, event in enumerate(self._state.events):
            if (event.tenant_id, event.comment_id) == (tenant_id, comment_id):
                payload = redact(event.event_type, dict(event.payload))
                self._state.events[index] = dataclasses.replace(event, payload=payload)


class FakeDatabase:
    """The committed state every unit of work starts from, with hooks for tests.

    Concurrency is first-committer-wins over the whole store: a unit of work that wrote anything
    fails its commit with ``ConcurrencyConflict`` if another commit landed since it began. That is
    at least as strict as SQLite's single writer and lets a test stage a conflict deterministically.
    """

    def __init__(self) -> None:
        self.state = FakeState()
        self.generation = 0
        self.commits = 0
        self.attempts = 0
        self.on_enter: Callable[[FakeDatabase], Awaitable[None]] | None = None
        self.fail_appends = False
        self.last_uow: FakeUnitOfWork | None = None

    def snapshot(self) -> FakeState:
        return self.state.copy()

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def commit_concurrently(self, change: Callable[[FakeState], None]) -> None:
        """Play another writer: change the committed state directly, as if its commit just landed."""
        change(self.state)
        self.generation += 1


class FakeUnitOfWork(UnitOfWork):
    comments: CommentStore
    moderation: ModerationStore
    events: EventAppender

    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._working: FakeState | None = None
        self._generation = -1
        self.committed = False

    async def __aenter__(self) -> Self:
        self._database.attempts += 1
        self._generation = self._database.generation
        self._working = self._database.snapshot()
        self.fake_comments = FakeCommentStore(self._working)
        self.fake_events = FakeEventAppender(self._working, fail=self._database.fail_appends)
        self.fake_moderation = FakeModerationStore(self._working)
        self.comments, self.events = self.fake_comments, self.fake_events
        self.moderation = self.fake_moderation
        self._database.last_uow = self
        if self._database.on_enter is not None:
            await self._database.on_enter(self._database)
        return self

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo by restoring a copy of the private state taken on entry, in place (the stores
        hold the state object itself)."""
        assert self._working is not None, "savepoint outside the unit of work"
        saved = self._working.copy()
        dirty = (self.fake_comments.dirty, self.fake_events.dirty, self.fake_moderation.dirty)
        appended = len(self.fake_events.appended)
        try:
            yield
        except BaseException:
            self._working.__dict__.update(saved.__dict__)
            self.fake_comments.dirty, self.fake_events.dirty, self.fake_moderation.dirty = dirty
            del self.fake_events.appended[appended:]
            raise

    @property
    def wrote(self) -> bool:
        return self.fake_comments.dirty or self.fake_events.dirty or self.fake_moderation.dirty

    async def commit(self) -> None:
        assert self._working is not None, "commit outside the unit of work"
        if self.wrote:
            if self._database.generation != self._generation:
                raise ConcurrencyConflict()
            self._database.state = self._working
            self._database.generation += 1
        self._database.commits += 1
        self.committed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Leaving without commit discards the private copy: there is nothing to undo.
        self._working = None


class FakeEventReader(EventReader):
    """The committed log, as a projector or the audit trail reads it (never a transaction's copy)."""

    def __init__(self, database: FakeDatabase) -> None:
        self._database = database

    async def read_after(self, position: int, limit: int) -> list[StoredEvent]:
        return [e for e in self._database.state.events if e.position > position][:limit]

    async def last_position(self) -> int:
        events = self._database.state.events
        return events[-1].position if events else 0

    async def audit(
        self,
        tenant_id: str,
        *,
        after_position: int = 0,
        before_position: int | None = None,
        limit: int,
        comment_id: str | None = None,
        actor_id: str | None = None,
        event_types: Collection[str] | None = None,
        newest_first: bool = False,
    ) -> list[StoredEvent]:
        found = [
            e
            for e in self._database.state.events
            if e.tenant_id == tenant_id
            and e.position > after_position
            and (before_position is None or e.position < before_position)
            and (comment_id is None or e.comment_id == comment_id)
            and (actor_id is None or e.metadata.get("actor_id") == actor_id)
            and (event_types is None or e.event_type in event_types)
        ]
        if newest_first:
            found.reverse()
        return found[:limit]

    async def at_positions(self, tenant_id: str, positions: Collection[int]) -> list[StoredEvent]:
        wanted = set(positions)
        return [e for e in self._database.state.events if e.tenant_id == tenant_id and e.position in wanted]


@dataclass
class FakeBus(EventBus):
    """Records what was published, and wakes a waiter the way the real buses do (it runs their
    contract suite too)."""

    published: list[int] = field(default_factory=list)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def publish(self, position: int) -> None:
        self.published.append(position)
        self._wake.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return
        self._wake.clear()
