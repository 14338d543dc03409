"""The write model in SQL: comments and like records, changed only by compare-and-set."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import comment_likes, comments
from threadline.adapters.sql.upsert import insert_if_absent_statement
from threadline.domain.comment import Comment, Status
from threadline.domain.errors import ConcurrencyConflict

_FIELDS = [c.name for c in comments.columns]
# The hot statements, built once and run with bound parameters: building an expression per call
# was a large share of a command's CPU (its construction, coercions and cache key).
_c, _l = comments.c, comment_likes.c
_GET = sa.select(comments).where(_c.tenant_id == sa.bindparam("t"), _c.id == sa.bindparam("c"))
_GET_FOR_UPDATE = _GET.with_for_update()
_LIKE_KEY = (
    _l.tenant_id == sa.bindparam("t"),
    _l.comment_id == sa.bindparam("c"),
    _l.user_id == sa.bindparam("u"),
)
_GET_LIKE = sa.select(_l.liked, _l.version).where(*_LIKE_KEY)
_SET_LIKE = (
    comment_likes.update()
    .where(*_LIKE_KEY, _l.version == sa.bindparam("expected"))
    .values(liked=sa.bindparam("liked"), version=sa.bindparam("new_version"), updated_at=sa.bindparam("at"))
)
_ADD = {dialect: insert_if_absent_statement(comments, dialect) for dialect in ("sqlite", "postgresql")}
_ADD_LIKE = {
    dialect: insert_if_absent_statement(comment_likes, dialect) for dialect in ("sqlite", "postgresql")
}


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
        self._dialect = connection.dialect.name

    async def get(self, tenant_id: str, comment_id: str, *, for_update: bool = False) -> Comment | None:
        # SQLite has no row locks: its writer holds the database from BEGIN IMMEDIATE on.
        query = _GET_FOR_UPDATE if for_update and self._dialect != "sqlite" else _GET
        row = (await self._connection.execute(query, {"t": tenant_id, "c": comment_id})).first()
        return _to_comment(row) if row else None

    async def add(self, comment: Comment) -> bool:
        result = await self._connection.execute(_ADD[self._dialect], comment_row(comment))
        return bool(result.rowcount)

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
        key = {"t": tenant_id, "c": comment_id, "u": user_id}
        row = (await self._connection.execute(_GET_LIKE, key)).first()
        if row is None:
            if not liked:
                return None
            inserted = await self._connection.execute(
                _ADD_LIKE[self._dialect],
                {
                    "tenant_id": tenant_id,
                    "comment_id": comment_id,
                    "user_id": user_id,
                    "liked": True,
                    "version": 1,
                    "updated_at": at,
                },
            )
            if not inserted.rowcount:
                raise ConcurrencyConflict()  # a concurrent like of the same user won; retry reads it
            return 1
        if bool(row.liked) == liked:
            return None
        result = await self._connection.execute(
            _SET_LIKE,
            {**key, "expected": row.version, "liked": liked, "new_version": row.version + 1, "at": at},
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
