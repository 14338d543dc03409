"""Full-text search over live comments, one implementation per SQL dialect behind one shape.

SQLite uses an FTS5 table that stores its own copy of the text, so deleting a row really
removes the words (EVENT-LOG-NOTES §9). The tenant is an indexed column matched in every query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.domain.errors import InvalidQuery

_TERM = re.compile(r"\w+", re.UNICODE)
MARK_START, MARK_END = "\x02", "\x03"


def tenant_key(tenant_id: str) -> str:
    """A single FTS token for the tenant, whatever characters its id contains."""
    return "t" + tenant_id.encode().hex()


def fts5_query(text: str) -> str:
    """Every word of the user's text as a quoted term: no FTS syntax can be injected."""
    terms = _TERM.findall(text)
    if not terms:
        raise InvalidQuery("the search query has no words", field="q")
    return " AND ".join(f'"{term}"' for term in terms[:32])


@dataclass(frozen=True, slots=True)
class SearchHit:
    comment_id: str
    snippet: str
    rank: float


class SearchIndexWriter:
    @staticmethod
    def for_dialect(connection: AsyncConnection) -> SearchIndexWriter:
        if connection.dialect.name == "sqlite":
            return Fts5SearchIndex()
        return SearchIndexWriter()

    async def add(
        self,
        connection: AsyncConnection,
        tenant_id: str,
        comment_id: str,
        entity_type: str,
        entity_id: str,
        content: str,
    ) -> None:
        return None

    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None:
        return None


class Fts5SearchIndex(SearchIndexWriter):
    async def add(
        self,
        connection: AsyncConnection,
        tenant_id: str,
        comment_id: str,
        entity_type: str,
        entity_id: str,
        content: str,
    ) -> None:
        await connection.execute(
            sa.text(
                "INSERT INTO comment_search"
                " (content, tenant_key, tenant_id, comment_id, entity_type, entity_id) VALUES"
                " (:content, :tenant_key, :tenant_id, :comment_id, :entity_type, :entity_id)"
            ),
            {
                "content": content,
                "tenant_key": tenant_key(tenant_id),
                "tenant_id": tenant_id,
                "comment_id": comment_id,
                "entity_type": entity_type,
                "entity_id": entity_id,
            },
        )

    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None:
        await connection.execute(
            sa.text(
                "DELETE FROM comment_search WHERE comment_search MATCH :tenant AND tenant_id = :tenant_id"
                " AND comment_id = :comment_id"
            ),
            {
                "tenant": f'tenant_key:"{tenant_key(tenant_id)}"',
                "tenant_id": tenant_id,
                "comment_id": comment_id,
            },
        )


async def search_fts5(
    connection: AsyncConnection,
    tenant_id: str,
    text: str,
    *,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[SearchHit], int]:
    match = f'tenant_key:"{tenant_key(tenant_id)}" AND content:({fts5_query(text)})'
    filters = "comment_search MATCH :match AND tenant_id = :tenant_id"
    params: dict[str, object] = {"match": match, "tenant_id": tenant_id, "limit": limit, "offset": offset}
    if entity_type is not None:
        filters += " AND entity_type = :entity_type"
        params["entity_type"] = entity_type
    if entity_id is not None:
        filters += " AND entity_id = :entity_id"
        params["entity_id"] = entity_id
    rows = await connection.execute(
        sa.text(
            "SELECT comment_id,"
            f" snippet(comment_search, 0, '{MARK_START}', '{MARK_END}', '…', 16) AS snippet,"
            f" bm25(comment_search) AS rank FROM comment_search WHERE {filters}"
            " ORDER BY rank, comment_id LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    hits = [SearchHit(row.comment_id, row.snippet, float(row.rank)) for row in rows.all()]
    total = (
        await connection.execute(sa.text(f"SELECT count(*) FROM comment_search WHERE {filters}"), params)
    ).scalar_one()
    return hits, int(total)
