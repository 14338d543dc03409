"""One thread of planned comments, seeded through the application layer in one batch.

For the browser benchmark (benchmarks/browser_widget.py) and the browser tests' long threads: a
few hundred creates over HTTP, one request and one transaction each, took most of a test's time.
Here every create still goes through the real ``CommandRunner`` and ``create_comment`` handler,
in one write transaction (``store_chunk``), and the real projector applies the events in one
read-model transaction (``project_chunk``), so the thread reads exactly as if it had been posted
through the API.

A server already running on the same database must project the thread itself
(``project=False``): what it keeps in memory (the live counts, the page cache, the live feed)
follows the events its own projector applies, and would miss a thread projected behind its back.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass

from benchmarks.seeding.bulk import BulkSeedError, bulk_projector, project_chunk, store_chunk
from threadline.application.command_runner import CommandContext, CommandPolicy
from threadline.bootstrap import Threadline
from threadline.domain.commands import ContentFormat, CreateComment
from threadline.domain.identity import Actor, Role

CATCH_UP_WAIT_S = 60  # a liveness guard: how long to wait for a running server's projector


@dataclass(frozen=True)
class PlannedComment:
    """A comment to seed; ``parent`` is the index of an earlier comment of the same plan."""

    author: str
    content: str
    parent: int | None = None
    content_format: ContentFormat = ContentFormat.MARKDOWN


@dataclass(frozen=True)
class SeededThread:
    ids: list[str]  # in the plan's order (creation order: the last is the newest)
    position: int  # the log's position after the thread: a read with min_position waits for it


async def seed_thread(
    container: Threadline,
    tenant_id: str,
    entity_type: str,
    entity_id: str,
    plan: list[PlannedComment],
    *,
    project: bool = True,
) -> SeededThread:
    """Create the plan's comments in order, as their authors (users), and project them (unless
    a running server's projector is to)."""
    if project:
        await _wait_for_projection(container)
    ids = [str(uuid.uuid4()) for _ in plan]
    commands: list[tuple[CommandContext, CreateComment]] = []
    for comment_id, planned in zip(ids, plan, strict=True):
        if planned.parent is not None and not 0 <= planned.parent < len(commands):
            raise ValueError(f"comment {len(commands)}'s parent must be an earlier comment")
        actor = Actor(tenant_id, planned.author, planned.author.title(), None, Role.USER)
        command = CreateComment(
            comment_id=comment_id,
            entity_type=entity_type,
            entity_id=entity_id,
            content=planned.content,
            content_format=planned.content_format,
            parent_id=ids[planned.parent] if planned.parent is not None else None,
        )
        commands.append((CommandContext(actor), command))
    policy = CommandPolicy(max_reply_depth=container.settings.max_reply_depth)
    await store_chunk(container, tenant_id, commands, policy)
    if project:
        store, projector = bulk_projector(container, len(commands))
        await project_chunk(container, projector, store, tenant_id, ids)
    return SeededThread(ids, await container.events.last_position())


async def _wait_for_projection(container: Threadline) -> None:
    """The bulk projector starts where the projection stands: a running server's projector
    must have applied what came before (the comments of an earlier test, say)."""
    deadline = time.monotonic() + CATCH_UP_WAIT_S
    while True:
        head = await container.events.last_position()
        position = await container.reader.projection_position(container.projector.name)
        if position >= head:
            return
        if time.monotonic() > deadline:
            raise BulkSeedError(f"the projection stayed at {position} of {head}")
        await asyncio.sleep(0.05)


# --- a lived-in thread: roots with nested replies, markdown of varied length ----------------------

SENTENCES = [
    "I tried this on our staging cluster last week and the numbers held up.",
    "The part about cache invalidation is the one that bit us in production.",
    "Has anyone measured what happens when the connection pool is exhausted?",
    "Thanks for writing this up, it matches what we saw after the migration.",
    "I disagree with the conclusion, but the method is sound.",
    "We rolled this out behind a feature flag and turned it off again after a day.",
    "The second graph is misleading: the y-axis does not start at zero.",
    "Small nit: the example config still uses the old option name.",
    "This is the clearest explanation of write-ahead logging I have read.",
    "Our team ended up doing the opposite, and it worked fine for a year.",
    "How does this behave when two writers race for the same row?",
    "Upvoting for the section on backpressure alone.",
    "I would love a follow-up about running this on a single small machine.",
    "The release notes say the default changed, so check your settings first.",
]
INLINE = [
    "**This** is the important bit.",
    "See _the appendix_ for the details.",
    "Set `max_connections` to twice the core count.",
    "The [official guide](https://example.com/docs/tuning) explains it better.",
    "Try `EXPLAIN ANALYZE` before you change anything.",
    "It is **not** a silver bullet, though.",
]
BLOCKS = [
    "> The fastest query is the one you never send.\n\nStill true.",
    "Steps that worked for us:\n\n1. measure first\n2. change one thing\n3. measure again",
    "- pros: simple, fast\n- cons: one more thing to monitor",
    "```\nSELECT count(*) FROM comments WHERE thread_id = $1;\n```",
]
AUTHORS = [f"reader-{n}" for n in range(40)]


def markdown_text(rng: random.Random) -> str:
    """One to four paragraphs of sentences, some with inline markdown, a few with a list, a
    quote or a code block."""
    paragraphs = []
    for _ in range(rng.choices((1, 2, 3, 4), weights=(5, 3, 2, 1))[0]):
        words = rng.sample(SENTENCES, rng.randint(1, 3))
        if rng.random() < 0.4:
            words.insert(rng.randrange(len(words) + 1), rng.choice(INLINE))
        paragraphs.append(" ".join(words))
    if rng.random() < 0.2:
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), rng.choice(BLOCKS))
    return "\n\n".join(paragraphs)


def lived_in_thread(comments: int, roots: int, rng_seed: int = 7) -> list[PlannedComment]:
    """``comments`` in creation order, ``roots`` of them top-level. A reply joins one of the 20
    latest roots' conversations, chosen by the root's popularity (a few draw most replies): half
    answer the root, the others a comment under it, at most three levels deep. So some comments
    gather more replies than a page shows ("Show N more replies")."""
    rng = random.Random(rng_seed)
    plan: list[PlannedComment] = []
    depths: list[int] = []
    trees: list[tuple[float, list[int]]] = []  # per root: its popularity, its comments (root first)
    roots_left = roots
    for n in range(comments):
        if roots_left > 0 and (not trees or rng.random() < roots_left / (comments - n)):
            parent = None
        else:
            recent = trees[-20:]
            _, tree = rng.choices(recent, weights=[weight for weight, _ in recent])[0]
            deeper = [i for i in tree[1:] if depths[i] < 3]
            parent = tree[0] if not deeper or rng.random() < 0.5 else rng.choice(deeper)
            tree.append(n)
        if parent is None:
            roots_left -= 1
            trees.append((rng.paretovariate(1.5), [n]))
        plan.append(PlannedComment(rng.choice(AUTHORS), markdown_text(rng), parent))
        depths.append(0 if parent is None else depths[parent] + 1)
    return plan
