"""Rate limits with the `limits` library: sliding windows counted in Redis when it is configured
(shared by every process), in memory otherwise.

Limits protect the service; they must not take it down: if Redis fails, requests are let
through (and logged) rather than refused.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

log = logging.getLogger(__name__)


class LimitsRateLimiter:
    def __init__(self, limits: dict[tuple[str, str], str], *, redis_url: str | None, prefix: str) -> None:
        """``limits`` maps (kind, identity kind) such as ("write", "user") to "120/minute"."""
        storage: Storage
        if redis_url:
            uri = redis_url.replace("redis://", "async+redis://", 1).replace(
                "rediss://", "async+rediss://", 1
            )
            storage = RedisStorage(
                uri, implementation="redispy", key_prefix=f"{prefix}limits", wrap_exceptions=True
            )
        else:
            storage = MemoryStorage()
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._items: dict[tuple[str, str], RateLimitItem] = {
            key: parse(value) for key, value in limits.items()
        }

    async def check(self, kind: str, tenant_id: str, identities: Sequence[str]) -> int | None:
        for identity in identities:
            identity_kind = identity.split(":", 1)[0]
            item = self._items.get((kind, identity_kind))
            if item is None:
                continue
            try:
                if not await self._limiter.hit(item, tenant_id, identity):
                    stats = await self._limiter.get_window_stats(item, tenant_id, identity)
                    return max(1, math.ceil(stats.reset_time - time.time()))
            except Exception as error:  # the limiter's store is down: fail open
                log.warning("rate limiting skipped: %s", error)
                return None
        return None
