"""``python -m benchmarks.seeding``: bulk-seed threads for the load benchmark.

The options are those of ``threadline seed`` (the demo seeder, which goes through the command
path one create at a time); settings come from the THREADLINE_* variables as for ``threadline``.
"""

from __future__ import annotations

import asyncio

import click

from benchmarks.seeding.bulk import DEFAULT_CHUNK, bulk_seed_threads
from threadline.bootstrap import build
from threadline.settings import Settings


@click.command()
@click.option("--tenant", "tenant_ref", default="dev", show_default=True)
@click.option("--entities", default=10, show_default=True, type=int)
@click.option("--comments", default=100, show_default=True, type=int, help="Comments per entity.")
@click.option("--entity-type", default="post", show_default=True)
@click.option("--reply-ratio", default=0.6, show_default=True, type=float)
@click.option("--prefix", default=None, help="Entity ids are PREFIX-0, PREFIX-1, … (default: entity type).")
@click.option("--seed", "rng_seed", default=42, show_default=True, type=int, help="Random seed of the text.")
@click.option("--chunk-size", default=DEFAULT_CHUNK, show_default=True, type=int, help="Comments per batch.")
@click.option(
    "--texts", "distinct_texts", default=0, type=int, help="Draw text from a pool of N (default: all fresh)."
)
def main(
    tenant_ref: str,
    entities: int,
    comments: int,
    entity_type: str,
    reply_ratio: float,
    prefix: str | None,
    rng_seed: int,
    chunk_size: int,
    distinct_texts: int,
) -> None:
    """Create threads with the real handlers and projector, stored in large batches (creates only)."""

    async def run() -> None:
        container = build(Settings())
        try:
            await bulk_seed_threads(
                container,
                tenant_ref,
                entities,
                comments,
                entity_type,
                reply_ratio,
                prefix,
                chunk_size,
                rng_seed,
                distinct_texts,
            )
        finally:
            await container.stop()

    asyncio.run(run())


if __name__ == "__main__":
    main()
