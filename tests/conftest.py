"""Shared fixtures: a fresh embedded Threadline per test, tenants, actors, tokens and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.api.app import create_app
from threadline.bootstrap import Threadline, build
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import Tenant
from threadline.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded default on a throwaway SQLite file; the projector is driven by each test."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'threadline.db'}",
        run_projector=False,
        read_your_writes_timeout_seconds=0.5,
    )


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
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://threadline.test") as http:
        yield http
