"""The ports the use cases need. Adapters implement them; handlers never import SQL or HTTP."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from threadline.domain.comment import Comment
from threadline.domain.events import EventMetadata, LoggedEvent
from threadline.domain.moderation import Ban, ThreadLock
from threadline.domain.search_query import SearchQuery
from threadline.domain.tenant import KeyAlgorithm, SigningKey, Tenant, TenantSettings, TenantStatus

JsonObject = dict[str, object]


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event about to be appended, with the aggregate version it claims."""

    event: LoggedEvent
    aggregate_id: str
    aggregate_version: int


@dataclass(frozen=True, slots=True)
class StoredEvent:
    position: int
    event_id: str
    tenant_id: str
    aggregate_id: str
    aggregate_version: int
    comment_id: str
    event_type: str
    schema_version: int
    payload: JsonObject
    metadata: JsonObject
    recorded_at: str


class CommentStore(Protocol):
    """The write model: current state of each comment and of each like."""

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None: ...

    async def add(self, comment: Comment) -> bool:
        """Insert; ``False`` when the id is already taken (a retry or a reuse)."""
        ...

    async def save(self, comment: Comment, expected_version: int) -> None:
        """Compare-and-set on ``version``; raises ``ConcurrencyConflict`` if it moved."""
        ...

    async def set_like(
        self, tenant_id: str, comment_id: str, user_id: str, liked: bool, at: str
    ) -> int | None:
        """Set the like; the new like-record version, or ``None`` when nothing changed."""
        ...

    async def purge(self, tenant_id: str, comment_id: str) -> None:
        """Remove the comment's likes and personal data, keeping a content-less skeleton."""
        ...


class ModerationStore(Protocol):
    """The write side of moderation: reports, bans and thread locks."""

    async def add_report(self, tenant_id: str, comment_id: str, user_id: str, reason: str, at: str) -> bool:
        """Record a report; ``False`` when this user already reported this comment."""
        ...

    async def dismiss_reports(self, tenant_id: str, comment_id: str, at: str) -> int:
        """Close the comment's open reports; how many there were."""
        ...

    async def ban(self, tenant_id: str, user_id: str) -> Ban | None: ...

    async def save_ban(self, ban: Ban, expected_version: int) -> None:
        """Insert (expected version 0) or compare-and-set; ``ConcurrencyConflict`` if it moved."""
        ...

    async def thread_lock(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadLock | None: ...

    async def save_thread_lock(self, lock: ThreadLock, expected_version: int) -> None: ...


class EventAppender(Protocol):
    async def append(self, tenant_id: str, events: Sequence[PendingEvent], metadata: EventMetadata) -> int:
        """Append in this transaction; returns the position of the last event."""
        ...

    async def head(self) -> int:
        """The position of the newest committed event, for commands that changed nothing."""
        ...

    async def redact_comment(self, tenant_id: str, comment_id: str) -> None:
        """Blank the personal fields of every event about this comment, keeping the rows."""
        ...

    async def anonymize_comment(self, tenant_id: str, comment_id: str) -> None:
        """Blank the author's name and avatar in every event about this comment; words stay."""
        ...


class EventReader(Protocol):
    async def read_after(self, position: int, limit: int) -> list[StoredEvent]: ...

    async def last_position(self) -> int: ...

    async def audit(
        self,
        tenant_id: str,
        *,
        after_position: int,
        limit: int,
        comment_id: str | None,
        actor_id: str | None,
        event_type: str | None,
    ) -> list[StoredEvent]: ...


class UnitOfWork(Protocol):
    """One write transaction: write model and event log commit together or not at all."""

    comments: CommentStore
    moderation: ModerationStore
    events: EventAppender

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class EventBus(Protocol):
    """Wakes projectors after a commit. Only shortens latency: projectors also poll."""

    async def publish(self, position: int) -> None: ...

    async def wait(self, timeout: float) -> None: ...


class ContentRenderer(Protocol):
    def render(self, content: str, content_format: str) -> str: ...


@dataclass(slots=True)
class ViewState:
    """What a projection needs to know of a comment already in the read model."""

    tenant_id: str
    id: str
    entity_type: str
    entity_id: str
    parent_id: str | None
    status: str
    visible: bool
    reply_count: int
    content: str | None
    content_format: str
    owner_id: str | None = None


class CommentViewWriter(Protocol):
    """Read-model changes, made inside the projector's transaction."""

    async def get(self, tenant_id: str, comment_id: str) -> ViewState | None: ...
    async def insert(self, row: JsonObject) -> None: ...
    async def update(self, tenant_id: str, comment_id: str, values: JsonObject) -> None: ...
    async def delete(self, tenant_id: str, comment_id: str) -> None: ...
    async def add_reply_count(self, tenant_id: str, comment_id: str, delta: int) -> None: ...
    async def add_like_count(self, tenant_id: str, comment_id: str, delta: int) -> None: ...
    async def add_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool: ...
    async def remove_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool: ...
    async def purge_likes(self, tenant_id: str, comment_id: str) -> None: ...
    async def add_edit(self, row: JsonObject) -> None: ...
    async def purge_edits(self, tenant_id: str, comment_id: str) -> None: ...
    async def adjust_stats(
        self, tenant_id: str, entity_type: str, entity_id: str, comments: int, roots: int
    ) -> None: ...
    async def index_for_search(
        self, tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> None: ...
    async def remove_from_search(self, tenant_id: str, comment_id: str) -> None: ...
    async def counted_views(self, tenant_id: str, comment_id: str) -> int:
        """Views already counted for this comment (non-zero only when rebuilding)."""
        ...


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A comment as the moderator queue files it."""

    tenant_id: str
    comment_id: str
    entity_type: str
    entity_id: str
    owner_id: str | None
    seq: int  # log position it was queued at: the queue is served oldest first
    pending: bool


class ModerationViewWriter(Protocol):
    """Moderation read models, changed inside the projector's transaction."""

    async def enqueue(self, item: QueueEntry, *, reported_at: str | None) -> None:
        """Put the comment in the queue, or count one more report on it if it is there."""
        ...

    async def dequeue(self, tenant_id: str, comment_id: str) -> None: ...
    async def add_report(
        self, tenant_id: str, comment_id: str, user_id: str, reason: str | None, at: str
    ) -> None: ...
    async def clear_reports(self, tenant_id: str, comment_id: str) -> None: ...
    async def set_ban(
        self, tenant_id: str, user_id: str, reason: str | None, expires_at: str | None, by: str, at: str
    ) -> None: ...
    async def lift_ban(self, tenant_id: str, user_id: str) -> None: ...
    async def set_thread_locked(
        self, tenant_id: str, entity_type: str, entity_id: str, locked: bool
    ) -> None: ...


class ProjectionTransaction(Protocol):
    views: CommentViewWriter
    moderation: ModerationViewWriter

    async def checkpoint(self, name: str) -> int:
        """The projection's position, locked so a second projector instance waits its turn."""
        ...

    async def set_checkpoint(self, name: str, position: int) -> None: ...
    async def commit(self) -> None: ...


class ProjectionStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ProjectionTransaction]: ...

    async def record_failure(self, name: str, position: int, error: str) -> None: ...

    async def status(self, name: str) -> ProjectionStatus: ...

    async def reset(self, name: str) -> None:
        """Empty the read model and rewind the checkpoint, for a rebuild from the log."""
        ...

    async def add_views(self, counts: dict[tuple[str, str], int]) -> None: ...


@dataclass(frozen=True, slots=True)
class ProjectionStatus:
    name: str
    position: int
    failed_position: int | None
    error: str | None
    updated_at: str | None


class PageCache(Protocol):
    """Cache-aside storage for prepared response bytes, with version tokens per scope.

    A page's key includes its scope's token; bumping the token after a projection commits makes
    every older page unreachable at once, so no page filled before the commit is served after it.
    """

    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl: float, scope: str | None = None) -> None:
        """Store a page; with ``scope``, a bump of that scope also deletes it (erased words must
        not linger in the cache until the TTL)."""
        ...

    async def claim(self, key: str, ttl: float) -> bool:
        """Whether this caller should rebuild ``key`` (others wait for it): stampede protection."""
        ...

    async def token(self, scope: str) -> str: ...

    async def current(self, scope: str, head: str, tail: str) -> bytes | None:
        """The page stored under ``head + <scope's current token> + tail``, in one round trip: the
        hot path of a cached read. ``None`` when there is no token yet or no such page."""
        ...

    async def bump(self, scopes: Iterable[str]) -> None: ...
    async def bump_epoch(self) -> None:
        """Make every page unreachable; called when a projector starts (it may follow a crash)."""
        ...


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where a keyset page starts: the last row of the previous page, in sort order."""

    is_pinned: bool
    like_count: int
    created_seq: int


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    root_count: int
    locked: bool


class CommentReader(Protocol):
    """Read-model queries. Rows come back as plain dicts in the API's field names."""

    async def by_id(self, tenant_id: str, comment_id: str) -> JsonObject | None: ...

    async def page(
        self,
        tenant_id: str,
        entity_type: str,
        entity_id: str,
        parent_id: str | None,
        sort: str,
        after: PageKey | None,
        offset: int,
        limit: int,
    ) -> list[JsonObject]: ...

    async def children(
        self, tenant_id: str, entity_type: str, entity_id: str, parent_ids: Sequence[str], per_parent: int
    ) -> list[JsonObject]: ...

    async def thread_summary(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadSummary: ...

    async def counts(self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]) -> dict[str, int]: ...

    async def liked_among(self, tenant_id: str, user_id: str, comment_ids: Sequence[str]) -> set[str]: ...

    async def edits(self, tenant_id: str, comment_id: str) -> list[JsonObject]: ...

    async def search(
        self,
        tenant_id: str,
        query: SearchQuery,
        *,
        entity_type: str | None,
        entity_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[JsonObject], int]: ...

    async def projection_position(self, name: str) -> int: ...

    def fresh(self) -> CommentReader:
        """A reader that never lags the projection (no replicas): for read-your-writes."""
        ...


class ModerationReader(Protocol):
    """The moderation read models: always fresh (primary read database)."""

    async def queue(
        self, tenant_id: str, *, kind: str | None, after_seq: int, limit: int
    ) -> list[JsonObject]: ...

    async def unpublished_in_thread(
        self, tenant_id: str, entity_type: str, entity_id: str, owner_id: str | None, limit: int
    ) -> list[JsonObject]: ...

    async def bans(self, tenant_id: str, now: str, *, after_user: str, limit: int) -> list[JsonObject]: ...


class TenantDirectory(Protocol):
    async def get(self, tenant_id: str) -> Tenant | None: ...
    async def by_name(self, name: str) -> Tenant | None: ...
    async def all(self) -> list[Tenant]: ...
    async def create(self, name: str) -> Tenant: ...
    async def set_status(self, tenant_id: str, status: TenantStatus) -> Tenant: ...
    async def set_claims(self, tenant_id: str, issuer: str | None, audience: str | None) -> Tenant: ...
    async def add_key(
        self, tenant_id: str, algorithm: KeyAlgorithm, public_key: str | None = None
    ) -> tuple[Tenant, SigningKey]: ...
    async def retire_key(self, tenant_id: str, key_id: str) -> Tenant: ...
    async def set_settings(self, tenant_id: str, settings: TenantSettings) -> Tenant: ...


class ViewCounter(Protocol):
    """Counts a viewer once per window, outside the event log (views would flood it), and hands
    the counts over in batches for the read model."""

    async def record(self, tenant_id: str, thread: str, viewer: str, comment_ids: Sequence[str]) -> None: ...

    async def push(self) -> None:
        """Hand views this process buffered to the shared store (a no-op where there is none)."""
        ...

    async def drain(self) -> dict[tuple[str, str], int]:
        """Take the counts gathered since the last drain: (tenant_id, comment_id) -> views."""
        ...


class RateLimiter(Protocol):
    """Abuse limits per tenant, per user and per client address, separately for reads and writes."""

    async def check(self, kind: str, tenant_id: str, identities: Sequence[str]) -> int | None:
        """Count one request; ``None`` when allowed, else the seconds to wait before retrying."""
        ...
