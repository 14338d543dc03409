"""The ``threadline`` command line, driven through click's CliRunner against a throwaway SQLite file.

CliRunner calls ``asyncio.run`` inside, so these tests are plain synchronous functions.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import jwt
import pytest
from click.testing import CliRunner, Result

from threadline.adapters.sql.schema_migrations import upgrade
from threadline.application.command_runner import CommandContext
from threadline.application.commands.create_comment import create_comment
from threadline.application.commands.delete_comment import delete_comment
from threadline.application.commands.hard_delete_comment import hard_delete_comment
from threadline.application.commands.like_comment import like_comment, unlike_comment
from threadline.application.commands.pin_comment import pin_comment
from threadline.application.commands.update_comment import update_comment
from threadline.bootstrap import SchemaOutOfDate, Threadline, build
from threadline.cli.main import main
from threadline.domain.commands import (
    ContentFormat,
    CreateComment,
    DeleteComment,
    HardDeleteComment,
    LikeComment,
    PinComment,
    UnlikeComment,
    UpdateComment,
)
from threadline.domain.identity import Actor, Role
from threadline.settings import Settings

T = TypeVar("T")

# Primary keys of the read model's tables, for row-by-row comparison.
READ_MODEL = {
    "comment_view": "tenant_id, id",
    "entity_stats": "tenant_id, entity_type, entity_id",
    "comment_view_likes": "tenant_id, user_id, comment_id",
    "comment_view_edits": "tenant_id, comment_id, position",
}
MD = ContentFormat.MARKDOWN
STATUS_LINE = re.compile(r"comments: position (\d+) of (\d+), lag (\d+) events")


class Cli:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.url = f"sqlite+aiosqlite:///{database}"
        self.env: dict[str, str | None] = {
            "THREADLINE_DATABASE_URL": self.url,
            "THREADLINE_READ_DATABASE_URL": None,
        }
        self.runner = CliRunner()

    def invoke(self, *args: str) -> Result:
        return self.runner.invoke(main, list(args), env=self.env)

    def ok(self, *args: str) -> str:
        result = self.invoke(*args)
        assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
        return result.output

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql).fetchall()

    def read_model(self) -> dict[str, list[tuple[object, ...]]]:
        snapshot = {
            table: self.rows(f"SELECT * FROM {table} ORDER BY {key}") for table, key in READ_MODEL.items()
        }
        snapshot["comment_search"] = self.rows(
            "SELECT tenant_id, comment_id, entity_type, entity_id, content FROM comment_search "
            "ORDER BY tenant_id, comment_id"
        )
        return snapshot

    def status(self) -> tuple[int, int, int]:
        output = self.ok("projections", "status")
        match = STATUS_LINE.search(output)
        assert match, output
        position, head, lag = (int(g) for g in match.groups())
        return position, head, lag

    def with_container(self, work: Callable[[Threadline], Awaitable[T]]) -> T:
        async def run() -> T:
            container = build(Settings(database_url=self.url, read_database_url=None, run_projector=False))
            try:
                return await work(container)
            finally:
                await container.write_db.dispose()
                await container.read_db.dispose()

        return asyncio.run(run())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "cli.db")


@pytest.fixture
def migrated(cli: Cli) -> Cli:
    assert "migrations applied" in cli.ok("migrate")
    return cli


def new_id() -> str:
    return str(uuid.uuid4())


def create_tenant(cli: Cli, name: str) -> dict[str, str]:
    created: dict[str, str] = json.loads(cli.ok("tenant", "create", name))
    return created


# --- migrate ------------------------------------------------------------------------------------------


def test_migrate_creates_the_write_and_read_schemas(migrated: Cli) -> None:
    tables = {name for (name,) in migrated.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
    write = {"tenants", "comments", "comment_likes", "events", "alembic_version_write"}
    read = {
        "comment_view",
        "comment_view_likes",
        "comment_view_edits",
        "entity_stats",
        "alembic_version_read",
    }
    assert write | read | {"projection_checkpoints", "comment_search"} <= tables


def test_migrate_twice_is_harmless(migrated: Cli) -> None:
    create_tenant(migrated, "acme")
    assert "migrations applied" in migrated.ok("migrate")
    assert migrated.rows("SELECT name FROM tenants") == [("acme",)]


# --- tenants ------------------------------------------------------------------------------------------


def test_tenant_create_prints_the_new_tenants_id_and_secret(migrated: Cli) -> None:
    created = create_tenant(migrated, "acme")

    assert created["name"] == "acme"
    assert str(uuid.UUID(created["id"])) == created["id"]
    assert len(created["secret"]) >= 32
    assert migrated.rows("SELECT id, name, secret FROM tenants") == [
        (created["id"], "acme", created["secret"])
    ]


def test_each_tenant_gets_its_own_secret(migrated: Cli) -> None:
    first, second = create_tenant(migrated, "acme"), create_tenant(migrated, "globex")
    assert first["id"] != second["id"] and first["secret"] != second["secret"]


def test_a_duplicate_tenant_name_fails_cleanly(migrated: Cli) -> None:
    original = create_tenant(migrated, "acme")

    result = migrated.invoke("tenant", "create", "acme")

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), f"unhandled {result.exception!r}"
    assert "already exists" in result.output
    assert "Traceback" not in result.output
    assert migrated.rows("SELECT id, secret FROM tenants") == [(original["id"], original["secret"])]


# --- tokens -------------------------------------------------------------------------------------------


def test_token_prints_a_jwt_signed_with_the_tenants_secret(migrated: Cli) -> None:
    tenant = create_tenant(migrated, "acme")
    before = int(time.time())

    token = migrated.ok("token", "--tenant", "acme", "--user", "u", "--role", "admin").strip()

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, tenant["secret"], algorithms=["HS256"], options={"require": ["exp"]})
    assert claims["sub"] == "u"
    assert claims["tid"] == tenant["id"]
    assert claims["name"] == "u"
    assert claims["role"] == "admin"
    assert claims["exp"] >= before + 7 * 24 * 3600 - 5
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "not-the-secret-" * 4, algorithms=["HS256"])


def test_token_takes_the_tenant_by_id_and_honours_name_role_and_ttl(migrated: Cli) -> None:
    tenant = create_tenant(migrated, "acme")
    token = migrated.ok(
        "token",
        "--tenant",
        tenant["id"],
        "--user",
        "bob",
        "--name",
        "Bob B",
        "--role",
        "moderator",
        "--ttl",
        "60",
    ).strip()
    claims = jwt.decode(token, tenant["secret"], algorithms=["HS256"])
    assert (claims["sub"], claims["name"], claims["role"], claims["tid"]) == (
        "bob",
        "Bob B",
        "moderator",
        tenant["id"],
    )
    assert 0 < claims["exp"] - time.time() <= 61


def test_token_for_an_unknown_tenant_fails_cleanly(migrated: Cli) -> None:
    result = migrated.invoke("token", "--tenant", "nobody", "--user", "u")
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert "no tenant" in result.output


def test_token_refuses_an_unknown_role(migrated: Cli) -> None:
    create_tenant(migrated, "acme")
    result = migrated.invoke("token", "--tenant", "acme", "--user", "u", "--role", "root")
    assert result.exit_code == 2 and "root" in result.output


# --- seed and projections -----------------------------------------------------------------------------


def test_projection_status_on_a_fresh_database_is_zero_of_zero(migrated: Cli) -> None:
    assert migrated.status() == (0, 0, 0)


def test_seed_creates_the_comments_and_projects_them(migrated: Cli) -> None:
    output = migrated.ok("seed", "--entities", "2", "--comments", "5")

    assert "seeded 2 entities" in output
    assert migrated.rows("SELECT name FROM tenants") == [("dev",)]
    assert migrated.rows("SELECT count(*), count(DISTINCT entity_id) FROM comments") == [(10, 2)]
    assert migrated.rows("SELECT count(*) FROM events WHERE event_type = 'CommentCreated'") == [(10,)]
    assert migrated.rows("SELECT count(*) FROM comment_view WHERE visible = 1") == [(10,)]
    assert migrated.rows("SELECT entity_id, comment_count FROM entity_stats ORDER BY entity_id") == [
        ("post-0", 5),
        ("post-1", 5),
    ]
    replies = migrated.rows("SELECT count(*) FROM comments WHERE parent_id IS NOT NULL")[0][0]
    assert migrated.rows("SELECT sum(reply_count) FROM comment_view") == [(replies,)]


def test_projection_status_after_seed_shows_the_head_and_no_lag(migrated: Cli) -> None:
    migrated.ok("seed", "--entities", "2", "--comments", "5")
    assert migrated.status() == (10, 10, 0)


def test_projection_status_counts_unprojected_events_as_lag(migrated: Cli) -> None:
    migrated.ok("seed", "--entities", "1", "--comments", "3")
    tenant_id = str(migrated.rows("SELECT id FROM tenants")[0][0])
    author = Actor(tenant_id, "late", "Late", None, Role.USER)

    async def write_without_projecting(c: Threadline) -> None:
        for _ in range(2):
            command = CreateComment(str(uuid.uuid4()), "post", "post-0", "unprojected")
            await c.runner.run(create_comment, command, CommandContext(author))

    migrated.with_container(write_without_projecting)
    assert migrated.status() == (3, 5, 2)


def test_seed_into_a_named_tenant_uses_it(migrated: Cli) -> None:
    tenant = create_tenant(migrated, "acme")
    migrated.ok("seed", "--tenant", "acme", "--entities", "1", "--comments", "2", "--entity-type", "video")
    assert migrated.rows("SELECT DISTINCT tenant_id, entity_type FROM comments") == [(tenant["id"], "video")]


def live_history(cli: Cli) -> None:
    """Edits, likes, deletes, a pin and hard deletes on top of seeded threads, then projected."""
    tenant_id = str(cli.rows("SELECT id FROM tenants WHERE name = 'dev'")[0][0])
    roots = [
        (str(cid), str(author), str(entity_id))
        for cid, author, entity_id in cli.rows(
            "SELECT id, author_id, entity_id FROM comments WHERE parent_id IS NULL ORDER BY id"
        )
    ]
    admin = Actor(tenant_id, "root-admin", "Admin", None, Role.ADMIN)
    fans = [Actor(tenant_id, f"fan-{n}", f"Fan {n}", None, Role.USER) for n in range(3)]

    async def work(c: Threadline) -> None:
        async def run(handler: Any, command: object, who: Actor = admin) -> None:
            await c.runner.run(handler, command, CommandContext(who))

        (first, first_author, first_entity), (second, _, _), (last, _, _) = roots[0], roots[1], roots[-1]
        owner = Actor(tenant_id, first_author, first_author, None, Role.USER)
        text = "**reply** with [a link](https://x.test)"
        await run(
            create_comment, CreateComment(new_id(), "post", first_entity, text, MD, parent_id=first), owner
        )
        await run(update_comment, UpdateComment(first, "edited *once*"), owner)
        await run(update_comment, UpdateComment(first, "edited twice"))
        for fan in fans:
            await run(like_comment, LikeComment(first), fan)
            await run(like_comment, LikeComment(second), fan)
        await run(unlike_comment, UnlikeComment(first), fans[0])
        await run(pin_comment, PinComment(first))
        await run(delete_comment, DeleteComment(second, "off-topic"))
        await run(hard_delete_comment, HardDeleteComment(last, "erasure request"))
        # Erased while it has likes, an edit and a live reply: a tombstone must remain.
        doomed = new_id()
        await run(create_comment, CreateComment(doomed, "post", "post-1", "doomed", MD), fans[1])
        await run(create_comment, CreateComment(new_id(), "post", "post-1", "survivor", MD, parent_id=doomed))
        await run(update_comment, UpdateComment(doomed, "doomed, edited"), fans[1])
        await run(like_comment, LikeComment(doomed), fans[2])
        await run(hard_delete_comment, HardDeleteComment(doomed, "erasure request"))
        await c.projector.catch_up()

    cli.with_container(work)


def test_rebuild_reproduces_the_incrementally_built_read_model(migrated: Cli) -> None:
    migrated.ok("seed", "--entities", "2", "--comments", "5")
    live_history(migrated)
    head = migrated.status()[1]
    assert migrated.status() == (head, head, 0)
    before = migrated.read_model()
    assert before["comment_view_likes"] and before["comment_view_edits"] and before["comment_search"]
    assert migrated.rows("SELECT count(*) FROM comment_view WHERE status = 'DELETED' AND reply_count > 0")[0][
        0
    ]

    output = migrated.ok("projections", "rebuild")

    assert f"rebuilt from {head} events" in output
    after = migrated.read_model()
    assert "doomed" not in repr(after)
    for table in before:
        assert after[table] == before[table], table
    assert migrated.status() == (head, head, 0)


def test_rebuild_of_an_empty_log_leaves_an_empty_read_model(migrated: Cli) -> None:
    assert "rebuilt from 0 events" in migrated.ok("projections", "rebuild")
    assert all(rows == [] for rows in migrated.read_model().values())


# --- start-up guard -----------------------------------------------------------------------------------


def start_and_stop(cli: Cli) -> None:
    async def run() -> None:
        container = build(Settings(database_url=cli.url, read_database_url=None, run_projector=False))
        try:
            await container.start()
        finally:
            await container.stop()

    asyncio.run(run())


def test_the_service_refuses_to_start_on_an_unmigrated_database(cli: Cli) -> None:
    with pytest.raises(SchemaOutOfDate, match="threadline migrate"):
        start_and_stop(cli)


def test_the_service_refuses_to_start_when_only_the_write_schema_is_migrated(cli: Cli) -> None:
    async def migrate_write_only(c: Threadline) -> None:
        await upgrade(c.write_db.writer, "write")

    cli.with_container(migrate_write_only)
    with pytest.raises(SchemaOutOfDate, match="read"):
        start_and_stop(cli)


def test_the_service_starts_once_migrated(migrated: Cli) -> None:
    start_and_stop(migrated)


# --- relay --------------------------------------------------------------------------------------------


def test_relay_without_a_nats_url_says_what_to_set(migrated: Cli) -> None:
    migrated.env["THREADLINE_NATS_URL"] = None
    result = migrated.invoke("relay")
    assert result.exit_code == 2
    assert "THREADLINE_NATS_URL" in result.output


def test_the_command_line_loads_without_the_service_stack() -> None:
    """`serve --workers N` spawns each worker by importing the command line module before the
    worker answers uvicorn's 5 s health check: with the whole stack imported at the top, workers on
    a busy machine were killed as hung while still starting, and the server never came up."""
    probe = "import sys, threadline.cli.main; print(sorted(m for m in sys.modules if m in HEAVY))"
    heavy = "{'threadline.bootstrap', 'sqlalchemy', 'fastapi', 'redis'}"
    loaded = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {heavy}; {probe}"], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
