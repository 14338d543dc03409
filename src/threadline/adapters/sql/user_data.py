"""Everything one user left in a tenant, for export and for erasure (write model and read model)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from threadline.adapters.sql.schema import comment_likes, comment_view_edits, comments
from threadline.application.ports.cross_cutting import JsonObject


class SqlUserData:
    def __init__(self, write: AsyncEngine, read: AsyncEngine) -> None:
        self._write = write
        self._read = read

    async def comment_ids(self, tenant_id: str, user_id: str) -> list[str]:
        c = comments.c
        query = (
            sa.select(c.id)
            .where(c.tenant_id == tenant_id, c.author_id == user_id, c.status != "HARD_DELETED")
            .order_by(c.created_at)
        )
        async with self._write.connect() as connection:
            return [row.id for row in (await connection.execute(query)).all()]

    async def published_comment_ids(self, tenant_id: str, user_id: str) -> list[str]:
        c = comments.c
        query = sa.select(c.id).where(c.tenant_id == tenant_id, c.author_id == user_id, c.status == "ACTIVE")
        async with self._write.connect() as connection:
            return [row.id for row in (await connection.execute(query)).all()]

    async def liked_ids(self, tenant_id: str, user_id: str) -> list[str]:
        c = comment_likes.c
        query = sa.select(c.comment_id).where(
            c.tenant_id == tenant_id, c.user_id == user_id, c.liked.is_(True)
        )
        async with self._write.connect() as connection:
            return [row.comment_id for row in (await connection.execute(query)).all()]

    async def export(self, tenant_id: str, user_id: str) -> JsonObject:
        c, likes, edits = comments.c, comment_likes.c, comment_view_edits.c
        async with self._write.connect() as connection:
            written = (
                await connection.execute(
                    sa.select(
                        c.id,
                        c.entity_type,
                        c.entity_id,
                        c.parent_id,
                        c.content,
                        c.content_format,
                        c.status,
                        c.author_name,
                        c.author_avatar,
                        c.created_at,
                        c.updated_at,
                        c.edited_at,
                    )
                    .where(c.tenant_id == tenant_id, c.author_id == user_id, c.status != "HARD_DELETED")
                    .order_by(c.created_at)
                )
            ).all()
            liked = (
                await connection.execute(
                    sa.select(likes.comment_id, likes.updated_at)
                    .where(likes.tenant_id == tenant_id, likes.user_id == user_id, likes.liked.is_(True))
                    .order_by(likes.updated_at)
                )
            ).all()
        async with self._read.connect() as connection:
            edited = (
                await connection.execute(
                    sa.select(edits.comment_id, edits.previous_content, edits.new_content, edits.edited_at)
                    .where(edits.tenant_id == tenant_id, edits.editor_id == user_id)
                    .order_by(edits.position)
                )
            ).all()
        return {
            "user_id": user_id,
            "comments": [dict(zip(_COMMENT_KEYS, row, strict=True)) for row in written],
            "edits": [
                dict(zip(("comment_id", "previous_content", "new_content", "edited_at"), row, strict=True))
                for row in edited
            ],
            "likes": [{"comment_id": row.comment_id, "liked_at": row.updated_at} for row in liked],
        }


_COMMENT_KEYS = (
    "id",
    "entity_type",
    "entity_id",
    "parent_id",
    "content",
    "content_format",
    "status",
    "author_name",
    "author_avatar",
    "created_at",
    "updated_at",
    "edited_at",
)
