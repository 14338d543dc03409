"""The projector: pull events after the checkpoint, apply a batch, store the new checkpoint in
the same read-model transaction, and only then invalidate caches and tell waiting readers.

It always pulls from its checkpoint (on start and at every poll), so a lost wake-up only delays
an event (EVENT-LOG-NOTES §5). A failing event stops the projection right before it, records
the failure for ``projections status`` and is retried later; nothing is skipped (§6).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from threadline.application.live.recorder import LiveRecorder
from threadline.application.ports.cross_cutting import EventBus
from threadline.application.ports.projection import ContentRenderer, EventReader, ProjectionStore, StoredEvent
from threadline.application.ports.query import PageCache
from threadline.application.projection.context import ProjectionContext, Touched
from threadline.application.projection.prepared_pages import PagePreparer
from threadline.application.projection.registry import project
from threadline.application.queries.thread_page import DEFAULT_SHAPE
from threadline.application.writer_turns import WriterTurns

log = logging.getLogger(__name__)

COMMENTS_PROJECTION = "comments"


class ProjectionFailed(Exception):
    def __init__(self, event: StoredEvent, index: int, cause: BaseException) -> None:
        super().__init__(f"event {event.position} ({event.event_type}) failed: {cause!r}")
        self.event = event
        self.index = index


@dataclass
class ProjectionSignal:
    """Wakes in-process readers waiting for read-your-writes when the projection advances."""

    position: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def advance(self, position: int) -> None:
        self.position = max(self.position, position)
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)


@dataclass
class Projector:
    reader: EventReader
    store: ProjectionStore
    renderer: ContentRenderer
    cache: PageCache | None
    signal: ProjectionSignal
    batch_size: int = 500
    name: str = COMMENTS_PROJECTION
    on_batch: Callable[[list[StoredEvent]], None] | None = None  # told after each committed batch
    # Renders the touched threads' default pages and comments' documents into the batch.
    preparer: PagePreparer = field(default_factory=lambda: PagePreparer(DEFAULT_SHAPE))
    # Told, in order, what each committed batch touched, before readers waiting for it are woken
    # (the live counts); each handles its own failures, since the batch is committed already.
    listeners: list[Callable[[Touched], Awaitable[None]]] = field(default_factory=list)
    # Sharing the writer with commands (the embedded default): the projector's turn comes first,
    # and while commands wait behind it a batch is at most ``busy_batch_size`` events.
    turns: WriterTurns | None = None
    busy_batch_size: int = 100
    # Live updates: each batch's messages kept in the live feed, then fanned out after the commit.
    live: LiveRecorder | None = None

    async def run_once(self) -> int:
        """Apply one batch; returns how many events were applied."""
        async with self.turns.turn(projector=True) if self.turns is not None else nullcontext():
            limit = self.batch_size
            if self.turns is not None and self.turns.commands_waiting:
                limit = min(limit, self.busy_batch_size)
            while True:
                try:
                    return await self._apply_batch(limit)
                except ProjectionFailed as failure:
                    log.error("projection %s stopped: %s", self.name, failure)
                    await self.store.record_failure(self.name, failure.event.position, str(failure))
                    if failure.index == 0:
                        raise
                    # Keep the progress made before the failing event: stop right before it.
                    limit = failure.index

    async def catch_up(self) -> int:
        """Apply batches until the log is drained."""
        total = 0
        while applied := await self.run_once():
            total += applied
        return total

    async def _apply_batch(self, limit: int) -> int:
        touched = Touched()
        async with self.store.transaction() as tx:
            checkpoint = await tx.checkpoint(self.name)
            batch = await self.reader.read_after(checkpoint, limit)
            if not batch:
                return 0
            context = ProjectionContext(tx.views, tx.moderation, self.renderer, touched)
            for index, event in enumerate(batch):
                try:
                    await project(context, event)  # an unknown type fails here too, loudly
                except Exception as exc:
                    raise ProjectionFailed(event, index, exc) from exc
            try:
                await self.preparer.prepare(tx, touched)
            except Exception as exc:
                # Which event's thread fails to render is not known: the first half of the batch
                # is kept and the failure recorded; each later attempt halves again, so the
                # projection comes to stop right before that event, as for one failing to apply.
                middle = len(batch) // 2
                raise ProjectionFailed(batch[middle], middle, exc) from exc
            live = None
            if self.live is not None:
                try:
                    live = await self.live.record(tx.live, await tx.read_back(), batch, checkpoint)
                except Exception as exc:
                    middle = len(batch) // 2
                    raise ProjectionFailed(batch[middle], middle, exc) from exc
            last = batch[-1].position
            await tx.set_checkpoint(self.name, last)
            await tx.commit()
        if self.cache is not None and touched.scopes:
            await self.cache.bump(touched.scopes)
        for listener in self.listeners:
            await listener(touched)
        self.signal.advance(last)
        if self.on_batch is not None:
            self.on_batch(batch)
        if live is not None and self.live is not None:
            await self.live.committed(live)
        return len(batch)

    async def run_forever(self, bus: EventBus, poll_interval: float, stop: asyncio.Event) -> None:
        """Catch up, then sleep until woken by the bus or the poll interval, until ``stop``."""
        while not stop.is_set():
            try:
                await self.catch_up()
            except ProjectionFailed:
                pass
            except Exception:
                log.exception("projection %s: unexpected error; retrying", self.name)
            if stop.is_set():
                break
            if self.cache is not None:
                await self.cache.bump(())  # retry invalidations a cache outage held back
            await bus.wait(poll_interval)
