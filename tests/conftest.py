"""Shared fixtures: a fresh embedded Threadline per test, tenants, actors, tokens and an HTTP client."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backends import (
    PostgresTemplates,
    SqliteTemplate,
    drop_redis_keys,
    postgres_settings,
    require_servers,
    session_templates,
)
from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.api.app import create_service
from threadline.bootstrap import Threadline, build
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import Tenant
from threadline.settings import Settings


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates | None]:
    yield from session_templates()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate.create(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every storage, cache and API test runs on the embedded default and on PostgreSQL + Redis."""
    name: str = request.param
    return name


@pytest.fixture
async def settings(
    request: pytest.FixtureRequest,
    backend: str,
    tmp_path: Path,
    postgres_templates: PostgresTemplates | None,
    sqlite_template: SqliteTemplate,
) -> AsyncIterator[Settings]:
    """A throwaway store per test; the projector is driven by each test unless it starts it.

    Reads wait for their writes as long as the product's default allows (a shorter wait made
    every read-your-writes assertion a race with a loaded machine's projector); a test of the
    stale answer, which no wait can avoid, shortens it with ``@pytest.mark.read_wait(seconds)``."""
    marker = request.node.get_closest_marker("read_wait")
    overrides: dict[str, Any] = {"read_your_writes_timeout_seconds": marker.args[0]} if marker else {}
    if backend == "sqlite":
        yield Settings(database_url=sqlite_template.copy_to(tmp_path), run_projector=False, **overrides)
        return
    require_servers()
    assert postgres_templates is not None
    databases = await postgres_templates.acquire()
    prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield postgres_settings(*databases, prefix, **overrides)
    finally:
        await postgres_templates.release(databases)
        await drop_redis_keys(prefix)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Threadline]:
    threadline = build(settings)
    await threadline.migrate()
    await threadline.start()
    try:
        yield threadline
    finally:
        await threadline.stop()


@pytest.fixture
async def tenant(container: Threadline) -> Tenant:
    return await container.tenants.create("acme")


@pytest.fixture
async def other_tenant(container: Threadline) -> Tenant:
    return await container.tenants.create("globex")


ActorFactory = Callable[..., Actor]


@pytest.fixture
def make_actor(tenant: Tenant) -> ActorFactory:
    def make(user_id: str = "alice", role: Role = Role.USER, *, tenant_id: str | None = None) -> Actor:
        return Actor(
            tenant_id or tenant.id, user_id, user_id.title(), f"https://img.test/{user_id}.png", role
        )

    return make


TokenFactory = Callable[..., str]


@pytest.fixture
def make_token(tenant: Tenant) -> TokenFactory:
    def make(user_id: str = "alice", role: Role = Role.USER, *, for_tenant: Tenant | None = None) -> str:
        return issue_token(
            for_tenant or tenant,
            user_id=user_id,
            name=user_id.title(),
            role=role,
            avatar=f"https://img.test/{user_id}.png",
        )

    return make


@pytest.fixture
async def client(container: Threadline) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client over ASGI. The in-process projector runs, as it does under `make run`."""
    container.settings.run_projector = True
    await container.start()
    app = create_service(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://threadline.test") as http:
        yield http
