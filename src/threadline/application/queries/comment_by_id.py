"""One comment by id, cached as bytes under the comment's own version token.

Only published comments (and tombstones) are cached and shown to everyone; the projector keeps
their documents prepared (``application/projection/prepared_pages.py``), so a miss is one
primary-key read of bytes, and only a comment without one is read and serialized here. A pending or
rejected comment is shown to its author and to moderators, read fresh each time, and is simply
not found for anyone else, so its existence does not leak. The reader's row is serialized as it
is: its internal fields (``owner_id``, ``created_seq``) are never sent.
"""

from __future__ import annotations

import orjson

from threadline.application.ports.query import CommentReader, CommentRow, PageCache
from threadline.application.queries.cache_aside import cache_aside
from threadline.application.queries.cache_scopes import comment_scope
from threadline.domain.authorization import may_see
from threadline.domain.comment import is_unpublished
from threadline.domain.errors import CommentNotFound
from threadline.domain.identity import Actor
from threadline.domain.rules import valid_comment_id


class _Unpublished(Exception):
    """Carries an unpublished comment out of a cache build, so it is never stored."""

    def __init__(self, row: CommentRow) -> None:
        super().__init__("unpublished")
        self.row = row


def may_read(viewer: Actor | None, row: CommentRow) -> bool:
    return may_see(viewer, row.status, row.owner_id)


async def load_comment(
    tenant_id: str, comment_id: str, reader: CommentReader, viewer: Actor | None = None
) -> CommentRow:
    """The comment with its internal fields (``owner_id``, ``created_seq``), or 404 if it does not
    exist for this viewer."""
    row = await reader.by_id(tenant_id, valid_comment_id(comment_id))
    if row is None or not may_read(viewer, row):
        raise CommentNotFound()
    return row


async def comment_by_id(
    tenant_id: str,
    comment_id: str,
    reader: CommentReader,
    cache: PageCache | None,
    ttl: float,
    viewer: Actor | None = None,
) -> bytes:
    comment_id = valid_comment_id(comment_id)
    if cache is None:
        prepared = await reader.prepared_comment(tenant_id, comment_id)
        if prepared is not None:
            return prepared
        return orjson.dumps(await load_comment(tenant_id, comment_id, reader, viewer))
    scope = comment_scope(tenant_id, comment_id)
    token = await cache.token(scope)

    async def build() -> bytes:
        prepared = await reader.prepared_comment(tenant_id, comment_id)
        if prepared is not None:
            return prepared  # published: the same document for everyone
        row = await reader.by_id(tenant_id, comment_id)
        if row is None:
            raise CommentNotFound()
        if is_unpublished(row.status):
            raise _Unpublished(row)
        return orjson.dumps(row)

    try:
        return await cache_aside(cache, f"comment\x1f{token}", ttl, build, scope=scope)
    except _Unpublished as unpublished:
        if not may_read(viewer, unpublished.row):
            raise CommentNotFound() from None
        return orjson.dumps(unpublished.row)
