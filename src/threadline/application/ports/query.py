"""The query side's ports: the read model as queries see it, and the page cache in front of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from threadline.application.client_comment import ClientComment
from threadline.domain.search_query import SearchQuery, SearchWindow
from threadline.domain.text_diff import DiffOp


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


@dataclass
class CommentRow(ClientComment[int]):
    """A comment as the read model holds it: what a client sees, then what only the server may
    know. The internal fields start with an underscore because orjson never serializes such a
    field, so a row can be sent as it is and they still never leave the server (a unit test
    pins that). Plain dataclass for the reason ``ClientComment`` gives."""

    _created_seq: int
    _owner_id: str | None

    @property
    def created_seq(self) -> int:
        """The position of its ``CommentCreated``: the strictly increasing sort key of a thread."""
        return self._created_seq

    @property
    def owner_id(self) -> str | None:
        """Who may edit it and read its history; kept on tombstones, cleared by an erasure."""
        return self._owner_id


@dataclass
class ThreadNode(CommentRow):
    """A comment on a thread page, with the replies nested under it (empty until they are).
    The fields after the row's are keyword-only, so a row tuple fills exactly the row's."""

    replies: list[ThreadNode] = field(kw_only=True)


@dataclass
class SearchHit(CommentRow):
    snippet: str = field(kw_only=True)  # HTML-escaped text with <mark> around the matches
    rank: float = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class EditRecord:
    previous_content: str | None
    new_content: str | None
    editor_id: str
    edited_at: str
    # The word diff between the two contents: the query side computes it (``domain/text_diff``).
    diff: Sequence[DiffOp] = ()


@dataclass(frozen=True, slots=True)
class Report:
    user_id: str
    reason: str | None
    reported_at: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A comment waiting for a moderator, with its latest open reports."""

    comment: CommentRow
    pending: bool
    report_count: int
    last_reported_at: str | None
    reports: list[Report]
    _queued_seq: int  # never sent (orjson skips it): the queue's keyset cursor

    @property
    def queued_seq(self) -> int:
        return self._queued_seq


@dataclass(frozen=True, slots=True)
class BannedUser:
    user_id: str
    reason: str | None
    expires_at: str | None
    banned_by: str
    banned_at: str


@dataclass(frozen=True, slots=True)
class LockedThread:
    entity_type: str
    entity_id: str
    reason: str | None
    locked_by: str
    locked_at: str
    _locked_seq: int  # never sent (orjson skips it): the list's keyset cursor

    @property
    def locked_seq(self) -> int:
        return self._locked_seq


class CommentReader(Protocol):
    """Read-model queries, returning typed rows that serialize to the API's JSON as they are."""

    async def by_id(self, tenant_id: str, comment_id: str) -> CommentRow | None: ...

    async def by_ids(self, tenant_id: str, comment_ids: Sequence[str]) -> list[CommentRow]:
        """``by_id`` for many comments at once, in no particular order; the missing are left out."""
        ...

    async def prepared_page(self, tenant_id: str, entity_type: str, entity_id: str, key: str) -> bytes | None:
        """The projector's prepared page under ``key`` (``prepared_key``: a sort and a shape), as
        ``ids\nbody``, if it has one."""
        ...

    async def prepared_comment(self, tenant_id: str, comment_id: str) -> bytes | None:
        """The projector's by-id document of a comment the public may read, if it has one."""
        ...

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
    ) -> list[ThreadNode]: ...

    async def children(
        self, tenant_id: str, entity_type: str, entity_id: str, parent_ids: Sequence[str], per_parent: int
    ) -> list[ThreadNode]: ...

    async def thread_summary(self, tenant_id: str, entity_type: str, entity_id: str) -> ThreadSummary: ...

    async def counts(self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]) -> dict[str, int]: ...

    async def liked_among(self, tenant_id: str, user_id: str, comment_ids: Sequence[str]) -> set[str]: ...

    async def edits(self, tenant_id: str, comment_id: str) -> list[EditRecord]: ...

    async def search(
        self,
        tenant_id: str,
        query: SearchQuery,
        *,
        entity_type: str | None,
        entity_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[SearchHit], SearchWindow]: ...

    async def projection_position(self, name: str) -> int: ...

    def fresh(self) -> CommentReader:
        """A reader that never lags the projection (no replicas): for read-your-writes."""
        ...


class ModerationReader(Protocol):
    """The moderation read models: always fresh (primary read database)."""

    async def queue(
        self, tenant_id: str, *, kind: str | None, after_seq: int, limit: int
    ) -> list[QueueItem]: ...

    async def unpublished_in_thread(
        self, tenant_id: str, entity_type: str, entity_id: str, owner_id: str | None, limit: int
    ) -> list[CommentRow]: ...

    async def bans(self, tenant_id: str, now: str, *, after_user: str, limit: int) -> list[BannedUser]: ...

    async def any_comment(self, tenant_id: str, comment_id: str) -> CommentRow | None:
        """The comment in whatever state the read model keeps it, a deleted one that left its
        thread included (as its tombstone); ``None`` once erased without a trace, or never there."""
        ...

    async def comments_of(
        self, tenant_id: str, owner_id: str, *, before_seq: int | None, limit: int
    ) -> list[CommentRow]:
        """A user's comments in any state the read model keeps (as ``any_comment``), newest
        first, created before ``before_seq`` if given."""
        ...

    async def ban_of(self, tenant_id: str, user_id: str, now: str) -> BannedUser | None:
        """The user's ban in force at ``now``, if any."""
        ...

    async def user_action_positions(
        self, tenant_id: str, user_id: str, *, before: int | None, limit: int
    ) -> list[int]:
        """Log positions of the actions on the user and their comments, newest first."""
        ...

    async def locks(self, tenant_id: str, *, before_seq: int | None, limit: int) -> list[LockedThread]:
        """Threads locked now, the newest lock first, locked before ``before_seq`` if given."""
        ...
