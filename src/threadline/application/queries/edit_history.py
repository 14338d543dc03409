"""A comment's edit history: for its author and for staff, never for other users."""

from __future__ import annotations

from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.query import CommentReader
from threadline.application.queries.comment_by_id import load_comment
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.identity import Actor


async def edit_history(actor: Actor, comment_id: str, reader: CommentReader) -> list[JsonObject]:
    comment = await load_comment(actor.tenant_id, comment_id, reader, actor)
    author = comment.get("owner_id")
    ensure_allowed(actor, Action.READ_HISTORY, author if isinstance(author, str) else None)
    return await reader.edits(actor.tenant_id, str(comment["id"]))
