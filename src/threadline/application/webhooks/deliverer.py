"""One subscription's deliverer: the log from the subscription's checkpoint to its receiver, at
least once and in log order per thread.

It runs only while it holds the subscription's lease (a row lease, ``adapters/sql/webhook_store``)
and writes nothing once it has lost it. Events go out in lanes (``lanes.py``); each is tried up
to ``max_attempts`` times with full-jitter backoff, then the subscription is marked failing: the
event stays unfinished, nothing after it is started, and a probe tries it again at a slow
interval until it succeeds or an admin retries. The payload is read from the log before every
attempt, so a hard delete between two attempts is honoured (``payloads.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from threadline.application.webhooks.lanes import Lanes
from threadline.application.webhooks.payloads import comments_needed, delivery_body, thread_of
from threadline.application.webhooks.ports import (
    AttemptRecord,
    AttemptResult,
    Progress,
    WebhookSender,
    WebhookStore,
)
from threadline.application.webhooks.retry_schedule import RetrySchedule
from threadline.application.webhooks.signatures import signed_headers
from threadline.application.webhooks.subscriptions import later
from threadline.application.webhooks.url_policy import UrlPolicy
from threadline.domain.clock import utc_now
from threadline.domain.errors import InvalidWebhookUrl
from threadline.domain.webhooks import (
    DeliveryRecord,
    DeliveryStatus,
    Subscription,
    SubscriptionStatus,
    webhook_type,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryRules:
    schedule: RetrySchedule
    lanes: int = 8
    window: int = 1000  # events held per subscription beyond its checkpoint
    poll_seconds: float = 1.0
    lease_seconds: float = 30.0
    flush_seconds: float = 0.2
    probe_seconds: float = 600.0


class Ended(Enum):
    GONE = "gone"  # removed or disabled
    RESTART = "restart"  # replayed, or its URL changed: start over from the stored checkpoint
    LOST = "lost"  # the lease went to another deliverer
    STOPPED = "stopped"


class SubscriptionDeliverer:
    def __init__(
        self,
        subscription: Subscription,
        *,
        store: WebhookStore,
        policy: UrlPolicy,
        open_sender: Callable[[], WebhookSender],
        rules: DeliveryRules,
        holder: str,
    ) -> None:
        self._sub = subscription
        self._store = store
        self._policy = policy
        self._open_sender = open_sender
        self._rules = rules
        self._holder = holder
        # Never start an attempt the lease might not outlast: renewed at a third of its term.
        self._lease = max(rules.lease_seconds, 3 * rules.schedule.attempt_timeout_seconds + 3)
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``, or until the subscription is removed or disabled."""
        sub = self._sub
        while not stop.is_set():
            try:
                started = time.monotonic()
                if await self._store.take_lease(
                    sub.tenant_id, sub.id, self._holder, later(self._lease), utc_now()
                ):
                    self._lease_deadline = started + self._lease
                    try:
                        ended = await self._deliver(stop)
                    finally:
                        with contextlib.suppress(Exception):
                            await self._store.release_lease(sub.tenant_id, sub.id, self._holder)
                    if ended is Ended.GONE:
                        return
                    if ended is not Ended.LOST:
                        continue
                else:
                    found = await self._store.get(sub.tenant_id, sub.id)
                    if found is None or not found.enabled:
                        return  # removed or disabled while another deliverer held it
            except Exception:
                log.exception("webhook %s: delivery stopped by an error; starting again", sub.id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(self._rules.poll_seconds, self._lease / 3))

    async def _deliver(self, stop: asyncio.Event) -> Ended:
        sub = await self._store.get(self._sub.tenant_id, self._sub.id)
        if sub is None or not sub.enabled:
            return Ended.GONE
        self._sub, generation = sub, sub.generation
        self._lanes = Lanes(self._rules.lanes, await self._store.checkpoint(sub.id))
        self._written = self._lanes.checkpoint
        self._types: dict[int, str] = {}
        self._records: dict[str, AttemptRecord] = {}
        self._failing: tuple[str, str] | None = None
        self._next_probe: str | None = None
        self._resumed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._probing: asyncio.Task[None] | None = None
        self._extra: set[str] = set()  # requeued deliveries in hand
        self._last_flush = time.monotonic()
        self._renew_at = time.monotonic() + self._lease / 3
        sender = self._open_sender()
        refreshed, self._more = float("-inf"), True
        try:
            while not stop.is_set():
                self._wake.clear()  # before anything this turn awaits: no completion is missed
                if not await self._flush():
                    return Ended.LOST
                polled = time.monotonic() - refreshed >= self._rules.poll_seconds
                if polled:
                    refreshed = time.monotonic()
                    fresh = await self._store.get(sub.tenant_id, sub.id)
                    if fresh is None or not fresh.enabled:
                        return Ended.GONE
                    if fresh.generation != generation or fresh.url != sub.url:
                        return Ended.RESTART
                    self._sub = fresh
                    await self._requeued(sender, fresh)
                if self._sub.status is SubscriptionStatus.FAILING:
                    await self._probe(sender, self._sub)
                elif self._failing is None:
                    if polled or self._more:
                        await self._read_more(self._sub)
                    if self._failing is None:
                        for position in self._lanes.start():
                            self._spawn(self._send(sender, position, self._sub.tenant_id))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._either(stop), self._rules.poll_seconds)
            return Ended.STOPPED
        finally:
            for task in self._tasks:
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            with contextlib.suppress(Exception):
                await self._flush(force=True)
            await sender.close()

    async def _either(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _read_more(self, sub: Subscription) -> None:
        room = min(self._rules.window - self._lanes.waiting, 500)
        if room <= 0:
            return
        batch = await self._store.events_after(sub.tenant_id, self._lanes.read_through, room)
        self._more = len(batch) == room
        for event in batch:
            kind = webhook_type(event.event_type, event.payload)
            wanted = kind is not None and sub.wants(kind)
            self._lanes.add(event.position, thread_of(event), wanted=wanted)
            if wanted and kind is not None:
                self._types[event.position] = kind

    async def _probe(self, sender: WebhookSender, sub: Subscription) -> None:
        """Failing: the event it waits at is tried once per probe interval."""
        if self._probing is not None and not self._probing.done():
            return
        if self._next_probe is not None or (sub.next_probe_at is not None and utc_now() < sub.next_probe_at):
            return  # not due, or a failed probe's next time is not written yet
        await self._read_more(sub)
        started = self._lanes.start(most=1)
        if started:
            self._probing = self._spawn(self._send(sender, started[0], sub.tenant_id, probe=True))
        elif self._lanes.in_flight == 0:
            self._resumed = True  # nothing waits any more (a replay moved past it): resume

    async def _send(
        self, sender: WebhookSender, position: int, tenant_id: str, *, probe: bool = False
    ) -> None:
        attempts = 1 if probe else self._rules.schedule.max_attempts
        for attempt in range(1, attempts + 1):
            if self._lease_deadline - time.monotonic() < self._rules.schedule.attempt_timeout_seconds + 1:
                self._lanes.release(position)  # the lease could lapse mid-attempt: leave it be
                return
            result, delivery_id = await self._attempt(sender, tenant_id, position)
            final = result.delivered or attempt == attempts
            status = (
                DeliveryStatus.DELIVERED
                if result.delivered
                else DeliveryStatus.FAILED
                if final
                else DeliveryStatus.PENDING
            )
            self._record(delivery_id, position, self._types.get(position, ""), status, result)
            if result.delivered:
                self._lanes.finish(position)
                if probe:
                    self._resumed = True
                self._wake.set()
                return
            if not final:
                await asyncio.sleep(self._rules.schedule.delay(attempt))
        self._lanes.release(position)
        if probe:
            self._next_probe = later(self._rules.probe_seconds)
        else:
            self._failing = (utc_now(), later(self._rules.probe_seconds))
            log.warning(
                "webhook %s: event %d ran out of attempts; the subscription is failing",
                self._sub.id,
                position,
            )
        self._wake.set()

    async def _attempt(
        self, sender: WebhookSender, tenant_id: str, position: int
    ) -> tuple[AttemptResult, str]:
        """One attempt, every failure of it an outcome: never an exception out of here."""
        started = time.monotonic()
        delivery_id = str(position)
        try:
            event = await self._store.event(tenant_id, position)
            if event is None:
                raise LookupError(f"event {position} is not in the log")
            delivery_id = event.event_id
            facts = await self._store.comment_facts(tenant_id, comments_needed(event))
            body = delivery_body(event, facts)
            headers = signed_headers(event.event_id, body, self._sub.signing_secrets(utc_now()))
            try:
                target = await self._policy.target(self._sub.url)
            except InvalidWebhookUrl as refused:
                return AttemptResult(None, f"refused: {refused.detail}", None, 0.0), delivery_id
            timeout = self._rules.schedule.attempt_timeout_seconds
            return await sender.send(self._sub.url, target.addresses, headers, body, timeout), delivery_id
        except Exception as error:
            log.exception("webhook %s: attempt on event %d failed before sending", self._sub.id, position)
            elapsed = (time.monotonic() - started) * 1000
            return AttemptResult(None, f"internal: {type(error).__name__}", None, elapsed), delivery_id

    def _record(
        self, delivery_id: str, position: int, kind: str, status: DeliveryStatus, result: AttemptResult
    ) -> None:
        now = utc_now()
        earlier = self._records.get(delivery_id)
        self._records[delivery_id] = AttemptRecord(
            delivery_id=delivery_id,
            position=position,
            event_type=kind,
            status=status,
            attempts=(earlier.attempts if earlier else 0) + 1,
            status_code=result.status_code,
            error=result.error,
            response=result.response,
            first_attempt_at=earlier.first_attempt_at if earlier else now,
            last_attempt_at=now,
            duration_ms=result.duration_ms,
            delivered_at=now if result.delivered else None,
        )

    async def _requeued(self, sender: WebhookSender, sub: Subscription) -> None:
        """Deliveries an admin asked for again: sent out of band, beside the lanes."""
        for record in await self._store.requeued(sub.tenant_id, sub.id, 20):
            if record.delivery_id not in self._extra:
                self._extra.add(record.delivery_id)
                self._spawn(self._send_again(sender, record))

    async def _send_again(self, sender: WebhookSender, record: DeliveryRecord) -> None:
        attempts = self._rules.schedule.max_attempts
        for attempt in range(1, attempts + 1):
            result, delivery_id = await self._attempt(sender, record.tenant_id, record.position)
            final = result.delivered or attempt == attempts
            status = (
                DeliveryStatus.DELIVERED
                if result.delivered
                else DeliveryStatus.FAILED
                if final
                else DeliveryStatus.REQUEUED
            )
            self._record(delivery_id, record.position, record.event_type, status, result)
            if final:
                break
            await asyncio.sleep(self._rules.schedule.delay(attempt))
        self._wake.set()

    async def _flush(self, *, force: bool = False) -> bool:
        """Writes records, checkpoint and status changes together, fenced by the lease; renews
        the lease at a third of its term even when there is nothing else to write."""
        now = time.monotonic()
        changed = bool(self._records) or self._lanes.checkpoint > self._written
        marks = self._failing is not None or self._next_probe is not None or self._resumed
        if not (
            marks
            or now >= self._renew_at
            or (changed and (force or now - self._last_flush >= self._rules.flush_seconds))
        ):
            return True
        records, checkpoint = list(self._records.values()), self._lanes.checkpoint
        failing, next_probe, resumed = self._failing, self._next_probe, self._resumed
        progress = Progress(
            records=records,
            checkpoint=checkpoint if checkpoint > self._written else None,
            lease_until=later(self._lease),
            failing=failing if self._sub.status is SubscriptionStatus.ACTIVE else None,
            next_probe_at=next_probe,
            resumed=resumed and failing is None,
        )
        try:
            held = await self._store.write_progress(
                self._sub.tenant_id, self._sub.id, self._holder, self._sub.generation, progress
            )
        except Exception:
            log.exception("webhook %s: writing progress failed; kept for the next try", self._sub.id)
            return self._lease_deadline > time.monotonic()
        if not held:
            return False
        self._lease_deadline, self._renew_at, self._last_flush = now + self._lease, now + self._lease / 3, now
        self._written = max(self._written, checkpoint)
        for record in records:
            current = self._records.get(record.delivery_id)
            if current is record:
                del self._records[record.delivery_id]
                if record.status is not DeliveryStatus.REQUEUED:
                    self._extra.discard(record.delivery_id)
            elif current is not None:  # attempted again while this was written: only the new ones
                self._records[record.delivery_id] = replace(
                    current, attempts=current.attempts - record.attempts
                )
        # What was written is now the subscription's state: seen as such at the next refresh.
        if failing is not None and self._failing is failing:
            self._failing = None
            self._sub = replace(self._sub, status=SubscriptionStatus.FAILING, next_probe_at=failing[1])
        if next_probe is not None and self._next_probe == next_probe:
            self._next_probe = None
            self._sub = replace(self._sub, next_probe_at=next_probe)
        if progress.resumed:
            self._resumed = False
            self._sub = replace(self._sub, status=SubscriptionStatus.ACTIVE, next_probe_at=None)
        return True
