"""The ports of the log's outside consumers (the NATS relay, webhook deliverers): how far each has
handed events on, kept beside the log so that a restart or a crash resumes there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from threadline.application.ports.projection import StoredEvent


class ConsumerCheckpoints(Protocol):
    """One position per named consumer (``relay:nats:THREADLINE``): the last event it handed on."""

    async def position(self, consumer: str) -> int:
        """Where ``consumer`` resumes: 0 for one never stored."""
        ...

    async def store(self, consumer: str, position: int) -> None:
        """Record that ``consumer`` handed on every event up to ``position``. Never moves a
        checkpoint back: a slower, older copy of a consumer cannot undo a newer one's progress."""
        ...


@dataclass(frozen=True, slots=True)
class KeptEvent:
    """The event a stream ends with, as its last message tells."""

    position: int
    event_id: str


class EventStream(Protocol):
    """Somewhere outside the service that keeps the log's events in order (a JetStream stream)."""

    async def last_kept(self) -> KeptEvent | None:
        """The event the stream ends with, or None (empty, or its last message is not an event)."""
        ...

    def follows(self, event_id: str | None) -> None:
        """The stream is known to end with this event: the next publish must come right after it
        (None: not known; the next publish is taken as it comes)."""
        ...

    async def publish(self, events: Sequence[StoredEvent]) -> int:
        """Hand on ``events`` (consecutive, in log order) and wait for the stream to keep them;
        returns how many of the first ones it acknowledged in order (all of them when it returns
        ``len(events)``). Raises when it cannot reach the stream at all."""
        ...

    async def close(self) -> None: ...
