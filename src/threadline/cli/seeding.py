"""Demo data through the real command path, so seeded threads look like lived-in ones."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence

import click
from rich.progress import Progress

from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.tenants.create_tenant import create_tenant
from threadline.application.tenants.find_tenant import find_tenant
from threadline.bootstrap import Threadline
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.errors import TenantNotFound
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import Tenant

WORDS = [
    "thread",
    "reply",
    "great",
    "point",
    "agree",
    "disagree",
    "source",
    "link",
    "context",
    "detail",
    "question",
    "answer",
    "idea",
    "release",
    "feature",
    "bug",
    "fix",
    "performance",
    "design",
    "comment",
    "review",
    "thanks",
]


def random_text(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(5, 30)))


def text_pool(rng: random.Random, size: int) -> list[str]:
    return [random_text(rng) for _ in range(size)]


def seed_users(tenant_id: str) -> list[Actor]:
    return [Actor(tenant_id, f"user-{i}", f"User {i}", None, Role.USER) for i in range(50)]


def thread_commands(
    rng: random.Random,
    users: list[Actor],
    entity_type: str,
    entity_id: str,
    per_entity: int,
    reply_ratio: float,
    texts: Sequence[str] = (),
) -> Iterator[tuple[Actor, CreateComment]]:
    """One thread's creates: a reply to a random earlier comment (nested at most 3 deep) with
    probability ``reply_ratio``, else a root. Shared with the bulk seeder in ``benchmarks.seeding``.
    The text is fresh random words, or one drawn from ``texts`` when given."""
    ids: list[tuple[str, int]] = []
    for _ in range(per_entity):
        parent = rng.choice(ids) if ids and rng.random() < reply_ratio else None
        if parent is not None and parent[1] >= 3:
            parent = None
        comment_id = str(uuid.uuid4())
        yield (
            rng.choice(users),
            CreateComment(
                comment_id=comment_id,
                entity_type=entity_type,
                entity_id=entity_id,
                content=rng.choice(texts) if texts else random_text(rng),
                content_format=ContentFormat.MARKDOWN,
                parent_id=parent[0] if parent else None,
            ),
        )
        ids.append((comment_id, parent[1] + 1 if parent else 0))


async def seed_tenant(container: Threadline, tenant_ref: str) -> Tenant:
    try:
        return await find_tenant(tenant_ref, tenants=container.tenants)
    except TenantNotFound:
        tenant = await create_tenant(tenant_ref, tenants=container.tenants)
        click.echo(f"created tenant {tenant.name} ({tenant.id})")
        return tenant


async def seed_threads(
    container: Threadline,
    tenant_ref: str,
    entities: int,
    per_entity: int,
    entity_type: str,
    reply_ratio: float,
    prefix: str | None = None,
    rng_seed: int = 42,
    distinct_texts: int = 0,
) -> None:
    tenant = await seed_tenant(container, tenant_ref)
    rng = random.Random(rng_seed)
    users = seed_users(tenant.id)
    texts = text_pool(rng, distinct_texts)
    with Progress() as progress:
        bar = progress.add_task("seeding comments", total=entities * per_entity)
        for e in range(entities):
            entity_id = f"{prefix or entity_type}-{e}"
            thread = thread_commands(rng, users, entity_type, entity_id, per_entity, reply_ratio, texts)
            for actor, command in thread:
                await container.runner.run(create_comment, command, CommandContext(actor))
                progress.advance(bar)
    with Progress() as progress:
        head = await container.events.last_position()
        bar = progress.add_task("projecting", total=head)
        progress.update(bar, completed=await container.reader.projection_position(container.projector.name))
        container.projector.on_batch = lambda batch: progress.advance(bar, len(batch))
        await container.projector.catch_up()
    click.echo(f"seeded {entities} entities of type {entity_type!r} with {per_entity} comments each")
