"""The log's events into a JetStream stream (nats-py): one message per event, subject
``<prefix>.<tenant>.<event_type>``, header ``Nats-Msg-Id`` = the event id.

A batch is published without waiting for each ack, then the acks are awaited together. Order is
kept by the server, not by waiting: every message but the first after a (re)start carries
``Nats-Expected-Last-Msg-Id`` = the previous event's id, so if one message is lost on a broken
connection, the ones behind it are refused (never stored ahead of it) and are sent again, in
order, from the lost one. The duplicate check runs before that expectation, so an event sent
twice (an ack lost, a crash between ack and checkpoint) is acknowledged as a duplicate, not
stored twice, within the stream's duplicate window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import nats
import orjson
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import NotFoundError

from threadline.application.ports.log_consumers import KeptEvent
from threadline.application.ports.projection import StoredEvent

log = logging.getLogger(__name__)
MAX_BATCH = 10_000  # the most events a batch may hold (THREADLINE_RELAY_BATCH_SIZE's bound)


@dataclass(frozen=True)
class StreamOptions:
    url: str
    stream: str = "THREADLINE"
    subject_prefix: str = "threadline"
    duplicate_window_seconds: float = 120.0
    ack_timeout_seconds: float = 5.0
    reconnect_seconds: float = 1.0


def subject_of(prefix: str, event: StoredEvent) -> str:
    return f"{prefix}.{event.tenant_id}.{event.event_type}"


def message_body(event: StoredEvent) -> bytes:
    """The stored event as it is in the log now (payloads redacted on erasure stay redacted)."""
    return orjson.dumps(
        {
            "position": event.position,
            "event_id": event.event_id,
            "tenant_id": event.tenant_id,
            "event_type": event.event_type,
            "schema_version": event.schema_version,
            "aggregate_id": event.aggregate_id,
            "aggregate_version": event.aggregate_version,
            "comment_id": event.comment_id,
            "payload": event.payload,
            "metadata": event.metadata,
            "recorded_at": event.recorded_at,
        }
    )


class JetStreamEvents:
    """The relay's ``EventStream`` over one nats-py connection, opened on first use. nats-py
    reconnects by itself, forever (``max_reconnect_attempts=-1``), at first connect too."""

    def __init__(self, options: StreamOptions) -> None:
        self.options = options
        self.connect_failures = 0  # told by nats-py's error callback: a test waits on it
        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._previous_id: str | None = None  # the last event the stream is known to end with

    async def _error(self, error: Exception) -> None:
        self.connect_failures += 1
        log.warning("NATS at %s: %r (retrying)", self.options.url, error)

    async def _context(self) -> JetStreamContext:
        if self._js is None:
            self._client = await nats.connect(
                self.options.url,
                max_reconnect_attempts=-1,
                reconnect_time_wait=self.options.reconnect_seconds,
                connect_timeout=max(1, int(self.options.ack_timeout_seconds)),
                error_cb=self._error,
                name="threadline-relay",
            )
            # Room for a whole batch among nats-py's pending publishes: taking a place then never
            # waits, so a batch goes out in a few writes instead of one per message (measured).
            js = self._client.jetstream(
                timeout=self.options.ack_timeout_seconds, publish_async_max_pending=MAX_BATCH
            )
            try:
                await self._ensure_stream(js)
            except Exception:
                await self.close()  # the next attempt connects afresh
                raise
            self._js = js
        return self._js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            await js.stream_info(self.options.stream)
        except NotFoundError:
            await js.add_stream(
                name=self.options.stream,
                subjects=[f"{self.options.subject_prefix}.>"],
                duplicate_window=self.options.duplicate_window_seconds,
            )
            log.info("created JetStream stream %s", self.options.stream)

    async def last_kept(self) -> KeptEvent | None:
        """The event the stream ends with, read from its last message (None when empty)."""
        js = await self._context()
        info = await js.stream_info(self.options.stream)
        if not info.state.last_seq:
            return None
        message = await js.get_msg(self.options.stream, info.state.last_seq)
        try:
            body = orjson.loads(message.data or b"")
            kept = KeptEvent(int(body["position"]), str(body["event_id"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None  # not one of ours: the relay trusts its checkpoint alone
        return kept

    def follows(self, event_id: str | None) -> None:
        """The stream is known to end with ``event_id``: the next publish is checked against it."""
        self._previous_id = event_id

    async def publish(self, events: Sequence[StoredEvent]) -> int:
        js = await self._context()
        acks: list[asyncio.Future[PubAck]] = []
        previous = self._previous_id
        try:
            for event in events:
                headers = {"Nats-Msg-Id": event.event_id}
                if previous is not None:
                    headers["Nats-Expected-Last-Msg-Id"] = previous
                acks.append(
                    await js.publish_async(
                        subject_of(self.options.subject_prefix, event),
                        message_body(event),
                        headers=headers,
                        stream=self.options.stream,
                    )
                )
                previous = event.event_id
        except Exception as error:  # the connection broke halfway: the acks so far still count
            log.warning("publishing to %s stopped after %d events: %r", self.options.stream, len(acks), error)
        if acks:
            await asyncio.wait(acks, timeout=self.options.ack_timeout_seconds)
        kept = 0
        for future in acks:
            if not future.done() or future.cancelled() or future.exception() is not None:
                break
            kept += 1
        for future in acks[kept:]:
            if not future.done():
                future.cancel()  # frees its place among nats-py's pending publishes
            elif not future.cancelled() and future.exception() is not None:
                log.debug("event not kept by %s: %r", self.options.stream, future.exception())
        if kept:
            self._previous_id = events[kept - 1].event_id
        return kept

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.close()
        self._client, self._js = None, None
