"""Pin and unpin: staff only; pinned roots lead every sort. Repeating either is a no-op."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import visible_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import PinComment, UnpinComment
from threadline.domain.errors import CommentDeleted, CommentPending, OnlyRootsCanBePinned
from threadline.domain.events import CommentPinned, CommentUnpinned


async def _set_pinned(comment_id: str, pinned: bool, ctx: CommandContext, uow: UnitOfWork) -> Decision:
    ensure_allowed(ctx.actor, Action.PIN)
    comment = await visible_comment(uow, ctx.actor, comment_id)
    if pinned and comment.is_pending:
        raise CommentPending()
    if pinned and not comment.is_live:
        raise CommentDeleted()
    if pinned and comment.parent_id is not None:
        raise OnlyRootsCanBePinned()
    if comment.is_pinned == pinned:
        return Decision(comment)
    expected = comment.version
    comment.is_pinned = pinned
    comment.version += 1
    comment.updated_at = ctx.now
    await uow.comments.save(comment, expected)
    event_type = CommentPinned if pinned else CommentUnpinned
    event = event_type(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
    )
    return Decision(comment, [PendingEvent(event, comment.id, comment.version)])


async def pin_comment(
    cmd: PinComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    return await _set_pinned(cmd.comment_id, True, ctx, uow)


async def unpin_comment(
    cmd: UnpinComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    return await _set_pinned(cmd.comment_id, False, ctx, uow)
