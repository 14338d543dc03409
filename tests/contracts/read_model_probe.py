"""What the read-model contracts look at to see a writer's effect.

The writer ports have no read-back for most of what they change (counts, edits, the queue, bans,
the search index): clients see those through the query side. The contracts look at the rows the
query side reads instead, through this probe, so they do not depend on the readers' row types
(which are changing) and still fail if a write lands in the wrong row or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from threadline.adapters.sql.schema import (
    banned_users,
    comment_view,
    comment_view_edits,
    comment_view_reports,
    entity_stats,
    locked_threads,
    moderation_queue,
)
from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.projection import ProjectionStore
from threadline.bootstrap import Threadline


class ReadModelProbe(Protocol):
    async def comment(self, tenant_id: str, comment_id: str) -> dict[str, Any] | None: ...
    async def edits(self, tenant_id: str, comment_id: str) -> list[tuple[int, str | None, str | None]]: ...
    async def stats(self, tenant_id: str, entity_id: str) -> tuple[int, int, bool] | None: ...
    async def searchable(self, tenant_id: str, comment_id: str) -> bool: ...
    async def queued(self, tenant_id: str, comment_id: str) -> dict[str, Any] | None: ...
    async def reporters(self, tenant_id: str, comment_id: str) -> list[str]: ...
    async def ban(self, tenant_id: str, user_id: str) -> dict[str, Any] | None: ...
    async def lock(self, tenant_id: str, entity_id: str) -> dict[str, Any] | None: ...


class SqlReadModelProbe(ReadModelProbe):
    """The read-model tables, as the SQL readers query them (``entity_type`` is always "post")."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _rows(self, query: sa.Executable) -> list[dict[str, Any]]:
        async with self._engine.connect() as connection:
            return [dict(row._mapping) for row in (await connection.execute(query)).all()]

    async def _one(self, query: sa.Executable) -> dict[str, Any] | None:
        rows = await self._rows(query)
        return rows[0] if rows else None

    async def comment(self, tenant_id: str, comment_id: str) -> dict[str, Any] | None:
        c = comment_view.c
        return await self._one(sa.select(comment_view).where(c.tenant_id == tenant_id, c.id == comment_id))

    async def edits(self, tenant_id: str, comment_id: str) -> list[tuple[int, str | None, str | None]]:
        c = comment_view_edits.c
        rows = await self._rows(
            sa.select(c.position, c.previous_content, c.new_content)
            .where(c.tenant_id == tenant_id, c.comment_id == comment_id)
            .order_by(c.position)
        )
        return [(int(r["position"]), r["previous_content"], r["new_content"]) for r in rows]

    async def stats(self, tenant_id: str, entity_id: str) -> tuple[int, int, bool] | None:
        c = entity_stats.c
        row = await self._one(
            sa.select(c.comment_count, c.root_count, c.locked).where(
                c.tenant_id == tenant_id, c.entity_type == "post", c.entity_id == entity_id
            )
        )
        return None if row is None else (row["comment_count"], row["root_count"], bool(row["locked"]))

    async def searchable(self, tenant_id: str, comment_id: str) -> bool:
        query = sa.text("SELECT count(*) FROM comment_search WHERE tenant_id = :t AND comment_id = :c")
        async with self._engine.connect() as connection:
            return bool((await connection.execute(query, {"t": tenant_id, "c": comment_id})).scalar())

    async def queued(self, tenant_id: str, comment_id: str) -> dict[str, Any] | None:
        c = moderation_queue.c
        return await self._one(
            sa.select(moderation_queue).where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        )

    async def reporters(self, tenant_id: str, comment_id: str) -> list[str]:
        c = comment_view_reports.c
        rows = await self._rows(
            sa.select(c.user_id)
            .where(c.tenant_id == tenant_id, c.comment_id == comment_id)
            .order_by(c.user_id)
        )
        return [row["user_id"] for row in rows]

    async def ban(self, tenant_id: str, user_id: str) -> dict[str, Any] | None:
        c = banned_users.c
        return await self._one(sa.select(banned_users).where(c.tenant_id == tenant_id, c.user_id == user_id))

    async def lock(self, tenant_id: str, entity_id: str) -> dict[str, Any] | None:
        c = locked_threads.c
        return await self._one(
            sa.select(c.reason, c.locked_by, c.locked_at, c.locked_seq).where(
                c.tenant_id == tenant_id, c.entity_type == "post", c.entity_id == entity_id
            )
        )


@dataclass(frozen=True)
class ReadModel:
    """A projection store and a way to look at the rows its transactions wrote."""

    store: ProjectionStore
    probe: ReadModelProbe


def sql_read_model(threadline: Threadline) -> ReadModel:
    return ReadModel(threadline.projection_store, SqlReadModelProbe(threadline.read_db.reader))


def view_row(tenant_id: str, comment_id: str, *, parent_id: str | None = None, seq: int = 1) -> JsonObject:
    """A ``comment_view`` row as the projector inserts it for a new comment."""
    return {
        "tenant_id": tenant_id,
        "id": comment_id,
        "entity_type": "post",
        "entity_id": "p1",
        "parent_id": parent_id,
        "parent_key": parent_id or "",
        "depth": 0 if parent_id is None else 1,
        "path": comment_id if parent_id is None else f"{parent_id}/{comment_id}",
        "created_seq": seq,
        "owner_id": "alice",
        "author_id": "alice",
        "author_name": "Alice",
        "author_avatar": None,
        "author_role": "user",
        "content": "hello",
        "content_html": "<p>hello</p>",
        "content_format": "markdown",
        "status": "ACTIVE",
        "visible": True,
        "is_pinned": False,
        "is_edited": False,
        "like_count": 0,
        "reply_count": 0,
        "view_count": 0,
        "created_at": AT,
        "updated_at": AT,
        "edited_at": None,
    }


AT = "2026-01-01T00:00:00.000000Z"
