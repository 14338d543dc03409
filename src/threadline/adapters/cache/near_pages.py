"""A per-process copy of hot pages in front of the shared Redis cache.

A popular thread's first page is read thousands of times between two changes; fetching it from
Redis each time costs a round trip and most of a core in the client library. This cache keeps
the bytes in the API process and learns of every change the way the shared cache does: each
token bump (and epoch bump) is broadcast on a Redis channel, and every process drops its copies
of the bumped scopes on hearing it.

Correctness rests on three things:

* a copy is stored only if no bump for its scope was heard while it was being fetched (a per-
  scope generation counter), so a page fetched just before a bump is never kept after it;
* while the subscription is down, nothing is kept, and everything is dropped when it (re)connects,
  since bumps may have been missed;
* every copy also expires after ``ttl`` seconds, which bounds staleness should a broadcast be
  lost in a way the subscription cannot see.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from threadline.adapters.bus.redis_subscription import RedisSubscription
from threadline.adapters.cache.redis_pages import RedisPageCache

_EVERYTHING = b"*"
_SEPARATOR = b"\x1e"


class NearPageCache:
    def __init__(
        self,
        shared: RedisPageCache,
        client: Redis,
        prefix: str,
        *,
        ttl: float = 2.0,
        max_entries: int = 2_000,
    ) -> None:
        self._shared = shared
        self._client = client
        self._ttl = ttl
        self._max_entries = max_entries
        self._copies: dict[tuple[str, str], tuple[bytes, float]] = {}  # (scope, key) -> (page, expires)
        self._by_scope: dict[str, set[str]] = {}
        self._generations: dict[str, int] = {}
        self._epoch = 0  # bumped when everything must go
        self._subscription = RedisSubscription(
            client, f"{prefix}cache-bumps", self._heard, on_connect=self._drop_everything
        )
        self.listening = self._subscription.listening
        self.local_hits = 0

    async def start(self) -> None:
        await self._subscription.start()

    async def stop(self) -> None:
        await self._subscription.stop()

    # the hot read

    async def current(self, scope: str, head: str, tail: str) -> bytes | None:
        key = head + tail
        copy = self._copies.get((scope, key))
        if copy is not None and copy[1] > time.monotonic():
            self.local_hits += 1
            return copy[0]
        generation, epoch = self._generations.get(scope, 0), self._epoch
        page = await self._shared.current(scope, head, tail)
        if (
            page is not None
            and self.listening.is_set()
            and self._generations.get(scope, 0) == generation
            and self._epoch == epoch
        ):
            self._keep(scope, key, page)
        return page

    def _keep(self, scope: str, key: str, page: bytes) -> None:
        if len(self._copies) >= self._max_entries:
            self._drop_everything()
        self._copies[(scope, key)] = (page, time.monotonic() + self._ttl)
        self._by_scope.setdefault(scope, set()).add(key)

    # invalidation

    def _heard(self, data: bytes) -> None:
        if data == _EVERYTHING:
            self._drop_everything()
            return
        for scope in data.decode().split(_SEPARATOR.decode()):
            self._drop(scope)

    def _drop(self, scope: str) -> None:
        self._generations[scope] = self._generations.get(scope, 0) + 1
        for key in self._by_scope.pop(scope, ()):
            self._copies.pop((scope, key), None)
        if len(self._generations) > self._max_entries * 4:
            self._drop_everything()  # keep the counters bounded; a fresh epoch covers them

    def _drop_everything(self) -> None:
        self._epoch += 1
        self._copies.clear()
        self._by_scope.clear()
        self._generations.clear()

    async def bump(self, scopes: Iterable[str]) -> None:
        scopes = list(scopes)
        await self._shared.bump(scopes)
        for scope in scopes:
            self._drop(scope)
        if scopes:
            await self._broadcast(_SEPARATOR.join(scope.encode() for scope in scopes))

    async def bump_epoch(self) -> None:
        await self._shared.bump_epoch()
        self._drop_everything()
        await self._broadcast(_EVERYTHING)

    async def _broadcast(self, message: bytes) -> None:
        # If it is lost, the copies elsewhere expire within ``ttl``; the shared cache is right already.
        with contextlib.suppress(RedisError, OSError):
            await self._client.publish(self._subscription.channel, message)

    # everything else is the shared cache's

    async def get(self, key: str) -> bytes | None:
        return await self._shared.get(key)

    async def set(self, key: str, value: bytes, ttl: float, scope: str | None = None) -> None:
        await self._shared.set(key, value, ttl, scope)

    async def claim(self, key: str, ttl: float) -> bool:
        return await self._shared.claim(key, ttl)

    async def token(self, scope: str) -> str:
        return await self._shared.token(scope)
