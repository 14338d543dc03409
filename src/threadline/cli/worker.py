"""The standalone projector worker: `threadline projector`."""

from __future__ import annotations

import asyncio
import logging
import signal

from threadline.bootstrap import build
from threadline.settings import Settings

log = logging.getLogger("threadline.projector")


async def run_projector_worker(batch_size: int | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    container = build(settings)
    if batch_size:
        container.projector.batch_size = batch_size
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await container.start(projector=True)
    log.info("projector worker started (batch size %d)", container.projector.batch_size)
    try:
        await stopping.wait()
        log.info("stopping: finishing the batch in hand")
    finally:
        await container.stop()
    log.info("projector worker stopped")
