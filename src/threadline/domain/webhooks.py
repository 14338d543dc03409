"""Webhook subscriptions: which of the log's events a tenant's receiver is sent, under which name.

A webhook event type is the product's name for a log event (``CommentCreated`` with a parent is a
``reply.created``), so receivers never see the log's internal names and a subscription's filter is
checked against one known set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from threadline.domain.errors import InvalidWebhookEventTypes

# The log's event type -> the webhook event type (CommentCreated depends on its parent).
WEBHOOK_TYPE_OF_LOG: dict[str, str] = {
    "CommentUpdated": "comment.updated",
    "CommentDeleted": "comment.deleted",
    "CommentHardDeleted": "comment.hard_deleted",
    "CommentLiked": "comment.liked",
    "CommentUnliked": "comment.unliked",
    "CommentPinned": "comment.pinned",
    "CommentUnpinned": "comment.unpinned",
    "CommentApproved": "comment.approved",
    "CommentRejected": "comment.rejected",
    "CommentReported": "comment.reported",
    "CommentAnonymized": "comment.anonymized",
    "UserBanned": "user.banned",
    "UserUnbanned": "user.unbanned",
    "ThreadLocked": "thread.locked",
    "ThreadUnlocked": "thread.unlocked",
}
WEBHOOK_EVENT_TYPES: frozenset[str] = frozenset(
    {"comment.created", "reply.created", *WEBHOOK_TYPE_OF_LOG.values()}
)


def webhook_type(log_type: str, payload: dict[str, object]) -> str | None:
    """The webhook name of a log event; None for one receivers are never sent."""
    if log_type == "CommentCreated":
        return "reply.created" if payload.get("parent_id") else "comment.created"
    return WEBHOOK_TYPE_OF_LOG.get(log_type)


def checked_event_types(requested: Sequence[str] | None) -> tuple[str, ...]:
    """A subscription's filter, sorted and without repeats; empty means every type."""
    if not requested:
        return ()
    unknown = sorted(set(requested) - WEBHOOK_EVENT_TYPES)
    if unknown:
        raise InvalidWebhookEventTypes(
            f"unknown event types: {', '.join(unknown)}; known: {', '.join(sorted(WEBHOOK_EVENT_TYPES))}",
            field="event_types",
        )
    return tuple(sorted(set(requested)))


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    FAILING = "failing"  # an event ran out of attempts: it and every later one wait for a probe


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # attempted, not yet answered with a 2xx; attempts continue
    DELIVERED = "delivered"
    FAILED = "failed"  # out of attempts: the subscription is failing at this event
    REQUEUED = "requeued"  # an admin asked for it once more, out of band


@dataclass(frozen=True, slots=True)
class Subscription:
    tenant_id: str
    id: str
    url: str
    event_types: tuple[str, ...]
    description: str
    enabled: bool
    status: SubscriptionStatus
    secret: str
    previous_secret: str | None
    previous_secret_until: str | None  # the rotation's grace period: signed with both until then
    generation: int  # bumped by a replay: a deliverer holding an older one starts over
    created_at: str
    updated_at: str
    failing_since: str | None = None
    next_probe_at: str | None = None

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, now: str) -> list[str]:
        """The current secret, and the previous one while its grace period lasts."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One event's delivery to one subscription, as admins see it (its id is the webhook-id)."""

    tenant_id: str
    subscription_id: str
    delivery_id: str
    position: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_response: str | None  # the start of the receiver's answer, truncated
    first_attempt_at: str | None
    last_attempt_at: str | None
    last_duration_ms: float | None
    delivered_at: str | None
