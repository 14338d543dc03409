"""The live counts stay equal to the read model's: through every command that changes a count,
after the structure went cold, after a projector died between its commit and the update, and
after a rebuild. The projector is driven by hand, so each check sees a settled state."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.support import MODERATOR, Api
from tests.backends import drop_redis_keys
from tests.integration.helpers import rewind_read_model
from threadline.api.app import create_service
from threadline.application.live_counts_keeper import LiveCountsKeeper
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant, TenantSettings

ENTITIES = ["p1", "p2", "p3"]


@pytest.fixture
async def api(container: Threadline, tenant: Tenant) -> AsyncIterator[Api]:
    """Commands over HTTP; no projector runs until a test projects."""
    transport = httpx.ASGITransport(app=create_service(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://threadline.test") as http:
        yield Api(http, tenant)


def keeper_of(container: Threadline) -> LiveCountsKeeper:
    assert container.counts_keeper is not None
    return container.counts_keeper


async def project(container: Threadline) -> None:
    await container.projector.catch_up()


async def live(container: Threadline, tenant: Tenant) -> dict[str, int] | None:
    assert container.live_counts is not None
    return await container.live_counts.lookup(tenant.id, "post", ENTITIES)


async def stored(container: Threadline, tenant: Tenant) -> dict[str, int]:
    return await container.reader.counts(tenant.id, "post", ENTITIES)


async def assert_counts(container: Threadline, tenant: Tenant, expected: dict[str, int]) -> None:
    await project(container)
    assert await stored(container, tenant) == expected
    assert await live(container, tenant) == expected


async def test_counts_are_not_answered_until_loaded_then_follow_every_command(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    root = await api.create(entity_id="p1")
    await project(container)
    assert await live(container, tenant) is None  # not loaded: never a 0 it does not know

    await keeper_of(container).keep()
    await assert_counts(container, tenant, {"p1": 1, "p2": 0, "p3": 0})

    reply = await api.reply(root)
    other = await api.create(entity_id="p2", user="carol")
    await assert_counts(container, tenant, {"p1": 2, "p2": 1, "p3": 0})

    await api.delete(reply["id"], user="bob")
    await assert_counts(container, tenant, {"p1": 1, "p2": 1, "p3": 0})

    await container.tenants.set_settings(tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(tenant.id)
    approved = await api.create(entity_id="p3", user="dave")
    rejected = await api.create(entity_id="p3", user="erin")
    await assert_counts(container, tenant, {"p1": 1, "p2": 1, "p3": 0})  # pending: not counted
    await api.ok("POST", f"/v1/comments/{approved['id']}/approve", **MODERATOR)
    await api.ok("POST", f"/v1/comments/{rejected['id']}/reject", json={}, **MODERATOR)
    await assert_counts(container, tenant, {"p1": 1, "p2": 1, "p3": 1})

    await api.hard_delete(other["id"])
    await assert_counts(container, tenant, {"p1": 1, "p2": 0, "p3": 1})

    await api.ok("DELETE", "/v1/users/dave", user="root", role=Role.ADMIN)
    await assert_counts(container, tenant, {"p1": 1, "p2": 0, "p3": 0})


async def test_a_projector_that_died_before_updating_is_repaired_by_the_next_start(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    await api.create(entity_id="p1")
    await keeper_of(container).keep()
    await assert_counts(container, tenant, {"p1": 1, "p2": 0, "p3": 0})

    listeners, container.projector.listeners = container.projector.listeners, []
    await api.create(entity_id="p1")
    await project(container)  # committed; the process dies before the counts hear of it
    container.projector.listeners = listeners
    assert await live(container, tenant) == {"p1": 1, "p2": 0, "p3": 0}

    assert container.live_counts is not None
    restarted = LiveCountsKeeper(container.live_counts, keeper_of(container).source)
    await restarted.keep()  # what every projector process does when it starts

    assert await live(container, tenant) == {"p1": 2, "p2": 0, "p3": 0}


async def test_a_failed_update_makes_the_counts_unanswered_until_loaded_again(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    keeper = keeper_of(container)
    await api.create(entity_id="p1")
    await keeper.keep()
    source = keeper.source

    class Broken:
        async def counts_of(self, threads: object) -> list[object]:
            raise ConnectionError("the read database went away")

    keeper.source = Broken()  # type: ignore[assignment]
    await api.create(entity_id="p1")
    await project(container)
    keeper.source = source
    assert await live(container, tenant) is None  # not the stale 1
    await keeper.keep()

    assert await live(container, tenant) == {"p1": 2, "p2": 0, "p3": 0}


async def test_a_rebuild_loads_the_counts_from_the_read_model_it_switches_in(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    keeper = keeper_of(container)
    root = await api.create(entity_id="p1")
    await api.reply(root)
    await keeper.keep()
    await assert_counts(container, tenant, {"p1": 2, "p2": 0, "p3": 0})

    await keeper.forget()  # gone cold meanwhile
    assert await live(container, tenant) is None
    await container.rebuild_read_model()
    assert await live(container, tenant) == {"p1": 2, "p2": 0, "p3": 0}

    await assert_counts(container, tenant, {"p1": 2, "p2": 0, "p3": 0})


async def test_a_flushed_redis_is_loaded_again(
    api: Api, container: Threadline, tenant: Tenant, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("only Redis can be flushed under a running process")
    keeper = keeper_of(container)
    await api.create(entity_id="p1")
    await keeper.keep()
    await drop_redis_keys(container.settings.redis_prefix)
    assert await live(container, tenant) is None

    await api.create(entity_id="p2")
    await project(container)  # an update to a cold structure does not make it answer
    assert await live(container, tenant) is None
    await keeper.keep()

    assert await live(container, tenant) == {"p1": 1, "p2": 1, "p3": 0}


async def test_a_read_model_rewound_behind_the_counts_back_is_noticed_and_loaded_afresh(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    keeper = keeper_of(container)
    for _ in range(3):
        await api.create(entity_id="p1")
    await keeper.keep()
    await assert_counts(container, tenant, {"p1": 3, "p2": 0, "p3": 0})

    # Reset and replayed only in part, without telling the keeper (a backup restored, say):
    # every update now is older than the counts it would replace.
    await rewind_read_model(container)
    container.projector.batch_size = 1
    await container.projector.run_once()
    assert await stored(container, tenant) == {"p1": 1, "p2": 0, "p3": 0}
    assert await live(container, tenant) == {"p1": 3, "p2": 0, "p3": 0}

    await keeper.keep()

    assert await live(container, tenant) == {"p1": 1, "p2": 0, "p3": 0}


async def test_a_full_load_reads_every_entity_in_chunks(
    api: Api, container: Threadline, tenant: Tenant
) -> None:
    from threadline.adapters.sql.live_counts_source import SqlCountsSource

    for n in range(5):
        await api.create(entity_id=f"e-{n}")
    await api.create(entity_id="e-0", user="bob")
    await project(container)
    source = SqlCountsSource(container.read_db.reader, container.projector.name, load_chunk=2)

    reads = await source.all_counts()

    assert [len(read.counts) for read in reads] == [2, 2, 1]
    assert {thread.entity_id: n for read in reads for thread, n in read.counts.items()} == {
        "e-0": 2,
        "e-1": 1,
        "e-2": 1,
        "e-3": 1,
        "e-4": 1,
    }
    assert {read.position for read in reads} == {await source.position()}
