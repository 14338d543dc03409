"""The query side's ports: the read model as queries see it, and the page cache in front of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from threadline.application.ports.cross_cutting import JsonObject
from threadline.domain.search_query import SearchQuery


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
