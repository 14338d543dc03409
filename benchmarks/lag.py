"""Projection lag under load: from the stores (checkpoint vs ``recorded_at``), end to end over
HTTP (create, then read until visible), and the projector's catch-up after the write run."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from benchmarks.backends import Backend, psql
from benchmarks.config import (
    POSTGRES,
)


def lag_probe(base: str, tenant_id: str, token: str) -> Callable[[], dict[str, Any]]:
    """Every 100 ms: create a comment in one of the hot mixed threads, then poll
    GET /v1/comments/{id} (anonymous, as any reader) every 2 ms until it answers 200.

    Lag = from the create's 201 arriving (the command committed before it was sent) to the first
    200 arriving. It is end to end: projection, cache invalidation and one read under full load,
    so it includes the read's own round trip (reported as poll_rtt, the floor of what this
    method can measure)."""
    stop = threading.Event()
    samples: list[float] = []
    rtts: list[float] = []
    failures: list[str] = []
    auth = {"Authorization": f"Bearer {token}"}
    anonymous = {"X-Tenant-ID": tenant_id}

    def probe(client: httpx.Client, n: int) -> None:
        comment_id = str(uuid.uuid4())
        body = {
            "id": comment_id,
            "entity_type": "post",
            "entity_id": f"mix-{n % 10}",
            "content": f"lag probe {n}",
        }
        created = client.post("/v1/comments", json=body, headers=auth)
        committed = time.monotonic()
        if created.status_code != 201:
            failures.append(f"create {created.status_code}")
            return
        while True:
            sent = time.monotonic()
            got = client.get(f"/v1/comments/{comment_id}", headers=anonymous)
            now = time.monotonic()
            rtts.append(now - sent)
            if got.status_code == 200:
                samples.append(now - committed)
                return
            if got.status_code != 404:
                failures.append(f"read {got.status_code}")
                return
            if now - committed > 10:
                failures.append("not visible after 10 s")
                return
            time.sleep(0.002)

    def loop() -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while not stop.is_set():
                tick = time.monotonic()
                try:
                    probe(client, n)
                except httpx.HTTPError as error:  # a timeout under load is a failure, not a crash
                    failures.append(f"{type(error).__name__}: {error}")
                n += 1
                stop.wait(max(0.0, 0.1 - (time.monotonic() - tick)))

    thread = threading.Thread(target=loop, name="lag-probe", daemon=True)
    thread.start()

    def finish() -> dict[str, Any]:
        stop.set()
        thread.join(30)
        ms = sorted(x * 1000 for x in samples)
        return {
            "samples": len(ms),
            "p50_ms": round(percentile(ms, 50), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(ms[-1], 1) if ms else float("nan"),
            "poll_rtt_p50_ms": round(percentile(sorted(x * 1000 for x in rtts), 50), 1),
            "failures": failures,
        }

    return finish


def drain_projection(backend: Backend, timeout: float = 600) -> dict[str, float]:
    """Wait until the projection reaches the log head; how many events that took, and how long."""
    watcher = CheckpointWatcher(backend)
    started = time.monotonic()
    head = watcher.start_position
    first = None
    try:
        while time.monotonic() - started < timeout:
            if watcher.seen:
                first = watcher.seen[0][1] if first is None else first
                if watcher.seen[-1][1] >= head:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"the projection did not reach {head} within {timeout} s")
    finally:
        watcher.stop()
    seconds = time.monotonic() - started
    events = head - (first if first is not None else head)
    return {"events": events, "seconds": round(seconds, 2), "events_per_second": round(events / seconds, 1)}


class CheckpointWatcher:
    """Projection lag from the stores themselves, for every event of the mixed run.

    A thread reads the projector's checkpoint from the read database every ~5 ms and notes the
    wall-clock time each new position is first seen; the checkpoint commits in the same
    transaction as the read-model rows, so that is when queries can see the event. Afterwards each
    event's lag = (first time the checkpoint was seen at or past its position) - its
    ``recorded_at`` (set when it was appended, just before its command's commit: the lag includes
    that commit, so it errs on the long side, by up to the ~5 ms poll period too)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.seen: list[tuple[float, int]] = []
        self.start_position = self.log_head()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="checkpoint-watcher", daemon=True)
        self._thread.start()

    def log_head(self) -> int:
        return int(self._write_query("SELECT coalesce(max(position), 0) FROM events")[0][0])

    def _write_query(self, sql: str) -> list[list[str]]:
        if self.backend.name == "sqlite":
            with contextlib.closing(sqlite3.connect(f"file:{self.backend.write_db}?mode=ro", uri=True)) as db:
                return [[str(v) for v in row] for row in db.execute(sql).fetchall()]
        return [line.split("|") for line in psql(sql, self.backend.write_db).splitlines()]

    def _poll(self) -> None:
        query = "SELECT position FROM projection_checkpoints WHERE name = 'comments'"
        if self.backend.name == "sqlite":
            with contextlib.closing(sqlite3.connect(f"file:{self.backend.read_db}?mode=ro", uri=True)) as db:
                while not self._stop.wait(0.005):
                    self._note(int(db.execute(query).fetchone()[0]))
            return

        async def poll() -> None:
            import asyncpg

            connection = await asyncpg.connect(f"{POSTGRES}/{self.backend.read_db}")
            try:
                while not self._stop.is_set():
                    self._note(int(await connection.fetchval(query)))
                    await asyncio.sleep(0.005)
            finally:
                await connection.close()

        asyncio.run(poll())

    def _note(self, position: int) -> None:
        if not self.seen or position > self.seen[-1][1]:
            self.seen.append((time.time(), position))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def finish(self) -> dict[str, Any]:
        """Wait for the projection to drain the run's events, then compute each event's lag."""
        end = self.log_head()
        deadline = time.monotonic() + 30
        while (not self.seen or self.seen[-1][1] < end) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop()
        rows = self._write_query(
            f"SELECT position, recorded_at FROM events WHERE position > {self.start_position}"
            f" AND position <= {end} ORDER BY position"
        )
        positions = [p for _, p in self.seen]
        lags = []
        for position_text, recorded_at in rows:
            index = bisect.bisect_left(positions, int(position_text))
            if index == len(positions):
                continue  # not projected within 30 s: counted below
            committed = datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).timestamp()
            lags.append(max(0.0, self.seen[index][0] - committed) * 1000)
        lags.sort()
        return {
            "events": len(rows),
            "p50_ms": round(percentile(lags, 50), 1),
            "p99_ms": round(percentile(lags, 99), 1),
            "max_ms": round(lags[-1], 1) if lags else float("nan"),
            "not_projected": len(rows) - len(lags),
        }


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]
