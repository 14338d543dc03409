"""The read model's comment counts with the projection position they reflect, for the live
counts structure.

Each statement reads the counts and the checkpoint together, so both come from one snapshot
(PostgreSQL under READ COMMITTED takes one per statement; SQLite one per read). Two statements
could straddle a projector's commit and stamp an older count with a newer position, which
would then win over the correct one.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from threadline.adapters.sql.schema import entity_stats, projection_checkpoints
from threadline.application.ports.live_counts import CountsAt, Thread

_CHUNK = 300  # threads per statement (three parameters each)
_LOAD_CHUNK = 20_000  # rows per statement of a full load
_s = entity_stats.c
_cp = projection_checkpoints.c


class SqlCountsSource:
    def __init__(self, engine: AsyncEngine, projection: str, *, load_chunk: int = _LOAD_CHUNK) -> None:
        self._engine = engine  # the primary read database: a replica may lag behind the checkpoint
        checkpoint = sa.select(_cp.position).where(_cp.name == projection)
        self._position = sa.select(checkpoint.scalar_subquery())
        # Built once: the projector asks after every batch. The checkpoint row drives the
        # statement, so it answers its position even when none of the threads has a count yet.
        self._counts_of = (
            sa.select(_cp.position, _s.tenant_id, _s.entity_type, _s.entity_id, _s.comment_count)
            .select_from(
                projection_checkpoints.outerjoin(
                    entity_stats,
                    sa.tuple_(_s.tenant_id, _s.entity_type, _s.entity_id).in_(
                        sa.bindparam("threads", expanding=True)
                    ),
                )
            )
            .where(_cp.name == projection)
        )
        self._all_counts = (
            sa.select(
                checkpoint.scalar_subquery().label("position"),
                _s.tenant_id,
                _s.entity_type,
                _s.entity_id,
                _s.comment_count,
            )
            .order_by(_s.tenant_id, _s.entity_type, _s.entity_id)
            .limit(load_chunk)
        )
        self._load_chunk = load_chunk

    async def counts_of(self, threads: Collection[Thread]) -> list[CountsAt]:
        wanted = list(dict.fromkeys(threads))
        out: list[CountsAt] = []
        async with self._engine.connect() as connection:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                keys = [tuple(thread) for thread in chunk]
                rows = (await connection.execute(self._counts_of, {"threads": keys})).all()
                if not rows:
                    continue  # no checkpoint: nothing projected (or a rebuild just reset it)
                counts = dict.fromkeys(chunk, 0)
                for row in rows:
                    if row.entity_id is not None:
                        counts[Thread(row.tenant_id, row.entity_type, row.entity_id)] = int(row.comment_count)
                out.append(CountsAt(counts, int(rows[0].position)))
        return out

    async def position(self) -> int:
        async with self._engine.connect() as connection:
            return int((await connection.execute(self._position)).scalar() or 0)

    async def all_counts(self) -> list[CountsAt]:
        out: list[CountsAt] = []
        after: tuple[str, str, str] | None = None
        key = sa.tuple_(_s.tenant_id, _s.entity_type, _s.entity_id)
        async with self._engine.connect() as connection:
            while True:
                query = self._all_counts
                if after is not None:
                    query = query.where(key > sa.tuple_(*after))
                rows = (await connection.execute(query)).all()
                if not rows:
                    return out
                counts = {Thread(r.tenant_id, r.entity_type, r.entity_id): int(r.comment_count) for r in rows}
                out.append(CountsAt(counts, int(rows[0].position or 0)))
                last = rows[-1]
                after = (last.tenant_id, last.entity_type, last.entity_id)
                if len(rows) < self._load_chunk:
                    return out
