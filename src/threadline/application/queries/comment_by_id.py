"""One comment by id, cached as bytes under the comment's own version token.

Only published comments (and tombstones) are cached and shown to everyone. A pending or
rejected comment is shown to its author and to moderators, read fresh each time, and is simply
not found for anyone else, so its existence does not leak.
"""

from __future__ import annotations

import orjson

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.query import CommentReader, PageCache
from threadline.application.queries.cache_aside import cache_aside
from threadline.application.queries.cache_scopes import comment_scope
from threadline.domain.authorization import may_see
from threadline.domain.comment import is_unpublished
from threadline.domain.errors import CommentNotFound
from threadline.domain.identity import Actor
from threadline.domain.rules import valid_comment_id


class _Unpublished(Exception):
    """Carries an unpublished comment out of a cache build, so it is never stored."""

    def __init__(self, node: JsonObject) -> None:
        super().__init__("unpublished")
        self.node = node


def public_node(node: JsonObject) -> JsonObject:
    """Strip the read-model internals a client must never see."""
    node.pop("created_seq", None)
    node.pop("owner_id", None)
    return node


def may_read(viewer: Actor | None, node: JsonObject) -> bool:
    owner = node.get("owner_id")
    return may_see(viewer, str(node["status"]), owner if isinstance(owner, str) else None)


async def load_comment(
    tenant_id: str, comment_id: str, reader: CommentReader, viewer: Actor | None = None
) -> JsonObject:
    """The comment with its internal fields (``owner_id``, ``created_seq``), or 404 if it does not
    exist for this viewer."""
    node = await reader.by_id(tenant_id, valid_comment_id(comment_id))
    if node is None or not may_read(viewer, node):
        raise CommentNotFound()
    return node


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
        return orjson.dumps(public_node(await load_comment(tenant_id, comment_id, reader, viewer)))
    scope = comment_scope(tenant_id, comment_id)
    token = await cache.token(scope)

    async def build() -> bytes:
        node = await reader.by_id(tenant_id, comment_id)
        if node is None:
            raise CommentNotFound()
        if is_unpublished(str(node["status"])):
            raise _Unpublished(node)
        return orjson.dumps(public_node(node))

    try:
        return await cache_aside(cache, f"comment\x1f{token}", ttl, build, scope=scope)
    except _Unpublished as unpublished:
        if not may_read(viewer, unpublished.node):
            raise CommentNotFound() from None
        return orjson.dumps(public_node(unpublished.node))
