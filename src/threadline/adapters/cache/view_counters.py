"""View counting: once per viewer per window, gathered in memory or in Redis, flushed in batches.

Views are a metric, not a fact of the log: a crash may lose the views of one flush interval,
but never counts one twice. With Redis, the pending counts are taken with an atomic RENAME, so
several flushers (one per projector worker) never flush the same views twice.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence

from cachetools import TTLCache
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)
_SEPARATOR = "\x1f"


class MemoryViewCounter:
    def __init__(self, window_seconds: float, max_viewers: int = 200_000) -> None:
        self._seen: TTLCache[tuple[str, str], bool] = TTLCache(maxsize=max_viewers, ttl=window_seconds)
        self._pending: Counter[tuple[str, str]] = Counter()

    async def record(self, tenant_id: str, thread: str, viewer: str, comment_ids: Sequence[str]) -> None:
        if (thread, viewer) in self._seen or not comment_ids:
            return  # a page without comments uses up no view (as with Redis)
        self._seen[(thread, viewer)] = True
        self._pending.update((tenant_id, comment_id) for comment_id in comment_ids)

    async def push(self) -> None:
        return None  # one process: recorded views are already where drain finds them

    async def drain(self) -> dict[tuple[str, str], int]:
        pending, self._pending = self._pending, Counter()
        return dict(pending)


class RedisViewCounter:
    """Views recorded by a request cost no round trip: they are buffered in the process (a viewer
    already seen here within the window is dropped at once) and pushed every fraction of a
    second in one pipeline, where ``SET NX`` still decides across processes whether the viewer
    is new."""

    def __init__(self, client: Redis, prefix: str, window_seconds: int, max_buffered: int = 50_000) -> None:
        self._client = client
        self._prefix = prefix
        self._window = window_seconds
        self._pending_key = f"{prefix}views:pending"
        self._recent: TTLCache[tuple[str, str], bool] = TTLCache(maxsize=200_000, ttl=window_seconds)
        self._buffer: list[tuple[str, str, str, Sequence[str]]] = []
        self._max_buffered = max_buffered

    async def record(self, tenant_id: str, thread: str, viewer: str, comment_ids: Sequence[str]) -> None:
        if (thread, viewer) in self._recent or not comment_ids:
            return
        self._recent[(thread, viewer)] = True
        if len(self._buffer) < self._max_buffered:  # Redis is away: views are a metric, drop them
            self._buffer.append((tenant_id, thread, viewer, comment_ids))

    async def push(self) -> None:
        """Hand the buffered views to Redis: counted once per viewer per window in every process."""
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for _, thread, viewer, _ in batch:
                    pipe.set(f"{self._prefix}seen:{thread}:{viewer}", b"1", nx=True, ex=self._window)
                first = await pipe.execute()
            async with self._client.pipeline(transaction=False) as pipe:
                for (tenant_id, _, _, comment_ids), new in zip(batch, first, strict=True):
                    if new:
                        for comment_id in comment_ids:
                            pipe.hincrby(self._pending_key, f"{tenant_id}{_SEPARATOR}{comment_id}", 1)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.debug("views not counted, redis unavailable: %s", error)

    async def drain(self) -> dict[tuple[str, str], int]:
        await self.push()  # this process's own views first
        draining = f"{self._prefix}views:draining:{uuid.uuid4().hex}"
        try:
            await self._client.rename(self._pending_key, draining)
        except ResponseError:
            return {}  # nothing pending
        except (RedisError, OSError) as error:
            log.debug("views not drained, redis unavailable: %s", error)
            return {}
        try:
            raw = await self._client.hgetall(draining)
            await self._client.delete(draining)
        except (RedisError, OSError) as error:
            log.warning("views of one interval lost: %s", error)
            return {}
        counts: dict[tuple[str, str], int] = {}
        for field, value in raw.items():
            key = field.decode() if isinstance(field, bytes) else str(field)
            tenant_id, _, comment_id = key.partition(_SEPARATOR)
            counts[(tenant_id, comment_id)] = int(value)
        return counts
