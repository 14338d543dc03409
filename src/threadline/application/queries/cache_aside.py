"""Cache-aside with stampede protection: when a hot thread's page expires or is invalidated,
one request rebuilds it while the others wait for that result.

Within a process, concurrent misses of one key share one build (``single_flight.py``: a reader
that gives up waiting does not cancel the build the others wait for). Across processes, the first
to ``claim`` the key builds; the rest poll the cache briefly and build themselves only if the
page has not appeared by then, so a stuck builder delays readers, never blocks them.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable

from threadline.application.ports.query import PageCache
from threadline.application.single_flight import SingleFlight

# Per cache instance (one per process in production), so two in-process "processes" in a test
# exercise the cross-process claim rather than sharing one registry.
_builds: weakref.WeakKeyDictionary[PageCache, SingleFlight[str, bytes]] = weakref.WeakKeyDictionary()
_POLL_SECONDS = 0.02


async def cache_aside(
    cache: PageCache,
    key: str,
    ttl: float,
    build: Callable[[], Awaitable[bytes]],
    *,
    wait: float = 0.25,
    scope: str | None = None,
) -> bytes:
    cached = await cache.get(key)
    if cached is not None:
        return cached

    async def fill() -> bytes:
        value = await _claim_or_wait(cache, key, wait)
        if value is None:
            value = await build()
            await cache.set(key, value, ttl, scope)
        return value

    builds = _builds.get(cache)
    if builds is None:
        builds = _builds[cache] = SingleFlight()
    return await builds.run(key, fill)


async def _claim_or_wait(cache: PageCache, key: str, wait: float) -> bytes | None:
    if await cache.claim(key, max(wait * 4, 1.0)):
        return None
    deadline = asyncio.get_running_loop().time() + wait
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(_POLL_SECONDS)
        cached = await cache.get(key)
        if cached is not None:
            return cached
    return None
