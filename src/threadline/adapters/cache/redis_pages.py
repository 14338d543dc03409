"""The Redis page cache: the same cache-aside and version tokens as the in-memory one, shared by
every API process.

Redis is an optimisation, never a dependency for correctness: every call that fails answers
"miss" (reads fall back to the read database) and opens a short circuit breaker, so a dead or
hung Redis costs one timeout per breaker period, not one per request. Token bumps that fail are
kept and retried with the next bump, and a global epoch (bumped whenever a projector starts) makes
pages that missed a bump because a projector died between commit and bump unreachable too.

While the breaker is open, a scope's token is the outage's own (a fresh one each time the breaker
opens, never stored in Redis): nothing cached before or after the outage is reachable under it, so
no page is stale, yet concurrent readers of one page in this process still share one key, and with
it one rebuild. A random token per call would send every reader of a hot page to the database at
once: a stampede in the very moment Redis is slow.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

TOKEN_TTL_SECONDS = 86_400
# The hot read in one round trip: the epoch and the scope's token name the page key.
_CURRENT_PAGE = """
local epoch = redis.call('GET', KEYS[1])
local token = redis.call('GET', KEYS[2])
if not epoch or not token then return false end
return redis.call('GET', ARGV[1] .. epoch .. '.' .. token .. ARGV[2])
"""


class RedisPageCache:
    def __init__(self, client: Redis, prefix: str, *, breaker_seconds: float = 2.0) -> None:
        self._client = client
        self._prefix = prefix
        self._breaker_seconds = breaker_seconds
        self._down_until = 0.0
        self._outage_token = ""
        self._pending_bumps: set[str] = set()
        self._current_page = client.register_script(_CURRENT_PAGE)

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, error: BaseException) -> None:
        if self._available():
            log.warning("redis unavailable (%s); serving from the database", type(error).__name__)
            self._outage_token = f"outage.{uuid.uuid4().hex}"
        self._down_until = time.monotonic() + self._breaker_seconds

    def _page_key(self, key: str) -> str:
        return f"{self._prefix}page:{key}"

    def _token_key(self, scope: str) -> str:
        return f"{self._prefix}token:{scope}"

    @property
    def _epoch_key(self) -> str:
        return f"{self._prefix}epoch"

    async def get(self, key: str) -> bytes | None:
        if not self._available():
            return None
        try:
            value = await self._client.get(self._page_key(key))
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        if value is None:
            return None
        return value.encode() if isinstance(value, str) else bytes(value)

    async def set(self, key: str, value: bytes, ttl: float, scope: str | None = None) -> None:
        if not self._available() or ttl <= 0:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.set(self._page_key(key), value, px=max(1, int(ttl * 1000)))
                if scope is not None:
                    pipe.sadd(self._members_key(scope), self._page_key(key))
                    pipe.expire(self._members_key(scope), TOKEN_TTL_SECONDS)
                await pipe.execute()
        except (RedisError, OSError) as error:
            self._failed(error)

    def _members_key(self, scope: str) -> str:
        return f"{self._prefix}members:{scope}"

    async def claim(self, key: str, ttl: float) -> bool:
        """Whether this process may rebuild the page (one rebuild at a time across processes)."""
        if not self._available():
            return True
        try:
            claimed = await self._client.set(
                f"{self._prefix}claim:{key}", b"1", nx=True, px=max(1, int(ttl * 1000))
            )
        except (RedisError, OSError) as error:
            self._failed(error)
            return True
        return bool(claimed)

    async def token(self, scope: str) -> str:
        if not self._available():
            return self._outage_token  # a key nothing was stored under: a miss, never a stale page
        keys = [self._epoch_key, self._token_key(scope)]
        try:
            epoch, token = await self._client.mget(keys)
            if epoch is None or token is None:
                async with self._client.pipeline(transaction=False) as pipe:
                    pipe.set(keys[0], uuid.uuid4().hex, nx=True)
                    pipe.set(keys[1], uuid.uuid4().hex, nx=True, ex=TOKEN_TTL_SECONDS)
                    pipe.mget(keys)
                    epoch, token = (await pipe.execute())[-1]
        except (RedisError, OSError) as error:
            self._failed(error)
            return self._outage_token
        return f"{_text(epoch)}.{_text(token)}"

    async def current(self, scope: str, head: str, tail: str) -> bytes | None:
        if not self._available():
            return None
        try:
            value = await self._current_page(
                keys=[self._epoch_key, self._token_key(scope)], args=[self._page_key(head), tail]
            )
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        if value is None:
            return None
        return value.encode() if isinstance(value, str) else bytes(value)

    async def bump(self, scopes: Iterable[str]) -> None:
        self._pending_bumps.update(scopes)
        if not self._pending_bumps:
            return
        try:
            scopes = list(self._pending_bumps)
            async with self._client.pipeline(transaction=False) as pipe:
                for scope in scopes:
                    pipe.set(self._token_key(scope), uuid.uuid4().hex, ex=TOKEN_TTL_SECONDS)
                    pipe.smembers(self._members_key(scope))
                    pipe.delete(self._members_key(scope))
                replies = await pipe.execute()
            stale = [key for members in replies[1::3] for key in members]
            if stale:
                await self._client.delete(*stale)  # unreachable already; now gone too
        except (RedisError, OSError) as error:
            self._failed(error)
            return
        self._pending_bumps.clear()

    async def bump_epoch(self) -> None:
        """Make every cached page unreachable: a projector (re)starting may follow a crash."""
        try:
            await self._client.set(self._epoch_key, uuid.uuid4().hex)
        except (RedisError, OSError) as error:
            self._failed(error)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
