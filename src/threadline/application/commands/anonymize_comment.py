"""Anonymize a comment whose author is being erased: the words stay in the thread, the name, the
avatar and the ownership go, from the write model, every event payload and the read model."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import existing_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import AnonymizeComment
from threadline.domain.events import CommentAnonymized


async def anonymize_comment(
    cmd: AnonymizeComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    ensure_allowed(ctx.actor, Action.ERASE_USER)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    if comment.author_id is None:
        return Decision(comment)
    expected = comment.version
    comment.author_id = comment.author_name = comment.author_avatar = comment.author_role = None
    comment.version += 1
    comment.updated_at = ctx.now
    await uow.comments.save(comment, expected)
    await uow.events.anonymize_comment(comment.tenant_id, comment.id)
    event = CommentAnonymized(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
    )
    return Decision(comment, [PendingEvent(event, comment.id, comment.version)])
