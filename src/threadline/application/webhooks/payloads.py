"""What a receiver is sent for an event: built at delivery time from the log as it is then (a
hard delete redacts payloads in place, so erased words are never sent, not even on a retry) and
from the write model (who wrote the comment replied to, whether a comment is public now).

Content goes out only while its comment is public (published, not pending, rejected or deleted).
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from threadline.application.ports.projection import StoredEvent
from threadline.application.webhooks.ports import CommentFacts
from threadline.domain.comment import Status
from threadline.domain.webhooks import webhook_type

Json = dict[str, object]


def thread_of(event: StoredEvent) -> tuple[str, str]:
    """The lane an event is delivered in: its thread, or the tenant's for bans."""
    payload = event.payload
    return (str(payload.get("entity_type") or ""), str(payload.get("entity_id") or ""))


def comments_needed(event: StoredEvent) -> list[str]:
    """The comments whose write-model facts the event's data names."""
    ids = [event.comment_id] if event.comment_id else []
    parent = event.payload.get("parent_id")
    if event.event_type == "CommentCreated" and isinstance(parent, str) and parent:
        ids.append(parent)
    return ids


def _public(facts: CommentFacts | None) -> bool:
    return facts is not None and facts.status == Status.ACTIVE


def event_data(event: StoredEvent, facts: Mapping[str, CommentFacts]) -> Json:
    payload = event.payload
    data: Json = {"tenant_id": event.tenant_id, "position": event.position}
    if "entity_type" in payload:
        data["thread"] = {"entity_type": payload["entity_type"], "entity_id": payload["entity_id"]}
    kind = event.event_type
    if kind in ("UserBanned", "UserUnbanned"):
        data["user_id"] = payload.get("user_id")
        if kind == "UserBanned":
            data["reason"] = payload.get("reason")
            data["expires_at"] = payload.get("expires_at")
        return data
    if kind in ("ThreadLocked", "ThreadUnlocked"):
        if kind == "ThreadLocked":
            data["reason"] = payload.get("reason")
        return data
    data["comment_id"] = event.comment_id
    if kind == "CommentHardDeleted":
        return data  # the id only: everything else about it is gone
    comment = facts.get(event.comment_id)
    data["author_id"] = (
        payload.get("author_id") if kind == "CommentCreated" else (comment and comment.author_id)
    )
    if kind == "CommentCreated":
        data["parent_id"] = payload.get("parent_id")
        data["depth"] = payload.get("depth")
        data["status"] = "pending" if payload.get("pending") else "published"
        data["content_format"] = payload.get("content_format")
        data["content"] = payload.get("content") if _public(comment) and not payload.get("pending") else None
        parent_id = payload.get("parent_id")
        if isinstance(parent_id, str) and parent_id:
            parent = facts.get(parent_id)
            data["parent_author_id"] = parent.author_id if parent else None
    elif kind == "CommentUpdated":
        data["editor_id"] = payload.get("editor_id")
        data["content"] = payload.get("content") if _public(comment) else None
    elif kind in ("CommentLiked", "CommentUnliked"):
        data["user_id"] = payload.get("user_id")
    elif kind == "CommentReported":
        data["user_id"] = payload.get("user_id")
        data["reason"] = payload.get("reason")
    elif kind == "CommentRejected":
        data["reason"] = payload.get("reason")
    elif kind == "CommentApproved":
        data["reports_dismissed"] = payload.get("reports_dismissed", 0)
    return data


def delivery_body(event: StoredEvent, facts: Mapping[str, CommentFacts]) -> bytes:
    """The request body, as signed: ``{"type", "timestamp", "data"}``."""
    return orjson.dumps(
        {
            "type": webhook_type(event.event_type, event.payload),
            "timestamp": event.recorded_at,
            "data": event_data(event, facts),
        }
    )
