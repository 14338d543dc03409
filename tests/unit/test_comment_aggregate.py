"""The comment aggregate's transitions, without any storage: guards, no-ops and bookkeeping."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.domain.authorization import may_see
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.comment import Comment, Status, like_id, report_id
from threadline.domain.errors import CommentDeleted, CommentPending, DomainError, OnlyRootsCanBePinned
from threadline.domain.events import (
    CommentApproved,
    CommentCreated,
    CommentHardDeleted,
    CommentLiked,
    CommentReported,
    CommentUnliked,
    CommentUpdated,
    PendingEvent,
    ThreadLocked,
    ThreadUnlocked,
    UserBanned,
    UserUnbanned,
)
from threadline.domain.events import (
    CommentDeleted as CommentDeletedEvent,
)
from threadline.domain.identity import Actor, Role
from threadline.domain.moderation import Ban, ThreadLock, ban_id, thread_lock_id

ALICE = Actor("t1", "alice", "Alice", "https://img.test/a.png", Role.USER)
T0, T1 = "2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z"
ROOT_ID = "00000000-0000-4000-8000-000000000001"
REPLY_ID = "00000000-0000-4000-8000-000000000002"


def a_comment(status: Status = Status.ACTIVE, *, pinned: bool = False, reply: bool = False) -> Comment:
    comment_id, parent_id = (REPLY_ID, ROOT_ID) if reply else (ROOT_ID, None)
    cmd = CreateComment(comment_id, "post", "p1", "hello", ContentFormat.PLAIN, parent_id)
    parent = a_comment() if reply else None
    comment, _ = Comment.create(
        cmd, ALICE, parent=parent, max_depth=10, fingerprint="f", pending=False, now=T0
    )
    comment.status, comment.is_pinned = status, pinned
    return comment


def test_a_new_comment_is_version_one_and_its_event_says_everything_a_projection_needs() -> None:
    cmd = CreateComment(ROOT_ID, "post", "p1", "hello", ContentFormat.MARKDOWN)
    comment, change = Comment.create(
        cmd, ALICE, parent=None, max_depth=10, fingerprint="f", pending=True, now=T0
    )
    assert (comment.version, comment.status, comment.depth, comment.path) == (1, Status.PENDING, 0, ROOT_ID)
    assert (change.aggregate_id, change.aggregate_version) == (ROOT_ID, 1)
    assert isinstance(change.event, CommentCreated)
    assert (change.event.author_id, change.event.content_format, change.event.pending) == (
        "alice",
        "markdown",
        True,
    )


def test_a_reply_sits_one_level_below_its_parent_under_its_path() -> None:
    reply = a_comment(reply=True)
    assert (reply.depth, reply.path, reply.parent_id) == (1, f"{ROOT_ID}/{REPLY_ID}", ROOT_ID)


Transition = Callable[[Comment], PendingEvent | None]
TRANSITIONS: dict[str, Transition] = {
    "edit": lambda c: c.edit("changed words", "alice", T1),
    "delete": lambda c: c.delete("spam", T1),
    "hard_delete": lambda c: c.hard_delete("erasure", T1),
    "pin": lambda c: c.pin(T1),
    "unpin": lambda c: c.unpin(T1),
    "approve": lambda c: c.approve(0, T1),
    "approve_reported": lambda c: c.approve(2, T1),
    "reject": lambda c: c.reject(None, T1),
    "anonymize": lambda c: c.anonymize(T1),
}


@given(
    status=st.sampled_from(Status),
    pinned=st.booleans(),
    reply=st.booleans(),
    name=st.sampled_from(sorted(TRANSITIONS)),
)
def test_every_transition_refuses_changes_nothing_or_bumps_the_version_exactly_once(
    status: Status, pinned: bool, reply: bool, name: str
) -> None:
    comment = a_comment(status, pinned=pinned and not reply, reply=reply)
    before = dataclasses.replace(comment)
    try:
        change = TRANSITIONS[name](comment)
    except DomainError:
        assert comment == before, "a refused transition must leave the comment as it was"
        return
    if change is None:
        assert comment == before, "a no-op must change nothing"
        return
    assert comment.version == before.version + 1
    assert comment.updated_at == T1
    assert (change.aggregate_id, change.aggregate_version) == (comment.id, comment.version)
    assert change.event.subject_comment_id == comment.id


def test_editing_to_other_words_records_them_and_marks_the_comment_edited() -> None:
    comment = a_comment()
    change = comment.edit("new words", "mia", T1)
    assert change is not None and isinstance(change.event, CommentUpdated)
    assert (change.event.content, change.event.editor_id) == ("new words", "mia")
    assert (comment.content, comment.edited_at) == ("new words", T1)
    assert comment.edit("new words", "mia", T1) is None


@pytest.mark.parametrize("status", [Status.DELETED, Status.REJECTED, Status.HARD_DELETED])
def test_a_comment_that_is_gone_cannot_be_edited(status: Status) -> None:
    with pytest.raises(CommentDeleted):
        a_comment(status).edit("new words", "alice", T1)


def test_a_pending_comment_may_still_be_corrected_by_its_author() -> None:
    assert a_comment(Status.PENDING).edit("typo fixed", "alice", T1) is not None


def test_deleting_unpins_and_deleting_again_changes_nothing() -> None:
    comment = a_comment(pinned=True)
    change = comment.delete("off topic", T1)
    assert change is not None and isinstance(change.event, CommentDeletedEvent)
    assert (comment.status, comment.is_pinned, change.event.reason) == (Status.DELETED, False, "off topic")
    assert comment.delete(None, T1) is None


def test_a_hard_delete_leaves_no_words_name_or_fingerprint() -> None:
    comment = a_comment()
    change = comment.hard_delete("erasure request", T1)
    assert isinstance(change.event, CommentHardDeleted)
    assert (comment.content, comment.author_name, comment.author_avatar, comment.request_fingerprint) == (
        None,
        None,
        None,
        "",
    )
    assert comment.author_id == "alice", "ownership stays for the audit trail"


@pytest.mark.parametrize(
    ("status", "reply", "error"),
    [
        (Status.PENDING, False, CommentPending),
        (Status.DELETED, False, CommentDeleted),
        (Status.REJECTED, False, CommentDeleted),
        (Status.ACTIVE, True, OnlyRootsCanBePinned),
    ],
)
def test_only_a_published_root_can_be_pinned(status: Status, reply: bool, error: type[DomainError]) -> None:
    with pytest.raises(error):
        a_comment(status, reply=reply).pin(T1)


def test_pinning_twice_and_unpinning_an_unpinned_comment_change_nothing() -> None:
    comment = a_comment()
    assert comment.pin(T1) is not None
    assert comment.pin(T1) is None
    assert comment.unpin(T1) is not None
    assert comment.unpin(T1) is None


def test_approving_publishes_a_pending_comment_and_keeps_a_reported_one() -> None:
    pending = a_comment(Status.PENDING)
    change = pending.approve(0, T1)
    assert change is not None and isinstance(change.event, CommentApproved)
    assert pending.status is Status.ACTIVE
    reported = a_comment()
    change = reported.approve(3, T1)
    assert change is not None and isinstance(change.event, CommentApproved)
    assert change.event.reports_dismissed == 3
    assert a_comment().approve(0, T1) is None, "a published comment with no reports: nothing to approve"


def test_approving_a_deleted_comment_is_refused() -> None:
    with pytest.raises(CommentDeleted):
        a_comment(Status.DELETED).approve(1, T1)


def test_rejecting_takes_a_live_comment_down_and_unpins_it() -> None:
    comment = a_comment(pinned=True)
    assert comment.reject("abuse", T1) is not None
    assert (comment.status, comment.is_pinned) == (Status.REJECTED, False)
    assert comment.reject("abuse", T1) is None


def test_anonymizing_keeps_the_words_and_drops_the_person_once() -> None:
    comment = a_comment()
    assert comment.anonymize(T1) is not None
    assert (comment.content, comment.author_id, comment.author_name, comment.author_role) == (
        "hello",
        None,
        None,
        None,
    )
    assert comment.anonymize(T1) is None


def test_likes_and_reports_are_events_of_their_own_aggregates_and_leave_the_comment_alone() -> None:
    comment = a_comment()
    before = dataclasses.replace(comment)
    liked = comment.like_changed("bob", True, 3, T1)
    unliked = comment.like_changed("bob", False, 4, T1)
    reported = comment.reported("bob", "spam", T1)
    assert isinstance(liked.event, CommentLiked) and isinstance(unliked.event, CommentUnliked)
    assert (liked.aggregate_id, liked.aggregate_version) == (like_id(ROOT_ID, "bob"), 3)
    assert unliked.aggregate_version == 4
    assert isinstance(reported.event, CommentReported)
    assert (reported.aggregate_id, reported.aggregate_version) == (report_id(ROOT_ID, "bob"), 1)
    assert comment == before


@pytest.mark.parametrize("status", list(Status))
def test_only_published_comments_take_likes_pins_and_reports(status: Status) -> None:
    comment = a_comment(status)
    if status is Status.ACTIVE:
        comment.ensure_published()
    else:
        with pytest.raises(CommentPending if status is Status.PENDING else CommentDeleted):
            comment.ensure_published()


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("status", list(Status))
def test_unpublished_comments_exist_only_for_their_author_and_staff(role: Role, status: Status) -> None:
    stranger = Actor("t1", "bob", "Bob", None, role)
    unpublished = status in (Status.PENDING, Status.REJECTED)
    assert may_see(ALICE, status, "alice")
    assert may_see(stranger, status, "alice") == (not unpublished or role is not Role.USER)
    assert may_see(None, status, "alice") == (not unpublished)


def test_the_same_ban_again_changes_nothing_and_another_reason_is_a_new_version() -> None:
    first = Ban.impose(None, "t1", "bob", reason="spam", expires_at=None, by="mia", now=T0)
    assert first is not None
    ban, change = first
    assert isinstance(change.event, UserBanned)
    assert (change.aggregate_id, change.aggregate_version, ban.version) == (ban_id("bob"), 1, 1)
    assert Ban.impose(ban, "t1", "bob", reason="spam", expires_at=None, by="mia", now=T1) is None
    again = Ban.impose(ban, "t1", "bob", reason="abuse", expires_at=None, by="mia", now=T1)
    assert again is not None and again[1].aggregate_version == 2


def test_an_expired_ban_can_be_imposed_again_and_a_lifted_one_lifts_once() -> None:
    expired = Ban("t1", "bob", True, "spam", T0, "mia", 1, T0)
    renewed = Ban.impose(expired, "t1", "bob", reason="spam", expires_at=T0, by="mia", now=T1)
    assert renewed is not None
    ban = renewed[0]
    lifted = ban.lift(T1)
    assert lifted is not None and isinstance(lifted.event, UserUnbanned)
    assert (lifted.aggregate_version, ban.active) == (3, False)
    assert ban.lift(T1) is None


def test_locking_a_locked_thread_and_unlocking_an_open_one_change_nothing() -> None:
    assert ThreadLock.change(None, "t1", "post", "p1", locked=False, reason=None, now=T0) is None
    locked = ThreadLock.change(None, "t1", "post", "p1", locked=True, reason="heated", now=T0)
    assert locked is not None
    lock, change = locked
    assert isinstance(change.event, ThreadLocked)
    assert (change.aggregate_id, change.aggregate_version) == (thread_lock_id("post", "p1"), 1)
    assert ThreadLock.change(lock, "t1", "post", "p1", locked=True, reason="x", now=T1) is None
    unlocked = ThreadLock.change(lock, "t1", "post", "p1", locked=False, reason=None, now=T1)
    assert unlocked is not None and isinstance(unlocked[1].event, ThreadUnlocked)
    assert unlocked[1].aggregate_version == 2
