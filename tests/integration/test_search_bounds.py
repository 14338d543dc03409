"""A search is bounded by design: at most ``candidates`` matches, the newest, are ranked, and the
window says whether more matched. Run with small bounds so a handful of comments shows it, on
both backends, through the dialect's own search function (the reader calls the same)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.integration.helpers import post
from threadline.adapters.sql.search_index import (
    SearchBounds,
    SearchIndexWriter,
    home_slot,
    search_fts5,
    search_postgres,
)
from threadline.bootstrap import Threadline
from threadline.domain.identity import Actor, Role
from threadline.domain.search_query import SearchWindow, parse_search_query
from threadline.domain.tenant import Tenant


async def search(
    container: Threadline,
    tenant_id: str,
    q: str,
    bounds: SearchBounds,
    *,
    entity_id: str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[str], SearchWindow]:
    async with container.read_db.reader.connect() as connection:
        run = search_fts5 if connection.dialect.name == "sqlite" else search_postgres
        hits, window = await run(
            connection,
            tenant_id,
            parse_search_query(q),
            entity_type="post" if entity_id is not None else None,
            entity_id=entity_id,
            limit=limit,
            offset=offset,
            bounds=bounds,
        )
    return [hit.comment_id for hit in hits], window


async def comments(container: Threadline, tenant: Tenant, texts: list[str], thread: str = "p1") -> list[str]:
    alice = Actor(tenant.id, "alice", "Alice", None, Role.USER)
    ids = [await post(container, alice, text, entity=("post", thread)) for text in texts]
    await container.projector.catch_up()
    return ids


async def test_more_matches_than_the_cap_rank_only_the_newest_and_say_so(
    container: Threadline, tenant: Tenant
) -> None:
    ids = await comments(container, tenant, [f"apple number {n}" for n in range(8)])

    found, window = await search(container, tenant.id, "apple", SearchBounds(candidates=5))

    assert window == SearchWindow(5, True)
    assert set(found) == set(ids[-5:])


async def test_fewer_matches_than_the_cap_are_all_ranked_and_counted_exactly(
    container: Threadline, tenant: Tenant
) -> None:
    ids = await comments(container, tenant, ["pear", "pear pear pear", "plum", "pear tart"])

    found, window = await search(container, tenant.id, "pear", SearchBounds(candidates=5))

    assert window == SearchWindow(3, False)
    assert found[0] == ids[1] and set(found) == {ids[0], ids[1], ids[3]}


async def test_pages_beyond_the_candidates_are_empty_but_keep_the_window(
    container: Threadline, tenant: Tenant
) -> None:
    await comments(container, tenant, [f"fig {n}" for n in range(6)])

    found, window = await search(container, tenant.id, "fig", SearchBounds(candidates=4), limit=2, offset=4)

    assert found == [] and window == SearchWindow(4, True)


async def test_a_thread_s_search_counts_only_the_thread(container: Threadline, tenant: Tenant) -> None:
    elsewhere = await comments(container, tenant, [f"kiwi {n}" for n in range(6)], thread="p2")
    mine = await comments(container, tenant, ["kiwi here", "kiwi too"], thread="p1")

    found, window = await search(container, tenant.id, "kiwi", SearchBounds(candidates=3), entity_id="p1")

    assert set(found) == set(mine) and window == SearchWindow(2, False)
    assert not set(found) & set(elsewhere)


async def test_the_cap_never_reaches_into_another_tenant(
    container: Threadline, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await comments(container, tenant, ["lime one", "lime two"])
    await comments(container, other_tenant, [f"lime {n}" for n in range(6)])

    found, window = await search(container, tenant.id, "lime", SearchBounds(candidates=3))

    assert set(found) == set(mine) and window == SearchWindow(2, False)


@pytest.mark.parametrize("q", ['"great point"', "great point", "great -point"])
async def test_a_query_of_common_words_is_confined_to_recent_comments_and_still_finds_them(
    container: Threadline, tenant: Tenant, backend: str, q: str
) -> None:
    """With a probe limit of 1 every word counts as common, so SQLite confines the query to the
    newest recency buckets; the seeded comments all lie in the newest, so nothing is lost."""
    texts = ["a great point", "great, and a point", "point great", "great only"]
    ids = await comments(container, tenant, texts)
    expected = {'"great point"': {ids[0]}, "great point": set(ids[:3]), "great -point": {ids[3]}}[q]

    found, window = await search(container, tenant.id, q, SearchBounds(probe_limit=1))

    assert set(found) == expected and window == SearchWindow(len(expected), False)


async def test_indexing_a_comment_again_replaces_its_entry(container: Threadline, tenant: Tenant) -> None:
    [comment_id] = await comments(container, tenant, ["melon slice"])
    async with container.read_db.writer.begin() as connection:
        writer = SearchIndexWriter.for_dialect(connection)
        await writer.add(connection, tenant.id, comment_id, "post", "p1", "melon rind")

    assert await search(container, tenant.id, "melon", SearchBounds()) == (
        [comment_id],
        SearchWindow(1, False),
    )
    assert (await search(container, tenant.id, "slice", SearchBounds()))[0] == []


async def test_postgres_reads_only_the_newest_rows_for_common_words_and_says_so(
    container: Threadline, tenant: Tenant, backend: str
) -> None:
    """With every word common (probe limit 1), PostgreSQL takes the candidates from the newest
    ``recent_rows`` rows only, never from a plan that might scan the table."""
    if backend != "postgres":
        pytest.skip("the recency scan is PostgreSQL's path")
    ids = await comments(container, tenant, ["great point one", "great point two", "old", "great point new"])

    found, window = await search(
        container, tenant.id, '"great point"', SearchBounds(probe_limit=1, recent_rows=2)
    )

    assert found == [ids[3]] and window == SearchWindow(1, True)


async def test_a_tenant_s_slot_follows_from_its_id(
    container: Threadline, tenant: Tenant, backend: str
) -> None:
    """A rebuild's shadow and the live read model, built apart, give a new tenant the same rowid
    range: its slot is the first free one from where its id hashes to."""
    if backend != "sqlite":
        pytest.skip("slots place SQLite's FTS5 rows")
    await comments(container, tenant, ["plum"])
    async with container.read_db.reader.connect() as connection:
        slot = (
            await connection.execute(
                sa.text("SELECT slot FROM search_tenants WHERE tenant_id = :t"), {"t": tenant.id}
            )
        ).scalar_one()

    assert slot == home_slot(tenant.id)
