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


def _prepared(stored: bytes) -> PreparedPage:
    ids_blob, _, body = stored.partition(b"\n")
    return PreparedPage(body, CommentIds(ids_blob))


async def cached_page_at(scope: str, tail: str, cache: PageCache) -> PreparedPage | None:
    """The page if the cache holds it under the scope's current token; never builds one."""
    stored = await cache.current(scope, PAGE_KEY_HEAD, tail)
    return _prepared(stored) if stored is not None else None


async def cached_thread_page(
    query: ThreadPageQuery,
    reader: CommentReader,
    cache: PageCache | None,
    ttl: float,
    *,
    wait: float = 0.25,
) -> PreparedPage:
    """Cache-aside: the key carries the thread's token, so a projected change misses at once.
    Stored as ``ids\nbody``: the body is sent as is; the ids let likes be laid over it."""
    if cache is None:
        return await build_thread_page(query, reader)
    scope = thread_scope(query.tenant_id, query.entity_type, query.entity_id)
    tail = page_key_tail(query)
    hit = await cached_page_at(scope, tail, cache)
    if hit is not None:
        return hit
    token = await cache.token(scope)

    async def build() -> bytes:
        prepared = await build_thread_page(query, reader)
        return ",".join(prepared.comment_ids).encode() + b"\n" + prepared.body

    stored = await cache_aside(cache, PAGE_KEY_HEAD + token + tail, ttl, build, wait=wait, scope=scope)
    return _prepared(stored)
