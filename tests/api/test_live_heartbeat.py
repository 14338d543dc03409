"""An idle live stream keeps its connection alive with heartbeat comments, sent by the stream
itself (sse-starlette's ping task is off), and still hands over the next change after them."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.api.live_support import STUCK_SECONDS, served
from tests.api.support import Api
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant


async def test_an_idle_stream_sends_heartbeats_then_the_next_change(
    container: Threadline, tenant: Tenant, api: Api
) -> None:
    container.settings.live_heartbeat_seconds = 0.2
    async with served(container) as base, httpx.AsyncClient(base_url=base, timeout=STUCK_SECONDS) as http:
        path = "/v1/entities/post/quiet/live"
        async with http.stream("GET", path, headers={"X-Tenant-ID": tenant.id}) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            seen: list[str] = []
            deadline = time.monotonic() + STUCK_SECONDS
            while seen.count(": heartbeat") < 2:
                assert time.monotonic() < deadline, f"no heartbeats on an idle stream: {seen}"
                seen.append(await asyncio.wait_for(anext(lines), STUCK_SECONDS))
            assert "event: ready" in seen
            created = await api.create("after the quiet", entity_id="quiet")
            while not seen or not seen[-1].startswith("data: "):
                seen.append(await asyncio.wait_for(anext(lines), STUCK_SECONDS))
            assert "event: comment.created" in seen
            assert created["id"] in seen[-1]
