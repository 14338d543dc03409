"""The in-process event bus of the embedded default: a commit wakes the projector at once."""

from __future__ import annotations

import asyncio


class InProcessBus:
    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self.published = 0

    async def publish(self, position: int) -> None:
        self.published = max(self.published, position)
        self._wake.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return
        self._wake.clear()
