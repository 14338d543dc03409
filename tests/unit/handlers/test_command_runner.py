"""The command runner: one transaction per command, rollback on failure, retries on conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.unit.fakes import FakeDatabase
from tests.unit.handlers.harness import ADMIN, ALICE, BOB, MOD, Harness, actor, new_id
from threadline.application.command_runner import (
    CommandContext,
    CommandPolicy,
    Decision,
    Handler,
)
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.pin_comment import pin_comment
from threadline.application.commands.update_comment import update_comment
from threadline.application.ports.write import UnitOfWork
from threadline.domain.commands import (
    CreateComment,
    DeleteComment,
    HardDeleteComment,
    LikeComment,
    PinComment,
    UnlikeComment,
    UpdateComment,
)
from threadline.domain.comment import Comment
from threadline.domain.errors import (
    ConcurrencyConflict,
    DomainError,
)
from threadline.domain.identity import Actor


async def _populated() -> tuple[Harness, Comment, Comment]:
    h = Harness()
    root = await h.create(ALICE, "root")
    reply = await h.create(BOB, "reply", parent_id=root.id)
    await h.run(like_comment, LikeComment(root.id), BOB)
    return h, root, reply


FAILING_COMMANDS: list[tuple[str, Callable[[Comment, Comment], tuple[Handler[Any], object, Actor]]]] = [
    ("bad content", lambda r, _: (update_comment, UpdateComment(r.id, "\x1b[31m"), ALICE)),
    ("not the author", lambda r, _: (update_comment, UpdateComment(r.id, "mine"), BOB)),
    ("delete by stranger", lambda r, _: (delete_comment, DeleteComment(r.id), BOB)),
    ("hard delete by moderator", lambda r, _: (hard_delete_comment, HardDeleteComment(r.id, "x"), MOD)),
    ("hard delete without reason", lambda r, _: (hard_delete_comment, HardDeleteComment(r.id, ""), ADMIN)),
    ("pin by user", lambda r, _: (pin_comment, PinComment(r.id), ALICE)),
    ("pin a reply", lambda _, c: (pin_comment, PinComment(c.id), MOD)),
    ("like missing", lambda r, _: (like_comment, LikeComment(str(uuid.UUID(int=3))), BOB)),
    (
        "idempotency conflict",
        lambda r, _: (create_comment, CreateComment(r.id, "post", "p1", "different"), ALICE),
    ),
    (
        "too deep",
        lambda _, c: (create_comment, CreateComment(new_id(), "post", "p1", "x", parent_id=c.id), ALICE),
    ),
]


@pytest.mark.parametrize("failing", [f for _, f in FAILING_COMMANDS], ids=[n for n, _ in FAILING_COMMANDS])
async def test_a_failed_command_appends_nothing_and_changes_nothing(
    failing: Callable[[Comment, Comment], tuple[Handler[Any], object, Actor]],
) -> None:
    h, root, reply = await _populated()
    h.policy = CommandPolicy(max_reply_depth=1)
    before, published = h.db.snapshot(), list(h.bus.published)
    handler, command, who = failing(root, reply)

    with pytest.raises(DomainError):
        await h.run(handler, command, who)

    assert h.db.state == before
    assert h.bus.published == published


async def test_a_failure_after_the_handler_wrote_rolls_every_write_back() -> None:
    h, root, _ = await _populated()
    before, published = h.db.snapshot(), list(h.bus.published)
    h.db.fail_appends = True

    with pytest.raises(RuntimeError):
        await h.run(hard_delete_comment, HardDeleteComment(root.id, "gdpr"), ADMIN)

    assert h.db.state == before
    assert h.comment(root.id).content == "root" and h.likers(root.id) == {"bob"}
    assert h.events_of(root.id)[0].payload["content"] == "root"
    assert h.bus.published == published


async def test_a_no_op_command_reports_the_head_position_and_publishes_nothing() -> None:
    h, root, _ = await _populated()
    published = list(h.bus.published)
    outcome = await h.run(unlike_comment, UnlikeComment(root.id), ALICE)
    assert not outcome.changed and outcome.position == h.events[-1].position
    assert h.bus.published == published


def counting(handler: Handler[Any], calls: list[int]) -> Handler[Any]:
    async def wrapped(command: Any, ctx: CommandContext, uow: UnitOfWork, policy: CommandPolicy) -> Decision:
        calls.append(1)
        return await handler(command, ctx, uow, policy)

    return wrapped


def concurrent_writer(
    h: Harness, work: Callable[[Harness], Awaitable[object]], *, times: int
) -> Callable[[FakeDatabase], Awaitable[None]]:
    """An ``on_enter`` hook: another command commits right after our transaction took its copy."""
    remaining = [times]

    async def hook(db: FakeDatabase) -> None:
        if remaining[0] == 0:
            return
        remaining[0] -= 1
        db.on_enter = None
        try:
            await work(h)
        finally:
            db.on_enter = hook

    return hook


async def test_a_concurrency_conflict_is_retried_on_fresh_state(h: Harness) -> None:
    comment = await h.create(ALICE, "first")
    other = Harness(db=h.db, bus=h.bus)
    h.db.on_enter = concurrent_writer(
        other, lambda o: o.run(update_comment, UpdateComment(comment.id, "by the moderator"), MOD), times=1
    )
    calls: list[int] = []

    outcome = await h.run(counting(update_comment, calls), UpdateComment(comment.id, "by alice"), ALICE)

    assert len(calls) == 2
    assert outcome.changed and h.comment(comment.id).content == "by alice"
    updates = [e for e in h.events if e.event_type == "CommentUpdated"]
    assert [(e.payload["content"], e.aggregate_version) for e in updates] == [
        ("by the moderator", 2),
        ("by alice", 3),
    ]
    assert h.comment(comment.id).version == 3


async def test_a_retried_like_is_counted_once(h: Harness) -> None:
    comment = await h.create()
    other = Harness(db=h.db, bus=h.bus)
    h.db.on_enter = concurrent_writer(
        other, lambda o: o.run(like_comment, LikeComment(comment.id), actor("carol")), times=1
    )
    await h.run(like_comment, LikeComment(comment.id), BOB)
    assert h.likers(comment.id) == {"bob", "carol"}
    assert [e.event_type for e in h.events].count("CommentLiked") == 2


async def test_the_runner_gives_up_after_its_retries_and_leaves_no_trace() -> None:
    h = Harness(retries=3)
    comment = await h.create(ALICE, "first")
    other = Harness(db=h.db, bus=h.bus)
    h.db.on_enter = concurrent_writer(
        other,
        lambda o: o.run(like_comment, LikeComment(comment.id), actor(f"fan-{len(o.events)}")),
        times=3,
    )
    calls: list[int] = []

    with pytest.raises(ConcurrencyConflict):
        await h.run(counting(update_comment, calls), UpdateComment(comment.id, "never lands"), ALICE)

    assert len(calls) == 3
    assert len(h.likers(comment.id)) == 3, "the other writer's commits all landed"
    assert h.comment(comment.id).content == "first"
    assert "CommentUpdated" not in [e.event_type for e in h.events]
