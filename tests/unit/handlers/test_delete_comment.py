"""Soft deletes: who may, tombstones, repeats."""

from __future__ import annotations

import pytest

from tests.unit.handlers.harness import ADMIN, ALICE, BOB, MOD, Harness, new_id
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.pin_comment import pin_comment
from threadline.domain.commands import (
    DeleteComment,
    PinComment,
)
from threadline.domain.comment import Status
from threadline.domain.errors import (
    CommentNotFound,
    InvalidCommand,
    PermissionDenied,
)
from threadline.domain.identity import Actor


async def test_author_soft_deletes_with_a_reason(h: Harness) -> None:
    comment = await h.create()
    outcome = await h.run(delete_comment, DeleteComment(comment.id, "  changed my mind "), ALICE)
    stored = h.comment(comment.id)
    assert outcome.changed and stored.status is Status.DELETED and stored.version == 2
    event = h.events[-1]
    assert (event.event_type, event.aggregate_version) == ("CommentDeleted", 2)
    assert event.payload["reason"] == "changed my mind"


async def test_soft_delete_reason_is_optional(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    assert h.events[-1].payload["reason"] is None


async def test_soft_delete_with_an_overlong_reason_is_refused(h: Harness) -> None:
    comment = await h.create()
    with pytest.raises(InvalidCommand):
        await h.run(delete_comment, DeleteComment(comment.id, "r" * 1_001), ALICE)
    assert h.comment(comment.id).status is Status.ACTIVE


async def test_another_user_may_not_delete_a_comment(h: Harness) -> None:
    comment = await h.create()
    with pytest.raises(PermissionDenied):
        await h.run(delete_comment, DeleteComment(comment.id), BOB)
    assert h.comment(comment.id).status is Status.ACTIVE


@pytest.mark.parametrize("staff", [MOD, ADMIN])
async def test_staff_may_delete_anyones_comment(h: Harness, staff: Actor) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id, "off-topic"), staff)
    assert h.comment(comment.id).status is Status.DELETED
    assert h.events[-1].metadata["actor_id"] == staff.user_id


async def test_deleting_twice_is_a_no_op(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    again = await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    assert not again.changed
    assert [e.event_type for e in h.events] == ["CommentCreated", "CommentDeleted"]
    assert h.comment(comment.id).version == 2


async def test_deleting_a_pinned_comment_unpins_it(h: Harness) -> None:
    comment = await h.create()
    await h.run(pin_comment, PinComment(comment.id), MOD)
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    assert not h.comment(comment.id).is_pinned


async def test_soft_delete_keeps_replies_in_place(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(BOB, parent_id=root.id)
    await h.run(delete_comment, DeleteComment(root.id), ALICE)
    assert h.comment(reply.id).status is Status.ACTIVE and h.comment(reply.id).parent_id == root.id


async def test_deleting_a_missing_comment_is_comment_not_found(h: Harness) -> None:
    with pytest.raises(CommentNotFound):
        await h.run(delete_comment, DeleteComment(new_id()), ADMIN)
