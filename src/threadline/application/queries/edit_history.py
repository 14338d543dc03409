"""A comment's edit history: for its author and for staff, never for other users. Each edit
carries its word diff, computed here from the two stored texts (none once they are erased)."""

from __future__ import annotations

from dataclasses import replace

from threadline.application.ports.query import CommentReader, EditRecord
from threadline.application.queries.comment_by_id import load_comment
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.identity import Actor
from threadline.domain.text_diff import word_diff


async def edit_history(actor: Actor, comment_id: str, reader: CommentReader) -> list[EditRecord]:
    comment = await load_comment(actor.tenant_id, comment_id, reader, actor)
    ensure_allowed(actor, Action.READ_HISTORY, comment.owner_id)
    edits = await reader.edits(actor.tenant_id, comment.id)
    return [replace(edit, diff=word_diff(edit.previous_content, edit.new_content)) for edit in edits]
