"""A Redis client and a key prefix of one test's own, for the cache, counter and bus contracts."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis


@dataclass(frozen=True)
class RedisSpace:
    """One Redis client and a key prefix nobody else uses: what two API processes would share."""

    client: Redis
    prefix: str
