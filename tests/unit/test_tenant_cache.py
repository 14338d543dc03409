"""The per-process tenant cache: one load per tenant however many ask at once, and a refresh that
never sits on a request's path once the tenant is known."""

from __future__ import annotations

import asyncio
import dataclasses

from threadline.adapters.auth.tenant_cache import CachedTenants
from threadline.domain.tenant import Tenant, TenantStatus

ACME = Tenant("t1", "acme", "secret", "2026-01-01T00:00:00Z")


class SlowDirectory:
    """A directory whose every load takes a moment, counting the loads."""

    def __init__(self) -> None:
        self.current: Tenant | None = ACME
        self.loads = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def get(self, tenant_id: str) -> Tenant | None:
        self.loads += 1
        await self.gate.wait()
        await asyncio.sleep(0.01)
        return self.current if self.current and self.current.id == tenant_id else None


async def test_concurrent_first_lookups_load_the_tenant_once() -> None:
    directory = SlowDirectory()
    cache = CachedTenants(directory)  # type: ignore[arg-type]

    found = await asyncio.gather(*(cache.get("t1") for _ in range(20)))

    assert found == [ACME] * 20
    assert directory.loads == 1


async def test_a_stale_tenant_is_answered_at_once_while_one_refresh_brings_the_change() -> None:
    directory = SlowDirectory()
    cache = CachedTenants(directory, refresh_seconds=0.05)  # type: ignore[arg-type]
    assert await cache.get("t1") == ACME
    directory.current = dataclasses.replace(ACME, status=TenantStatus.DISABLED)
    await asyncio.sleep(0.06)
    directory.gate.clear()  # the refresh hangs: requests must not wait for it

    answers = await asyncio.wait_for(asyncio.gather(*(cache.get("t1") for _ in range(10))), 0.5)

    assert [t.status if t else None for t in answers] == [TenantStatus.ACTIVE] * 10
    assert directory.loads == 2  # one refresh for all ten
    directory.gate.set()
    await asyncio.sleep(0.05)
    refreshed = await cache.get("t1")
    assert refreshed is not None and refreshed.status is TenantStatus.DISABLED


async def test_forget_makes_the_next_lookup_read_the_directory() -> None:
    directory = SlowDirectory()
    cache = CachedTenants(directory)  # type: ignore[arg-type]
    await cache.get("t1")
    directory.current = dataclasses.replace(ACME, status=TenantStatus.DISABLED)

    cache.forget("t1")

    tenant = await cache.get("t1")
    assert tenant is not None and tenant.status is TenantStatus.DISABLED
    assert await cache.get("unknown") is None
