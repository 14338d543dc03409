"""Tenants as every request sees them: from memory, refreshed from the directory every second.

Every request needs its tenant (status, keys, settings), so a lookup must cost nothing, yet a
disabled tenant must stop working within a second in every process. A tenant older than that
is still answered while one background refresh runs, so the refresh is never on a request's
path and a busy process never sends a burst of identical queries when the second ends; a tenant
not yet known is loaded once however many requests ask for it at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from threadline.application.ports.cross_cutting import TenantDirectory
from threadline.application.single_flight import SingleFlight
from threadline.domain.tenant import Tenant

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0  # how long another process may still accept a just-disabled tenant
FORGET_SECONDS = 60.0  # a tenant nobody asked for this long is loaded afresh, not refreshed
MAX_TENANTS = 10_000


class CachedTenants:
    def __init__(self, directory: TenantDirectory, *, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._directory = directory
        self._refresh_seconds = refresh_seconds
        # A plain dict: this lookup is on every request, and TTLCache costs microseconds per get.
        self._known: dict[str, tuple[Tenant, float]] = {}
        self._loading: SingleFlight[str, Tenant | None] = SingleFlight()
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    async def get(self, tenant_id: str) -> Tenant | None:
        entry = self._known.get(tenant_id)
        if entry is not None:
            tenant, loaded_at = entry
            age = time.monotonic() - loaded_at
            if age >= self._refresh_seconds and tenant_id not in self._refreshing:
                if age >= FORGET_SECONDS:
                    self._known.pop(tenant_id, None)  # long unasked: load it afresh, on the path
                    return await self.get(tenant_id)
                self._refreshing[tenant_id] = asyncio.create_task(self._refresh(tenant_id))
            return tenant
        return await self._loading.run(tenant_id, lambda: self._load(tenant_id))

    def forget(self, tenant_id: str) -> None:
        """Drop a tenant at once (it was disabled, or its keys changed, in this process)."""
        self._known.pop(tenant_id, None)
        refresh = self._refreshing.pop(tenant_id, None)
        if refresh is not None:
            refresh.cancel()

    async def _load(self, tenant_id: str) -> Tenant | None:
        started = time.monotonic()
        tenant = await self._directory.get(tenant_id)
        if tenant is not None:
            if len(self._known) >= MAX_TENANTS and tenant_id not in self._known:
                self._known.clear()  # a flood of tenant ids: start over rather than grow
            self._known[tenant_id] = (tenant, started)
        else:
            self._known.pop(tenant_id, None)
        return tenant

    async def _refresh(self, tenant_id: str) -> None:
        try:
            await self._load(tenant_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning(
                "tenant %s not refreshed; trying again with the next request", tenant_id, exc_info=True
            )
        finally:
            with contextlib.suppress(KeyError):
                if self._refreshing.get(tenant_id) is asyncio.current_task():
                    del self._refreshing[tenant_id]
