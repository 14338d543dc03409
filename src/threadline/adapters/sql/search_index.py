"""Full-text search over live comments, one implementation per SQL dialect behind one shape.

SQLite uses an FTS5 table that stores its own copy of the text, so deleting a row really
removes the words (EVENT-LOG-NOTES §9). PostgreSQL uses a ``tsvector`` column with a GIN index
on ``(tenant_id, document)``, ``websearch_to_tsquery``, ``ts_rank`` and ``ts_headline``, with the
text-search configuration chosen per tenant (``search_settings``; default ``simple``, which
works for every language). The tenant is matched in every query.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import search_settings
from threadline.domain.errors import InvalidQuery
from threadline.domain.search_query import SearchQuery

MARK_START, MARK_END = "\x02", "\x03"


def tenant_key(tenant_id: str) -> str:
    """A single FTS token for the tenant, whatever characters its id contains."""
    return "t" + tenant_id.encode().hex()


SearchRow = tuple[str, str, str, str, str]  # tenant_id, comment_id, entity_type, entity_id, content


@dataclass(frozen=True, slots=True)
class IndexMatch:
    """A comment the index matched; the reader turns it into a ``SearchHit`` with the comment."""

    comment_id: str
    snippet: str
    rank: float


DEFAULT_CONFIG = "simple"
_TENANT_CONFIG = (
    f"COALESCE((SELECT config FROM search_settings WHERE tenant_id = :tenant_id), '{DEFAULT_CONFIG}')"
)


class SearchIndexWriter(ABC):
    """One per dialect: the projector indexes and un-indexes through it in its transaction."""

    @staticmethod
    def for_dialect(connection: AsyncConnection) -> SearchIndexWriter:
        if connection.dialect.name == "sqlite":
            return Fts5SearchIndex()
        return PostgresSearchIndex()

    async def add(
        self,
        connection: AsyncConnection,
        tenant_id: str,
        comment_id: str,
        entity_type: str,
        entity_id: str,
        content: str,
    ) -> None:
        """Index one comment with the dialect's own ``_ADD`` statement."""
        await connection.execute(
            self._ADD, self._params(tenant_id, comment_id, entity_type, entity_id, content)
        )

    @abstractmethod
    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None: ...

    async def add_many(self, connection: AsyncConnection, rows: list[SearchRow]) -> None:
        """Index many comments in one executemany (the bulk seeder); the same statement as ``add``."""
        if rows:
            await connection.execute(self._ADD, [self._params(*row) for row in rows])

    _ADD: sa.TextClause

    @staticmethod
    def _params(
        tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> dict[str, str]:
        return {
            "tenant_id": tenant_id,
            "comment_id": comment_id,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "content": content,
        }


class Fts5SearchIndex(SearchIndexWriter):
    _ADD = sa.text(
        "INSERT INTO comment_search"
        " (content, tenant_key, tenant_id, comment_id, entity_type, entity_id) VALUES"
        " (:content, :tenant_key, :tenant_id, :comment_id, :entity_type, :entity_id)"
    )

    @staticmethod
    def _params(
        tenant_id: str, comment_id: str, entity_type: str, entity_id: str, content: str
    ) -> dict[str, str]:
        return {
            "content": content,
            "tenant_key": tenant_key(tenant_id),
            "tenant_id": tenant_id,
            "comment_id": comment_id,
            "entity_type": entity_type,
            "entity_id": entity_id,
        }

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


class PostgresSearchIndex(SearchIndexWriter):
    _ADD = sa.text(
        "INSERT INTO comment_search"
        " (tenant_id, comment_id, entity_type, entity_id, config, content, document)"
        " SELECT :tenant_id, :comment_id, :entity_type, :entity_id, cfg, :content,"
        " to_tsvector(cfg, :content)"
        f" FROM (SELECT {_TENANT_CONFIG}::regconfig AS cfg) AS tenant_config"
        " ON CONFLICT (tenant_id, comment_id) DO UPDATE"
        " SET content = EXCLUDED.content, document = EXCLUDED.document, config = EXCLUDED.config"
    )

    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None:
        await connection.execute(
            sa.text("DELETE FROM comment_search WHERE tenant_id = :tenant_id AND comment_id = :comment_id"),
            {"tenant_id": tenant_id, "comment_id": comment_id},
        )


async def search_postgres(
    connection: AsyncConnection,
    tenant_id: str,
    search: SearchQuery,
    *,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[IndexMatch], int]:
    filters = "s.tenant_id = :tenant_id AND s.document @@ q.query"
    params: dict[str, object] = {
        "tenant_id": tenant_id,
        "q": search.to_websearch(),
        "limit": limit,
        "offset": offset,
    }
    if entity_type is not None:
        filters += " AND s.entity_type = :entity_type"
        params["entity_type"] = entity_type
    if entity_id is not None:
        filters += " AND s.entity_id = :entity_id"
        params["entity_id"] = entity_id
    query = (
        f"WITH q AS (SELECT cfg, websearch_to_tsquery(cfg, :q) AS query"
        f" FROM (SELECT {_TENANT_CONFIG}::regconfig AS cfg) AS tenant_config)"
    )
    headline = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, MaxFragments=2"
    rows = await connection.execute(
        sa.text(
            f"{query} SELECT page.comment_id, page.rank,"
            f" ts_headline(q.cfg, page.content, q.query, '{headline}') AS snippet"
            " FROM (SELECT s.comment_id, s.content, ts_rank(s.document, q.query) AS rank"
            f" FROM comment_search s, q WHERE {filters}"
            " ORDER BY rank DESC, s.comment_id LIMIT :limit OFFSET :offset) AS page, q"
            " ORDER BY page.rank DESC, page.comment_id"
        ),
        params,
    )
    hits = [IndexMatch(row.comment_id, row.snippet, -float(row.rank)) for row in rows.all()]
    count_params = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    total = (
        await connection.execute(
            sa.text(f"{query} SELECT count(*) FROM comment_search s, q WHERE {filters}"), count_params
        )
    ).scalar_one()
    return hits, int(total)


async def set_search_config(connection: AsyncConnection, tenant_id: str, config: str) -> None:
    """Choose a tenant's text-search configuration and re-index its comments with it."""
    if connection.dialect.name == "postgresql":
        known = (
            await connection.execute(sa.text("SELECT 1 FROM pg_ts_config WHERE cfgname = :c"), {"c": config})
        ).first()
        if known is None:
            raise InvalidQuery(f"unknown text search configuration {config!r}", field="config")
    await insert_or_update_config(connection, tenant_id, config)
    if connection.dialect.name == "postgresql":
        await connection.execute(
            sa.text(
                "UPDATE comment_search SET config = CAST(:c AS regconfig),"
                " document = to_tsvector(CAST(:c AS regconfig), content) WHERE tenant_id = :t"
            ),
            {"c": config, "t": tenant_id},
        )


async def insert_or_update_config(connection: AsyncConnection, tenant_id: str, config: str) -> None:
    updated = await connection.execute(
        search_settings.update().where(search_settings.c.tenant_id == tenant_id).values(config=config)
    )
    if not updated.rowcount:
        await connection.execute(search_settings.insert().values(tenant_id=tenant_id, config=config))


async def search_fts5(
    connection: AsyncConnection,
    tenant_id: str,
    search: SearchQuery,
    *,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[IndexMatch], int]:
    match = f'tenant_key:"{tenant_key(tenant_id)}" AND content:({search.to_fts5()})'
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
    hits = [IndexMatch(row.comment_id, row.snippet, float(row.rank)) for row in rows.all()]
    total = (
        await connection.execute(sa.text(f"SELECT count(*) FROM comment_search WHERE {filters}"), params)
    ).scalar_one()
    return hits, int(total)
