"""Cache-aside with stampede protection: when a hot thread's page expires or is invalidated,
one request rebuilds it while the others wait for that result.

Within a process, concurrent misses of one key share one build. Across processes, the first
to ``claim`` the key builds; the rest poll the cache briefly and build themselves only if the
page has not appeared by then, so a stuck builder delays readers, never blocks them.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable

from threadline.application.ports.query import PageCache

# Per cache instance (one per process in production), so two in-process "processes" in a test
# exercise the cross-process claim rather than sharing one registry.
_inflight: weakref.WeakKeyDictionary[PageCache, dict[str, asyncio.Future[bytes]]] = (
    weakref.WeakKeyDictionary()
)
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
    inflight = _inflight.setdefault(cache, {})
    running = inflight.get(key)
    if running is not None:
        return await asyncio.shield(running)
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    inflight[key] = future
    try:
        value = await _claim_or_wait(cache, key, wait)
        if value is None:
            value = await build()
            await cache.set(key, value, ttl, scope)
        future.set_result(value)
        return value
    except BaseException as error:
        future.set_exception(error)
        future.exception()  # mark retrieved: waiters re-raise it, nobody logs it as lost
        raise
    finally:
        del inflight[key]


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
