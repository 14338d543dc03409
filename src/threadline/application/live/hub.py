"""The live hub: one per API process. It hears every committed projector batch from the fan-out,
in log order and without gaps (a batch missed on the wire, or a Redis reconnect, is read back from
the live feed first), and hands each message to the subscriptions of its thread and its tenant.

Handing over never waits: each subscription has a bounded queue, and a subscription whose queue
overflows is ended (its stream answers a ``reset``), so a slow client never slows the projector,
the hub, or any other subscriber. The bound is on what a subscription still has waiting from
earlier hand-overs: one batch larger than the queue (a burst in a busy thread, a projector
catching up) still reaches a client that keeps up; only one that has not taken the last is behind.

The hub's ``through`` (the last position it handed over) and every hand-over change together,
with no ``await`` between, so a subscription registered at ``through`` = P is handed exactly the
messages after P.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from threadline.application.ports.live import LiveBatch, LiveFanout, LiveFeed, LiveMessage

log = logging.getLogger(__name__)

FILL_PAGE = 1000


@dataclass(frozen=True, slots=True)
class LiveViewer:
    """Who is following: a signed-in user (or nobody), and whether they moderate the tenant."""

    user_id: str | None
    moderator: bool

    def may_see(self, message: LiveMessage) -> bool:
        if message.audience == "public":
            return True
        if self.moderator:
            return True
        return message.audience == "author" and self.user_id is not None and self.user_id == message.author_id


class StreamLimitReached(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(f"too many live streams for this {scope}")
        self.scope = scope


@dataclass(frozen=True, slots=True)
class LiveLimits:
    queue_size: int = 256  # messages a subscription may have waiting before it is reset
    per_tenant: int = 20_000
    per_address: int = 200


class Subscription:
    """One follower's bounded queue of messages, filled by the hub, drained by its stream."""

    __slots__ = (
        "_earlier",
        "_hub",
        "_queue",
        "_ready",
        "_round",
        "address",
        "closed",
        "key",
        "reset_reason",
        "start",
        "tenant_id",
        "thread",
        "viewer",
    )

    def __init__(
        self,
        hub: LiveHub,
        tenant_id: str,
        thread: tuple[str, str] | None,
        viewer: LiveViewer,
        address: str,
        start: int,
    ) -> None:
        self._hub = hub
        self.tenant_id = tenant_id
        self.thread = thread
        # Its group in the hub: the thread's followers, or the tenant's.
        self.key: tuple[str, ...] = (tenant_id,) if thread is None else (tenant_id, *thread)
        self.viewer = viewer
        self.address = address
        self.start = start  # every message after this position comes through the queue
        self._queue: deque[LiveMessage] = deque()
        self._ready: asyncio.Event | None = None
        self._round = hub.hand_overs  # the hand-over that last offered it something
        self._earlier = 0  # what it had waiting when that hand-over began
        self.closed = False
        # Why the hub ended it, when its client must reload instead of resuming: "too_slow" (its
        # queue overflowed), "tenant_disabled", "messages_lost" (the feed no longer holds what
        # it missed: a rebuilt read model, or a process far behind the retention window).
        self.reset_reason: str | None = None

    def offer(self, message: LiveMessage) -> None:
        if self.closed or not self.viewer.may_see(message):
            return
        if self._round != self._hub.hand_overs:
            self._round = self._hub.hand_overs
            self._earlier = len(self._queue)
        if self._earlier >= self._hub.limits.queue_size:
            self._queue.clear()
            self._hub.unsubscribe(self)
            self.end("too_slow")
            return
        self._queue.append(message)
        if self._ready is not None:
            self._ready.set()

    @property
    def overflowed(self) -> bool:
        return self.reset_reason == "too_slow"

    def end(self, reason: str) -> None:
        """Closed, and its stream tells the client to reload (``reset``)."""
        self.reset_reason = reason
        self.close()

    def close(self) -> None:
        self.closed = True
        if self._ready is not None:
            self._ready.set()

    async def next(self, timeout: float) -> list[LiveMessage]:
        """What has arrived, waiting up to ``timeout`` for something; empty after the timeout
        or once closed (see ``closed`` and ``overflowed``)."""
        if not self._queue and not self.closed:
            if self._ready is None:
                self._ready = asyncio.Event()
            self._ready.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        messages = list(self._queue)
        self._queue.clear()
        return messages

    @property
    def waiting(self) -> int:
        return len(self._queue)


@dataclass(eq=False)  # one per process, compared (and hashed) by identity
class LiveHub:
    feed: LiveFeed
    fanout: LiveFanout
    limits: LiveLimits = field(default_factory=LiveLimits)
    sync_seconds: float = 2.0  # how often the feed's head is checked for batches never heard
    through: int = 0
    hand_overs: int = 0  # how many hand-overs began: a subscription's queue bound is per hand-over
    # Followers by ``Subscription.key``: (tenant, entity type, entity id), or (tenant,).
    _groups: dict[tuple[str, ...], set[Subscription]] = field(default_factory=lambda: defaultdict(set))
    _per_tenant: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _per_address: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _inbox: asyncio.Queue[LiveBatch | None] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _unlisten: Callable[[], None] | None = None
    # The first streams of a process arrive together (every follower reconnects when it comes
    # back): one of them starts the hub, the others wait for it. Two starts would listen twice and
    # run two readers of the inbox, and closing would then wait for one that never ends.
    _starting: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def start(self) -> None:
        async with self._starting:
            if self._task is not None:
                return
            # Listen first, then read the head: a batch committed in between is heard and kept.
            self._unlisten = self.fanout.listen(self._inbox.put_nowait)
            await self.fanout.start()
            self.through = await self.feed.head()
            self._task = asyncio.create_task(self._run())

    def close_streams(self) -> None:
        """Every subscription ends (not with a reset: its client reconnects and resumes)."""
        for subscription in list(self.subscriptions()):
            subscription.close()

    async def close(self) -> None:
        """Shutting down: every stream ends (its client reconnects elsewhere and resumes)."""
        self.close_streams()
        self._groups.clear()
        self._per_tenant.clear()
        self._per_address.clear()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._task is not None:
            self._inbox.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.fanout.stop()

    def subscribe(
        self, tenant_id: str, thread: tuple[str, str] | None, viewer: LiveViewer, address: str
    ) -> Subscription:
        """A subscription handed every message after ``through`` as it stands now."""
        if self._per_tenant[tenant_id] >= self.limits.per_tenant:
            raise StreamLimitReached("tenant")
        if self._per_address[address] >= self.limits.per_address:
            raise StreamLimitReached("address")
        subscription = Subscription(self, tenant_id, thread, viewer, address, self.through)
        self._groups[subscription.key].add(subscription)
        self._per_tenant[tenant_id] += 1
        self._per_address[address] += 1
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        group = self._groups.get(subscription.key)
        if group is None or subscription not in group:
            return
        group.discard(subscription)
        if not group:
            del self._groups[subscription.key]
        for counts, name in (
            (self._per_tenant, subscription.tenant_id),
            (self._per_address, subscription.address),
        ):
            counts[name] -= 1
            if counts[name] <= 0:
                del counts[name]

    def subscriptions(self) -> Iterable[Subscription]:
        for group in self._groups.values():
            yield from group

    @property
    def subscribers(self) -> int:
        return sum(self._per_tenant.values())

    def tenant_subscriptions(self, tenant_id: str) -> list[Subscription]:
        """Every stream of a tenant (to close them when it is disabled)."""
        return [s for key, group in self._groups.items() if key[0] == tenant_id for s in group]

    def close_tenant(self, tenant_id: str) -> None:
        """End every stream of a tenant (it was disabled): each sends ``reset`` and closes."""
        for subscription in self.tenant_subscriptions(tenant_id):
            self.unsubscribe(subscription)
            subscription.end("tenant_disabled")

    def hand_over(self, messages: Iterable[LiveMessage], through: int) -> None:
        """Every message after ``self.through`` to its subscriptions, then move to ``through``."""
        self.hand_overs += 1
        for message in messages:
            if message.position <= self.through:
                continue
            for key in ((message.tenant_id, message.entity_type, message.entity_id), (message.tenant_id,)):
                group = self._groups.get(key)
                if group:
                    for subscription in tuple(group):
                        subscription.offer(message)
        self.through = max(self.through, through)

    async def _run(self) -> None:
        while True:
            try:
                batch = await asyncio.wait_for(self._inbox.get(), self.sync_seconds)
            except TimeoutError:
                batch = None
                with contextlib.suppress(Exception):
                    await self._fill(await self.feed.head())
                continue
            if batch is None:
                return
            try:
                if batch.through <= self.through:
                    continue  # heard twice (its own publish and the echo), or read back already
                if batch.after > self.through:
                    await self._fill(batch.after)  # batches missed on the wire
                self.hand_over(batch.messages, batch.through)
            except Exception:
                log.exception(
                    "live hub: batch (%s, %s] not handed over; read back later", batch.after, batch.through
                )

    async def _fill(self, upto: int) -> None:
        """Read (through, upto] back from the feed and hand it over, a page at a time. If the feed
        no longer holds all of it (its horizon is past ``through``: the read model was rebuilt,
        or this process fell behind the retention window), no subscription can be told what it
        missed: every one is ended with a reset, and the hub goes on from ``upto``."""
        if self.through >= upto:
            return
        if await self.feed.horizon() > self.through:
            for subscription in list(self.subscriptions()):
                self.unsubscribe(subscription)
                subscription.end("messages_lost")
            self.through = max(self.through, upto)
            return
        while self.through < upto:
            page = await self.feed.read_range(self.through, upto, limit=FILL_PAGE)
            if len(page) < FILL_PAGE:
                self.hand_over(page, upto)
                return
            self.hand_over(page, page[-1].position)
