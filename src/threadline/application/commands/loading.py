"""Loading the comment a command is about, and saving it with the change it made: the steps
every comment handler shares, written once."""

from __future__ import annotations

from threadline.application.command_runner import Decision
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import may_see
from threadline.domain.comment import Comment, Status
from threadline.domain.errors import CommentNotFound
from threadline.domain.events import PendingEvent
from threadline.domain.identity import Actor
from threadline.domain.moderation import ensure_not_banned
from threadline.domain.rules import valid_comment_id


async def existing_comment(
    uow: UnitOfWork, tenant_id: str, comment_id: str, *, for_update: bool = True
) -> Comment:
    """The comment, or ``comment_not_found``; a hard-deleted comment is gone for every purpose."""
    comment = await uow.comments.get(tenant_id, valid_comment_id(comment_id), for_update=for_update)
    if comment is None or comment.status is Status.HARD_DELETED:
        raise CommentNotFound()
    return comment


async def visible_comment(
    uow: UnitOfWork, actor: Actor, comment_id: str, *, for_update: bool = True
) -> Comment:
    """As ``existing_comment``, but a comment the actor may not see (someone else's pending or
    rejected one) is not found rather than forbidden, so its existence does not leak."""
    comment = await existing_comment(uow, actor.tenant_id, comment_id, for_update=for_update)
    if not may_see(actor, comment.status, comment.author_id):
        raise CommentNotFound()
    return comment


async def saved(uow: UnitOfWork, comment: Comment, change: PendingEvent | None) -> Decision:
    """Store the comment a transition changed, compare-and-set on the version it was loaded at
    (each transition bumps it exactly once); no change stores nothing and records nothing."""
    if change is None:
        return Decision(comment)
    await uow.comments.save(comment, change.aggregate_version - 1)
    return Decision(comment, [change])


async def ensure_actor_not_banned(uow: UnitOfWork, now: str, actor: Actor) -> None:
    ensure_not_banned(await uow.moderation.ban(actor.tenant_id, actor.user_id), now)
