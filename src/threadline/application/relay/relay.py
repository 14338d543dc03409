"""The relay: every event of the log, in log order, handed on to an outside stream, at least once.

It reads from its own checkpoint, publishes a batch, and stores the checkpoint only after the
stream acknowledged it, so a crash in between publishes those events again (the stream drops
them as duplicates). On start it also asks the stream which event it ends with: if that is one of
the log's events past the checkpoint, the relay resumes after it, so a crash never re-sends
what the stream already holds, however long the relay stayed down. The stream unreachable, or an
event not acknowledged: the relay waits (exponential backoff) and retries from the first event
not acknowledged; nothing is ever skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field

from threadline.application.ports.cross_cutting import EventBus
from threadline.application.ports.log_consumers import ConsumerCheckpoints, EventStream
from threadline.application.ports.projection import EventReader

log = logging.getLogger(__name__)


class NotKept(Exception):
    """The stream acknowledged only part of a batch: the rest is sent again after a pause."""


@dataclass
class Backoff:
    """Exponential backoff with jitter between failed attempts, reset by a success."""

    first: float = 0.1
    longest: float = 5.0
    failures: int = 0

    def next_delay(self) -> float:
        self.failures += 1
        longest: float = min(self.longest, self.first * 2.0 ** (self.failures - 1))
        return longest * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


@dataclass
class Relay:
    reader: EventReader
    checkpoints: ConsumerCheckpoints
    stream: EventStream
    consumer: str  # its checkpoint's name: ``relay:nats:<stream>``
    batch_size: int = 500
    backoff: Backoff = field(default_factory=Backoff)
    position: int | None = None  # the last event handed on; None until resumed

    async def resume(self) -> int:
        """Where to start: the checkpoint, or past it the event the stream already ends with."""
        position = await self.checkpoints.position(self.consumer)
        kept = await self.stream.last_kept()
        known: str | None = None
        if kept is not None and kept.position >= position:
            found = await self.reader.read_after(kept.position - 1, 1)
            if found and found[0].position == kept.position and found[0].event_id == kept.event_id:
                known = kept.event_id
                if kept.position > position:
                    log.info("relay %s: the stream holds events to %d", self.consumer, kept.position)
                    await self.checkpoints.store(self.consumer, kept.position)
                    position = kept.position
        self.stream.follows(known)
        self.position = position
        return position

    async def relay_once(self) -> int:
        """Hand on one batch; how many events the stream kept. Raises if it kept fewer."""
        if self.position is None:
            await self.resume()
        assert self.position is not None
        batch = await self.reader.read_after(self.position, self.batch_size)
        if not batch:
            return 0
        kept = await self.stream.publish(batch)
        if kept:
            await self.checkpoints.store(self.consumer, batch[kept - 1].position)
            self.position = batch[kept - 1].position
        if kept < len(batch):
            raise NotKept(f"the stream kept {kept} of {len(batch)} events after {batch[0].position - 1}")
        return kept

    async def catch_up(self) -> int:
        total = 0
        while relayed := await self.relay_once():
            total += relayed
        return total

    async def run_forever(self, bus: EventBus, poll_interval: float, stop: asyncio.Event) -> None:
        """Catch up, then wait for the bus (a commit) or the poll interval, until ``stop``."""
        while not stop.is_set():
            try:
                await self.catch_up()
                self.backoff.reset()
            except Exception as error:
                # Resume afresh after any failure: from the checkpoint and the stream's last
                # message, so a message the stream lost, or one another publisher put there,
                # never leaves the next publish expecting a predecessor the stream does not end with.
                self.position = None
                delay = self.backoff.next_delay()
                log.warning("relay %s: %s; retrying in %.1f s", self.consumer, error, delay)
                await _first_of(stop.wait(), asyncio.sleep(delay))
                continue
            await _first_of(stop.wait(), bus.wait(poll_interval))


async def _first_of(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
