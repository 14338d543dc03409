"""The ``threadline`` command line (click), with rich progress bars for long jobs."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO, TypeVar

import click

from threadline.application.tenants.create_tenant import create_tenant
from threadline.application.tenants.find_tenant import find_tenant
from threadline.application.tenants.search_config import choose_search_config
from threadline.application.tenants.signing_keys import add_signing_key, retire_signing_key
from threadline.application.tenants.tenant_status import disable_tenant, enable_tenant
from threadline.domain.errors import DomainError
from threadline.domain.tenant import KeyAlgorithm, Tenant
from threadline.settings import Settings

if TYPE_CHECKING:
    from threadline.application.projection.rebuild import RebuildOutcome
    from threadline.bootstrap import Threadline

T = TypeVar("T")


def _run(work: Callable[[Threadline], Awaitable[T]]) -> T:
    # Imported here, not at the top: `serve --workers N` spawns each worker by importing this
    # module first, and uvicorn kills a worker that is not answering its health check within 5 s;
    # on a busy machine the whole service stack took that long to import.
    from threadline.bootstrap import build

    async def main() -> T:
        container = build(Settings())
        try:
            return await work(container)
        except DomainError as error:
            # A rule the operator broke (a duplicate tenant name, say): a message, not a traceback.
            raise click.ClickException(error.detail) from error
        finally:
            await container.stop()

    return asyncio.run(main())


@click.group()
@click.version_option(package_name="threadline")
def main() -> None:
    """Threadline: threaded comments for any product."""


@main.command()
def migrate() -> None:
    """Apply database migrations (write and read databases)."""
    _run(lambda c: c.migrate())
    click.echo("migrations applied")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--dev", is_flag=True, help="Migrate, create the dev tenant and print an admin token first.")
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the HTTP API with uvicorn (uvloop, httptools)."""
    import uvicorn

    settings = Settings()
    if workers > 1 and settings.cache_enabled and not settings.redis_url:
        # Each worker would keep its own page cache, and only the worker whose projector applied
        # an event would know to invalidate it: the others could serve stale pages until TTL.
        raise click.UsageError(
            "--workers > 1 needs a shared cache: set THREADLINE_REDIS_URL (or THREADLINE_CACHE_ENABLED=false)"
        )
    if dev:
        from threadline.cli.dev import prepare_dev

        prepare_dev(host, port)
        # Read by the Settings each worker process builds: /demo and its demo tokens exist
        # only under --dev.
        os.environ["THREADLINE_DEMO_ENABLED"] = "true"
    uvicorn.run(
        "threadline.api.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_level="info",
        access_log=False,
    )


@main.command()
@click.option("--batch-size", type=int, default=None, help="Events per projector transaction.")
def projector(batch_size: int | None) -> None:
    """Run a standalone projector worker until SIGTERM or SIGINT.

    Several may run at once: they take turns on the checkpoint lock and never apply an event
    twice. On SIGTERM the worker finishes the batch in hand, flushes view counts and exits.
    """
    from threadline.cli.worker import run_projector_worker

    asyncio.run(run_projector_worker(batch_size))


@main.command()
def webhooks() -> None:
    """Deliver webhooks until SIGTERM or SIGINT (no projector, no API).

    Several may run at once, and beside API processes that deliver too: a lease per subscription
    lets one deliverer at a time send to it. Set THREADLINE_RUN_WEBHOOKS=false on the API
    processes to deliver only from here.
    """
    from threadline.cli.webhooks import run_webhook_worker

    asyncio.run(run_webhook_worker())


@main.command()
@click.option(
    "--batch-size", type=click.IntRange(1, 10_000), default=None, help="Events published per batch."
)
def relay(batch_size: int | None) -> None:
    """Relay every event of the log, in order, to NATS JetStream until SIGTERM or SIGINT.

    Needs THREADLINE_NATS_URL. At least once: resumes from its checkpoint (and from what the
    stream already holds); JetStream drops the duplicates by message id.
    """
    if not Settings().nats_url:
        raise click.UsageError("set THREADLINE_NATS_URL (e.g. nats://127.0.0.1:4222) to relay the log")
    from threadline.cli.relay import run_relay

    asyncio.run(run_relay(batch_size))


@main.group()
def tenant() -> None:
    """Manage tenants."""


# Each command is the command-line face of a use case in application/tenants/ (the operator API is
# the other); a tenant is named by id or name, and a broken rule is a message, not a traceback.


@tenant.command("create")
@click.argument("name")
def tenant_create(name: str) -> None:
    """Create a tenant; prints its id and signing secret."""
    created = _run(lambda c: create_tenant(name, tenants=c.tenants))
    click.echo(json.dumps({"id": created.id, "name": created.name, "secret": created.secret}, indent=2))


def _tenant_json(found: Tenant, secret: str | None = None) -> str:
    body: dict[str, object] = {
        "id": found.id,
        "name": found.name,
        "status": found.status.value,
        "keys": [
            {"key_id": k.key_id, "algorithm": k.algorithm.value, "retired_at": k.retired_at}
            for k in found.keys
        ],
    }
    if secret is not None:
        body["secret"] = secret
    return json.dumps(body, indent=2)


async def _find(c: Threadline, tenant_ref: str) -> str:
    return (await find_tenant(tenant_ref, tenants=c.tenants)).id


@tenant.command("list")
def tenant_list() -> None:
    """List tenants with their status and key ids."""

    async def work(c: Threadline) -> list[str]:
        return [_tenant_json(found) for found in await c.tenants.all()]

    for line in _run(work):
        click.echo(line)


@tenant.command("disable")
@click.argument("tenant_ref")
def tenant_disable(tenant_ref: str) -> None:
    """Disable a tenant: its tokens stop working (other processes: within a second)."""

    async def work(c: Threadline) -> str:
        found = await disable_tenant(await _find(c, tenant_ref), tenants=c.tenants, cache=c.verifier)
        return _tenant_json(found)

    click.echo(_run(work))


@tenant.command("enable")
@click.argument("tenant_ref")
def tenant_enable(tenant_ref: str) -> None:
    """Enable a disabled tenant."""

    async def work(c: Threadline) -> str:
        found = await enable_tenant(await _find(c, tenant_ref), tenants=c.tenants, cache=c.verifier)
        return _tenant_json(found)

    click.echo(_run(work))


@tenant.command("rotate-secret")
@click.argument("tenant_ref")
def tenant_rotate_secret(tenant_ref: str) -> None:
    """Add a new HS256 secret; the old ones stay valid until `tenant retire-key`."""

    async def work(c: Threadline) -> str:
        found, key = await add_signing_key(
            await _find(c, tenant_ref), KeyAlgorithm.HS256, None, tenants=c.tenants, cache=c.verifier
        )
        return _tenant_json(found, key.material)

    click.echo(_run(work))


@tenant.command("add-public-key")
@click.argument("tenant_ref")
@click.option("--algorithm", type=click.Choice(["RS256", "ES256"]), required=True)
@click.option(
    "--pem", "pem_file", type=click.File("r"), required=True, help="The identity provider's public key."
)
def tenant_add_public_key(tenant_ref: str, algorithm: str, pem_file: TextIO) -> None:
    """Accept tokens the tenant's own identity provider signs with RS256 or ES256."""
    pem = pem_file.read()

    async def work(c: Threadline) -> str:
        found, _ = await add_signing_key(
            await _find(c, tenant_ref), KeyAlgorithm(algorithm), pem, tenants=c.tenants, cache=c.verifier
        )
        return _tenant_json(found)

    click.echo(_run(work))


@tenant.command("retire-key")
@click.argument("tenant_ref")
@click.argument("key_id")
def tenant_retire_key(tenant_ref: str, key_id: str) -> None:
    """Retire a signing key: tokens signed with it stop working."""

    async def work(c: Threadline) -> str:
        found = await retire_signing_key(
            await _find(c, tenant_ref), key_id, tenants=c.tenants, cache=c.verifier
        )
        return _tenant_json(found)

    click.echo(_run(work))


@tenant.command("search-config")
@click.argument("tenant_ref")
@click.argument("config")
def tenant_search_config(tenant_ref: str, config: str) -> None:
    """Choose a tenant's text-search configuration (PostgreSQL; default 'simple') and re-index."""

    async def work(c: Threadline) -> str:
        found = await find_tenant(tenant_ref, tenants=c.tenants)
        await choose_search_config(found.id, config, tenants=c.tenants, index=c)
        return found.name

    click.echo(f"search configuration of {_run(work)} is now {config!r}")


@main.command()
@click.option("--tenant", "tenant_ref", required=True, help="Tenant id or name.")
@click.option("--user", "user_id", required=True)
@click.option("--name", default=None)
@click.option("--avatar", default=None)
@click.option("--role", type=click.Choice(["user", "moderator", "admin"]), default="user", show_default=True)
@click.option("--ttl", type=int, default=None, help="Lifetime in seconds.")
def token(
    tenant_ref: str, user_id: str, name: str | None, avatar: str | None, role: str, ttl: int | None
) -> None:
    """Print a signed JWT for development."""
    from threadline.adapters.auth.jwt_tokens import issue_token
    from threadline.domain.identity import Role

    async def work(c: Threadline) -> str:
        found = await find_tenant(tenant_ref, tenants=c.tenants)
        return issue_token(
            found,
            user_id=user_id,
            name=name or user_id,
            role=Role(role),
            avatar=avatar,
            ttl_seconds=ttl or c.settings.token_ttl_seconds,
        )

    click.echo(_run(work))


@main.group()
def projections() -> None:
    """Inspect and rebuild projections."""


@projections.command("status")
def projections_status() -> None:
    """Each projector's position, lag behind the log, and any failure."""

    async def work(c: Threadline) -> None:
        head = await c.events.last_position()
        status = await c.projection_store.status(c.projector.name)
        click.echo(
            f"{status.name}: position {status.position} of {head}, lag {head - status.position} events"
            + (f", updated {status.updated_at}" if status.updated_at else "")
        )
        if status.error:
            click.echo(f"  STOPPED at event {status.failed_position}: {status.error}")

    _run(work)


@projections.command("rebuild")
@click.option(
    "--fresh", is_flag=True, help="Start the shadow anew instead of resuming one a stopped rebuild left."
)
def projections_rebuild(fresh: bool) -> None:
    """Rebuild every read model from the event log, beside the one being served, then switch."""
    from rich.progress import Progress

    async def work(c: Threadline) -> RebuildOutcome:
        head = await c.events.last_position()
        with Progress() as progress:
            bar = progress.add_task("rebuilding comments", total=head)
            return await c.rebuild_read_model(
                fresh=fresh, on_batch=lambda batch: progress.update(bar, completed=batch[-1].position)
            )

    outcome = _run(work)
    if outcome.resumed_from:
        click.echo(f"resumed a stopped rebuild at event {outcome.resumed_from}")
    click.echo(f"rebuilt from {outcome.applied} events; switched in at position {outcome.position}")


@main.command()
@click.option("--tenant", "tenant_ref", default="dev", show_default=True)
@click.option("--entities", default=10, show_default=True, type=int)
@click.option("--comments", default=100, show_default=True, type=int, help="Comments per entity.")
@click.option("--entity-type", default="post", show_default=True)
@click.option("--reply-ratio", default=0.6, show_default=True, type=float)
@click.option("--prefix", default=None, help="Entity ids are PREFIX-0, PREFIX-1, … (default: entity type).")
@click.option("--seed", "rng_seed", default=42, show_default=True, type=int, help="Random seed of the text.")
@click.option(
    "--texts", "distinct_texts", default=0, type=int, help="Draw text from a pool of N (default: all fresh)."
)
def seed(
    tenant_ref: str,
    entities: int,
    comments: int,
    entity_type: str,
    reply_ratio: float,
    prefix: str | None,
    rng_seed: int,
    distinct_texts: int,
) -> None:
    """Create demo threads through the real command path, one create at a time."""
    from threadline.cli.seeding import seed_threads

    _run(
        lambda c: seed_threads(
            c, tenant_ref, entities, comments, entity_type, reply_ratio, prefix, rng_seed, distinct_texts
        )
    )


if __name__ == "__main__":
    main()
