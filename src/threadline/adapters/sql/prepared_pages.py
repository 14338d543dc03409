"""The prepared pages and by-id documents in SQL, replaced in the projector's transaction (each
statement built once, here, and run with bound parameters). They are read by primary key, by the
comment reader (``read_statements.PREPARED_PAGE`` and ``PREPARED_COMMENT``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import prepared_comments, prepared_pages
from threadline.adapters.sql.upsert import dialect_insert
from threadline.application.ports.projection import PreparedPageRow

_p, _d = prepared_pages.c, prepared_comments.c
_DROP_COMMENT = prepared_comments.delete().where(
    _d.tenant_id == sa.bindparam("t"), _d.comment_id == sa.bindparam("c")
)


def _replace(dialect: str, table: sa.Table) -> sa.Insert:
    """Insert, or on a key already there replace its body: one statement, either dialect."""
    insert = dialect_insert(table, dialect)
    keys = [column.name for column in table.primary_key.columns]
    return insert.on_conflict_do_update(index_elements=keys, set_={"body": insert.excluded.body})


_REPLACE = {
    (dialect, table.name): _replace(dialect, table)
    for dialect in ("postgresql", "sqlite")
    for table in (prepared_pages, prepared_comments)
}


class SqlPreparedPages:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._dialect = "postgresql" if connection.dialect.name == "postgresql" else "sqlite"

    async def put_pages(self, pages: Sequence[PreparedPageRow]) -> None:
        if not pages:
            return
        rows = [
            {
                "tenant_id": p.tenant_id,
                "entity_type": p.entity_type,
                "entity_id": p.entity_id,
                "sort": p.sort,
                "body": p.stored,
            }
            for p in pages
        ]
        await self._connection.execute(_REPLACE[self._dialect, "prepared_pages"], rows)

    async def put_comments(self, tenant_id: str, documents: Mapping[str, bytes | None]) -> None:
        kept = [
            {"tenant_id": tenant_id, "comment_id": comment_id, "body": body}
            for comment_id, body in sorted(documents.items())
            if body is not None
        ]
        gone = [
            {"t": tenant_id, "c": comment_id}
            for comment_id, body in sorted(documents.items())
            if body is None
        ]
        if kept:
            await self._connection.execute(_REPLACE[self._dialect, "prepared_comments"], kept)
        if gone:
            await self._connection.execute(_DROP_COMMENT, gone)
