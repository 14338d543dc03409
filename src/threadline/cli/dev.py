"""`threadline serve --dev`: everything a newcomer needs to try the API in one go."""

from __future__ import annotations

import asyncio

import click

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.bootstrap import build
from threadline.domain.identity import Role
from threadline.settings import Settings


def prepare_dev(host: str, port: int) -> None:
    async def work() -> tuple[str, str]:
        container = build(Settings())
        try:
            await container.migrate()
            name = container.settings.dev_tenant_name
            tenant = await container.tenants.by_name(name) or await container.tenants.create(name)
            token = issue_token(
                tenant,
                user_id="dev-admin",
                name="Dev Admin",
                role=Role.ADMIN,
                ttl_seconds=container.settings.token_ttl_seconds,
            )
            return tenant.id, token
        finally:
            await container.stop()

    tenant_id, token = asyncio.run(work())
    base = f"http://{host}:{port}"
    click.echo(
        f"""
Threadline is starting on the embedded default (SQLite, in-process projector, in-memory cache).

  Demo:       {base}/demo   (a sample article with the comments widget; switch demo users there)
  API:        {base}/v1
  Docs:       {base}/docs   (OpenAPI: {base}/openapi.json)
  Tenant id:  {tenant_id}
  Admin token (7 days), ready to paste:
    export TOKEN={token}

  Try it:
    curl -s -X POST {base}/v1/comments -H "Authorization: Bearer $TOKEN" \\
         -H 'Content-Type: application/json' \\
         -d '{{"entity_type":"post","entity_id":"hello","content":"First!"}}'
    curl -s {base}/v1/entities/post/hello/comments -H "X-Tenant-ID: {tenant_id}"

  More tokens: .venv/bin/threadline token --tenant dev --user alice --role user
"""
    )
