"""Report a comment to the moderators. Each user reports a comment once; a repeat changes nothing.
Each (comment, reporter) report is its own aggregate, so reports never contend with edits."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import visible_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import ReportComment
from threadline.domain.errors import CommentDeleted, CommentPending
from threadline.domain.events import CommentReported
from threadline.domain.rules import valid_reason


async def report_comment(
    cmd: ReportComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    actor = ctx.actor
    reason = valid_reason(cmd.reason, required=True)
    assert reason is not None
    comment = await visible_comment(uow, actor, cmd.comment_id, for_update=False)
    ensure_allowed(actor, Action.REPORT, comment.author_id)
    if comment.is_pending:
        raise CommentPending()  # already in front of the moderators
    if not comment.is_live:
        raise CommentDeleted()
    if not await uow.moderation.add_report(actor.tenant_id, comment.id, actor.user_id, reason, ctx.now):
        return Decision(comment)
    event = CommentReported(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
        user_id=actor.user_id,
        reason=reason,
    )
    return Decision(comment, [PendingEvent(event, f"{comment.id}/report/{actor.user_id}", 1)])
