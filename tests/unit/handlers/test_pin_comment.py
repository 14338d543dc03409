"""Pins: staff only, roots only, repeats are no-ops."""

from __future__ import annotations

import pytest

from tests.unit.handlers.harness import ADMIN, ALICE, MOD, Harness
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.pin_comment import pin_comment, unpin_comment
from threadline.domain.commands import (
    DeleteComment,
    PinComment,
    UnpinComment,
)
from threadline.domain.errors import (
    CommentDeleted,
    OnlyRootsCanBePinned,
    PermissionDenied,
)
from threadline.domain.identity import Actor


async def test_users_may_not_pin_even_their_own_comment(h: Harness) -> None:
    comment = await h.create(ALICE)
    with pytest.raises(PermissionDenied):
        await h.run(pin_comment, PinComment(comment.id), ALICE)
    with pytest.raises(PermissionDenied):
        await h.run(unpin_comment, UnpinComment(comment.id), ALICE)
    assert not h.comment(comment.id).is_pinned


@pytest.mark.parametrize("staff", [MOD, ADMIN])
async def test_staff_pin_and_unpin_a_root_and_repeats_are_no_ops(h: Harness, staff: Actor) -> None:
    comment = await h.create()
    assert (await h.run(pin_comment, PinComment(comment.id), staff)).changed
    assert h.comment(comment.id).is_pinned and h.comment(comment.id).version == 2
    assert not (await h.run(pin_comment, PinComment(comment.id), staff)).changed
    assert (await h.run(unpin_comment, UnpinComment(comment.id), staff)).changed
    assert not (await h.run(unpin_comment, UnpinComment(comment.id), staff)).changed
    assert not h.comment(comment.id).is_pinned
    assert [(e.event_type, e.aggregate_version) for e in h.events] == [
        ("CommentCreated", 1),
        ("CommentPinned", 2),
        ("CommentUnpinned", 3),
    ]


async def test_replies_cannot_be_pinned(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(parent_id=root.id)
    with pytest.raises(OnlyRootsCanBePinned):
        await h.run(pin_comment, PinComment(reply.id), MOD)
    assert not h.comment(reply.id).is_pinned and len(h.events) == 2


async def test_a_deleted_comment_cannot_be_pinned(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    with pytest.raises(CommentDeleted):
        await h.run(pin_comment, PinComment(comment.id), MOD)
