"""Live updates: which message a log event becomes for people following a thread, and who may
receive it. Pure rules; the recorder (``application/live/recorder.py``) applies them to the read
model as a projector batch left it.

A message carries the comment as a read returns it, so a client applies every message the same
way: replace (or insert) the comment with that id. Who may receive it follows what a read shows:

* a published comment, a tombstone, a like count, a pin: everyone who may read the thread;
* a pending comment (and edits to it): its author and the tenant's moderators;
* a rejected comment, a report, a ban: moderators alone (the tenant stream);
* an erased (hard-deleted) comment: its id alone, for everyone, so clients drop it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from threadline.domain.comment import Status
from threadline.domain.webhooks import WEBHOOK_TYPE_OF_LOG

Audience = Literal["public", "author", "moderators"]

# Events that tell of a thread rather than one comment, and of a tenant's users.
THREAD_EVENTS = frozenset({"ThreadLocked", "ThreadUnlocked"})
USER_EVENTS = frozenset({"UserBanned", "UserUnbanned"})
# After these, what was kept of the comment's earlier messages is dropped from the live feed:
# its words (a hard delete) or its author (an anonymization) must not come back on a resume.
ERASING_EVENTS = frozenset({"CommentHardDeleted", "CommentAnonymized"})


def live_event_name(log_type: str) -> str:
    """The SSE ``event`` name: the webhook names, with every create a ``comment.created``."""
    if log_type == "CommentCreated":
        return "comment.created"
    return WEBHOOK_TYPE_OF_LOG[log_type]


@dataclass(frozen=True, slots=True)
class Shown:
    """How a comment event is shown: under which name, to whom, and whether with the comment
    (``False``: only its id, the comment is gone or must not be shown)."""

    event: str
    audience: Audience
    with_comment: bool


def shown_comment_event(log_type: str, status: str | None) -> Shown | None:
    """How an event about a comment is shown, given the comment's status once the batch that
    holds the event is applied (``None``: the comment is gone). ``None``: not shown at all."""
    event = live_event_name(log_type)
    if log_type == "CommentHardDeleted" or status is None:
        # Gone: everyone drops it by id. Only the erasure itself says so; an earlier event of
        # the same batch about a comment gone by its end is not shown.
        return Shown(event, "public", False) if log_type == "CommentHardDeleted" else None
    if log_type == "CommentReported":
        return Shown(event, "moderators", True) if status == Status.ACTIVE.value else None
    if status == Status.REJECTED.value:
        # Never public: its author learns it was turned down (no words), moderators see it.
        return Shown(event, "author", False) if log_type == "CommentRejected" else None
    if status == Status.PENDING.value:
        return Shown(event, "author", True)
    if status == Status.DELETED.value:
        # A tombstone: the read model holds no words or author for it any more.
        if log_type == "CommentRejected":
            return Shown("comment.deleted", "public", True)  # the public sees a take-down as a delete
        return Shown(event, "public", True)
    return Shown(event, "public", True)
