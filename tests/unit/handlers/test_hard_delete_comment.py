"""Hard deletes: admins only, and nothing of the words or the author left behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.handlers.harness import ADMIN, ALICE, BOB, MOD, TENANT, Harness, new_id
from threadline.application.command_runner import (
    Handler,
)
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.pin_comment import pin_comment, unpin_comment
from threadline.application.commands.update_comment import update_comment
from threadline.domain.commands import (
    CreateComment,
    DeleteComment,
    HardDeleteComment,
    LikeComment,
    PinComment,
    UnlikeComment,
    UnpinComment,
    UpdateComment,
)
from threadline.domain.comment import Status
from threadline.domain.errors import (
    CommentNotFound,
    IdempotencyConflict,
    InvalidCommand,
    PermissionDenied,
)
from threadline.domain.identity import Actor


@pytest.mark.parametrize("who", [ALICE, MOD])
async def test_only_admins_may_hard_delete_even_their_own_comment(h: Harness, who: Actor) -> None:
    comment = await h.create(who)
    with pytest.raises(PermissionDenied):
        await h.run(hard_delete_comment, HardDeleteComment(comment.id, "gdpr"), who)
    assert h.comment(comment.id).status is Status.ACTIVE and len(h.events) == 1


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
async def test_hard_delete_requires_a_reason(h: Harness, reason: str) -> None:
    comment = await h.create()
    with pytest.raises(InvalidCommand):
        await h.run(hard_delete_comment, HardDeleteComment(comment.id, reason), ADMIN)
    assert h.comment(comment.id).status is Status.ACTIVE and len(h.events) == 1


async def test_hard_delete_erases_content_likes_and_personal_data_from_the_log(h: Harness) -> None:
    comment = await h.create(ALICE, "secret words")
    other = await h.create(BOB, "bystander")
    await h.run(update_comment, UpdateComment(comment.id, "more secret words"), ALICE)
    await h.run(like_comment, LikeComment(comment.id), BOB)
    await h.run(like_comment, LikeComment(other.id), ALICE)
    await h.run(delete_comment, DeleteComment(comment.id, "regret"), ALICE)

    outcome = await h.run(hard_delete_comment, HardDeleteComment(comment.id, "  GDPR request "), ADMIN)

    assert outcome.changed
    uow = h.db.last_uow
    assert uow is not None
    assert (TENANT, comment.id) in uow.fake_comments.purged
    assert (TENANT, comment.id) in uow.fake_events.redacted
    stored = h.comment(comment.id)
    assert stored.status is Status.HARD_DELETED
    assert (stored.content, stored.author_name, stored.author_avatar) == (None, None, None)
    assert not stored.is_pinned
    assert h.likers(comment.id) == set()
    assert h.likers(other.id) == {"alice"}
    for event in h.events_of(comment.id):
        text = repr(event.payload)
        assert "secret" not in text and "Alice" not in text and "alice.png" not in text
        assert "regret" not in text
    created = h.events_of(comment.id)[0].payload
    assert (created["comment_id"], created["entity_id"], created["depth"]) == (comment.id, "p1", 0)
    assert h.events_of(other.id)[0].payload["content"] == "bystander"
    audit = h.events[-1]
    assert (audit.event_type, audit.payload["reason"]) == ("CommentHardDeleted", "GDPR request")
    assert audit.metadata["actor_id"] == "ada"


async def test_hard_delete_leaves_no_content_derived_fingerprint_behind(h: Harness) -> None:
    comment = await h.create(ALICE, "guessable")
    fingerprint = h.comment(comment.id).request_fingerprint
    await h.run(hard_delete_comment, HardDeleteComment(comment.id, "gdpr"), ADMIN)
    # A hash of short content is the content to anyone who can guess it: it must not survive.
    assert h.comment(comment.id).request_fingerprint != fingerprint


async def test_retrying_the_create_of_an_erased_comment_does_not_bring_it_back(h: Harness) -> None:
    command = CreateComment(new_id(), "post", "p1", "erase me")
    await h.run(create_comment, command, ALICE)
    await h.run(hard_delete_comment, HardDeleteComment(command.comment_id, "gdpr"), ADMIN)
    with pytest.raises(IdempotencyConflict):
        await h.run(create_comment, command, ALICE)
    assert h.comment(command.comment_id).status is Status.HARD_DELETED
    assert len(h.events) == 2


async def test_hard_delete_keeps_replies_under_the_erased_comment(h: Harness) -> None:
    root = await h.create()
    reply = await h.create(BOB, "still here", parent_id=root.id)
    await h.run(hard_delete_comment, HardDeleteComment(root.id, "spam"), ADMIN)
    kept = h.comment(reply.id)
    assert (kept.status, kept.content, kept.parent_id) == (Status.ACTIVE, "still here", root.id)
    assert h.events_of(reply.id)[0].payload["content"] == "still here"


@pytest.mark.parametrize(
    ("handler", "make_command"),
    [
        (update_comment, lambda cid: UpdateComment(cid, "zombie")),
        (delete_comment, lambda cid: DeleteComment(cid)),
        (hard_delete_comment, lambda cid: HardDeleteComment(cid, "again")),
        (like_comment, lambda cid: LikeComment(cid)),
        (unlike_comment, lambda cid: UnlikeComment(cid)),
        (pin_comment, lambda cid: PinComment(cid)),
        (unpin_comment, lambda cid: UnpinComment(cid)),
    ],
)
async def test_a_hard_deleted_comment_is_not_found_for_every_command(
    h: Harness, handler: Handler[Any], make_command: Callable[[str], object]
) -> None:
    comment = await h.create(ADMIN)
    await h.run(hard_delete_comment, HardDeleteComment(comment.id, "spam"), ADMIN)
    with pytest.raises(CommentNotFound):
        await h.run(handler, make_command(comment.id), ADMIN)
    assert len(h.events) == 2
