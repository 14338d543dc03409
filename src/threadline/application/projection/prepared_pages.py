"""Prepared pages: the read model as it is sent. Inside each batch's transaction, every thread the
batch touched has its default pages (the first page of each sort, at the shape a reader gets who
asks for nothing in particular) rendered once, and every comment it touched its by-id document, so
a cache miss for those is one primary-key read of bytes.

They are rendered by the query side's own page builder (``build_thread_page``) over a reader of the
transaction itself, so the bytes are the ones the route would build from the same rows, and they
commit with the checkpoint: a reader never sees a prepared page ahead of or behind the read model
it came from. A batch of 500 likes on one thread renders its pages once, not 500 times.

View counts change on every flush, outside any batch. Re-rendering on each flush would turn every
viewed thread's pages into constant writes, so ``ViewedPages`` renders a viewed thread again at
most once per interval: a prepared page's view counts lag the counted views by at most that long
(plus the flush interval), like a cached page's do by its TTL.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson

from threadline.application.ports.projection import PreparedPageRow, ProjectionStore, ProjectionTransaction
from threadline.application.ports.query import CommentReader
from threadline.application.projection.context import Touched
from threadline.application.queries.thread_page import (
    PageShape,
    Sort,
    build_thread_page,
    default_page,
    prepared_key,
    stored_page,
)
from threadline.domain.comment import is_unpublished


@dataclass
class PagePreparer:
    """Renders the prepared pages and documents of what a batch touched, in its transaction."""

    shape: PageShape
    rendered_pages: int = 0  # how many pages were rendered, ever: each one a few queries

    async def prepare(self, tx: ProjectionTransaction, touched: Touched) -> None:
        if not touched.threads and not touched.comments:
            return
        reader = await tx.read_back()
        pages = []
        for tenant_id, entity_type, entity_id in sorted(touched.threads):
            for sort in Sort:
                query = default_page(tenant_id, entity_type, entity_id, sort, self.shape)
                page = await build_thread_page(query, reader)
                pages.append(
                    PreparedPageRow(
                        tenant_id, entity_type, entity_id, prepared_key(sort, self.shape), stored_page(page)
                    )
                )
                self.rendered_pages += 1
        await tx.prepared.put_pages(pages)
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for tenant_id, comment_id in sorted(touched.comments):
            by_tenant[tenant_id].append(comment_id)
        for tenant_id, comment_ids in by_tenant.items():
            documents: dict[str, bytes | None] = dict.fromkeys(comment_ids)
            for row in await reader.by_ids(tenant_id, comment_ids):
                # What an anonymous GET of it answers; an unpublished one is not found for them.
                if not is_unpublished(row.status):
                    documents[row.id] = orjson.dumps(row)
            await tx.prepared.put_comments(tenant_id, documents)


@dataclass
class ViewedPages:
    """After a view flush, the prepared pages and documents of the viewed threads, re-rendered at
    most once per ``every`` seconds per thread (remembered in this process: a restart only costs
    one early re-render). A few threads per transaction, so the writer (on SQLite, the one the
    commands share) is never held for long however many threads were viewed."""

    store: ProjectionStore
    preparer: PagePreparer
    projection: str
    every: float
    reader: CommentReader  # which thread a comment is in (that never changes)
    clock: Callable[[], float] = time.monotonic
    threads_per_transaction: int = 25
    _rendered_at: dict[tuple[str, str, str], float] = field(default_factory=dict)

    async def refresh(self, viewed: Iterable[tuple[str, str]]) -> int:
        """Re-render the viewed comments' threads that are due; how many threads were."""
        by_tenant: dict[str, list[str]] = defaultdict(list)
        for tenant_id, comment_id in viewed:
            by_tenant[tenant_id].append(comment_id)
        now = self.clock()
        self._forget_older_than(now - self.every)
        due: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
        for tenant_id, comment_ids in by_tenant.items():
            for row in await self.reader.by_ids(tenant_id, sorted(comment_ids)):
                thread = (tenant_id, row.entity_type, row.entity_id)
                if thread not in self._rendered_at:
                    due[thread].append((tenant_id, row.id))
        threads = sorted(due)
        for start in range(0, len(threads), self.threads_per_transaction):
            touched = Touched()
            for thread in threads[start : start + self.threads_per_transaction]:
                touched.threads.add(thread)
                touched.comments.update(due[thread])
            async with self.store.transaction() as tx:
                # The checkpoint's lock: no batch commits newer pages while these are rendered,
                # and these never overwrite a newer batch's.
                await tx.checkpoint(self.projection)
                await self.preparer.prepare(tx, touched)
                await tx.commit()
            for thread in touched.threads:
                self._rendered_at[thread] = now
        return len(threads)

    def _forget_older_than(self, moment: float) -> None:
        for thread in [t for t, at in self._rendered_at.items() if at <= moment]:
            del self._rendered_at[thread]
