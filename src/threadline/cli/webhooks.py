"""The standalone webhook deliverer: `threadline webhooks`."""

from __future__ import annotations

import asyncio
import logging
import signal

from threadline.bootstrap import build
from threadline.settings import Settings

log = logging.getLogger("threadline.webhooks")


async def run_webhook_worker() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    settings.run_webhooks = True
    container = build(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await container.start(projector=False)
    assert container.webhooks is not None
    log.info("webhook deliverer started as %s", container.webhooks.deliverers.holder)
    try:
        await stopping.wait()
        log.info("stopping: in-flight attempts are cancelled and go again later")
    finally:
        await container.stop()
    log.info("webhook deliverer stopped")
