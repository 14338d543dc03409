"""Soft delete: the comment leaves the thread, or stays as a tombstone while it has replies."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import visible_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import DeleteComment
from threadline.domain.comment import Status
from threadline.domain.events import CommentDeleted
from threadline.domain.rules import valid_reason


async def delete_comment(
    cmd: DeleteComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    reason = valid_reason(cmd.reason)
    comment = await visible_comment(uow, ctx.actor, cmd.comment_id)
    ensure_allowed(ctx.actor, Action.DELETE, comment.author_id)
    if comment.status not in (Status.ACTIVE, Status.PENDING):
        return Decision(comment)

    expected = comment.version
    comment.status = Status.DELETED
    comment.is_pinned = False
    comment.version += 1
    comment.updated_at = ctx.now
    await uow.comments.save(comment, expected)
    event = CommentDeleted(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
        reason=reason,
    )
    return Decision(comment, [PendingEvent(event, comment.id, comment.version)])
