"""One comment by id, cached as bytes under the comment's own version token."""

from __future__ import annotations

import orjson

from threadline.application.ports import CommentReader, JsonObject, PageCache
from threadline.application.queries.cache_aside import cache_aside
from threadline.application.queries.cache_scopes import comment_scope
from threadline.domain.errors import CommentNotFound
from threadline.domain.rules import comment_id_is_valid


def public_node(node: JsonObject) -> JsonObject:
    """Strip the read-model internals a client must never see."""
    node.pop("created_seq", None)
    node.pop("owner_id", None)
    return node


async def load_comment(tenant_id: str, comment_id: str, reader: CommentReader) -> JsonObject:
    """The comment with its internal fields (``owner_id``, ``created_seq``), or 404."""
    node = await reader.by_id(tenant_id, comment_id_is_valid(comment_id))
    if node is None:
        raise CommentNotFound()
    return node


async def comment_by_id(
    tenant_id: str, comment_id: str, reader: CommentReader, cache: PageCache | None, ttl: float
) -> bytes:
    comment_id = comment_id_is_valid(comment_id)
    if cache is None:
        return orjson.dumps(public_node(await load_comment(tenant_id, comment_id, reader)))
    scope = comment_scope(tenant_id, comment_id)
    token = await cache.token(scope)

    async def build() -> bytes:
        return orjson.dumps(public_node(await load_comment(tenant_id, comment_id, reader)))

    return await cache_aside(cache, f"comment\x1f{token}", ttl, build, scope=scope)
