"""Live comment counts in memory (the embedded default) and in Redis (shared by every process).

Both keep, per (tenant, entity type), a table of entity -> count and beside it entity -> the
projection position the count was read at: a count is replaced only by one read at the same or
a later position, so two projectors' updates (or an update and a full load) may land in any
order. In Redis both tables are hashes, so a batch of up to 100 entities is one HMGET, run in
a script together with the check that the structure is complete: a Redis flushed or restarted
has lost that mark with the counts, and answers "not known" instead of zeros.
Redis must not evict these keys (they have no TTL, so only an ``allkeys-*`` policy would).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from threadline.application.ports.live_counts import Thread

log = logging.getLogger(__name__)

_SEPARATOR = "\x1f"
_SETTLE_CHUNK = 1_000  # entities per script call: a full load does not block Redis for long


class MemoryLiveCounts:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], dict[str, int]] = {}
        self._at: dict[tuple[str, str], dict[str, int]] = {}
        self._complete = False
        self._load: str | None = None
        self._position = 0

    async def lookup(
        self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]
    ) -> dict[str, int] | None:
        if not self._complete:
            return None
        table = self._counts.get((tenant_id, entity_type))
        if table is None:
            return dict.fromkeys(entity_ids, 0)
        get = table.get
        return {entity_id: get(entity_id, 0) for entity_id in entity_ids}

    async def settle(self, counts: Mapping[Thread, int], position: int) -> None:
        if counts:
            self._position = max(self._position, position)
        for (tenant_id, entity_type, entity_id), count in counts.items():
            key = (tenant_id, entity_type)
            at = self._at.setdefault(key, {})
            if at.get(entity_id, -1) <= position:
                self._counts.setdefault(key, {})[entity_id] = count
                at[entity_id] = position

    async def complete(self) -> bool:
        return self._complete

    async def position(self) -> int:
        return self._position

    async def begin_load(self) -> str:
        self._complete = False
        self._load = uuid.uuid4().hex
        return self._load

    async def finish_load(self, token: str) -> bool:
        if self._load != token:
            return False
        self._load = None
        self._complete = True
        return True

    async def forget(self) -> None:
        self._counts.clear()
        self._at.clear()
        self._complete = False
        self._load = None
        self._position = 0


_LOOKUP = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HMGET', KEYS[2], unpack(ARGV))
"""
_SETTLE = """
local position = tonumber(ARGV[1])
redis.call('SADD', KEYS[3], KEYS[1], KEYS[2])
if position > tonumber(redis.call('GET', KEYS[4]) or '0') then redis.call('SET', KEYS[4], ARGV[1]) end
for i = 2, #ARGV, 2 do
  local at = redis.call('HGET', KEYS[2], ARGV[i])
  if not at or tonumber(at) <= position then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[1])
  end
end
return 1
"""
_FINISH_LOAD = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], '1')
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


class RedisLiveCounts:
    """Shared by every API process; written by the projector workers. A lookup that fails
    answers "not known" (the read model answers) and opens a short circuit breaker; a write
    that fails raises, so the keeper knows to load again."""

    def __init__(self, client: Redis, prefix: str, *, breaker_seconds: float = 2.0) -> None:
        self._client = client
        self._prefix = f"{prefix}counts:"
        self._complete_key = f"{prefix}counts:complete"
        self._load_key = f"{prefix}counts:load"
        self._tables_key = f"{prefix}counts:tables"
        self._position_key = f"{prefix}counts:position"
        self._breaker_seconds = breaker_seconds
        self._down_until = 0.0
        self._lookup = client.register_script(_LOOKUP)
        self._settle = client.register_script(_SETTLE)
        self._finish_load = client.register_script(_FINISH_LOAD)

    def _table(self, tenant_id: str, entity_type: str) -> str:
        return f"{self._prefix}n:{tenant_id}{_SEPARATOR}{entity_type}"

    def _stamps(self, tenant_id: str, entity_type: str) -> str:
        return f"{self._prefix}at:{tenant_id}{_SEPARATOR}{entity_type}"

    async def lookup(
        self, tenant_id: str, entity_type: str, entity_ids: Sequence[str]
    ) -> dict[str, int] | None:
        if time.monotonic() < self._down_until or not entity_ids:
            return None
        try:
            values = await self._lookup(
                keys=[self._complete_key, self._table(tenant_id, entity_type)], args=list(entity_ids)
            )
        except (RedisError, OSError) as error:
            if time.monotonic() >= self._down_until:
                log.warning("redis unavailable (%s); counts from the database", type(error).__name__)
            self._down_until = time.monotonic() + self._breaker_seconds
            return None
        if values is None:
            return None
        return {
            entity_id: int(v) if v is not None else 0 for entity_id, v in zip(entity_ids, values, strict=True)
        }

    async def settle(self, counts: Mapping[Thread, int], position: int) -> None:
        tables: dict[tuple[str, str], list[str | int]] = {}
        for (tenant_id, entity_type, entity_id), count in counts.items():
            tables.setdefault((tenant_id, entity_type), []).extend((entity_id, count))
        if not tables:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for (tenant_id, entity_type), pairs in tables.items():
                keys = [
                    self._table(tenant_id, entity_type),
                    self._stamps(tenant_id, entity_type),
                    self._tables_key,
                    self._position_key,
                ]
                for start in range(0, len(pairs), 2 * _SETTLE_CHUNK):
                    await self._settle(
                        keys=keys, args=[position, *pairs[start : start + 2 * _SETTLE_CHUNK]], client=pipe
                    )
            await pipe.execute()

    async def complete(self) -> bool:
        return bool(await self._client.exists(self._complete_key))

    async def position(self) -> int:
        return int(await self._client.get(self._position_key) or 0)

    async def begin_load(self) -> str:
        token = uuid.uuid4().hex
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(self._complete_key)
            pipe.set(self._load_key, token)
            await pipe.execute()
        return token

    async def finish_load(self, token: str) -> bool:
        return bool(await self._finish_load(keys=[self._load_key, self._complete_key], args=[token]))

    async def forget(self) -> None:
        tables = await self._client.smembers(self._tables_key)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(self._complete_key, self._load_key, self._tables_key, self._position_key)
            if tables:
                pipe.delete(*tables)
            await pipe.execute()
