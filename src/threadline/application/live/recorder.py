"""The live recorder: inside each projector batch's transaction, turn the batch's events into live
messages from the read model as the batch left it, and keep them in the live feed; once the batch
commits, hand them to the fan-out.

Messages are prepared once, here, and stored: a subscriber that resumes reads the very rows an
uninterrupted one was sent (the same bytes), so both receive the same, by construction. They carry
the comment as it stands at the end of its batch (two edits in one batch both show the second
text), which is what a client that replaces the comment by id needs.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import orjson

from threadline.application.ports.live import LiveBatch, LiveFanout, LiveFeedWriter, LiveMessage
from threadline.application.ports.projection import StoredEvent
from threadline.application.ports.query import CommentReader
from threadline.application.projection.registry import decoded
from threadline.domain.comment import Status
from threadline.domain.events import DomainEvent, ThreadLocked, ThreadUnlocked, UserBanned
from threadline.domain.live import (
    ERASING_EVENTS,
    THREAD_EVENTS,
    USER_EVENTS,
    live_event_name,
    shown_comment_event,
)

log = logging.getLogger(__name__)


@dataclass
class LiveRecorder:
    fanout: LiveFanout
    retention_seconds: float
    prune_every_seconds: float = 60.0
    clock: Callable[[], float] = time.time
    _pruned_at: float = field(default=0.0)

    async def record(
        self, feed: LiveFeedWriter, reader: CommentReader, batch: Sequence[StoredEvent], after: int
    ) -> LiveBatch:
        """The batch's messages, kept in ``feed`` (the batch's transaction)."""
        messages = await messages_of(reader, batch)
        for stored in batch:
            if stored.event_type in ERASING_EVENTS:
                await feed.forget_comment(stored.tenant_id, stored.comment_id, before=stored.position)
        now = self.clock()
        await feed.record(messages, after=after, recorded_at=now)
        if now - self._pruned_at >= self.prune_every_seconds:
            await feed.prune(recorded_before=now - self.retention_seconds)
            self._pruned_at = now
        return LiveBatch(after, batch[-1].position if batch else after, messages)

    async def committed(self, batch: LiveBatch) -> None:
        """After the batch's commit: every API process learns of it (a failure only delays its
        subscribers, who read it back from the feed with the next batch)."""
        try:
            await self.fanout.publish(batch)
        except Exception:
            log.exception("live fan-out of batch (%s, %s] failed", batch.after, batch.through)


async def messages_of(reader: CommentReader, batch: Sequence[StoredEvent]) -> list[LiveMessage]:
    """One message per event that people following a thread or a tenant are told of, in order."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for stored in batch:
        if stored.comment_id and stored.event_type not in THREAD_EVENTS | USER_EVENTS:
            wanted[stored.tenant_id].add(stored.comment_id)
    rows = {
        (tenant_id, row.id): row
        for tenant_id, ids in wanted.items()
        for row in await reader.by_ids(tenant_id, sorted(ids))
    }
    messages: list[LiveMessage] = []
    for stored in batch:
        event = decoded(stored)
        tenant_id, position, name = stored.tenant_id, stored.position, stored.event_type
        if isinstance(event, ThreadLocked | ThreadUnlocked):
            data = {
                "entity_type": event.entity_type,
                "entity_id": event.entity_id,
                "locked": name == "ThreadLocked",
            }
            messages.append(
                LiveMessage(
                    position,
                    tenant_id,
                    event.entity_type,
                    event.entity_id,
                    live_event_name(name),
                    "public",
                    None,
                    "",
                    orjson.dumps(data),
                )
            )
            continue
        if name in USER_EVENTS:
            user: dict[str, object] = {"user_id": getattr(event, "user_id", "")}
            if isinstance(event, UserBanned):
                user |= {"reason": event.reason, "expires_at": event.expires_at}
            messages.append(
                LiveMessage(
                    position,
                    tenant_id,
                    "",
                    "",
                    live_event_name(name),
                    "moderators",
                    None,
                    "",
                    orjson.dumps(user),
                )
            )
            continue
        if not isinstance(event, DomainEvent):
            continue
        row = rows.get((tenant_id, event.comment_id))
        shown = shown_comment_event(name, None if row is None else row.status)
        if shown is None:
            continue
        if shown.with_comment and row is not None:
            data_bytes = orjson.dumps(row)
        else:
            data_bytes = orjson.dumps(
                {
                    "id": event.comment_id,
                    "entity_type": event.entity_type,
                    "entity_id": event.entity_id,
                    # As a read shows an erased comment (``public_status``): deleted.
                    "status": Status.DELETED.value if row is None else row.status,
                }
            )
        messages.append(
            LiveMessage(
                position,
                tenant_id,
                event.entity_type,
                event.entity_id,
                shown.event,
                shown.audience,
                row.author_id if row is not None and shown.audience == "author" else None,
                event.comment_id,
                data_bytes,
            )
        )
    return messages
