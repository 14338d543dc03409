"""The write model in SQL: comments and like records, changed only by compare-and-set."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import comment_likes, comments
from threadline.adapters.sql.upsert import insert_if_absent
from threadline.domain.comment import Comment, Status
from threadline.domain.errors import ConcurrencyConflict

_FIELDS = [c.name for c in comments.columns]


def _to_comment(row: Any) -> Comment:
    values = dict(row._mapping)
    values["status"] = Status(values["status"])
    return Comment(**values)


def comment_row(comment: Comment) -> dict[str, object]:
    row = {name: getattr(comment, name) for name in _FIELDS}
    row["status"] = comment.status.value
    return row


class SqlCommentStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None:
        query = sa.select(comments).where(comments.c.tenant_id == tenant_id, comments.c.id == comment_id)
        if for_update and self._connection.dialect.name != "sqlite":
            query = query.with_for_update()
        row = (await self._connection.execute(query)).first()
        return _to_comment(row) if row else None

    async def add(self, comment: Comment) -> bool:
        return await insert_if_absent(self._connection, comments, comment_row(comment))

    async def save(self, comment: Comment, expected_version: int) -> None:
        values = comment_row(comment)
        for key in ("tenant_id", "id"):
            values.pop(key)
        result = await self._connection.execute(
            comments.update()
            .where(
                comments.c.tenant_id == comment.tenant_id,
                comments.c.id == comment.id,
                comments.c.version == expected_version,
            )
            .values(values)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict()

    async def set_like(
        self, tenant_id: str, comment_id: str, user_id: str, liked: bool, at: str
    ) -> int | None:
        key = (
            comment_likes.c.tenant_id == tenant_id,
            comment_likes.c.comment_id == comment_id,
            comment_likes.c.user_id == user_id,
        )
        row = (
            await self._connection.execute(
                sa.select(comment_likes.c.liked, comment_likes.c.version).where(*key)
            )
        ).first()
        if row is None:
            if not liked:
                return None
            inserted = await insert_if_absent(
                self._connection,
                comment_likes,
                {
                    "tenant_id": tenant_id,
                    "comment_id": comment_id,
                    "user_id": user_id,
                    "liked": True,
                    "version": 1,
                    "updated_at": at,
                },
            )
            if not inserted:
                raise ConcurrencyConflict()  # a concurrent like of the same user won; retry reads it
            return 1
        if bool(row.liked) == liked:
            return None
        result = await self._connection.execute(
            comment_likes.update()
            .where(*key, comment_likes.c.version == row.version)
            .values(liked=liked, version=row.version + 1, updated_at=at)
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict()
        return int(row.version) + 1

    async def purge(self, tenant_id: str, comment_id: str) -> None:
        await self._connection.execute(
            comment_likes.delete().where(
                comment_likes.c.tenant_id == tenant_id, comment_likes.c.comment_id == comment_id
            )
        )
