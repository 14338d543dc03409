"""Full-text search over live comments, one implementation per SQL dialect behind one shape.

Every search is bounded by design (``domain/search_query.py``): it takes at most
``MAX_CANDIDATES + 1`` matches, the newest first, ranks only the first ``MAX_CANDIDATES`` and
highlights only the page, so a word in half of a million comments costs what a rare one does.
Both dialects index ``seq``, the position of the comment's ``CommentCreated`` (its place in time).

**SQLite (FTS5).** The tenant is not a token: a token in every row of a tenant made every query
walk the tenant's whole doclist. Each tenant owns a range of rowids instead (``search_tenants``
gives it a slot, the first free one from where its id hashes to):
``rowid = slot << 40 | (2**40 - 1 - seq)``, so the newest comment of a tenant has
its lowest rowid, and "the newest matches of this tenant" is the first rows of one rowid range in
FTS5's natural order, stopping after the candidates. The ``scope`` column holds a token for the
thread, the entity type, the entity id and the comment's recency bucket; a filter is one more
token ANDed in. What FTS5 cannot bound is a walk through rows that match every word but not the
query (a phrase of common words that never stand together, many common words ANDed): before
running such a query the words' frequencies are probed (counting no further than
``SearchBounds.probe_limit``), and if every word of such an alternative is common the query is
confined to the newest ``SearchBounds.buckets`` recency buckets, which bounds the walk, and says
so (``more``). ``bm25`` is not used: it scans every match of every phrase for its IDF; the rank
is a BM25-shaped term-frequency score over the candidates (the highlighted matches counted
against the comment's length).

**PostgreSQL.** A ``tsvector`` column with a GIN index on ``(tenant_id, entity_type, entity_id,
document)`` (a thread's search never visits the rest of its tenant),
``websearch_to_tsquery``, ``ts_rank`` and ``ts_headline``, with the text-search configuration
chosen per tenant (``search_settings``; default ``simple``). The GIN index answers "at most
``MAX_CANDIDATES + 1`` matches" without ordering (a bitmap heap scan stops at the limit); if there
are no more, those are all the matches, ranked exactly. If there are more, or if an alternative of
several words has only common words (probed as on SQLite: the planner, which cannot know such
words rarely stand together, might scan the table for them), the newest candidates come from a
backward scan of ``(tenant_id, seq)`` over at most ``SearchBounds.recent_rows`` rows, so neither
path visits every match of a common word.

The tenant is matched in every query (``tenant_id`` checked on every candidate row as well).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from threadline.adapters.sql.schema import search_settings
from threadline.domain.errors import InvalidQuery
from threadline.domain.search_query import MAX_CANDIDATES, MAX_TERMS, SearchQuery, SearchWindow

MARK_START, MARK_END = "\x02", "\x03"

SearchRow = tuple[str, str, str, str, str]  # tenant_id, comment_id, entity_type, entity_id, content


@dataclass(frozen=True, slots=True)
class IndexMatch:
    """A comment the index matched; the reader turns it into a ``SearchHit`` with the comment."""

    comment_id: str
    snippet: str
    rank: float


SEQ_BITS = 40  # positions below 2**40; the slot (a tenant) above, so up to 2**23 tenants
_SEQ_MAX = (1 << SEQ_BITS) - 1
BUCKET_BITS = 14  # a recency bucket: 16,384 log positions


@dataclass(frozen=True, slots=True)
class SearchBounds:
    """How far one search may go; the defaults are the product's, tests pass small ones."""

    candidates: int = MAX_CANDIDATES  # matches ranked at most, the newest
    buckets: int = 4  # SQLite: a confined search reads the newest 4 buckets (65,536 positions),
    walk_budget: int = 1 << 17  # and no more buckets than this many (row, word) steps are worth
    probe_limit: int = 2_000  # a word with fewer matches than this bounds any walk it drives
    recent_rows: int = 10_000  # PostgreSQL: the newest rows a common query's candidates come from


BOUNDS = SearchBounds()


def scope_tokens(entity_type: str, entity_id: str, seq: int) -> str:
    """The tokens a filter or a confined search matches: thread, entity type, entity id, bucket."""
    thread = f"{entity_type}/{entity_id}".encode().hex()
    return f"t{thread} y{entity_type.encode().hex()} e{entity_id.encode().hex()} b{seq >> BUCKET_BITS}"


def scope_filter(entity_type: str | None, entity_id: str | None) -> str | None:
    """The one ``scope`` token a search's entity filter needs, if any."""
    if entity_type is not None and entity_id is not None:
        return "t" + f"{entity_type}/{entity_id}".encode().hex()
    if entity_type is not None:
        return "y" + entity_type.encode().hex()
    if entity_id is not None:
        return "e" + entity_id.encode().hex()
    return None


DEFAULT_CONFIG = "simple"
_TENANT_CONFIG = (
    f"COALESCE((SELECT config FROM search_settings WHERE tenant_id = :tenant_id), '{DEFAULT_CONFIG}')"
)


class SearchIndexWriter(ABC):
    """One per dialect: the projector indexes and un-indexes through it in its transaction.
    A comment is indexed after its ``comment_view`` row exists (its ``created_seq`` places it)."""

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
        params = self._params(tenant_id, comment_id, entity_type, entity_id, content)
        if (await connection.execute(self._ADD, params)).rowcount == 1:
            return
        await self._prepare_tenant(connection, tenant_id)
        if (await connection.execute(self._ADD, params)).rowcount != 1:
            raise LookupError(f"comment {comment_id} is not in the read model, so it cannot be indexed")

    @abstractmethod
    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None: ...

    async def add_many(self, connection: AsyncConnection, rows: list[SearchRow]) -> None:
        """Index many comments in one executemany (the bulk seeder); the same statement as ``add``."""
        if rows:
            for tenant_id in sorted({row[0] for row in rows}):
                await self._prepare_tenant(connection, tenant_id)
            await connection.execute(self._ADD, [self._params(*row) for row in rows])

    @abstractmethod
    async def _prepare_tenant(self, connection: AsyncConnection, tenant_id: str) -> None:
        """What a tenant needs before its first comment is indexed."""

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


# -- SQLite -------------------------------------------------------------------------------------

_ROWID = f"(t.slot << {SEQ_BITS}) + ({_SEQ_MAX} - v.created_seq)"
_SQL_SCOPE = (
    "'t' || lower(hex(v.entity_type || '/' || v.entity_id)) || ' y' || lower(hex(v.entity_type))"
    f" || ' e' || lower(hex(v.entity_id)) || ' b' || (v.created_seq >> {BUCKET_BITS})"
)
_PLACED = (
    "FROM search_tenants t, comment_view v"
    " WHERE t.tenant_id = :tenant_id AND v.tenant_id = :tenant_id AND v.id = :comment_id"
)
_SLOTS = (1 << (63 - SEQ_BITS)) - 1  # slots 1 .. 2**23 - 1
_HAS_SLOT = sa.text("SELECT 1 FROM search_tenants WHERE tenant_id = :tenant_id")
_TAKEN = sa.text("SELECT slot FROM search_tenants WHERE slot >= :home AND slot < :home + 256")
_NEW_SLOT = sa.text("INSERT INTO search_tenants (tenant_id, slot) VALUES (:tenant_id, :slot)")


def home_slot(tenant_id: str) -> int:
    """Where a tenant's slot is looked for first: a function of its id alone, so two read models
    built apart (a rebuild's shadow and the live one) give a new tenant the same slot."""
    digest = int.from_bytes(hashlib.sha256(tenant_id.encode()).digest()[:8], "big")
    return 1 + digest % (_SLOTS - 512)  # room above for the probing and the range's end


class Fts5SearchIndex(SearchIndexWriter):
    # OR REPLACE: indexing a comment again replaces its row (its rowid is its place), as the
    # PostgreSQL statement's ON CONFLICT does.
    _ADD = sa.text(
        "INSERT OR REPLACE INTO comment_search"
        " (rowid, content, scope, tenant_id, comment_id, entity_type, entity_id)"
        f" SELECT {_ROWID}, :content, {_SQL_SCOPE}, :tenant_id, :comment_id, v.entity_type, v.entity_id"
        f" {_PLACED}"
    )
    _REMOVE = sa.text(
        f"DELETE FROM comment_search WHERE rowid = (SELECT {_ROWID} {_PLACED}) AND comment_id = :comment_id"
    )

    async def _prepare_tenant(self, connection: AsyncConnection, tenant_id: str) -> None:
        if (await connection.execute(_HAS_SLOT, {"tenant_id": tenant_id})).first() is not None:
            return
        home = home_slot(tenant_id)
        taken = set((await connection.execute(_TAKEN, {"home": home})).scalars())
        slot = next(candidate for candidate in range(home, home + 257) if candidate not in taken)
        await connection.execute(_NEW_SLOT, {"tenant_id": tenant_id, "slot": slot})

    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None:
        await connection.execute(self._REMOVE, {"tenant_id": tenant_id, "comment_id": comment_id})


_RANGE = sa.text(
    "SELECT t.slot,"
    " (SELECT rowid FROM comment_search WHERE rowid >= t.slot << 40 AND rowid < (t.slot + 1) << 40"
    "  ORDER BY rowid LIMIT 1) AS newest,"
    " (SELECT rowid FROM comment_search WHERE rowid >= t.slot << 40 AND rowid < (t.slot + 1) << 40"
    "  ORDER BY rowid DESC LIMIT 1) AS oldest"
    " FROM search_tenants t WHERE t.tenant_id = :tenant_id"
)

_SCOPE_RANGE = sa.text(
    "SELECT"
    " (SELECT rowid FROM comment_search WHERE comment_search MATCH :scope AND rowid >= :low AND rowid < :high"
    "  ORDER BY rowid LIMIT 1),"
    " (SELECT rowid FROM comment_search WHERE comment_search MATCH :scope AND rowid >= :low AND rowid < :high"
    "  ORDER BY rowid DESC LIMIT 1)"
)


def _probe_statement(words: int) -> sa.TextClause:
    """How many rows each of ``words`` match expressions matches, counting no further than the limit."""
    counts = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM comment_search WHERE comment_search MATCH :w{i}"
        " AND rowid >= :low AND rowid < :high LIMIT :probe_limit))"
        for i in range(words)
    )
    return sa.text(f"SELECT {counts}")


_PROBES = {n: _probe_statement(n) for n in range(1, MAX_TERMS + 2)}

# The candidates, newest first (lowest rowid); the first MAX_CANDIDATES ranked by how often the
# query matches against the comment's length (k1 = 1.2, b = 0.75, an average of 200 characters);
# the page of them highlighted. One statement: its candidates are counted in the same pass.
_FTS5_SEARCH = sa.text(
    "WITH candidates AS MATERIALIZED ("
    " SELECT rowid AS id, comment_id, length(content) AS size,"
    " highlight(comment_search, 0, char(2), char(3)) AS marked FROM comment_search"
    " WHERE comment_search MATCH :match AND rowid >= :low AND rowid < :high AND tenant_id = :tenant_id"
    " ORDER BY rowid LIMIT :candidates),"
    " ranked AS (SELECT id, comment_id,"
    " -(tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * size / 200.0))) AS rank FROM"
    " (SELECT id, comment_id, size, length(marked) - length(replace(marked, char(2), '')) AS tf"
    " FROM candidates ORDER BY id LIMIT :ranked))"
    " SELECT page.comment_id, page.rank,"
    " snippet(comment_search, 0, char(2), char(3), '…', 16) AS snippet,"
    " (SELECT count(*) FROM candidates) AS counted"
    " FROM (SELECT id, comment_id, rank FROM ranked ORDER BY rank, id LIMIT :limit OFFSET :offset) AS page"
    " JOIN comment_search ON comment_search.rowid = page.id"
    " WHERE comment_search MATCH :match ORDER BY page.rank, page.id"
)
_FTS5_COUNT = sa.text(
    "SELECT count(*) FROM (SELECT 1 FROM comment_search WHERE comment_search MATCH :match"
    " AND rowid >= :low AND rowid < :high AND tenant_id = :tenant_id LIMIT :candidates)"
)


def _quoted(word: str) -> str:
    return f'"{word}"'


def _walks(search: SearchQuery) -> list[set[str]]:
    """The words of each alternative that could make FTS5 walk through rows that match every word
    but not the query: an alternative of more than one word, or with an exclusion."""
    risky = []
    for alternative in search.alternatives:
        words = {word for phrase in alternative.include for word in phrase}
        if len(words) > 1 or alternative.exclude or any(len(p) > 1 for p in alternative.include):
            risky.append(words)
    return risky


async def search_fts5(
    connection: AsyncConnection,
    tenant_id: str,
    search: SearchQuery,
    *,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    offset: int,
    bounds: SearchBounds = BOUNDS,
) -> tuple[list[IndexMatch], SearchWindow]:
    found = (await connection.execute(_RANGE, {"tenant_id": tenant_id})).first()
    if found is None or found.newest is None:
        return [], SearchWindow(0, False)
    low, high = found.slot << SEQ_BITS, (found.slot + 1) << SEQ_BITS
    scope = scope_filter(entity_type, entity_id)
    expression = f"content:({search.to_fts5()})"
    if scope is not None:
        expression = f"scope:{_quoted(scope)} AND {expression}"
    confined = await _needs_confining(connection, search, scope, low, high, bounds.probe_limit)
    window_covers_all = True
    if confined:
        newest, oldest = found.newest, found.oldest
        if scope is not None:  # the buckets of the thread's (or entity's) own newest comments
            span = {"scope": f"scope:{_quoted(scope)}", "low": low, "high": high}
            newest, oldest = (await connection.execute(_SCOPE_RANGE, span)).one()
        newest_bucket = (_SEQ_MAX - (newest - low)) >> BUCKET_BITS
        oldest_bucket = (_SEQ_MAX - (oldest - low)) >> BUCKET_BITS
        # A walk's cost is rows times words: fewer buckets for a query of many words.
        words = len({word for alternative in search.alternatives for p in alternative.include for word in p})
        reach = max(1, min(bounds.buckets, bounds.walk_budget // (words << BUCKET_BITS)))
        buckets = [newest_bucket - i for i in range(reach) if newest_bucket - i >= 0]
        window_covers_all = buckets[-1] <= oldest_bucket
        expression = "scope:(" + " OR ".join(_quoted(f"b{b}") for b in buckets) + f") AND {expression}"
    params: dict[str, Any] = {
        "match": expression,
        "tenant_id": tenant_id,
        "low": low,
        "high": high,
        "candidates": bounds.candidates + 1,
        "ranked": bounds.candidates,
        "limit": limit,
        "offset": offset,
    }
    rows = (await connection.execute(_FTS5_SEARCH, params)).all()
    if rows:
        counted = int(rows[0].counted)
    elif offset == 0:
        counted = 0
    else:
        counted = int((await connection.execute(_FTS5_COUNT, params)).scalar_one())
    hits = [IndexMatch(row.comment_id, row.snippet, float(row.rank)) for row in rows]
    window = SearchWindow(
        min(counted, bounds.candidates), counted > bounds.candidates or not window_covers_all
    )
    return hits, window


async def _needs_confining(
    connection: AsyncConnection, search: SearchQuery, scope: str | None, low: int, high: int, probe_limit: int
) -> bool:
    """Whether some alternative could walk far: each of its words (and the filter's token) matches
    at least ``SearchBounds.probe_limit`` rows of the tenant, so no rare word drives the walk."""
    risky = _walks(search)
    if not risky:
        return False
    words = sorted(set().union(*risky))
    expressions = [f"content:{_quoted(word)}" for word in words]
    if scope is not None:
        expressions.append(f"scope:{_quoted(scope)}")
    params: dict[str, Any] = {f"w{i}": e for i, e in enumerate(expressions)}
    params.update(low=low, high=high, probe_limit=probe_limit)
    counts = (await connection.execute(_PROBES[len(expressions)], params)).one()
    if scope is not None and counts[-1] < probe_limit:
        return False  # a small thread or entity drives every alternative
    common = {word for word, count in zip(words, counts, strict=False) if count >= probe_limit}
    return any(alternative <= common for alternative in risky)


# -- PostgreSQL ---------------------------------------------------------------------------------


class PostgresSearchIndex(SearchIndexWriter):
    _ADD = sa.text(
        "INSERT INTO comment_search"
        " (tenant_id, comment_id, entity_type, entity_id, seq, config, content, document)"
        " SELECT v.tenant_id, v.id, v.entity_type, v.entity_id, v.created_seq, cfg, CAST(:content AS text),"
        " to_tsvector(cfg, CAST(:content AS text))"
        f" FROM comment_view v, (SELECT {_TENANT_CONFIG}::regconfig AS cfg) AS tenant_config"
        " WHERE v.tenant_id = :tenant_id AND v.id = :comment_id"
        " ON CONFLICT (tenant_id, comment_id) DO UPDATE SET content = EXCLUDED.content,"
        " document = EXCLUDED.document, config = EXCLUDED.config, seq = EXCLUDED.seq"
    )
    _REMOVE = sa.text("DELETE FROM comment_search WHERE tenant_id = :tenant_id AND comment_id = :comment_id")

    async def remove(self, connection: AsyncConnection, tenant_id: str, comment_id: str) -> None:
        await connection.execute(self._REMOVE, {"tenant_id": tenant_id, "comment_id": comment_id})

    async def _prepare_tenant(self, connection: AsyncConnection, tenant_id: str) -> None:
        """Nothing: a row is placed by its own ``seq``."""


_HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, MaxFragments=2"
# The configuration is a parameter, not a subquery, so that in a custom plan the tsquery is a
# constant the planner estimates from the column's statistics (a generic plan cannot: it takes
# every word for a rare one and builds a GIN bitmap of half a million rows for a common one).
_QUERY = (
    "(SELECT CAST(:cfg AS regconfig) AS cfg, websearch_to_tsquery(CAST(:cfg AS regconfig), :q) AS query) AS q"
)
_PG_PLANNING = sa.text(
    f"SELECT set_config('plan_cache_mode', 'force_custom_plan', true) AS mode, {_TENANT_CONFIG} AS cfg"
)


def _pg_filters(entity_type: bool, entity_id: bool) -> str:
    return ("AND s.entity_type = :entity_type " if entity_type else "") + (
        "AND s.entity_id = :entity_id " if entity_id else ""
    )


def _pg_statements(entity_type: bool, entity_id: bool) -> tuple[sa.TextClause, sa.TextClause, sa.TextClause]:
    filters = _pg_filters(entity_type, entity_id)
    # Any MAX_CANDIDATES + 1 matches, by the GIN index, in no order: the heap scan stops there.
    some = sa.text(
        f"SELECT s.comment_id, s.seq, ts_rank(s.document, q.query) AS rank FROM {_QUERY}, comment_search s"
        f" WHERE s.tenant_id = :tenant_id {filters}AND s.document @@ q.query LIMIT :candidates"
    )
    # The newest matches among the newest ``recent_rows`` rows, by a backward index scan.
    newest = sa.text(
        "SELECT r.comment_id, r.seq, ts_rank(r.document, q.query) AS rank FROM "
        f"{_QUERY}, (SELECT s.comment_id, s.seq, s.document FROM comment_search s"
        f" WHERE s.tenant_id = :tenant_id {filters}ORDER BY s.seq DESC LIMIT :recent) AS r"
        " WHERE r.document @@ q.query ORDER BY r.seq DESC LIMIT :candidates"
    )
    # Whether those newest rows were all the rows there are (then the answer is exact).
    rows = sa.text(
        "SELECT count(*) FROM (SELECT 1 FROM comment_search s"
        f" WHERE s.tenant_id = :tenant_id {filters}LIMIT :recent) AS scanned"
    )
    return some, newest, rows


_PG_SEARCHES = {(t, i): _pg_statements(t, i) for t in (False, True) for i in (False, True)}


def _pg_probe_statement(words: int) -> sa.TextClause:
    """As SQLite's probes: how many of the tenant's rows hold each word, counted to the limit."""
    counts = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM comment_search s WHERE s.tenant_id = :tenant_id"
        f" AND s.document @@ plainto_tsquery(CAST(:cfg AS regconfig), :w{i}) LIMIT :probe_limit) AS p{i})"
        for i in range(words)
    )
    return sa.text(f"SELECT {counts}")


_PG_PROBES = {n: _pg_probe_statement(n) for n in range(1, MAX_TERMS + 1)}


async def _all_common(
    connection: AsyncConnection, tenant_id: str, config: str, search: SearchQuery, probe_limit: int
) -> bool:
    """Whether some alternative of several words (or an exclusion) has only common words: the
    planner cannot know they rarely stand together, and may scan the table to find out."""
    risky = _walks(search)
    if not risky:
        return False
    words = sorted(set().union(*risky))
    params: dict[str, Any] = {f"w{i}": word for i, word in enumerate(words)}
    params.update(tenant_id=tenant_id, cfg=config, probe_limit=probe_limit)
    counts = (await connection.execute(_PG_PROBES[len(words)], params)).one()
    common = {word for word, count in zip(words, counts, strict=True) if count >= probe_limit}
    return any(alternative <= common for alternative in risky)


_PG_HEADLINES = sa.text(
    f"SELECT s.comment_id, ts_headline(q.cfg, s.content, q.query, '{_HEADLINE}') AS snippet"
    f" FROM {_QUERY}, comment_search s"
    " WHERE s.tenant_id = :tenant_id AND s.comment_id = ANY(CAST(:ids AS varchar[]))"
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
    bounds: SearchBounds = BOUNDS,
) -> tuple[list[IndexMatch], SearchWindow]:
    some, newest, scanned = _PG_SEARCHES[(entity_type is not None, entity_id is not None)]
    # In this read's transaction only: plan each statement for its own words.
    config = (await connection.execute(_PG_PLANNING, {"tenant_id": tenant_id})).one().cfg
    params: dict[str, Any] = {"tenant_id": tenant_id, "cfg": config, "q": search.to_websearch()}
    if entity_type is not None:
        params["entity_type"] = entity_type
    if entity_id is not None:
        params["entity_id"] = entity_id
    if await _all_common(connection, tenant_id, config, search, bounds.probe_limit):
        window = SearchWindow(0, True)  # straight to the newest rows: no plan can scan them all
    else:
        rows = (await connection.execute(some, {**params, "candidates": bounds.candidates + 1})).all()
        window = SearchWindow(min(len(rows), bounds.candidates), len(rows) > bounds.candidates)
    if window.more:
        recent = {**params, "recent": bounds.recent_rows, "candidates": bounds.candidates + 1}
        rows = (await connection.execute(newest, recent)).all()
        everything = {**params, "recent": bounds.recent_rows + 1}
        beyond = (await connection.execute(scanned, everything)).scalar_one() > bounds.recent_rows
        window = SearchWindow(min(len(rows), bounds.candidates), beyond or len(rows) > bounds.candidates)
        rows = rows[: bounds.candidates]
    ranked = sorted(rows, key=lambda row: (-float(row.rank), -int(row.seq)))[offset : offset + limit]
    if not ranked:
        return [], window
    ids = [row.comment_id for row in ranked]
    found = (await connection.execute(_PG_HEADLINES, {**params, "ids": ids})).all()
    snippets: dict[str, str] = {row.comment_id: row.snippet for row in found}
    hits = [IndexMatch(row.comment_id, snippets.get(row.comment_id, ""), -float(row.rank)) for row in ranked]
    return hits, window


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
