"""Lays the caller's own likes over a shared page, so pages are cached once for everyone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import orjson

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.query import CommentReader, CommentRow


def _mark(nodes: Iterable[JsonObject], liked: set[str]) -> None:
    for node in nodes:
        node["current_user_liked"] = node["id"] in liked
        replies = node.get("replies")
        if isinstance(replies, list):
            _mark(replies, liked)


async def overlay_likes(
    body: bytes,
    comment_ids: Sequence[str],
    tenant_id: str,
    user_id: str,
    reader: CommentReader,
    *,
    extra: JsonObject | None = None,
) -> bytes:
    """``extra`` adds top-level fields for this caller only (their unpublished comments)."""
    liked = await reader.liked_among(tenant_id, user_id, comment_ids)
    document = orjson.loads(body)
    if "data" in document:
        _mark(document["data"], liked)
    else:
        _mark([document], liked)
    if extra:
        document.update(extra)
    return orjson.dumps(document)


async def rows_with_likes(
    rows: Sequence[CommentRow], tenant_id: str, user_id: str, reader: CommentReader
) -> list[JsonObject]:
    """Rows as a by-id read answers them to a signed-in caller: with ``current_user_liked``."""
    liked = await reader.liked_among(tenant_id, user_id, [row.id for row in rows])
    documents: list[JsonObject] = orjson.loads(orjson.dumps(list(rows)))
    _mark(documents, liked)
    return documents
