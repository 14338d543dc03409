"""Demo data through the real command path, so seeded threads look like lived-in ones."""

from __future__ import annotations

import random
import uuid

import click
from rich.progress import Progress

from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.bootstrap import Threadline
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.identity import Actor, Role

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


async def seed_threads(
    container: Threadline,
    tenant_ref: str,
    entities: int,
    per_entity: int,
    entity_type: str,
    reply_ratio: float,
) -> None:
    tenant = await container.tenants.get(tenant_ref) or await container.tenants.by_name(tenant_ref)
    if tenant is None:
        tenant = await container.tenants.create(tenant_ref)
        click.echo(f"created tenant {tenant.name} ({tenant.id})")
    rng = random.Random(42)
    users = [Actor(tenant.id, f"user-{i}", f"User {i}", None, Role.USER) for i in range(50)]
    with Progress() as progress:
        bar = progress.add_task("seeding comments", total=entities * per_entity)
        for e in range(entities):
            entity_id = f"{entity_type}-{e}"
            ids: list[tuple[str, int]] = []
            for _ in range(per_entity):
                parent = rng.choice(ids) if ids and rng.random() < reply_ratio else None
                if parent is not None and parent[1] >= 3:
                    parent = None
                comment_id = str(uuid.uuid4())
                command = CreateComment(
                    comment_id=comment_id,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    content=" ".join(rng.choices(WORDS, k=rng.randint(5, 30))),
                    content_format=ContentFormat.MARKDOWN,
                    parent_id=parent[0] if parent else None,
                )
                await container.runner.run(create_comment, command, CommandContext(rng.choice(users)))
                ids.append((comment_id, parent[1] + 1 if parent else 0))
                progress.advance(bar)
    with Progress() as progress:
        head = await container.events.last_position()
        bar = progress.add_task("projecting", total=head)
        progress.update(bar, completed=await container.reader.projection_position(container.projector.name))
        container.projector.on_batch = lambda batch: progress.advance(bar, len(batch))
        await container.projector.catch_up()
    click.echo(f"seeded {entities} entities of type {entity_type!r} with {per_entity} comments each")
