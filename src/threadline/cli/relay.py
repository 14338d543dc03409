"""The standalone event relay: `threadline relay`, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from threadline.bootstrap import build, build_relay
from threadline.settings import Settings

log = logging.getLogger("threadline.relay")
STOP_GRACE_SECONDS = 10.0


async def run_relay(batch_size: int | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    container = build(Settings())
    relay = build_relay(container)
    if batch_size:
        relay.batch_size = batch_size
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await container.start(projector=False)  # the bus (Redis: woken by every process's commits)
    settings = container.settings
    log.info("relaying the log to %s, stream %s", settings.nats_url, settings.nats_stream)
    task = asyncio.create_task(
        relay.run_forever(container.bus, settings.projector_poll_interval_seconds, stopping)
    )
    try:
        await stopping.wait()
        log.info("stopping: finishing the batch in hand")
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
        except TimeoutError:  # still connecting to an unreachable NATS: nothing in hand
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        await relay.stream.close()
        await container.stop()
    log.info("relay stopped at event %s", relay.position)
