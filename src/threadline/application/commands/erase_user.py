"""Erase a user from a tenant, as the tenant chose: every comment they wrote is hard-deleted (its
words, their name and avatar leave every table and event payload; replies stay under
tombstones), or, in 'anonymize' mode, their published comments keep their words but lose their
name, avatar and owner (their unpublished or deleted ones are hard-deleted). Every like they
gave is withdrawn. Each step is its own idempotent command, so an interrupted erasure is
finished by running it again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from threadline.application.command_runner import CommandContext, CommandRunner
from threadline.application.commands.anonymize_comment import anonymize_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import unlike_comment
from threadline.domain.authorization import Action, ensure_allowed, ensure_may_erase
from threadline.domain.commands import AnonymizeComment, HardDeleteComment, UnlikeComment
from threadline.domain.errors import CommentNotFound
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import ErasureMode


class UserData(Protocol):
    async def comment_ids(self, tenant_id: str, user_id: str) -> list[str]: ...
    async def published_comment_ids(self, tenant_id: str, user_id: str) -> list[str]: ...
    async def liked_ids(self, tenant_id: str, user_id: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Erasure:
    user_id: str
    comments_erased: int
    likes_removed: int
    position: int


async def erase_user(
    user_id: str,
    ctx: CommandContext,
    runner: CommandRunner,
    data: UserData,
    *,
    users_may_erase_themselves: bool,
    mode: ErasureMode = ErasureMode.HARD_DELETE,
) -> Erasure:
    actor = ctx.actor
    ensure_may_erase(actor, user_id, users_may_erase_themselves)
    # Erasure acts with an admin's powers on the user's own comments, recorded under the requester.
    eraser = Actor(actor.tenant_id, actor.user_id, actor.name, actor.avatar, Role.ADMIN)

    def acting(who: Actor) -> CommandContext:
        """Each step is its own command, in the request's correlation and tenant settings."""
        return CommandContext(who, ctx.correlation_id, tenant_settings=ctx.tenant_settings)

    ensure_allowed(eraser, Action.HARD_DELETE)
    position, erased, unliked = 0, 0, 0
    kept: set[str] = set()
    if mode is ErasureMode.ANONYMIZE:
        kept = set(await data.published_comment_ids(actor.tenant_id, user_id))
    for comment_id in await data.comment_ids(actor.tenant_id, user_id):
        try:
            if comment_id in kept:
                outcome = await runner.run(
                    anonymize_comment,
                    AnonymizeComment(comment_id),
                    acting(eraser),
                )
            else:
                outcome = await runner.run(
                    hard_delete_comment,
                    HardDeleteComment(comment_id, "user erasure"),
                    acting(eraser),
                )
        except CommentNotFound:
            continue  # erased by a concurrent request
        position, erased = max(position, outcome.position), erased + 1
    liker = Actor(actor.tenant_id, user_id, user_id, None, Role.USER)
    for comment_id in await data.liked_ids(actor.tenant_id, user_id):
        try:
            outcome = await runner.run(
                unlike_comment,
                UnlikeComment(comment_id),
                acting(liker),
            )
        except CommentNotFound:
            continue
        position, unliked = max(position, outcome.position), unliked + int(outcome.changed)
    return Erasure(user_id, erased, unliked, position)
