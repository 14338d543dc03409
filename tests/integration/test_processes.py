"""The deployed shape on one machine: `threadline serve --workers 2` and `threadline projector`
as separate processes on PostgreSQL + Redis, and their graceful shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.backends import (
    PostgresTemplates,
    drop_redis_keys,
    postgres_settings,
    require_servers,
    sqlalchemy_url,
)
from tests.integration.process_support import free_port, start
from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.bootstrap import build
from threadline.domain.identity import Role
from threadline.settings import Settings


@pytest.fixture
async def environment(
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[tuple[dict[str, str], Settings]]:
    require_servers()
    assert postgres_templates is not None
    write, read = await postgres_templates.acquire()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    settings = postgres_settings(write, read, prefix)
    try:
        yield (
            {
                **os.environ,
                "THREADLINE_DATABASE_URL": sqlalchemy_url(write),
                "THREADLINE_READ_DATABASE_URL": sqlalchemy_url(read),
                "THREADLINE_REDIS_URL": settings.redis_url or "",
                "THREADLINE_REDIS_PREFIX": prefix,
                "THREADLINE_RUN_PROJECTOR": "false",
            },
            settings,
        )
    finally:
        await postgres_templates.release((write, read))
        await drop_redis_keys(prefix)


async def test_api_workers_and_a_projector_worker_serve_and_stop_gracefully(
    environment: tuple[dict[str, str], Settings],
) -> None:
    env, settings = environment
    container = build(settings)
    tenant = await container.tenants.create("acme")
    await container.stop()
    token = issue_token(tenant, user_id="alice", name="Alice", role=Role.USER)
    port = free_port()
    api = await start("serve", "--port", str(port), "--workers", "2", env=env)
    projector = await start("projector", env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            for _ in range(300):  # up to 30 s for two workers to start on a busy machine
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            auth = {"Authorization": f"Bearer {token}"}
            positions = []
            for i in range(10):
                created = await http.post(
                    "/v1/comments",
                    json={"entity_type": "post", "entity_id": "p1", "content": f"n{i}"},
                    headers=auth,
                )
                assert created.status_code == 201
                positions.append(created.json()["position"])
            page = await http.get(
                "/v1/entities/post/p1/comments", params={"min_position": max(positions)}, headers=auth
            )
            assert page.headers["X-Threadline-Consistency"] == "caught-up"
            assert page.json()["meta"]["total"] == 10
    finally:
        for process in (api, projector):
            process.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(p.wait(), 20) for p in (api, projector)]
    assert codes == [0, 0]
