"""Spreads queries over read replicas; a replica that is down is skipped for a while.

The primary read database is the last resort and the only choice for reads that must see a
given projection position (read-your-writes), since a replica may lag behind it.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from threadline.adapters.sql.engine import is_transient

log = logging.getLogger(__name__)


class ReadRouter:
    def __init__(
        self, primary: AsyncEngine, replicas: list[AsyncEngine], *, retry_after: float = 5.0
    ) -> None:
        self.primary = primary
        self._replicas = replicas
        self._turn = itertools.cycle(range(len(replicas))) if replicas else None
        self._down_until = [0.0] * len(replicas)
        self._retry_after = retry_after

    def _candidates(self) -> list[AsyncEngine]:
        if self._turn is None:
            return [self.primary]
        start = next(self._turn)
        now = time.monotonic()
        order = [(start + i) % len(self._replicas) for i in range(len(self._replicas))]
        return [self._replicas[i] for i in order if self._down_until[i] <= now] + [self.primary]

    @asynccontextmanager
    async def connect(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        candidates = [self.primary] if primary else self._candidates()
        for engine in candidates:
            try:
                connection = await engine.connect()
            except Exception as error:
                if engine is self.primary or not is_transient(error):
                    raise
                self._mark_down(engine, error)
                continue
            try:
                yield connection
            finally:
                await connection.close()
            return

    def _mark_down(self, engine: AsyncEngine, error: BaseException) -> None:
        index = self._replicas.index(engine)
        self._down_until[index] = time.monotonic() + self._retry_after
        log.warning("read replica %s is down (%s); skipping it", engine.url.host, type(error).__name__)

    async def dispose(self) -> None:
        for engine in self._replicas:
            await engine.dispose()
