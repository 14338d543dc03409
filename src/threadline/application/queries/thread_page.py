"""A page of a thread: root comments (or a comment's direct replies) with replies nested.

Roots are paginated and replies nested under them, never a flattened LIMIT over the whole
tree that would cut replies off from their parents. Each node keeps ``reply_count`` so a
client can load what was not nested. The page is serialized once, straight from the reader's
rows (no copy into dicts), and cached as bytes under the thread's version token.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import overload

import orjson

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.query import CommentReader, PageCache, PageKey, ThreadNode
from threadline.application.queries.cache_aside import cache_aside
from threadline.application.queries.cache_scopes import thread_scope
from threadline.application.queries.cursor import decode_cursor, encode_cursor, query_fingerprint


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    POPULAR = "popular"


@dataclass(frozen=True, slots=True)
class PageShape:
    """How much of a thread a page holds: roots per page, levels of replies, replies per comment."""

    limit: int
    depth: int
    replies_per_comment: int

    def within(self, max_limit: int, max_depth: int) -> PageShape:
        """The shape as this deployment serves it: the limit and depth capped by its settings."""
        return PageShape(min(self.limit, max_limit), min(self.depth, max_depth), self.replies_per_comment)


# What a reader gets who asks for nothing in particular (the paging parameters' defaults): the
# shape of the pages the projector prepares, first page of every sort.
DEFAULT_SHAPE = PageShape(limit=20, depth=3, replies_per_comment=5)


@dataclass(frozen=True, slots=True)
class ThreadPageQuery:
    tenant_id: str
    entity_type: str
    entity_id: str
    parent_id: str | None
    parent_reply_count: int
    sort: Sort
    limit: int
    page: int
    cursor: str | None
    depth: int
    replies_per_comment: int


PREPARED_KEY_LENGTH = 16  # the width of prepared_pages.sort


def prepared_key(sort: Sort, shape: PageShape) -> str:
    """Which prepared page a row holds: its sort and the shape it was rendered at, so a page of
    another shape (settings changed, or a projector configured differently from the API) is never
    served for this one. ``popular:20.3.5``."""
    key = f"{sort.value}:{shape.limit}.{shape.depth}.{shape.replies_per_comment}"
    if len(key) > PREPARED_KEY_LENGTH:
        raise ValueError(f"a page shape too large to prepare: {key}")
    return key


def default_page(
    tenant_id: str, entity_type: str, entity_id: str, sort: Sort, shape: PageShape
) -> ThreadPageQuery:
    """The first page of a thread in one sort at the prepared shape."""
    return ThreadPageQuery(
        tenant_id=tenant_id,
        entity_type=entity_type,
        entity_id=entity_id,
        parent_id=None,
        parent_reply_count=0,
        sort=sort,
        limit=shape.limit,
        page=1,
        cursor=None,
        depth=shape.depth,
        replies_per_comment=shape.replies_per_comment,
    )


def is_prepared(query: ThreadPageQuery, shape: PageShape | None) -> bool:
    """Whether the projector keeps this page ready as bytes (``prepared_thread_page``)."""
    return shape is not None and query == default_page(
        query.tenant_id, query.entity_type, query.entity_id, query.sort, shape
    )


class CommentIds(Sequence[str]):
    """The ids on a cached page, decoded only if asked for: a viewer already counted never is."""

    __slots__ = ("_blob", "_ids")

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._ids: tuple[str, ...] | None = None

    def _decoded(self) -> tuple[str, ...]:
        if self._ids is None:
            self._ids = tuple(self._blob.decode().split(",")) if self._blob else ()
        return self._ids

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._decoded()[index]

    def __len__(self) -> int:
        return len(self._decoded())


@dataclass(frozen=True, slots=True)
class PreparedPage:
    body: bytes
    comment_ids: Sequence[str]


async def build_thread_page(query: ThreadPageQuery, reader: CommentReader) -> PreparedPage:
    fingerprint = query_fingerprint(
        query.tenant_id, query.entity_type, query.entity_id, query.parent_id, query.sort.value
    )
    after: PageKey | None = None
    page = query.page
    if query.cursor:
        after, page = decode_cursor(query.cursor, fingerprint)
    offset = 0 if after is not None else (page - 1) * query.limit
    rows = await reader.page(
        query.tenant_id,
        query.entity_type,
        query.entity_id,
        query.parent_id,
        query.sort.value,
        after,
        offset,
        query.limit + 1,
    )
    has_more = len(rows) > query.limit
    nodes = rows[: query.limit]
    next_cursor = None
    if has_more:
        last = nodes[-1]
        key = PageKey(last.is_pinned, last.like_count, last.created_seq)
        next_cursor = encode_cursor(fingerprint, key, page + 1)

    ids = [node.id for node in nodes]
    level = nodes
    for _ in range(query.depth):
        parents = [node for node in level if node.reply_count > 0]
        if not parents:
            break
        children = await reader.children(
            query.tenant_id,
            query.entity_type,
            query.entity_id,
            [node.id for node in parents],
            query.replies_per_comment,
        )
        by_parent: dict[str | None, list[ThreadNode]] = defaultdict(list)
        for child in children:
            by_parent[child.parent_id].append(child)
        level = []
        for parent in parents:
            replies = by_parent.get(parent.id)
            if replies:
                parent.replies = replies
                level.extend(replies)
                ids.extend(reply.id for reply in replies)

    meta: JsonObject = {"page": page, "limit": query.limit}
    if query.parent_id is None:
        summary = await reader.thread_summary(query.tenant_id, query.entity_type, query.entity_id)
        total = summary.root_count
        meta["locked"] = summary.locked  # clients hide the reply box of a locked thread
    else:
        total = query.parent_reply_count
    meta.update(total=total, total_pages=(total + query.limit - 1) // query.limit, next_cursor=next_cursor)
    body = {"data": nodes, "meta": meta}
    return PreparedPage(orjson.dumps(body), tuple(ids))


PAGE_KEY_HEAD = "page\x1f"


def page_key_tail(query: ThreadPageQuery) -> str:
    """What follows the scope's token in a page's cache key: everything that shapes the page."""
    parts = (
        query.parent_id or "",
        query.sort.value,
        str(query.limit),
        str(query.page),
        query.cursor or "",
        str(query.depth),
        str(query.replies_per_comment),
    )
    return "\x1f" + "\x1f".join(parts)


def page_cache_key(query: ThreadPageQuery, token: str) -> str:
    return PAGE_KEY_HEAD + token + page_key_tail(query)


def stored_page(page: PreparedPage) -> bytes:
    """A page as the cache and the prepared pages keep it: ``ids\nbody``."""
    return ",".join(page.comment_ids).encode() + b"\n" + page.body


def _prepared(stored: bytes) -> PreparedPage:
    ids_blob, _, body = stored.partition(b"\n")
    return PreparedPage(body, CommentIds(ids_blob))


async def cached_page_at(scope: str, tail: str, cache: PageCache) -> PreparedPage | None:
    """The page if the cache holds it under the scope's current token; never builds one."""
    stored = await cache.current(scope, PAGE_KEY_HEAD, tail)
    return _prepared(stored) if stored is not None else None


async def _prepared_bytes(query: ThreadPageQuery, reader: CommentReader) -> bytes | None:
    shape = PageShape(query.limit, query.depth, query.replies_per_comment)
    return await reader.prepared_page(
        query.tenant_id, query.entity_type, query.entity_id, prepared_key(query.sort, shape)
    )


async def prepared_thread_page(
    query: ThreadPageQuery, reader: CommentReader, cache: PageCache | None, ttl: float
) -> PreparedPage | None:
    """A default page as the projector prepared it (one primary-key read), put into the cache too.

    The token is read before the page: a page read after a newer commit and stored under an older
    token is never asked for again (EVENT-LOG-NOTES §10). Prepared rows are written in the
    projector's batch transaction, with the checkpoint, so one read from the primary read database
    after the checkpoint reached a position has every change up to it (read-your-writes holds)."""
    scope = thread_scope(query.tenant_id, query.entity_type, query.entity_id)
    token = await cache.token(scope) if cache is not None else None
    stored = await _prepared_bytes(query, reader)
    if stored is None:
        return None
    if cache is not None and token is not None:
        await cache.set(PAGE_KEY_HEAD + token + page_key_tail(query), stored, ttl, scope)
    return _prepared(stored)


async def cached_thread_page(
    query: ThreadPageQuery,
    reader: CommentReader,
    cache: PageCache | None,
    ttl: float,
    *,
    wait: float = 0.25,
    prepared: PageShape | None = None,
) -> PreparedPage:
    """Cache-aside: the key carries the thread's token, so a projected change misses at once.
    Stored as ``ids\nbody``: the body is sent as is; the ids let likes be laid over it. A miss of
    a page of the ``prepared`` shape is the projector's prepared bytes when it has them."""
    from_projector = is_prepared(query, prepared)
    if cache is None:
        ready = await _prepared_bytes(query, reader) if from_projector else None
        return _prepared(ready) if ready is not None else await build_thread_page(query, reader)
    scope = thread_scope(query.tenant_id, query.entity_type, query.entity_id)
    tail = page_key_tail(query)
    hit = await cached_page_at(scope, tail, cache)
    if hit is not None:
        return hit
    token = await cache.token(scope)

    async def build() -> bytes:
        ready = await _prepared_bytes(query, reader) if from_projector else None
        return ready if ready is not None else stored_page(await build_thread_page(query, reader))

    stored = await cache_aside(cache, PAGE_KEY_HEAD + token + tail, ttl, build, wait=wait, scope=scope)
    return _prepared(stored)
