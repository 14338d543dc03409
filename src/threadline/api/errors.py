"""Errors of the HTTP interface itself: a header, a key or a request rate, never a comment rule.

Only the API raises these, so they live here and carry their status; ``api/problems.py`` turns
them, like domain errors, into problems with a stable ``code``. Errors that adapters raise
(a bad token, a disabled or unknown tenant) stay in ``domain/errors.py``, so no adapter imports
the API.
"""

from __future__ import annotations


class TransportError(Exception):
    """A request the HTTP interface refuses before any use case runs. ``code`` is stable."""

    status: int = 400
    code: str = "bad_request"
    title: str = "The request is malformed"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class AuthenticationRequired(TransportError):
    status = 401
    code = "authentication_required"
    title = "A bearer token is required"


class TenantMismatch(TransportError):
    status = 403
    code = "tenant_mismatch"
    title = "The token belongs to another tenant"


class TenantRequired(TransportError):
    status = 400
    code = "tenant_required"
    title = "Name the tenant with the X-Tenant-ID header"


class RateLimited(TransportError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail or f"slow down: try again in {retry_after} s")
        self.retry_after = retry_after


class OperatorKeyRequired(TransportError):
    status = 401
    code = "operator_key_required"
    title = "A valid X-Operator-Key header is required"


class OperatorApiDisabled(TransportError):
    status = 403
    code = "operator_api_disabled"
    title = "The operator API is off: set THREADLINE_OPERATOR_KEY to turn it on"


class InvalidLastEventId(TransportError):
    status = 400
    code = "invalid_last_event_id"
    title = "Last-Event-ID (or after=) must be a log position: a whole number, 0 or more"


class TooManyLiveStreams(TransportError):
    status = 429
    code = "too_many_live_streams"
    title = "Too many live streams are open"


class LiveUpdatesDisabled(TransportError):
    status = 404
    code = "live_updates_disabled"
    title = "Live updates are turned off on this server"
