"""Approve and reject: a moderator's verdict on a pending or reported comment.

Approving publishes a pending comment, or keeps a reported one and dismisses its reports;
rejecting turns a pending comment down for good, or takes a live one down. Repeating either
changes nothing, so a retried verdict applies once.
"""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import existing_comment, saved
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import ApproveComment, RejectComment
from threadline.domain.errors import ParentNotLive
from threadline.domain.rules import valid_reason


async def approve_comment(
    cmd: ApproveComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    ensure_allowed(ctx.actor, Action.APPROVE)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    comment.ensure_approvable()  # refused before anything is written
    if comment.is_pending and comment.parent_id is not None:
        # Locked as a reply's create locks its parent, so a concurrent delete is ordered with it.
        parent = await uow.comments.get(comment.tenant_id, comment.parent_id, for_update=True)
        if parent is None or not parent.is_live:
            raise ParentNotLive("it replies to a comment that is gone: reject it instead")
    dismissed = await uow.moderation.dismiss_reports(comment.tenant_id, comment.id, ctx.now)
    return await saved(uow, comment, comment.approve(dismissed, ctx.now))


async def reject_comment(
    cmd: RejectComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    reason = valid_reason(cmd.reason)
    ensure_allowed(ctx.actor, Action.REJECT)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)
    change = comment.reject(reason, ctx.now)
    if change is not None:
        await uow.moderation.dismiss_reports(comment.tenant_id, comment.id, ctx.now)
    return await saved(uow, comment, change)
