"""Request bodies and the response shapes shown in the OpenAPI document.

Hot read routes send prepared bytes; these models document them without re-validating them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from threadline.domain.rules import ENTITY_TYPE_PATTERN, MAX_CONTENT_LENGTH, MAX_ENTITY_ID_LENGTH

# The domain rules, shown in the document only: the handlers check them and answer their own codes.
UUID_FORMAT: dict[str, JsonValue] = {"format": "uuid"}
ENTITY_TYPE_RULE: dict[str, JsonValue] = {"pattern": f"^{ENTITY_TYPE_PATTERN.pattern}$"}


class CreateCommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None,
        description="Client-chosen UUID; a retry with the same id is safe",
        json_schema_extra=UUID_FORMAT,
    )
    entity_type: str = Field(examples=["post"], json_schema_extra=ENTITY_TYPE_RULE)
    entity_id: str = Field(
        examples=["hello-world"], json_schema_extra={"minLength": 1, "maxLength": MAX_ENTITY_ID_LENGTH}
    )
    parent_id: str | None = Field(
        default=None, description="Reply to this comment", json_schema_extra=UUID_FORMAT
    )
    content: str = Field(
        examples=["Nice post!"], json_schema_extra={"minLength": 1, "maxLength": MAX_CONTENT_LENGTH}
    )
    content_format: Literal["plain", "markdown"] = "plain"


class UpdateCommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str


class DeleteCommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = None


class CommentFields(BaseModel):
    """The fields of ``application.client_comment.ClientComment``, in its order, for the document
    (a unit test keeps the two equal)."""

    id: str
    entity_type: str
    entity_id: str
    parent_id: str | None
    depth: int
    author_id: str | None
    author_name: str | None
    author_avatar: str | None
    author_role: str | None
    content: str | None
    content_html: str | None
    content_format: str
    status: Literal["PENDING", "ACTIVE", "REJECTED", "DELETED"]
    is_pinned: bool
    is_edited: bool
    like_count: int
    reply_count: int
    view_count: int
    created_at: str
    updated_at: str
    edited_at: str | None


class Comment(CommentFields):
    current_user_liked: bool | None = Field(default=None, description="Only for an authenticated caller")
    replies: list[Comment] | None = None


class PageMeta(BaseModel):
    page: int
    limit: int
    locked: bool | None = Field(default=None, description="Thread pages: no new comments while locked")
    total: int
    total_pages: int
    next_cursor: str | None


class CommentPage(BaseModel):
    data: list[Comment]
    meta: PageMeta
    pending: list[Comment] | None = Field(
        default=None,
        description="Under pre-moderation, for a signed-in caller: their comments awaiting approval "
        "(a moderator: all of the thread's)",
    )


class SearchHit(Comment):
    snippet: str = Field(description="HTML-escaped text with <mark> around matches")
    rank: float


class SearchMeta(PageMeta):
    total: int = Field(description="Matches considered: all of them, or the newest 1,000 when more matched")
    more_results: bool = Field(description="More comments matched than were considered")
    hint: str | None = Field(description="How to narrow a search that matched too much")


class SearchPage(BaseModel):
    data: list[SearchHit]
    meta: SearchMeta


UNKNOWN_COUNT = (
    "0 for a comment the command created; null after any other command (the write model keeps no "
    "counts): read the comment with min_position for it"
)


class CommentSnapshot(CommentFields):
    """The comment as the command left it, with the fields a read of it has."""

    like_count: int | None = Field(description=UNKNOWN_COUNT)  # type: ignore[assignment]
    reply_count: int | None = Field(description=UNKNOWN_COUNT)  # type: ignore[assignment]
    view_count: int | None = Field(description=UNKNOWN_COUNT)  # type: ignore[assignment]


class CommandAccepted(BaseModel):
    id: str
    position: int = Field(
        description="Log position of the command's last event: pass as min_position to read it"
    )
    changed: bool = Field(description="False when the command was a repeat and changed nothing")
    status: str
    liked: bool | None = None
    is_pinned: bool | None = None
    comment: CommentSnapshot | None = None


class DiffOp(BaseModel):
    op: Literal["equal", "insert", "delete"]
    text: str


DIFF_DESCRIPTION = (
    "Word-level, whitespace kept: equal + delete texts joined give the previous content,"
    " equal + insert the new one; empty when either side was erased"
)


class EditRecord(BaseModel):
    previous_content: str | None
    new_content: str | None
    editor_id: str
    edited_at: str
    diff: list[DiffOp] = Field(description=DIFF_DESCRIPTION)


class EditHistory(BaseModel):
    data: list[EditRecord]


class Counts(BaseModel):
    entity_type: str
    counts: dict[str, int]


class AuditEvent(BaseModel):
    position: int
    event_id: str
    aggregate_id: str
    aggregate_version: int
    comment_id: str | None = Field(description="None for events about a user (bans) or a thread (locks)")
    event_type: str
    schema_version: int
    payload: dict[str, object]
    metadata: dict[str, object]
    recorded_at: str


class AuditMeta(BaseModel):
    limit: int
    next_cursor: str | None


class AuditPage(BaseModel):
    data: list[AuditEvent]
    meta: AuditMeta


class Health(BaseModel):
    status: str
    projection_position: int | None = None
    log_position: int | None = None
    detail: str | None = Field(default=None, description="Why the service is not ready")


class ProblemIssue(BaseModel):
    location: str = Field(examples=["body.content"])
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem, sent as application/problem+json: the shape of every error."""

    type: str = Field(examples=["https://threadline.dev/problems/comment_not_found"])
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable; switch on this, not on title or detail")
    instance: str | None = Field(default=None, description="The request path")
    field: str | None = Field(default=None, description="The input at fault, when there is one")
    errors: list[ProblemIssue] | None = Field(
        default=None, description="Each invalid input (validation_failed)"
    )


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, examples=["spam"])


class BanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)
    expires_at: str | None = Field(
        default=None,
        description="ISO-8601 with a time zone; omitted: until lifted",
        examples=["2030-01-01T00:00:00Z"],
    )


class ModerationAccepted(BaseModel):
    position: int = Field(description="Log position of the command's event: pass as min_position to read it")
    changed: bool = Field(description="False when the command was a repeat and changed nothing")


class BanResult(ModerationAccepted):
    user_id: str
    banned: bool


class LockResult(ModerationAccepted):
    entity_type: str
    entity_id: str
    locked: bool


class Report(BaseModel):
    user_id: str
    reason: str | None
    reported_at: str


class QueueItem(BaseModel):
    comment: Comment
    pending: bool = Field(description="Awaiting approval (pre-moderation)")
    report_count: int = Field(description="Open reports")
    last_reported_at: str | None
    reports: list[Report] = Field(description="The most recent open reports")


class CursorMeta(BaseModel):
    limit: int
    next_cursor: str | None


class ModerationQueue(BaseModel):
    data: list[QueueItem]
    meta: CursorMeta


class BannedUser(BaseModel):
    user_id: str
    reason: str | None
    expires_at: str | None
    banned_by: str
    banned_at: str


class BannedUsers(BaseModel):
    data: list[BannedUser]
    meta: CursorMeta


class LockedThread(BaseModel):
    entity_type: str
    entity_id: str
    reason: str | None
    locked_by: str = Field(description="Who locked it (user id)")
    locked_at: str


class LockedThreads(BaseModel):
    data: list[LockedThread]
    meta: CursorMeta


class TimelineEntry(BaseModel):
    position: int = Field(description="Log position of the event; the timeline's order")
    event_type: str = Field(examples=["CommentUpdated"])
    actor_id: str
    actor_role: str | None
    at: str
    reason: str | None = Field(description="A deletion's, rejection's or report's reason (null once erased)")
    content: str | None = Field(description="The text a create or an edit wrote (null once erased)")
    diff: list[DiffOp] | None = Field(description="Edits only, against the text before: " + DIFF_DESCRIPTION)


class CommentTimeline(BaseModel):
    comment: Comment = Field(description="The comment as a by-id read answers staff, any status")
    data: list[TimelineEntry]
    meta: CursorMeta


class UserComments(BaseModel):
    ban: BannedUser | None = Field(description="The ban in force on the user, if any")
    data: list[Comment] = Field(description="Their comments in any status, newest first")
    meta: CursorMeta


class UserAction(BaseModel):
    position: int = Field(description="Log position of the event")
    event_type: str = Field(examples=["CommentRejected"])
    actor_id: str
    at: str
    comment_id: str | None = Field(description="Null for an action on the user (a ban, an unban)")
    reason: str | None


class UserActions(BaseModel):
    data: list[UserAction]
    meta: CursorMeta
