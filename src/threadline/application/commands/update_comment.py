"""Edit a comment's content; the same content again is a no-op, so a retry applies once."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import ensure_actor_not_banned, visible_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import UpdateComment
from threadline.domain.comment import Status
from threadline.domain.errors import CommentDeleted
from threadline.domain.events import CommentUpdated
from threadline.domain.rules import valid_content


async def update_comment(
    cmd: UpdateComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    content = valid_content(cmd.content)
    comment = await visible_comment(uow, ctx.actor, cmd.comment_id)
    ensure_allowed(ctx.actor, Action.UPDATE, comment.author_id)
    if comment.status not in (Status.ACTIVE, Status.PENDING):
        raise CommentDeleted()  # a pending comment may still be corrected before approval
    await ensure_actor_not_banned(uow, ctx.now, ctx.actor)
    if comment.content == content:
        return Decision(comment)

    expected = comment.version
    comment.content = content
    comment.version += 1
    comment.updated_at = comment.edited_at = ctx.now
    await uow.comments.save(comment, expected)
    event = CommentUpdated(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
        content=content,
        editor_id=ctx.actor.user_id,
    )
    return Decision(comment, [PendingEvent(event, comment.id, comment.version)])
