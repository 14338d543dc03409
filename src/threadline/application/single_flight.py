"""Single flight: concurrent callers of one key share one in-flight load instead of each
running it (a hot page's rebuild, a tenant's first lookup, a rate-limit block).

The load runs in a task of its own and every caller, the first included, awaits it through
``asyncio.shield``. So a caller that is cancelled (a client hung up) stops waiting without
cancelling the load the others wait for; an error reaches every waiter; and the key is
forgotten inside the load's own task, before any waiter resumes, so a call that arrives once
the load has ended starts a fresh one: this shares work in progress, it never caches results.

It lives in ``application/`` because the query side (``queries/cache_aside.py``) and adapters
(the tenant cache, the rate limiter) both need it: adapters may import the application layer,
never the reverse, and it is asyncio alone, too little to be a layer of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Task[V]] = {}

    async def run(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """``load()``'s result, from the load already in flight for ``key`` if there is one."""
        flight = self._flights.get(key)
        if flight is None or flight.done():  # done yet listed: cancelled before it ever ran
            flight = asyncio.create_task(self._fly(key, load))
            self._flights[key] = flight
        return await asyncio.shield(flight)

    def __len__(self) -> int:
        """How many loads are in flight."""
        return len(self._flights)

    async def _fly(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        try:
            return await load()
        finally:
            # Not in a done callback: that runs a loop turn later, when a caller arriving in
            # between would be handed this finished load instead of starting its own.
            if self._flights.get(key) is asyncio.current_task():
                del self._flights[key]
