"""The live side's ports: the messages the projector prepares for people following a thread or a
tenant, where they are kept for resuming (the live feed), and how they reach every API process
(the fan-out).

A live message is prepared once, inside the projector's batch transaction, from the read model as
that batch left it, and kept in the read database for a retention window. A subscriber that
resumes reads the very rows an uninterrupted one was sent, so what both receive is the same by
construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

# Who may receive a message: everyone who may read the thread; the comment's author and the
# tenant's moderators (a pending comment); or moderators alone (the moderation queue).
Audience = Literal["public", "author", "moderators"]


@dataclass(frozen=True, slots=True)
class LiveMessage:
    position: int  # the log position of the event it tells of: the SSE ``id``
    tenant_id: str
    entity_type: str  # the thread it belongs to; "" for a tenant-wide message (a ban)
    entity_id: str
    event: str  # the SSE ``event`` name, e.g. "comment.created"
    audience: Audience
    author_id: str | None  # with audience "author": the one reader besides moderators
    comment_id: str  # the comment it tells of; "" for a thread's lock or a ban
    data: bytes  # the SSE ``data``: JSON, the comment in the shape a read returns

    @property
    def thread(self) -> tuple[str, str]:
        return (self.entity_type, self.entity_id)


@dataclass(frozen=True, slots=True)
class LiveBatch:
    """What one committed projector batch prepared, in log order. ``after`` is the position the
    batch started after, ``through`` its last event's: a fan-out listener that last saw a batch
    through P and now sees one after Q > P knows it missed (P, Q] and reads it from the feed."""

    after: int
    through: int
    messages: Sequence[LiveMessage]


class LiveFeed(Protocol):
    """The kept live messages, for subscribers that resume from a position."""

    async def horizon(self) -> int:
        """The oldest position a subscriber may resume after: messages after it are all kept.
        Resuming from an earlier position must answer a ``reset``."""
        ...

    async def read_after(
        self,
        tenant_id: str,
        after: int,
        *,
        thread: tuple[str, str] | None,
        through: int | None = None,
        limit: int = 1000,
    ) -> list[LiveMessage]:
        """Messages of one thread (or, ``thread=None``, the whole tenant) after ``after`` and up
        to ``through`` if given, in log order, whatever their audience: the caller filters."""
        ...

    async def head(self) -> int:
        """The position the projection has reached: a new subscriber's stream starts there."""
        ...

    async def read_range(self, after: int, through: int, *, limit: int = 1000) -> list[LiveMessage]:
        """Every tenant's messages in (after, through], in log order: what a fan-out listener
        that missed batches reads back."""
        ...


class LiveFeedWriter(Protocol):
    """Keeps a batch's messages, inside the projector's batch transaction."""

    async def record(self, messages: Sequence[LiveMessage], *, after: int, recorded_at: float) -> None:
        """Keep ``messages``; the first batch ever kept also sets the horizon to ``after``."""
        ...

    async def forget_comment(self, tenant_id: str, comment_id: str, *, before: int) -> None:
        """Drop what was kept of a comment before ``before``: it was erased, and what a resuming
        subscriber reads must not bring its words or its author back."""
        ...

    async def prune(self, *, recorded_before: float) -> int:
        """Drop messages recorded before that moment and move the horizon past them; returns
        the new horizon."""
        ...


class LiveFanout(Protocol):
    """Hands each committed batch's messages to every API process, in log order. The projector's
    process publishes; every process (its own included) tells its listeners."""

    async def publish(self, batch: LiveBatch) -> None: ...

    def listen(self, listener: Callable[[LiveBatch], None]) -> Callable[[], None]:
        """Call ``listener`` with every batch from now on, in order, with no gap (a batch missed
        on the wire is read back from the feed first); returns a function that stops it."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
