"""Prepared pages: the bytes the projector keeps for each thread's default pages and each comment's
by-id document are, after every kind of change, exactly what the query side builds from the read
model; a batch renders a thread once; views reach them at most once per interval; a rebuild
empties and refills them."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import sqlalchemy as sa

from tests.conftest import ActorFactory
from tests.integration.helpers import post, rebuild, run
from threadline.adapters.sql.schema import prepared_comments, prepared_pages
from threadline.api.routes.thread_params import PageParams, page_query
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.lock_thread import lock_thread, unlock_thread
from threadline.application.commands.moderate_comment import approve_comment, reject_comment
from threadline.application.commands.pin_comment import pin_comment, unpin_comment
from threadline.application.commands.update_comment import update_comment
from threadline.application.projection.prepared_pages import PagePreparer, ViewedPages
from threadline.application.queries.comment_by_id import comment_by_id, load_comment
from threadline.application.queries.thread_page import (
    DEFAULT_SHAPE,
    PageShape,
    Sort,
    build_thread_page,
    cached_thread_page,
    prepared_key,
    stored_page,
)
from threadline.bootstrap import Threadline
from threadline.domain.commands import (
    ApproveComment,
    ContentFormat,
    CreateComment,
    DeleteComment,
    HardDeleteComment,
    LikeComment,
    LockThread,
    PinComment,
    RejectComment,
    UnlikeComment,
    UnlockThread,
    UnpinComment,
    UpdateComment,
)
from threadline.domain.errors import CommentNotFound
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import TenantSettings

THREAD = ("post", "p1")


async def built_pages(container: Threadline, tenant_id: str) -> dict[str, bytes]:
    """What the route builds with the cache off, per sort: its own query, builder and reader."""
    pages = {}
    for sort in Sort:
        query = page_query(container, tenant_id, *THREAD, PageParams(sort=sort.value))
        pages[sort.value] = stored_page(await build_thread_page(query, container.reader))
    return pages


async def prepared(container: Threadline, tenant_id: str) -> dict[str, bytes | None]:
    shape = container.projector.preparer.shape
    return {
        sort.value: await container.reader.prepared_page(tenant_id, *THREAD, prepared_key(sort, shape))
        for sort in Sort
    }


async def built_document(container: Threadline, tenant_id: str, comment_id: str) -> bytes | None:
    """What an anonymous GET of the comment answers when it builds the document itself."""
    try:
        return orjson.dumps(await load_comment(tenant_id, comment_id, container.reader, None))
    except CommentNotFound:
        return None


async def assert_prepared_as_built(container: Threadline, tenant_id: str, comment_ids: list[str]) -> None:
    await container.projector.catch_up()
    assert await prepared(container, tenant_id) == await built_pages(container, tenant_id)
    for comment_id in comment_ids:
        document = await container.reader.prepared_comment(tenant_id, comment_id)
        assert document == await built_document(container, tenant_id, comment_id), comment_id


async def test_prepared_pages_and_documents_are_the_bytes_the_query_side_builds_after_every_change(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice, bob = make_actor("alice"), make_actor("bob")
    mod = make_actor("mod", Role.MODERATOR)
    tenant_id = alice.tenant_id
    ids: list[str] = []

    async def check() -> None:
        await assert_prepared_as_built(container, tenant_id, ids)

    async def create(actor: Actor, text: str, parent: str | None = None, *, pending: bool = False) -> str:
        comment_id = str(uuid.uuid4())
        command = CreateComment(comment_id, *THREAD, text, ContentFormat.MARKDOWN, parent)
        context = CommandContext(actor, tenant_settings=TenantSettings(premoderation=pending))
        await container.runner.run(create_comment, command, context)
        ids.append(comment_id)
        return comment_id

    first = await create(alice, "first **root**")
    second = await create(bob, "second root")
    await check()
    reply = await create(bob, "a reply", first)
    deeper = await create(alice, "a deeper reply", reply)
    await check()
    await run(container, alice, update_comment, UpdateComment(first, "first root, edited"))
    await check()
    for user in ("bob", "carol", "dave"):
        await run(container, make_actor(user), like_comment, LikeComment(second))
    await run(container, bob, unlike_comment, UnlikeComment(second))
    await check()  # popular order moved
    await run(container, mod, pin_comment, PinComment(second))
    await check()
    await run(container, bob, delete_comment, DeleteComment(reply))
    await check()  # a tombstone: its reply still hangs under it
    await run(container, alice, delete_comment, DeleteComment(deeper))
    await check()  # the tombstone's last reply went: both leave the tree
    waiting = await create(bob, "awaiting a moderator", pending=True)
    turned_down = await create(bob, "to be rejected", first, pending=True)
    await check()  # pending: on no public page, no public document
    await run(container, mod, approve_comment, ApproveComment(waiting))
    await run(container, mod, reject_comment, RejectComment(turned_down))
    await check()
    await run(container, mod, lock_thread, LockThread(*THREAD))
    await check()  # meta.locked
    await run(container, mod, unpin_comment, UnpinComment(second))
    await run(container, mod, unlock_thread, UnlockThread(*THREAD))
    await run(
        container, make_actor("root", Role.ADMIN), hard_delete_comment, HardDeleteComment(first, "gone")
    )
    await check()

    pages = await prepared(container, tenant_id)
    assert all(page is not None for page in pages.values())
    assert b"awaiting a moderator" in (pages["newest"] or b"")


async def test_a_batch_of_many_likes_on_one_thread_renders_its_pages_once(
    container: Threadline, make_actor: ActorFactory
) -> None:
    comment_id = await post(container, make_actor("alice"))
    await container.projector.catch_up()
    for n in range(120):
        await run(container, make_actor(f"fan{n}"), like_comment, LikeComment(comment_id))
    preparer = container.projector.preparer
    before = preparer.rendered_pages

    assert await container.projector.run_once() == 120  # one batch

    assert preparer.rendered_pages - before == len(Sort)  # each sort's page once
    assert await prepared(container, make_actor().tenant_id) == await built_pages(
        container, make_actor().tenant_id
    )


def view_counts(page: bytes | None) -> list[int]:
    assert page is not None
    body = orjson.loads(page.partition(b"\n")[2])
    return [node["view_count"] for node in body["data"]]


async def test_counted_views_reach_prepared_pages_at_most_once_per_interval(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice)
    await container.projector.catch_up()
    now = [1000.0]
    viewed = ViewedPages(
        container.projection_store,
        container.projector.preparer,
        container.projector.name,
        30.0,
        container.reader,
        lambda: now[0],
    )
    container.viewed_pages = viewed
    key = (alice.tenant_id, comment_id)

    async def flush(views: int) -> None:
        await container.projection_store.add_views({key: views})
        await viewed.refresh([key])

    await flush(2)
    page = await container.reader.prepared_page(alice.tenant_id, *THREAD, newest(container))
    assert view_counts(page) == [2]  # first flush of the thread: rendered
    assert orjson.loads(await container.reader.prepared_comment(*key) or b"{}")["view_count"] == 2

    now[0] += 29.0
    await flush(3)
    page = await container.reader.prepared_page(alice.tenant_id, *THREAD, newest(container))
    assert view_counts(page) == [2]  # within the interval: the page is not rendered again

    now[0] += 1.0
    await flush(1)
    page = await container.reader.prepared_page(alice.tenant_id, *THREAD, newest(container))
    assert view_counts(page) == [6]  # the interval passed: every view counted so far
    assert await prepared(container, alice.tenant_id) == await built_pages(container, alice.tenant_id)


async def test_a_projected_change_renders_the_views_counted_so_far_too(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    comment_id = await post(container, alice)
    await container.projector.catch_up()
    await container.projection_store.add_views({(alice.tenant_id, comment_id): 4})  # no refresh
    await run(container, make_actor("bob"), like_comment, LikeComment(comment_id))
    await container.projector.catch_up()
    page = await container.reader.prepared_page(alice.tenant_id, *THREAD, newest(container))
    assert view_counts(page) == [4]


def newest(container: Threadline) -> str:
    return prepared_key(Sort.NEWEST, container.projector.preparer.shape)


async def rows(container: Threadline, table: sa.Table) -> list[Any]:
    async with container.read_db.reader.connect() as connection:
        return list((await connection.execute(sa.select(table))).all())


async def test_a_rebuild_fills_the_prepared_tables(container: Threadline, make_actor: ActorFactory) -> None:
    alice = make_actor("alice")
    root = await post(container, alice, "a root")
    await post(container, make_actor("bob"), "a reply", parent_id=root)
    await post(container, alice, "elsewhere", entity=("post", "p2"))
    await container.projector.catch_up()
    pages, documents = await rows(container, prepared_pages), await rows(container, prepared_comments)
    assert (len(pages), len(documents)) == (2 * len(Sort), 3)

    async with container.read_db.writer.begin() as connection:  # as a database just migrated to 0006
        await connection.execute(prepared_pages.delete())
        await connection.execute(prepared_comments.delete())

    await rebuild(container)
    assert sorted(await rows(container, prepared_pages)) == sorted(pages)
    assert sorted(await rows(container, prepared_comments)) == sorted(documents)


async def test_a_by_id_read_and_a_default_page_read_answer_the_prepared_bytes(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """Shown by changing the prepared rows behind the read model's back: the reads answer them."""
    alice = make_actor("alice")
    comment_id = await post(container, alice, "as projected")
    await container.projector.catch_up()
    async with container.read_db.writer.begin() as connection:
        await connection.execute(prepared_comments.update().values(body=b'{"prepared":true}'))
        await connection.execute(prepared_pages.update().values(body=b'\n{"prepared":true}'))

    assert (
        await comment_by_id(alice.tenant_id, comment_id, container.reader, None, 60) == b'{"prepared":true}'
    )
    query = page_query(container, alice.tenant_id, *THREAD, PageParams())
    page = await cached_thread_page(
        query, container.reader, None, 60, prepared=container.projector.preparer.shape
    )
    assert page.body == b'{"prepared":true}'
    other = page_query(container, alice.tenant_id, *THREAD, PageParams(limit=2))
    page = await cached_thread_page(
        other, container.reader, None, 60, prepared=container.projector.preparer.shape
    )
    assert b"as projected" in page.body  # not a prepared page: built from the read model


async def test_many_viewed_threads_are_rendered_a_few_per_transaction_and_all_of_them(
    container: Threadline, make_actor: ActorFactory
) -> None:
    alice = make_actor("alice")
    ids = [await post(container, alice, entity=("post", f"t{n}")) for n in range(3)]
    await container.projector.catch_up()
    viewed = ViewedPages(
        container.projection_store,
        container.projector.preparer,
        container.projector.name,
        30.0,
        container.reader,
        threads_per_transaction=2,
    )
    counts = {(alice.tenant_id, comment_id): 5 for comment_id in ids}
    await container.projection_store.add_views(counts)

    assert await viewed.refresh(counts) == 3
    for n in range(3):
        page = await container.reader.prepared_page(
            alice.tenant_id, "post", f"t{n}", prepared_key(Sort.OLDEST, container.projector.preparer.shape)
        )
        assert view_counts(page) == [5]
    assert await viewed.refresh(counts) == 0  # none is due again yet


async def test_a_page_prepared_at_another_shape_is_never_served_for_this_one(
    container: Threadline, make_actor: ActorFactory
) -> None:
    """A projector configured otherwise than the API (or before the settings changed) prepares
    pages of its shape: the API's default page is built from the read model instead."""
    served_shape = container.projector.preparer.shape
    container.projector.preparer = PagePreparer(PageShape(limit=1, depth=0, replies_per_comment=1))
    alice = make_actor("alice")
    for n in range(3):
        await post(container, alice, f"root {n}")
    await container.projector.catch_up()

    query = page_query(container, alice.tenant_id, *THREAD, PageParams())
    page = await cached_thread_page(query, container.reader, None, 60, prepared=served_shape)
    assert len(orjson.loads(page.body)["data"]) == 3  # built: the prepared page holds one root
    assert await container.reader.prepared_page(alice.tenant_id, *THREAD, newest(container)) is not None
    assert (
        await container.reader.prepared_page(
            alice.tenant_id, *THREAD, prepared_key(Sort.NEWEST, served_shape)
        )
        is None
    )


def test_every_prepared_key_of_the_default_shape_fits_its_column() -> None:
    for sort in Sort:
        assert len(prepared_key(sort, DEFAULT_SHAPE)) <= 16
