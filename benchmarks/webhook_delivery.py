"""Webhook delivery under faults (issue 11's target): 10,000 events to a local receiver that
answers 500 to 30% of attempts and hangs past the attempt timeout on 5%.

The events are appended first (500 threads of 20), then `threadline webhooks` runs as its own
process and delivers them; the receiver (in this process, uvicorn) verifies every signature and
keeps every request. Reported: lost events (must be 0), events received out of log order within
their thread (0), duplicates and whether each followed a timeout (an outcome the deliverer could
not know), the slowest event's span from first attempt to acceptance against the retry
schedule's bound, total time and deliveries/s.

Run alone: `python -m benchmarks.webhook_delivery [sqlite|postgres]`; in `make bench` with
BENCH_ONLY=webhook_delivery (or everything).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import Receive, Scope, Send

from benchmarks.config import POSTGRES, console
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.webhooks.retry_schedule import RetrySchedule
from threadline.application.webhooks.subscriptions import SubscriptionChanges
from threadline.bootstrap import build
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.identity import Actor, Role
from threadline.settings import Settings

EVENTS, THREADS = 10_000, 500
FAIL, HANG = 0.30, 0.05
PORT = 18491
SCHEDULE = RetrySchedule(max_attempts=15, base_seconds=0.05, cap_seconds=1.0, attempt_timeout_seconds=1.0)
SETTINGS: dict[str, object] = {
    "webhook_allowed_hosts": "127.0.0.1",
    "webhook_attempt_timeout_seconds": SCHEDULE.attempt_timeout_seconds,
    "webhook_backoff_base_seconds": SCHEDULE.base_seconds,
    "webhook_backoff_max_seconds": SCHEDULE.cap_seconds,
    "webhook_max_attempts": SCHEDULE.max_attempts,
    "webhook_lanes": 32,
    "webhook_window": 5000,
    "webhook_poll_interval_seconds": 0.2,
    "webhook_probe_interval_seconds": 2.0,
}
GUARD_SECONDS = 900  # not a target: when a run that stopped making progress is given up


@dataclass
class Receipt:
    at: float
    outcome: str  # "ok", "500" or "hang" (processed, answered after the deliverer gave up)


@dataclass
class FaultyReceiver:
    secret: str = ""
    seed: int = 11
    receipts: dict[str, list[Receipt]] = field(default_factory=lambda: defaultdict(list))
    order: list[tuple[str, int, str]] = field(default_factory=list)  # (id, position, thread) accepted
    bad_signatures: int = 0
    last: float = 0.0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
        webhook_id = headers.get("webhook-id", "")
        draw = self._random.random()
        outcome = "500" if draw < FAIL else "hang" if draw < FAIL + HANG else "ok"
        now = time.monotonic()
        self.receipts[webhook_id].append(Receipt(now, outcome))
        self.last = now
        if outcome != "500":
            data = orjson.loads(body)["data"]
            self.order.append((webhook_id, data["position"], data["thread"]["entity_id"]))
        if outcome == "hang":
            await asyncio.sleep(SCHEDULE.attempt_timeout_seconds + 1)
        status = 500 if outcome == "500" else 200
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})


async def _database(backend: str, directory: Path) -> tuple[str, str | None]:
    """A fresh, empty database URL (and, for PostgreSQL, its name to drop)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{directory / 'webhooks.db'}", None
    name = f"threadline_bench_webhooks_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{POSTGRES.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}", name


async def _drop(name: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _environment(url: str) -> dict[str, str]:
    values = {"database_url": url, "run_projector": False, **SETTINGS}
    return {
        **os.environ,
        **{
            f"THREADLINE_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in values.items()
        },
    }


async def _append(url: str, receiver_url: str) -> tuple[str, str, dict[str, tuple[int, str]]]:
    """The tenant, its subscription and every event: position and thread by event id."""
    settings = Settings(database_url=url, run_projector=False, run_webhooks=False, **SETTINGS)  # type: ignore[arg-type]
    container = build(settings)
    try:
        await container.migrate()
        tenant = await container.tenants.create("webhook-bench")
        assert container.webhooks is not None
        admin = Actor(tenant.id, "root", "Root", None, Role.ADMIN)
        hook = await container.webhooks.admin.create(admin, SubscriptionChanges(url=receiver_url))
        per_thread = EVENTS // THREADS
        for start in range(0, EVENTS, 200):
            await asyncio.gather(
                *(
                    container.runner.run(
                        create_comment,
                        CreateComment(
                            str(uuid.uuid4()), "post", f"t{n % THREADS}", f"event {n}", ContentFormat.PLAIN
                        ),
                        CommandContext(Actor(tenant.id, f"u{n % 50}", "U", None, Role.USER)),
                    )
                    for n in range(start, min(start + 200, per_thread * THREADS))
                )
            )
        logged = await container.events.audit(tenant.id, limit=EVENTS + 10)
        return tenant.id, hook.secret, {e.event_id: (e.position, str(e.payload["entity_id"])) for e in logged}
    finally:
        await container.stop()


def _analyse(receiver: FaultyReceiver, logged: dict[str, tuple[int, str]], elapsed: float) -> dict[str, Any]:
    accepted = {i for i, receipts in receiver.receipts.items() if any(r.outcome != "500" for r in receipts)}
    lost = sorted(set(logged) - accepted)
    latest: dict[str, int] = {}
    out_of_order = 0
    seen: set[str] = set()
    for webhook_id, position, thread in receiver.order:
        if webhook_id in seen:
            continue  # a duplicate: the receiver drops it by webhook-id
        seen.add(webhook_id)
        if position < latest.get(thread, 0):
            out_of_order += 1
        latest[thread] = max(latest.get(thread, 0), position)
    duplicates = after_unknown = 0
    spans = []
    for receipts in receiver.receipts.values():
        kept = [r for r in receipts if r.outcome != "500"]
        spans.append(kept[0].at - receipts[0].at if kept else 0.0)
        for index in range(1, len(kept)):
            duplicates += 1
            if kept[index - 1].outcome == "hang":
                after_unknown += 1
    attempts = sum(len(r) for r in receiver.receipts.values())
    return {
        "events": len(logged),
        "lost": len(lost),
        "out_of_order_per_thread": out_of_order,
        "duplicates": duplicates,
        "duplicates_after_a_timeout": after_unknown,
        "bad_signatures": receiver.bad_signatures,
        "attempts": attempts,
        "total_s": round(elapsed, 2),
        "deliveries_per_s": round(len(accepted) / elapsed, 1) if elapsed else None,
        "slowest_event_span_s": round(max(spans, default=0.0), 2),
        "retry_schedule_bound_s": round(SCHEDULE.longest(), 2),
        "settings": {k: v for k, v in SETTINGS.items()},
        "faults": {"500": FAIL, "timeout": HANG},
    }


async def run(backend: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        url, dropped = await _database(backend, Path(directory))
        try:
            receiver = FaultyReceiver()
            console.print(f"  webhooks ({backend}): appending {EVENTS:,} events in {THREADS} threads")
            _, receiver.secret, logged = await _append(url, f"http://127.0.0.1:{PORT}/hook")
            config = uvicorn.Config(
                receiver, host="127.0.0.1", port=PORT, log_level="warning", lifespan="off"
            )
            server = uvicorn.Server(config)
            serving = asyncio.create_task(server.serve())
            while not server.started:  # noqa: ASYNC110  (uvicorn offers no event to wait on)
                await asyncio.sleep(0.01)
            worker = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "threadline.cli.main",
                "webhooks",
                env=_environment(url),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            started = time.monotonic()
            try:
                while len(
                    {i for i, r in receiver.receipts.items() if any(x.outcome != "500" for x in r)}
                ) < len(logged):
                    assert time.monotonic() - started < GUARD_SECONDS, (
                        "webhook delivery stopped making progress"
                    )
                    await asyncio.sleep(0.1)
                elapsed = receiver.last - started
            finally:
                worker.send_signal(signal.SIGTERM)
                await worker.wait()
                server.should_exit = True
                await serving
            result = _analyse(receiver, logged, elapsed)
            console.print(f"  webhooks ({backend}): {result}")
            return result
        finally:
            if dropped:
                await _drop(dropped)


def run_webhook_delivery(backend: str) -> dict[str, Any]:
    return asyncio.run(run(backend))


if __name__ == "__main__":
    for name in sys.argv[1:] or ["sqlite"]:
        run_webhook_delivery(name)
