"""The moderation commands' rules (pre-moderation, approve, reject, report, bans, thread locks,
anonymizing) run through the real ``CommandRunner`` over in-memory fakes: no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.fakes import FakeBus, FakeDatabase
from tests.unit.handlers.harness import ADMIN, ALICE, BOB, MOD, TENANT, Harness, actor, new_id
from threadline.application.command_runner import CommandContext, CommandOutcome, CommandPolicy, Handler
from threadline.application.commands.anonymize_comment import anonymize_comment
from threadline.application.commands.ban_user import ban_user, unban_user
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.lock_thread import lock_thread, unlock_thread
from threadline.application.commands.moderate_comment import approve_comment, reject_comment
from threadline.application.commands.report_comment import report_comment
from threadline.application.commands.update_comment import update_comment
from threadline.domain.commands import (
    AnonymizeComment,
    ApproveComment,
    BanUser,
    CreateComment,
    DeleteComment,
    LikeComment,
    LockThread,
    RejectComment,
    ReportComment,
    UnbanUser,
    UnlikeComment,
    UnlockThread,
    UpdateComment,
)
from threadline.domain.comment import Status
from threadline.domain.errors import (
    CommentDeleted,
    CommentNotFound,
    CommentPending,
    DomainError,
    InvalidCommand,
    ParentNotFound,
    ParentNotLive,
    PermissionDenied,
    ThreadIsLocked,
    UserIsBanned,
)
from threadline.domain.identity import Actor
from threadline.domain.moderation import Ban, valid_expiry
from threadline.domain.tenant import TenantSettings

PREMODERATED = TenantSettings(premoderation=True)
NOW = "2026-01-01T00:00:00.000000Z"


class Moderated(Harness):
    """A harness whose tenant holds new comments of users for approval."""

    async def run_as(
        self, handler: Handler[Any], command: object, who: Actor, settings: TenantSettings = PREMODERATED
    ) -> CommandOutcome:
        return await self.runner.run(handler, command, CommandContext(who, tenant_settings=settings))

    async def pending(self, who: Actor = ALICE, parent_id: str | None = None, entity: str = "p1") -> str:
        comment_id = new_id()
        await self.run_as(
            create_comment, CreateComment(comment_id, "post", entity, "hi", parent_id=parent_id), who
        )
        return comment_id


@pytest.fixture
def m() -> Moderated:
    return Moderated(FakeDatabase(), FakeBus(), CommandPolicy())


async def test_under_premoderation_a_user_s_comment_starts_pending_and_says_so_in_its_event(
    m: Moderated,
) -> None:
    comment_id = await m.pending()
    assert m.comment(comment_id).status is Status.PENDING
    [event] = m.events
    assert event.payload["pending"] is True


async def test_staff_comments_are_published_at_once_even_under_premoderation(m: Moderated) -> None:
    for who in (MOD, ADMIN):
        comment_id = await m.pending(who)
        assert m.comment(comment_id).status is Status.ACTIVE
        assert m.events_of(comment_id)[0].payload["pending"] is False


async def test_a_pending_comment_cannot_be_liked_pinned_or_replied_to_and_others_cannot_see_it(
    m: Moderated,
) -> None:
    comment_id = await m.pending()
    with pytest.raises(CommentPending):
        await m.run(like_comment, LikeComment(comment_id), MOD)
    with pytest.raises(CommentNotFound):  # for another user it does not exist
        await m.run(like_comment, LikeComment(comment_id), BOB)
    with pytest.raises(ParentNotFound):
        await m.create(BOB, "reply", parent_id=comment_id)
    with pytest.raises(ParentNotLive):
        await m.create(ALICE, "reply to myself", parent_id=comment_id)
    assert len(m.events) == 1


async def test_the_author_may_still_edit_or_delete_a_pending_comment(m: Moderated) -> None:
    comment_id = await m.pending()
    await m.run(update_comment, UpdateComment(comment_id, "fixed a typo"))
    assert (m.comment(comment_id).status, m.comment(comment_id).content) == (Status.PENDING, "fixed a typo")
    await m.run(delete_comment, DeleteComment(comment_id))
    assert m.comment(comment_id).status is Status.DELETED


async def test_approving_publishes_once_and_a_repeat_changes_nothing(m: Moderated) -> None:
    comment_id = await m.pending()
    with pytest.raises(PermissionDenied):
        await m.run(approve_comment, ApproveComment(comment_id), BOB)

    first = await m.run(approve_comment, ApproveComment(comment_id), MOD)
    again = await m.run(approve_comment, ApproveComment(comment_id), MOD)

    assert first.changed and not again.changed
    assert m.comment(comment_id).status is Status.ACTIVE
    assert [e.event_type for e in m.events_of(comment_id)] == ["CommentCreated", "CommentApproved"]
    assert m.events_of(comment_id)[1].metadata["actor_id"] == "mia"


async def test_a_reply_whose_parent_went_away_cannot_be_approved(m: Moderated) -> None:
    parent = await m.pending(MOD)
    reply = await m.pending(ALICE, parent_id=parent)
    await m.run(delete_comment, DeleteComment(parent), MOD)
    with pytest.raises(ParentNotLive):
        await m.run(approve_comment, ApproveComment(reply), MOD)
    assert m.comment(reply).status is Status.PENDING
    await m.run(reject_comment, RejectComment(reply, "orphaned"), MOD)
    assert m.comment(reply).status is Status.REJECTED


async def test_rejecting_is_final_and_idempotent(m: Moderated) -> None:
    comment_id = await m.pending()
    first = await m.run(reject_comment, RejectComment(comment_id, "spam"), MOD)
    again = await m.run(reject_comment, RejectComment(comment_id, "spam"), MOD)
    assert first.changed and not again.changed
    assert m.events_of(comment_id)[-1].payload["reason"] == "spam"
    with pytest.raises(CommentDeleted):
        await m.run(approve_comment, ApproveComment(comment_id), MOD)


async def test_a_user_reports_a_comment_once_and_approving_dismisses_the_reports(m: Moderated) -> None:
    comment = await m.create(ALICE, "hot take")
    first = await m.run(report_comment, ReportComment(comment.id, "rude"), BOB)
    again = await m.run(report_comment, ReportComment(comment.id, "still rude"), BOB)
    assert first.changed and not again.changed
    [report] = [e for e in m.events if e.event_type == "CommentReported"]
    assert (report.aggregate_id, report.payload["user_id"]) == (f"{comment.id}/report/bob", "bob")

    kept = await m.run(approve_comment, ApproveComment(comment.id), MOD)
    assert kept.changed and m.events[-1].payload["reports_dismissed"] == 1
    assert not (await m.run(approve_comment, ApproveComment(comment.id), MOD)).changed


async def test_reports_need_a_reason_a_live_comment_and_someone_else_s_comment(m: Moderated) -> None:
    comment = await m.create(ALICE, "mine")
    with pytest.raises(PermissionDenied):
        await m.run(report_comment, ReportComment(comment.id, "spam"), ALICE)
    with pytest.raises(InvalidCommand):
        await m.run(report_comment, ReportComment(comment.id, "   "), BOB)
    await m.run(delete_comment, DeleteComment(comment.id))
    with pytest.raises(CommentDeleted):
        await m.run(report_comment, ReportComment(comment.id, "spam"), BOB)


async def test_a_banned_user_cannot_comment_like_or_edit_until_the_ban_is_lifted(m: Moderated) -> None:
    comment = await m.create(BOB, "before the ban")
    target = await m.create(ALICE, "something to like")
    await m.run(like_comment, LikeComment(target.id), BOB)
    await m.run(ban_user, BanUser("bob", "spam"), MOD)

    for attempt in (
        lambda: m.create(BOB, "during the ban"),
        lambda: m.run(update_comment, UpdateComment(comment.id, "edited"), BOB),
        lambda: m.run(like_comment, LikeComment(comment.id), BOB),
    ):
        with pytest.raises(UserIsBanned):
            await attempt()
    await m.run(unlike_comment, UnlikeComment(target.id), BOB)  # withdrawing is still allowed

    await m.run(unban_user, UnbanUser("bob"), MOD)
    await m.create(BOB, "after the ban")


async def test_bans_are_staff_only_never_of_oneself_and_a_repeat_changes_nothing(m: Moderated) -> None:
    with pytest.raises(PermissionDenied):
        await m.run(ban_user, BanUser("bob"), ALICE)
    with pytest.raises(PermissionDenied):
        await m.run(ban_user, BanUser("mia"), MOD)
    assert (await m.run(ban_user, BanUser("bob", "spam"), MOD)).changed
    assert not (await m.run(ban_user, BanUser("bob", "spam"), MOD)).changed
    assert (await m.run(ban_user, BanUser("bob", "spam, again"), MOD)).changed
    assert [e.aggregate_version for e in m.events if e.aggregate_id == "user/bob/ban"] == [1, 2]
    assert not (await m.run(unban_user, UnbanUser("carol"), MOD)).changed


def test_a_ban_stops_applying_when_it_expires() -> None:
    ban = Ban(TENANT, "bob", True, None, "2026-01-01T00:00:10.000000Z", "mia", 1, NOW)
    assert ban.in_force("2026-01-01T00:00:09.999999Z")
    assert not ban.in_force("2026-01-01T00:00:10.000000Z")
    lifted = Ban(TENANT, "bob", False, None, None, "mia", 2, NOW)
    assert not lifted.in_force(NOW)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2027-05-01T12:00:00Z", "2027-05-01T12:00:00.000000Z"),
        ("2027-05-01T14:00:00+02:00", "2027-05-01T12:00:00.000000Z"),
    ],
)
def test_ban_expiry_is_normalized_to_the_log_s_utc_format(given: str, expected: str) -> None:
    assert valid_expiry(given, NOW) == expected


@pytest.mark.parametrize("given", ["yesterday", "2027-05-01T12:00:00", "2025-12-31T23:59:59Z"])
def test_a_ban_expiry_must_be_a_future_instant_with_a_zone(given: str) -> None:
    with pytest.raises(InvalidCommand):
        valid_expiry(given, NOW)


async def test_a_locked_thread_refuses_users_new_comments_but_not_staff_or_other_threads(
    m: Moderated,
) -> None:
    root = await m.create(ALICE, "before the lock")
    assert (await m.run(lock_thread, LockThread("post", "p1", "heated"), MOD)).changed
    assert not (await m.run(lock_thread, LockThread("post", "p1"), MOD)).changed

    with pytest.raises(ThreadIsLocked):
        await m.create(BOB, "a new root")
    with pytest.raises(ThreadIsLocked):
        await m.create(BOB, "a reply", parent_id=root.id)
    await m.create(MOD, "locked: please keep it civil")
    await m.create(BOB, "elsewhere", entity=("post", "p2"))
    await m.run(update_comment, UpdateComment(root.id, "edits still work"))

    await m.run(unlock_thread, UnlockThread("post", "p1"), MOD)
    await m.create(BOB, "after the unlock")
    with pytest.raises(PermissionDenied):
        await m.run(lock_thread, LockThread("post", "p1"), ALICE)


async def test_anonymizing_keeps_the_words_and_drops_the_author_everywhere(m: Moderated) -> None:
    comment = await m.create(ALICE, "words that stay")
    await m.run(update_comment, UpdateComment(comment.id, "words that stay, edited"))

    await m.run(anonymize_comment, AnonymizeComment(comment.id), ADMIN)

    stored = m.comment(comment.id)
    assert (stored.author_id, stored.author_name, stored.author_avatar) == (None, None, None)
    assert stored.content == "words that stay, edited"
    created = m.events_of(comment.id)[0]
    assert created.payload["author_name"] is None and created.payload["author_avatar"] is None
    assert created.payload["content"] == "words that stay"
    assert m.events[-1].event_type == "CommentAnonymized"
    with pytest.raises(PermissionDenied):  # it is nobody's own comment any more
        await m.run(update_comment, UpdateComment(comment.id, "mine again?"))
    assert not (await m.run(anonymize_comment, AnonymizeComment(comment.id), ADMIN)).changed


async def test_moderation_commands_of_another_tenant_find_nothing(m: Moderated) -> None:
    comment = await m.create(ALICE, "tenant a")
    outsider = actor("mo", MOD.role, tenant_id="tenant-b")
    for handler, command in (
        (approve_comment, ApproveComment(comment.id)),
        (reject_comment, RejectComment(comment.id)),
        (report_comment, ReportComment(comment.id, "spam")),
    ):
        with pytest.raises(CommentNotFound):
            await m.run(handler, command, outsider)
    assert m.comment(comment.id).status is Status.ACTIVE
    with pytest.raises(DomainError):
        await m.run(report_comment, ReportComment("not-a-uuid", "spam"), BOB)
