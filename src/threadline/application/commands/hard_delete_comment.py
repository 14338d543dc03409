"""Erase a comment for good: write model, likes, history and event payloads lose its words.

The ``CommentHardDeleted`` event itself (who, when, why) stays as the audit record.
"""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import existing_comment
from threadline.application.ports.write import PendingEvent, UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed
from threadline.domain.commands import HardDeleteComment
from threadline.domain.comment import Status
from threadline.domain.events import CommentHardDeleted
from threadline.domain.rules import valid_reason


async def hard_delete_comment(
    cmd: HardDeleteComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    reason = valid_reason(cmd.reason, required=True)
    assert reason is not None
    ensure_allowed(ctx.actor, Action.HARD_DELETE)
    comment = await existing_comment(uow, ctx.actor.tenant_id, cmd.comment_id)

    expected = comment.version
    comment.status = Status.HARD_DELETED
    comment.content = comment.author_name = comment.author_avatar = None
    # The create fingerprint hashes the content: a guess could be confirmed against it, so it goes too
    # (a retry of the original create now meets an idempotency conflict instead of the erased comment).
    comment.request_fingerprint = ""
    comment.is_pinned = False
    comment.version += 1
    comment.updated_at = ctx.now
    await uow.comments.save(comment, expected)
    await uow.comments.purge(comment.tenant_id, comment.id)
    await uow.events.redact_comment(comment.tenant_id, comment.id)
    event = CommentHardDeleted(
        comment_id=comment.id,
        entity_type=comment.entity_type,
        entity_id=comment.entity_id,
        occurred_at=ctx.now,
        reason=reason,
    )
    return Decision(comment, [PendingEvent(event, comment.id, comment.version)])
