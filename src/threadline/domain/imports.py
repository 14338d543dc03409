"""Comments from another comment system, as its export file states them, before they are
Threadline's: one shape for every source, so the rules of an import (what is published, whose
user id an author gets, what a parent that never appears becomes) are written once.

A reader (``adapters/imports/``) turns a file into ``SourceComment``s and ``SourceProblem``s in
the file's order, streaming: it never holds more than one thread's header and one comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class SourceFormat(StrEnum):
    DISQUS = "disqus"
    WORDPRESS = "wordpress"
    ISSO = "isso"
    REMARK42 = "remark42"
    THREADLINE = "threadline"


class SourceStatus(StrEnum):
    """What the source says of a comment. Only ``PUBLISHED`` and ``PENDING`` are shown to
    readers; ``SPAM`` and ``TRASH`` are kept out of every thread; ``DELETED`` becomes a tombstone
    when it has replies."""

    PUBLISHED = "published"
    PENDING = "pending"
    SPAM = "spam"
    TRASH = "trash"
    DELETED = "deleted"


class SourceMarkup(StrEnum):
    HTML = "html"
    HTML_PARAGRAPHS = "html_paragraphs"  # HTML whose blank lines are paragraphs (WordPress)
    MARKDOWN = "markdown"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class SourceThread:
    """The thing a source's discussion belongs to, as the source names it."""

    key: str  # the source's own id of the thread (Disqus dsq:id, WordPress post id, Isso uri…)
    url: str | None = None
    identifier: str | None = None  # the site's own id for it, when the source keeps one
    title: str | None = None


@dataclass(frozen=True, slots=True)
class SourceComment:
    source_id: str
    thread: SourceThread
    parent_source_id: str | None
    author_name: str | None
    author_source_id: str | None  # the source's user id or username; None for a guest
    created_at: str  # ISO 8601, UTC, as Threadline writes timestamps
    content: str
    markup: SourceMarkup
    status: SourceStatus
    pinned: bool = False
    like_count: int | None = None
    location: str = ""  # where in the file: "line 120", "record 7", "row id 15"


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """A line of the import report about something the file says that cannot be taken as is.
    ``fatal``: the reader cannot go on (a file that is not well formed); what it yielded before
    stands, and the import reports where it stopped."""

    location: str
    what: str
    fatal: bool = False


def imported_user_id(source: SourceFormat, source_user_id: str | None) -> str | None:
    """A source's user id in the tenant's user-id space, under the source's prefix, so an imported
    ``42`` never becomes the tenant's own user ``42``. Guests (no id) stay without one."""
    if source_user_id is None or not source_user_id.strip():
        return None
    if source is SourceFormat.THREADLINE:
        return source_user_id  # a Threadline export already speaks the tenant's user ids
    return f"{source.value}:{source_user_id.strip()}"


def utc_timestamp(moment: datetime) -> str:
    """A source's moment as Threadline writes timestamps (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_source_time(text: str) -> str:
    """ISO 8601 (``2012-11-11T21:24:02Z``, ``2019-06-01 10:00:00`` taken as UTC) to a timestamp;
    ``ValueError`` for anything else."""
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    return utc_timestamp(datetime.fromisoformat(cleaned))
