"""The deployed shape on one machine: `threadline serve --workers 2` and `threadline projector`
as separate processes on PostgreSQL + Redis, and their graceful shutdown."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.backends import (
    PostgresTemplates,
    drop_redis_keys,
    postgres_settings,
    require_servers,
    sqlalchemy_url,
)
from tests.integration.process_support import Worker, free_port
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
    environment: tuple[dict[str, str], Settings], tmp_path: Path
) -> None:
    env, settings = environment
    container = build(settings)
    tenant = await container.tenants.create("acme")
    await container.stop()
    token = issue_token(tenant, user_id="alice", name="Alice", role=Role.USER)
    port = free_port()
    api = Worker("api", ("serve", "--port", str(port), "--workers", "2"), env, tmp_path / "api.log", port)
    projector = Worker("projector", ("projector",), env, tmp_path / "projector.log")
    try:
        await projector.start()
        await api.start()  # waits for /readyz, and fails at once with its log if it exits
        async with httpx.AsyncClient(base_url=api.base, timeout=10) as http:
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
        codes = [await worker.stop() for worker in (api, projector)]
    assert codes == [0, 0]
