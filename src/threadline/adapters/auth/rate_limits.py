"""Rate limits with the `limits` library, counted in Redis when it is configured (shared by every
process), in memory otherwise.

A limit of up to ``EXACT_UP_TO`` requests is a moving window: every hit's time is kept, so no
more than the limit is ever let through in any span of the window's length. A sliding window
*counter* would not do for them: at each boundary of its clock-aligned windows it weighs the
previous window's hits by the time left and rounds down, and so let a 4th request through a
3/minute limit right after a minute began. Larger limits (reads) keep the counter, two numbers a
key instead of thousands of timestamps; there the rounding costs at most one block of a lease.

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
from limits.aio.strategies import MovingWindowRateLimiter, RateLimiter, SlidingWindowCounterRateLimiter

from threadline.application.single_flight import SingleFlight

log = logging.getLogger(__name__)

LEASE_FRACTION = 100  # a block is a hundredth of the limit: 6000/minute is counted 60 at a time
MAX_LEASES = 100_000
EXACT_UP_TO = 1000  # requests a window: kept as timestamps, at most this many a key


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
        self._items: dict[tuple[str, str], RateLimitItem] = {
            key: parse(value) for key, value in limits.items()
        }
        self._exact = MovingWindowRateLimiter(storage)
        self._counted = SlidingWindowCounterRateLimiter(storage)
        self._leases: dict[tuple[str, str, str], tuple[int, float]] = {}  # key -> (left, until)
        self._taking: SingleFlight[tuple[str, str, str], bool] = SingleFlight()

    async def check(self, kind: str, tenant_id: str, identities: Sequence[str]) -> int | None:
        now = time.monotonic()
        for identity in identities:
            identity_kind = identity.split(":", 1)[0]
            item = self._items.get((kind, identity_kind))
            if item is None:
                continue
            try:
                key = (kind, tenant_id, identity)
                if self._spend_lease(key, now) or await self._lease(key, item, now):
                    continue
                if not await self._limiter(item).hit(item, tenant_id, identity):
                    stats = await self._limiter(item).get_window_stats(item, tenant_id, identity)
                    return max(1, math.ceil(stats.reset_time - time.time()))
            except Exception as error:  # the limiter's store is down: fail open
                log.warning("rate limiting skipped: %s", error)
                return None
        return None

    def _limiter(self, item: RateLimitItem) -> RateLimiter:
        return self._exact if item.amount <= EXACT_UP_TO else self._counted

    # Leases: a generous limit (thousands a minute) is counted in the shared store in blocks, so
    # a busy reader costs one store round trip per block, not per request. Near the limit no
    # block fits any more and every request is counted on its own, so the limit still holds. A
    # block not used up within half the window is forfeited (counted, never spent): at most two
    # blocks, 2% of the limit, per process and window.

    def _spend_lease(self, key: tuple[str, str, str], now: float) -> bool:
        lease = self._leases.get(key)
        if lease is None or lease[0] <= 0 or lease[1] <= now:
            return False
        self._leases[key] = (lease[0] - 1, lease[1])
        return True

    async def _lease(self, key: tuple[str, str, str], item: RateLimitItem, now: float) -> bool:
        """Spend from a new block. Concurrent requests of one caller share one block taken for
        all of them (else sixteen waiting requests would take sixteen blocks)."""
        if not await self._taking.run(key, lambda: self._take_lease(key, item, now)):
            return False
        return self._spend_lease(key, now)

    async def _take_lease(self, key: tuple[str, str, str], item: RateLimitItem, now: float) -> bool:
        size = item.amount // LEASE_FRACTION
        if size < 2:
            return False  # a small limit (writes): counted exactly, request by request
        if not await self._limiter(item).hit(item, key[1], key[2], cost=size):
            return False
        if len(self._leases) >= MAX_LEASES:
            self._leases.clear()
        self._leases[key] = (size, now + item.get_expiry() / 2)
        return True
