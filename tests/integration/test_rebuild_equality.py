"""A read model rebuilt from the log equals the one the projector built incrementally.

Hypothesis drives random command sequences (creates, replies, edits, deletes, hard deletes,
likes, pins, and the moderation commands: pre-moderated creates, approvals, rejections,
reports, bans, thread locks, anonymizations) with projection runs at random points between them.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.backends import (
    PostgresTemplates,
    drop_databases,
    drop_redis_keys,
    postgres_settings,
    require_servers,
)
from tests.integration.helpers import read_model_snapshot, rebuild
from threadline.adapters.sql.schema import comment_view, moderation_queue
from threadline.application.command_runner import CommandContext, Handler
from threadline.application.commands.anonymize_comment import anonymize_comment
from threadline.application.commands.ban_user import ban_user, unban_user
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.lock_thread import lock_thread, unlock_thread
from threadline.application.commands.moderate_comment import approve_comment, reject_comment
from threadline.application.commands.pin_comment import pin_comment, unpin_comment
from threadline.application.commands.report_comment import report_comment
from threadline.application.commands.update_comment import update_comment
from threadline.bootstrap import Threadline, build
from threadline.domain.commands import (
    AnonymizeComment,
    ApproveComment,
    BanUser,
    ContentFormat,
    CreateComment,
    DeleteComment,
    HardDeleteComment,
    LikeComment,
    LockThread,
    PinComment,
    RejectComment,
    ReportComment,
    UnbanUser,
    UnlikeComment,
    UnlockThread,
    UnpinComment,
    UpdateComment,
)
from threadline.domain.errors import DomainError
from threadline.domain.identity import Actor, Role
from threadline.domain.tenant import TenantSettings
from threadline.settings import Settings

USERS = [("alice", Role.USER), ("bob", Role.USER), ("mod", Role.MODERATOR), ("root", Role.ADMIN)]
WORDS = st.sampled_from(
    ["alpha", "beta", "**bold**", "<b>x</b>", "gamma delta", "ünïcödé", "[l](http://x.test)"]
)
TARGET = st.integers(0, 5)
operation = st.one_of(
    st.tuples(
        st.just("create"), st.integers(0, 3), st.none() | TARGET, WORDS, st.booleans(), st.integers(0, 1)
    ),
    st.tuples(st.just("update"), st.integers(0, 3), TARGET, WORDS),
    st.tuples(st.just("delete"), st.integers(0, 3), TARGET),
    st.tuples(st.just("hard_delete"), TARGET),
    st.tuples(st.just("like"), st.integers(0, 3), TARGET),
    st.tuples(st.just("unlike"), st.integers(0, 3), TARGET),
    st.tuples(st.just("pin"), TARGET, st.booleans()),
    st.tuples(
        st.just("create_pending"),
        st.integers(0, 1),
        st.none() | TARGET,
        WORDS,
        st.booleans(),
        st.integers(0, 1),
    ),
    st.tuples(st.just("approve"), TARGET),
    st.tuples(st.just("reject"), TARGET),
    st.tuples(st.just("report"), st.integers(0, 3), TARGET),
    st.tuples(st.just("ban"), st.integers(0, 1), st.booleans()),
    st.tuples(st.just("lock"), st.integers(0, 1), st.booleans()),
    st.tuples(st.just("anonymize"), TARGET),
    st.tuples(
        st.just("project"),
    ),
)

_template: dict[str, Path] = {}


def migrated_template() -> Path:
    """Migrate once; every example copies the file instead of migrating again."""
    if "path" not in _template:
        directory = Path(tempfile.mkdtemp(prefix="threadline-template-"))
        path = directory / "template.db"

        async def migrate() -> None:
            container = build(Settings(database_url=f"sqlite+aiosqlite:///{path}", run_projector=False))
            await container.migrate()
            await container.write_db.dispose()

        asyncio.run(migrate())
        _template["path"] = path
    return _template["path"]


async def apply(container: Threadline, tenant_id: str, ops: list[tuple[Any, ...]]) -> None:
    actors = [Actor(tenant_id, user, user.title(), None, role) for user, role in USERS]
    ids: list[str] = []

    def pick(index: int) -> str:
        return ids[index % len(ids)]

    handler: Handler[Any]
    command: Any
    command_type: Any
    for op in ops:
        kind = op[0]
        if kind == "project":
            await container.projector.catch_up()
            continue
        if kind != "create" and not ids:
            continue
        try:
            if kind in ("create", "create_pending"):
                _, user, parent, text, markdown, entity = op
                comment_id = f"00000000-0000-4000-8000-{len(ids):012d}"
                command = CreateComment(
                    comment_id,
                    "post",
                    f"p{entity}",
                    text,
                    ContentFormat.MARKDOWN if markdown else ContentFormat.PLAIN,
                    pick(parent) if parent is not None and ids else None,
                )
                ids.append(comment_id)
                settings = TenantSettings(premoderation=kind == "create_pending")
                await container.runner.run(
                    create_comment, command, CommandContext(actors[user], tenant_settings=settings)
                )
            elif kind == "update":
                await container.runner.run(
                    update_comment, UpdateComment(pick(op[2]), op[3]), CommandContext(actors[op[1]])
                )
            elif kind == "delete":
                await container.runner.run(
                    delete_comment, DeleteComment(pick(op[2]), "because"), CommandContext(actors[op[1]])
                )
            elif kind == "hard_delete":
                await container.runner.run(
                    hard_delete_comment, HardDeleteComment(pick(op[1]), "erase"), CommandContext(actors[3])
                )
            elif kind in ("like", "unlike"):
                handler, command_type = (
                    (like_comment, LikeComment) if kind == "like" else (unlike_comment, UnlikeComment)
                )
                await container.runner.run(handler, command_type(pick(op[2])), CommandContext(actors[op[1]]))
            elif kind == "pin":
                handler, command_type = (pin_comment, PinComment) if op[2] else (unpin_comment, UnpinComment)
                await container.runner.run(handler, command_type(pick(op[1])), CommandContext(actors[2]))
            elif kind == "approve":
                await container.runner.run(
                    approve_comment, ApproveComment(pick(op[1])), CommandContext(actors[2])
                )
            elif kind == "reject":
                await container.runner.run(
                    reject_comment, RejectComment(pick(op[1]), "no"), CommandContext(actors[2])
                )
            elif kind == "report":
                await container.runner.run(
                    report_comment, ReportComment(pick(op[2]), "spam"), CommandContext(actors[op[1]])
                )
            elif kind == "ban":
                user_id = USERS[op[1]][0]
                command = BanUser(user_id, "rude") if op[2] else UnbanUser(user_id)
                handler = ban_user if op[2] else unban_user
                await container.runner.run(handler, command, CommandContext(actors[2]))
            elif kind == "lock":
                command = LockThread("post", f"p{op[1]}") if op[2] else UnlockThread("post", f"p{op[1]}")
                handler = lock_thread if op[2] else unlock_thread
                await container.runner.run(handler, command, CommandContext(actors[2]))
            elif kind == "anonymize":
                await container.runner.run(
                    anonymize_comment, AnonymizeComment(pick(op[1])), CommandContext(actors[3])
                )
        except DomainError:
            pass  # a rule said no: nothing was recorded, which the equality below also checks


def check_invariants(snapshot: dict[str, list[tuple[Any, ...]]]) -> None:
    """Counters agree with the rows they count."""
    views = snapshot["comment_view"]
    columns = [c.name for c in comment_view.columns]
    rows = [dict(zip(columns, row, strict=True)) for row in views]
    likes = snapshot["comment_view_likes"]
    for row in rows:
        liked = sum(1 for like in likes if like[2] == row["id"])
        assert row["like_count"] == liked
        visible_children = sum(1 for r in rows if r["parent_id"] == row["id"] and r["visible"])
        assert row["reply_count"] == visible_children
        if row["status"] == "DELETED":
            assert row["content"] is None and row["author_name"] is None
            assert row["visible"] == (row["reply_count"] > 0)
        if row["status"] in ("PENDING", "REJECTED"):
            assert not row["visible"] and row["reply_count"] == 0
    queue_columns = [c.name for c in moderation_queue.columns]
    queue = {
        q["comment_id"]: q
        for q in (dict(zip(queue_columns, r, strict=True)) for r in snapshot["moderation_queue"])
    }
    pending = {row["id"] for row in rows if row["status"] == "PENDING"}
    assert {cid for cid, q in queue.items() if q["pending"]} == pending
    reports = snapshot["comment_view_reports"]
    for comment_id, q in queue.items():
        assert q["report_count"] == sum(1 for r in reports if r[1] == comment_id)


TOMBSTONE_CASCADE = [
    ("create", 0, None, "alpha", False, 0),
    ("create", 1, 0, "beta", False, 0),
    ("create", 0, 1, "gamma", True, 0),
    ("project",),
    ("delete", 2, 0),
    ("project",),
    ("delete", 2, 1),
    ("delete", 0, 2),
]
LIKES_AND_EDITS = [
    ("create", 0, None, "alpha", True, 1),
    ("like", 1, 0),
    ("like", 2, 0),
    ("project",),
    ("unlike", 1, 0),
    ("update", 0, 0, "beta"),
    ("pin", 0, True),
    ("hard_delete", 0),
]

MODERATION = [
    ("create", 0, None, "alpha", False, 0),
    ("create_pending", 1, 0, "beta", False, 0),
    ("create_pending", 0, None, "gamma", True, 1),
    ("project",),
    ("report", 1, 0),
    ("report", 2, 0),
    ("approve", 1),
    ("project",),
    ("reject", 2),
    ("approve", 0),
    ("report", 0, 1),
    ("ban", 1, True),
    ("lock", 0, True),
    ("project",),
    ("anonymize", 1),
    ("ban", 1, False),
]


async def rebuilt_equals_incremental(
    settings: Settings, ops: list[tuple[Any, ...]], rebuild_batch: int
) -> None:
    container = build(settings)
    try:
        tenant = await container.tenants.create("acme")
        await apply(container, tenant.id, ops)
        await container.projector.catch_up()
        incremental = await read_model_snapshot(container)
        check_invariants(incremental)
        await rebuild(container, batch_size=rebuild_batch)
        assert await read_model_snapshot(container) == incremental
    finally:
        await container.stop()


@example(ops=TOMBSTONE_CASCADE, rebuild_batch=1)
@example(ops=LIKES_AND_EDITS, rebuild_batch=500)
@example(ops=MODERATION, rebuild_batch=1)
@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=40), rebuild_batch=st.sampled_from([1, 3, 500]))
def test_rebuilding_from_the_log_reproduces_the_incremental_read_model(
    ops: list[tuple[Any, ...]], rebuild_batch: int
) -> None:
    with tempfile.TemporaryDirectory(prefix="threadline-rebuild-") as directory:
        path = Path(directory) / "threadline.db"
        shutil.copy(migrated_template(), path)
        database = Settings(database_url=f"sqlite+aiosqlite:///{path}", run_projector=False)
        asyncio.run(rebuilt_equals_incremental(database, ops, rebuild_batch))


def test_rebuilding_on_postgres_reproduces_the_incremental_read_model(
    postgres_templates: PostgresTemplates | None,
) -> None:
    """The same property on PostgreSQL (fewer examples: each one clones two databases)."""
    require_servers()
    assert postgres_templates is not None

    @example(ops=TOMBSTONE_CASCADE, rebuild_batch=1)
    @example(ops=LIKES_AND_EDITS, rebuild_batch=500)
    @example(ops=MODERATION, rebuild_batch=1)
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=st.lists(operation, min_size=1, max_size=30), rebuild_batch=st.sampled_from([1, 500]))
    def check(ops: list[tuple[Any, ...]], rebuild_batch: int) -> None:
        async def scenario() -> None:
            databases = await postgres_templates.clone()
            prefix = f"threadline-test:{uuid.uuid4().hex[:12]}:"
            try:
                await rebuilt_equals_incremental(postgres_settings(*databases, prefix), ops, rebuild_batch)
            finally:
                await drop_databases(databases)
                await drop_redis_keys(prefix)

        asyncio.run(scenario())

    check()
