"""The benchmarks' bulk seeder leaves the stores exactly as the command path and the projector would:
its read model equals a rebuild from its own log, on the embedded default and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from benchmarks.seeding.bulk import BulkSeedError, bulk_seed_threads

from tests.integration.helpers import post, read_model_snapshot, rebuild, scalar
from threadline.bootstrap import Threadline
from threadline.domain.identity import Actor, Role


async def test_a_bulk_seeded_read_model_equals_a_rebuild_from_its_log(container: Threadline) -> None:
    # Small chunks, so several batches (and thread boundaries between them) are exercised.
    await bulk_seed_threads(container, "acme", 5, 40, "post", 0.6, chunk_size=70)
    await bulk_seed_threads(container, "acme", 2, 30, "video", 0.0, prefix="flat", chunk_size=1000)

    assert await scalar(container, "SELECT count(*) FROM comments") == 260
    assert await scalar(container, "SELECT max(position) FROM events") == 260
    assert await container.reader.projection_position(container.projector.name) == 260
    bulk = await read_model_snapshot(container)
    assert len(bulk["comment_view"]) == 260 and len(bulk["comment_search"]) == 260
    assert {row[2] for row in bulk["entity_stats"]} == {f"post-{i}" for i in range(5)} | {"flat-0", "flat-1"}
    assert any(row[3] is not None for row in bulk["comment_view"])  # replies were made

    assert await rebuild(container) == 260
    assert await read_model_snapshot(container) == bulk


async def test_the_command_path_carries_on_after_a_bulk_seed(container: Threadline) -> None:
    await bulk_seed_threads(container, "acme", 2, 10, "post", 0.5)
    tenant = await container.tenants.by_name("acme")
    assert tenant is not None
    actor = Actor(tenant.id, "late", "Late", None, Role.USER)

    await post(container, actor, "after the bulk seed", entity=("post", "post-0"))
    await container.projector.catch_up()

    assert await scalar(container, "SELECT max(position) FROM events") == 21
    assert await container.reader.counts(tenant.id, "post", ["post-0"]) == {"post-0": 11}
    expected = await read_model_snapshot(container)
    await rebuild(container)
    assert await read_model_snapshot(container) == expected


async def test_bulk_seeding_refuses_while_the_projection_lags(container: Threadline) -> None:
    tenant = await container.tenants.create("acme")
    await post(
        container,
        Actor(tenant.id, "u", "U", None, Role.USER),
        "unprojected",
        entity=("post", str(uuid.uuid4())),
    )

    with pytest.raises(BulkSeedError, match="projection is at 0 of 1"):
        await bulk_seed_threads(container, "acme", 1, 5, "post", 0.5)
