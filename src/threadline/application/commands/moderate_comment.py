"""Approve and reject: a moderator's verdict on a pending or reported comment.

Approving publishes a pending comment, or keeps a reported one and dismisses its reports;
rejecting turns a pending comment down for good, or takes a live one down. Repeating either
changes nothing, so a retried verdict applies once.
"""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import existing_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import ApproveComment, RejectComment
from threadline.domain.comment import Comment, Status
from threadline.domain.errors import CommentDeleted, ParentNotLive
from threadline.domain.events import CommentApproved, CommentRejected, DomainEvent
from threadline.domain.rules import valid_reason


async def approve_comment(
    cmd: ApproveComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    ensure_allowed(ctx.actor, Action.APPROVE)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    was_pending = comment.is_pending
    if was_pending and comment.parent_id is not None:
        # Locked as a reply's create locks its parent, so a concurrent delete is ordered with it.
        parent = await uow.comments.get(comment.tenant_id, comment.parent_id, for_update=True)
        if parent is None or not parent.is_live:
            raise ParentNotLive("it replies to a comment that is gone: reject it instead")
    elif not was_pending and not comment.is_live:
        raise CommentDeleted()
    dismissed = await uow.moderation.dismiss_reports(comment.tenant_id, comment.id, ctx.now)
    if not was_pending and not dismissed:
        return Decision(comment)  # already published, nothing reported: nothing to approve
    comment.status = Status.ACTIVE
    return await _record(comment, ctx, uow, CommentApproved, reports_dismissed=dismissed)


async def reject_comment(
    cmd: RejectComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    reason = valid_reason(cmd.reason)
    ensure_allowed(ctx.actor, Action.REJECT)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    if comment.status not in (Status.PENDING, Status.ACTIVE):
        return Decision(comment)
    await uow.moderation.dismiss_reports(comment.tenant_id, comment.id, ctx.now)
    comment.status = Status.REJECTED
    comment.is_pinned = False
    return await _record(comment, ctx, uow, CommentRejected, reason=reason)


async def _record(
    comment: Comment, ctx: CommandContext, uow: UnitOfWork, event_type: type[DomainEvent], **fields: object
) -> Decision:
    expected = comment.version
    comment.version += 1
    comment.updated_at = ctx.now
    await uow.comments.save(comment, expected)
    event = event_type(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
        **fields,
    )
    return Decision(comment, [PendingEvent(event, comment.id, comment.version)])
