"""Loading the comment a command is about, with the errors every handler shares."""

from __future__ import annotations

from threadline.application.ports import UnitOfWork
from threadline.domain.comment import Comment, Status
from threadline.domain.errors import CommentNotFound
from threadline.domain.rules import comment_id_is_valid


async def existing_comment(
    uow: UnitOfWork, tenant_id: str, comment_id: str, *, for_update: bool = True
) -> Comment:
    """The comment, or ``comment_not_found``; a hard-deleted comment is gone for every purpose."""
    comment = await uow.comments.get(tenant_id, comment_id_is_valid(comment_id), for_update=for_update)
    if comment is None or comment.status is Status.HARD_DELETED:
        raise CommentNotFound()
    return comment
