"""`threadline webhooks` as its own process, SIGKILLed in the middle of deliveries and started
again: everything is delivered, in order per thread within each run, and only events after the
checkpoint the killed process had stored are sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter

import pytest

from tests.api.support import Api
from tests.webhooks.receiver import Answer, Receiver
from tests.webhooks.support import QUICK, passed, subscribe
from threadline.bootstrap import Threadline
from threadline.settings import Settings

pytestmark = pytest.mark.parametrize("webhook_settings", [{"run_webhooks": False}], indirect=True)


def worker_environment(settings: Settings) -> dict[str, str]:
    names = ["database_url", "read_database_url", "redis_url", "redis_prefix", *QUICK]
    values = {name: getattr(settings, name) for name in names}
    return {
        **os.environ,
        **{f"THREADLINE_{name.upper()}": str(value) for name, value in values.items() if value is not None},
        "THREADLINE_RUN_PROJECTOR": "false",
    }


async def start_worker(settings: Settings) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "threadline.cli.main",
        "webhooks",
        env=worker_environment(settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_deliverer_killed_mid_delivery_and_started_again_delivers_everything(
    api: Api, container: Threadline, settings: Settings, receiver: Receiver
) -> None:
    receiver.plan = lambda webhook_id, count: Answer(delay=0.2)
    hook = await subscribe(api, receiver)
    for n in range(8):
        for thread in ("t1", "t2", "t3", "t4", "t5"):
            await api.create(f"{thread} #{n}", entity_id=thread)
    assert container.webhooks is not None

    worker = await start_worker(settings)
    try:
        await receiver.until(lambda: len(receiver.received) >= 16)
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    finally:
        if worker.returncode is None:
            worker.kill()
    stored = await container.webhooks.store.checkpoint(hook["id"])
    first_run = len(receiver.received)

    worker = await start_worker(settings)
    try:
        await passed(api, container, hook["id"])
    finally:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()

    positions = {r.webhook_id: r.payload["data"]["position"] for r in receiver.received}
    assert len(positions) == 40  # every event arrived
    counts = Counter(r.webhook_id for r in receiver.received)
    twice = {webhook_id for webhook_id, count in counts.items() if count > 1}
    assert max(counts.values()) <= 2
    assert all(positions[webhook_id] > stored for webhook_id in twice)
    for run in (receiver.received[:first_run], receiver.received[first_run:]):
        for thread in ("t1", "t2", "t3", "t4", "t5"):
            seen = [
                r.payload["data"]["position"]
                for r in run
                if r.payload["data"]["thread"]["entity_id"] == thread
            ]
            assert seen == sorted(seen)
