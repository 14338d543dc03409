"""The browser benchmark's and browser tests' thread seeder leaves the stores as the command path
and the projector would, and its lived-in thread has the shape the benchmark describes."""

from __future__ import annotations

from benchmarks.seeding.threads import PlannedComment, lived_in_thread, seed_thread

from tests.integration.helpers import read_model_snapshot, rebuild, scalar
from threadline.bootstrap import Threadline


async def test_a_seeded_thread_reads_as_a_rebuild_from_its_log(container: Threadline) -> None:
    tenant = await container.tenants.create("acme")
    plan = lived_in_thread(120, 30)

    seeded = await seed_thread(container, tenant.id, "post", "article", plan)

    assert seeded.position == 120 == await scalar(container, "SELECT count(*) FROM comments")
    assert await container.reader.counts(tenant.id, "post", ["article"]) == {"article": 120}
    bulk = await read_model_snapshot(container)
    assert await rebuild(container) == 120
    assert await read_model_snapshot(container) == bulk


async def test_a_running_projector_can_apply_the_seeded_thread_itself(container: Threadline) -> None:
    tenant = await container.tenants.create("acme")
    plan = [PlannedComment("ann", "First"), PlannedComment("ben", "A reply", parent=0)]

    seeded = await seed_thread(container, tenant.id, "post", "small", plan, project=False)
    await container.projector.catch_up()

    assert await container.reader.counts(tenant.id, "post", ["small"]) == {"small": 2}
    root = await container.reader.by_id(tenant.id, seeded.ids[0])
    assert root is not None and root.reply_count == 1


def test_the_lived_in_thread_has_its_roots_nested_replies_and_markdown() -> None:
    plan = lived_in_thread(1_000, 250)

    depths: list[int] = []
    for comment in plan:
        depths.append(0 if comment.parent is None else depths[comment.parent] + 1)
    replies_per_comment = [sum(c.parent == i for c in plan) for i in range(len(plan))]
    assert len(plan) == 1_000 and depths.count(0) == 250 and max(depths) == 3
    assert max(replies_per_comment) > 5  # some comments gather more replies than a page shows
    assert any("**" in c.content or "[" in c.content for c in plan)
    assert lived_in_thread(1_000, 250) == plan  # the same thread every run
