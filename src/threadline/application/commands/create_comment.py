"""Create a root comment or a reply; a retry with the same client id returns the same comment."""

from __future__ import annotations

from threadline.application.command_runner import CommandContext, CommandPolicy, Decision
from threadline.application.commands.loading import ensure_actor_not_banned
from threadline.application.ports.write import UnitOfWork
from threadline.domain.authorization import Action, ensure_allowed, may_see
from threadline.domain.commands import CreateComment
from threadline.domain.comment import Comment, Status, create_fingerprint, is_unpublished
from threadline.domain.errors import (
    EntityTypeNotAllowed,
    IdempotencyConflict,
    ParentNotFound,
    ParentNotLive,
)
from threadline.domain.identity import Role
from threadline.domain.moderation import ensure_thread_open
from threadline.domain.rules import (
    valid_comment_id,
    valid_content,
    valid_entity_id,
    valid_entity_type,
)


def validated(cmd: CreateComment) -> CreateComment:
    return CreateComment(
        comment_id=valid_comment_id(cmd.comment_id),
        entity_type=valid_entity_type(cmd.entity_type),
        entity_id=valid_entity_id(cmd.entity_id),
        content=valid_content(cmd.content),
        content_format=cmd.content_format,
        parent_id=valid_comment_id(cmd.parent_id) if cmd.parent_id is not None else None,
    )


async def create_comment(
    cmd: CreateComment, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy
) -> Decision:
    actor = ctx.actor
    ensure_allowed(actor, Action.CREATE)
    cmd = validated(cmd)
    allowed_types = ctx.tenant_settings.allowed_entity_types
    if allowed_types is not None and cmd.entity_type not in allowed_types:
        raise EntityTypeNotAllowed(field="entity_type")
    fingerprint = create_fingerprint(actor.tenant_id, actor.user_id, cmd)

    existing = await uow.comments.get(actor.tenant_id, cmd.comment_id)
    if existing is not None:
        return _replay(existing, fingerprint)

    await ensure_actor_not_banned(uow, ctx.now, actor)
    ensure_thread_open(
        await uow.moderation.thread_lock(actor.tenant_id, cmd.entity_type, cmd.entity_id), actor
    )
    parent = None
    if cmd.parent_id is not None:
        parent = await uow.comments.get(actor.tenant_id, cmd.parent_id, for_update=True)
        same_thread = parent is not None and (parent.entity_type, parent.entity_id) == (
            cmd.entity_type,
            cmd.entity_id,
        )
        if parent is None or not same_thread or parent.status is Status.HARD_DELETED:
            raise ParentNotFound()  # an erased comment is gone for every purpose
        if not may_see(actor, parent.status, parent.author_id):
            raise ParentNotFound()  # someone else's pending comment does not exist for this user
        if is_unpublished(parent.status):
            raise ParentNotLive("the parent comment is not published")
        if not parent.is_live:
            raise ParentNotLive()

    comment, change = Comment.create(
        cmd,
        actor,
        parent=parent,
        max_depth=policy.max_reply_depth,
        fingerprint=fingerprint,
        pending=_needs_approval(ctx),
        now=ctx.now,
    )
    if not await uow.comments.add(comment):
        # Another request took the id between our read and our insert: judge it as a retry.
        raced = await uow.comments.get(actor.tenant_id, cmd.comment_id)
        assert raced is not None
        return _replay(raced, fingerprint)
    return Decision(comment, [change], created=True)


def _needs_approval(ctx: CommandContext) -> bool:
    """Pre-moderation holds back users' comments; a moderator's or admin's own go straight out."""
    return ctx.tenant_settings.premoderation and ctx.actor.role is Role.USER


def _replay(existing: Comment, fingerprint: str) -> Decision:
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict()
    return Decision(existing, [], created=True)
