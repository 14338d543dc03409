"""Whose turn it is on the one writer connection of the embedded default.

With SQLite, commands, the in-process projector and the view flusher share one writer
connection. Taken first come, first served, the projector waits behind every command queued
before it, so under a flood of writes the read model falls seconds behind and read-your-writes
(``min_position``, 2 s) times out. Here the projector is served ahead of queued commands: its wait
is bounded by the one turn in progress (a command batch), never by the queue. It gives the
connection back after each batch, so commands get every other turn and cannot starve either.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterTurns:
    def __init__(self) -> None:
        self._held = False
        self._projector: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    @property
    def commands_waiting(self) -> bool:
        """Someone other than the projector is queued for the writer."""
        return any(not waiter.done() for waiter in self._others)

    @asynccontextmanager
    async def turn(self, *, projector: bool = False) -> AsyncIterator[None]:
        """Hold the writer: the projector's turn comes before every other waiter's."""
        if self._held:
            queue = self._projector if projector else self._others
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue.append(granted)
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():
                    self._pass_on()  # handed the turn just as it was cancelled: pass it on
                elif granted in queue:
                    queue.remove(granted)
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        for queue in (self._projector, self._others):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the turn passes straight on: never free in between
                    return
        self._held = False
