"""In-process page cache for the embedded default: bounded, TTL'd, with version tokens.

Built on cachetools' TTLCache; pages and tokens live in separate maps so a flood of pages can
evict pages, never the token that keeps an older page from being served.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from cachetools import TTLCache


class MemoryPageCache:
    def __init__(self, *, max_entries: int = 20_000, max_ttl: float = 3600.0) -> None:
        self._pages: dict[float, TTLCache[str, bytes]] = {}
        self._max_entries = max_entries
        self._max_ttl = max_ttl
        # A plain dict: a token is read on every cached read. Bounded by starting over when full,
        # which only makes every page unreachable (a miss), never stale.
        self._tokens: dict[str, str] = {}
        self._max_tokens = max_entries * 2
        self._members: dict[str, set[str]] = {}  # scope -> its page keys, deleted on a bump

    def _bucket(self, ttl: float) -> TTLCache[str, bytes]:
        ttl = min(ttl, self._max_ttl)
        bucket = self._pages.get(ttl)
        if bucket is None:
            bucket = self._pages[ttl] = TTLCache(maxsize=self._max_entries, ttl=ttl)
        return bucket

    async def get(self, key: str) -> bytes | None:
        for bucket in self._pages.values():
            value = bucket.get(key)
            if value is not None:
                return value
        return None

    async def set(self, key: str, value: bytes, ttl: float, scope: str | None = None) -> None:
        if ttl > 0:
            self._bucket(ttl)[key] = value
            if scope is not None:
                self._members.setdefault(scope, set()).add(key)

    async def claim(self, key: str, ttl: float) -> bool:
        return True  # one process: the in-process single flight already coalesces rebuilds

    async def token(self, scope: str) -> str:
        token = self._tokens.get(scope)
        if token is None:
            if len(self._tokens) >= self._max_tokens:
                self._tokens.clear()
            token = self._tokens[scope] = uuid.uuid4().hex
        return token

    async def current(self, scope: str, head: str, tail: str) -> bytes | None:
        token = self._tokens.get(scope)
        return None if token is None else await self.get(head + token + tail)

    async def bump(self, scopes: Iterable[str]) -> None:
        for scope in scopes:
            self._tokens[scope] = uuid.uuid4().hex
            for key in self._members.pop(scope, ()):
                for bucket in self._pages.values():
                    bucket.pop(key, None)

    async def bump_epoch(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._pages.clear()
        self._tokens.clear()
        self._members.clear()
