"""The one clock every timestamp comes from: ISO-8601 UTC with microseconds and a ``Z``.

One format everywhere means timestamps compare in time order as plain strings (a ban's expiry
against now, the audit trail's filters), in Python and in SQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def as_timestamp(moment: datetime) -> str:
    """A timezone-aware moment in the log's format."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
