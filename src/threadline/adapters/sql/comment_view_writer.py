"""Read-model changes in SQL. Counters move by increments in SQL, never by blind writes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import (
    comment_view,
    comment_view_edits,
    comment_view_likes,
    entity_stats,
    view_totals,
)
from threadline.adapters.sql.search_index import SearchIndexWriter, SearchRow
from threadline.application.ports.cross_cutting import JsonObject
from threadline.application.ports.projection import ViewState


class SqlCommentViewWriter:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._search = SearchIndexWriter.for_dialect(connection)

    def _key(self, tenant_id: str, comment_id: str) -> sa.ColumnElement[bool]:
        return sa.and_(comment_view.c.tenant_id == tenant_id, comment_view.c.id == comment_id)

    async def get(self, tenant_id: str, comment_id: str) -> ViewState | None:
        c = comment_view.c
        row = (
            await self._connection.execute(
                sa.select(
                    c.tenant_id,
                    c.id,
                    c.entity_type,
                    c.entity_id,
                    c.parent_id,
                    c.status,
                    c.visible,
                    c.reply_count,
                    c.content,
                    c.content_format,
                    c.owner_id,
                ).where(self._key(tenant_id, comment_id))
            )
        ).first()
        if row is None:
            return None
        return ViewState(
            tenant_id=row.tenant_id,
            id=row.id,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            parent_id=row.parent_id,
            status=row.status,
            visible=bool(row.visible),
            reply_count=int(row.reply_count),
            content=row.content,
            content_format=row.content_format,
            owner_id=row.owner_id,
        )

    async def insert(self, row: JsonObject) -> None:
        await self._connection.execute(comment_view.insert().values(row))

    async def insert_many(self, rows: list[JsonObject]) -> None:
        """The bulk seeder's path: rows ``insert`` would write, in one executemany."""
        if rows:
            await self._connection.execute(comment_view.insert(), rows)

    async def index_many_for_search(self, rows: list[SearchRow]) -> None:
        await self._search.add_many(self._connection, rows)

    async def update(self, tenant_id: str, comment_id: str, values: JsonObject) -> None:
        await self._connection.execute(
            comment_view.update().where(self._key(tenant_id, comment_id)).values(values)
        )

    async def delete(self, tenant_id: str, comment_id: str) -> None:
        await self._connection.execute(comment_view.delete().where(self._key(tenant_id, comment_id)))

    async def add_reply_count(self, tenant_id: str, comment_id: str, delta: int) -> None:
        await self.update(tenant_id, comment_id, {"reply_count": comment_view.c.reply_count + delta})

    async def add_like_count(self, tenant_id: str, comment_id: str, delta: int) -> None:
        await self.update(tenant_id, comment_id, {"like_count": comment_view.c.like_count + delta})

    def _like_key(self, tenant_id: str, comment_id: str, user_id: str) -> sa.ColumnElement[bool]:
        c = comment_view_likes.c
        return sa.and_(c.tenant_id == tenant_id, c.comment_id == comment_id, c.user_id == user_id)

    async def add_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool:
        exists = (
            await self._connection.execute(
                sa.select(sa.literal(1)).where(self._like_key(tenant_id, comment_id, user_id))
            )
        ).first()
        if exists:
            return False
        await self._connection.execute(
            comment_view_likes.insert().values(tenant_id=tenant_id, comment_id=comment_id, user_id=user_id)
        )
        return True

    async def remove_like(self, tenant_id: str, comment_id: str, user_id: str) -> bool:
        result = await self._connection.execute(
            comment_view_likes.delete().where(self._like_key(tenant_id, comment_id, user_id))
        )
        return result.rowcount > 0

    async def purge_likes(self, tenant_id: str, comment_id: str) -> None:
        c = comment_view_likes.c
        await self._connection.execute(
            comment_view_likes.delete().where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        )

    async def add_edit(self, row: JsonObject) -> None:
        await self._connection.execute(comment_view_edits.insert().values(row))

    async def purge_edits(self, tenant_id: str, comment_id: str) -> None:
        c = comment_view_edits.c
        await self._connection.execute(
            comment_view_edits.delete().where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        )

    async def adjust_stats(
        self, tenant_id: str, entity_type: str, entity_id: str, comments: int, roots: int
    ) -> None:
        c = entity_stats.c
        key = sa.and_(c.tenant_id == tenant_id, c.entity_type == entity_type, c.entity_id == entity_id)
        result = await self._connection.execute(
            entity_stats.update()
            .where(key)
            .values(comment_count=c.comment_count + comments, root_count=c.root_count + roots)
        )
        if result.rowcount == 0:
            await self._connection.execute(
                entity_stats.insert().values(
                    tenant_id=tenant_id,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    comment_count=comments,
                    root_count=roots,
                )
            )

    async def index_for_search(
        self, tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> None:
        await self._search.add(self._connection, tenant_id, comment_id, entity_type, entity_id, content)

    async def counted_views(self, tenant_id: str, comment_id: str) -> int:
        c = view_totals.c
        query = sa.select(c.views).where(c.tenant_id == tenant_id, c.comment_id == comment_id)
        return int((await self._connection.execute(query)).scalar() or 0)

    async def remove_from_search(self, tenant_id: str, comment_id: str) -> None:
        await self._search.remove(self._connection, tenant_id, comment_id)
