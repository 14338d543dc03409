"""Every enabled subscription's deliverer, in one process: the embedded default runs it beside
the API (``Threadline.start``), ``threadline webhooks`` on its own. Each subscription has its own
task, lanes and HTTP connections, so a receiver that hangs or fails holds up only itself; two
processes may run this at once, and the leases decide who sends to which subscription."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from threadline.application.webhooks.deliverer import DeliveryRules, SubscriptionDeliverer
from threadline.application.webhooks.ports import WebhookSender, WebhookStore
from threadline.application.webhooks.url_policy import UrlPolicy

log = logging.getLogger(__name__)


def holder_name() -> str:
    """Who holds a lease: unique per process start, readable in the table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]


@dataclass
class WebhookDeliverers:
    store: WebhookStore
    policy: UrlPolicy
    open_sender: Callable[[], WebhookSender]
    rules: DeliveryRules
    holder: str = field(default_factory=holder_name)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Look for subscriptions now and then; each deliverer ends by itself when its
        subscription is removed or disabled, and is started again if it comes back."""
        try:
            while not stop.is_set():
                try:
                    for subscription in await self.store.enabled():
                        running = self._tasks.get(subscription.id)
                        if running is None or running.done():
                            deliverer = SubscriptionDeliverer(
                                subscription,
                                store=self.store,
                                policy=self.policy,
                                open_sender=self.open_sender,
                                rules=self.rules,
                                holder=self.holder,
                            )
                            self._tasks[subscription.id] = asyncio.create_task(deliverer.run(stop))
                except Exception:
                    log.exception("webhooks: listing subscriptions failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.rules.poll_seconds)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            self._tasks.clear()
