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
        if (thread, viewer) in self._seen:
            return
        self._seen[(thread, viewer)] = True
        self._pending.update((tenant_id, comment_id) for comment_id in comment_ids)

    async def drain(self) -> dict[tuple[str, str], int]:
        pending, self._pending = self._pending, Counter()
        return dict(pending)


class RedisViewCounter:
    def __init__(self, client: Redis, prefix: str, window_seconds: int) -> None:
        self._client = client
        self._prefix = prefix
        self._window = window_seconds
        self._pending_key = f"{prefix}views:pending"

    async def record(self, tenant_id: str, thread: str, viewer: str, comment_ids: Sequence[str]) -> None:
        if not comment_ids:
            return
        try:
            first = await self._client.set(
                f"{self._prefix}seen:{thread}:{viewer}", b"1", nx=True, ex=self._window
            )
            if not first:
                return
            async with self._client.pipeline(transaction=False) as pipe:
                for comment_id in comment_ids:
                    pipe.hincrby(self._pending_key, f"{tenant_id}{_SEPARATOR}{comment_id}", 1)
                await pipe.execute()
        except (RedisError, OSError) as error:
            log.debug("view not counted, redis unavailable: %s", error)

    async def drain(self) -> dict[tuple[str, str], int]:
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
