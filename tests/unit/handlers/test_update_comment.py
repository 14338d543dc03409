"""Editing a comment: who may, what counts as a change."""

from __future__ import annotations

import uuid

import pytest

from tests.unit.handlers.harness import ADMIN, ALICE, BOB, MOD, Harness
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.update_comment import update_comment
from threadline.domain.commands import (
    DeleteComment,
    UpdateComment,
)
from threadline.domain.errors import (
    CommentDeleted,
    CommentNotFound,
    InvalidCommand,
    InvalidContent,
    PermissionDenied,
)
from threadline.domain.identity import Actor


async def test_author_edits_content_and_the_edit_is_recorded(h: Harness) -> None:
    comment = await h.create(content="first")
    outcome = await h.run(update_comment, UpdateComment(comment.id, "  second  "), ALICE)

    stored = h.comment(comment.id)
    assert outcome.changed
    assert (stored.content, stored.version) == ("second", 2)
    assert stored.edited_at is not None and stored.updated_at == stored.edited_at
    event = h.events[-1]
    assert (event.event_type, event.aggregate_id, event.aggregate_version) == (
        "CommentUpdated",
        comment.id,
        2,
    )
    assert event.payload["content"] == "second" and event.payload["editor_id"] == "alice"


async def test_someone_else_may_not_edit_a_users_comment(h: Harness) -> None:
    comment = await h.create(content="first")
    with pytest.raises(PermissionDenied):
        await h.run(update_comment, UpdateComment(comment.id, "hijacked"), BOB)
    assert h.comment(comment.id).content == "first" and len(h.events) == 1


@pytest.mark.parametrize("staff", [MOD, ADMIN])
async def test_moderators_and_admins_may_edit_anyones_comment(h: Harness, staff: Actor) -> None:
    comment = await h.create(content="first")
    await h.run(update_comment, UpdateComment(comment.id, "moderated"), staff)
    assert h.comment(comment.id).content == "moderated"
    assert h.events[-1].payload["editor_id"] == staff.user_id


async def test_editing_to_the_same_content_is_a_no_op(h: Harness) -> None:
    comment = await h.create(content="same")
    outcome = await h.run(update_comment, UpdateComment(comment.id, " same\n"), ALICE)
    assert not outcome.changed
    assert h.comment(comment.id).version == 1 and h.comment(comment.id).edited_at is None
    assert len(h.events) == 1 and len(h.bus.published) == 1


async def test_editing_a_deleted_comment_is_comment_deleted(h: Harness) -> None:
    comment = await h.create()
    await h.run(delete_comment, DeleteComment(comment.id), ALICE)
    with pytest.raises(CommentDeleted):
        await h.run(update_comment, UpdateComment(comment.id, "back"), ALICE)


async def test_editing_with_invalid_content_is_invalid_content(h: Harness) -> None:
    comment = await h.create()
    for content in ["", "   ", "bell\x07", "y" * 10_001]:
        with pytest.raises(InvalidContent):
            await h.run(update_comment, UpdateComment(comment.id, content), ALICE)
    assert h.comment(comment.id).content == "hello"


@pytest.mark.parametrize("comment_id", [str(uuid.UUID(int=7)), "garbage"])
async def test_editing_a_missing_or_malformed_id_is_refused(h: Harness, comment_id: str) -> None:
    with pytest.raises((CommentNotFound, InvalidCommand)):
        await h.run(update_comment, UpdateComment(comment_id, "x"), ALICE)
