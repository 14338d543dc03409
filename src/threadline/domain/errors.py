"""One error family with stable codes for the rules of comments, tenants and identity; the API
maps each kind to an HTTP status in one place. Errors of the HTTP interface itself (headers, keys,
rates) are the API's own, in ``api/errors.py``."""

from __future__ import annotations

from enum import Enum


class ErrorKind(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    TOO_LARGE = "too_large"


class DomainError(Exception):
    """A rule a client broke. ``code`` is stable and documented; ``detail`` is for humans."""

    kind: ErrorKind = ErrorKind.INVALID
    code: str = "invalid_request"
    title: str = "The request is invalid"

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field = field


class InvalidEntity(DomainError):
    code = "invalid_entity"
    title = "The entity type or id is invalid"


class InvalidContent(DomainError):
    code = "invalid_content"
    title = "The comment content is invalid"


class InvalidCommand(DomainError):
    code = "invalid_command"
    title = "The command is invalid"


class MaxDepthExceeded(DomainError):
    code = "max_depth_exceeded"
    title = "The reply would be nested deeper than this service allows"


class ParentNotFound(DomainError):
    kind = ErrorKind.INVALID
    code = "parent_not_found"
    title = "The parent comment does not exist in this thread"


class ParentNotLive(DomainError):
    kind = ErrorKind.CONFLICT
    code = "parent_not_live"
    title = "The parent comment has been deleted"


class CommentNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "comment_not_found"
    title = "The comment does not exist"


class CommentDeleted(DomainError):
    kind = ErrorKind.CONFLICT
    code = "comment_deleted"
    title = "The comment has been deleted"


class IdempotencyConflict(DomainError):
    kind = ErrorKind.CONFLICT
    code = "idempotency_conflict"
    title = "A comment with this id already exists with different content"


class ConcurrencyConflict(DomainError):
    kind = ErrorKind.CONFLICT
    code = "concurrent_modification"
    title = "The comment was changed concurrently; retry the request"


class PermissionDenied(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "permission_denied"
    title = "You may not do this to this comment"


class InvalidToken(DomainError):
    kind = ErrorKind.UNAUTHENTICATED
    code = "invalid_token"
    title = "The bearer token is invalid"


class TokenExpired(DomainError):
    kind = ErrorKind.UNAUTHENTICATED
    code = "token_expired"
    title = "The bearer token has expired"


class TenantNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "tenant_not_found"
    title = "The tenant does not exist"


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    title = "The cursor is malformed or belongs to another query"


class InvalidQuery(DomainError):
    code = "invalid_query"
    title = "The query parameters are invalid"


class OnlyRootsCanBePinned(DomainError):
    code = "only_roots_can_be_pinned"
    title = "Only root comments can be pinned"


class TenantDisabled(DomainError):
    kind = ErrorKind.UNAUTHENTICATED
    code = "tenant_disabled"
    title = "The tenant is disabled"


class EntityTypeNotAllowed(DomainError):
    code = "entity_type_not_allowed"
    title = "This tenant does not take comments on this entity type"


class CommentPending(DomainError):
    kind = ErrorKind.CONFLICT
    code = "comment_pending"
    title = "The comment is awaiting approval by a moderator"


class UserIsBanned(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "user_banned"
    title = "You are banned from commenting here"


class ThreadIsLocked(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "thread_locked"
    title = "This thread is locked: no new comments"


# Webhooks (domain/webhooks.py, application/webhooks/)


class WebhookNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "webhook_not_found"
    title = "The webhook subscription does not exist"


class WebhookDeliveryNotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "webhook_delivery_not_found"
    title = "The webhook delivery does not exist"


class InvalidWebhookUrl(DomainError):
    code = "invalid_webhook_url"
    title = "The webhook URL is not allowed"


class InvalidWebhookEventTypes(DomainError):
    code = "invalid_webhook_event_types"
    title = "The webhook event types are not known"
