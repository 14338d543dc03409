"""Resuming is as good as never leaving: for any sequence of changes to a thread, a follower that
is cut off at arbitrary points and resumes each time from its Last-Event-ID is told, all its
streams put end to end, what a follower that was never cut off was told: the same ids, event
names and data, in the same order.

One exception, by design: an erasure (a hard delete) removes the erased comment's earlier
messages from the live feed, so a follower that was away while they were sent, and resumes after
the erasure, is not told them (only of the erasure itself).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api.live_support import STUCK_SECONDS, LiveReader, served
from tests.api.support import Api, Json
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant
from threadline.settings import Settings

Told = tuple[str, str, str]  # what a follower was told of one change: (id, event, data)
LIKERS = ["carol", "dave", "erin"]
TARGET = st.integers(0, 7)
step = st.one_of(
    st.tuples(st.just("create"), st.none() | TARGET),
    st.tuples(st.just("edit"), TARGET),
    st.tuples(st.just("like"), TARGET, st.integers(0, len(LIKERS) - 1)),
    st.tuples(st.just("unlike"), TARGET, st.integers(0, len(LIKERS) - 1)),
    st.tuples(st.just("delete"), TARGET),
    st.tuples(st.just("pin"), TARGET, st.booleans()),
    st.tuples(st.just("hard_delete"), TARGET),
    st.tuples(st.just("cut")),  # the follower leaves, or comes back if it had left
)

# A comment told of, then changed and erased while the follower is away: it must not be told the
# erased words on its return, only of the erasure.
ERASED_WHILE_AWAY = [
    ("create", None),
    ("create", 0),
    ("cut",),
    ("edit", 1),
    ("like", 1, 0),
    ("create", None),
    ("hard_delete", 1),
    ("cut",),
    ("edit", 2),
]
AWAY_AND_BACK_TWICE = [
    ("create", None),
    ("cut",),
    ("like", 0, 0),
    ("pin", 0, True),
    ("cut",),
    ("create", 0),
    ("cut",),
    ("cut",),
    ("delete", 0),
    ("cut",),
    ("unlike", 0, 0),
]


@pytest.fixture(name="settings")
def no_rate_limits(settings: Settings) -> Settings:
    """The shared backend's settings, without rate limits: every example writes as the same users."""
    return settings.model_copy(update={"rate_limits_enabled": False})


@pytest.fixture
async def base(container: Threadline) -> AsyncIterator[str]:
    async with served(container) as url:
        yield url


@pytest.fixture
async def api(base: str, tenant: Tenant) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        yield Api(http, tenant)


@dataclass
class Thread:
    """One example's thread, the changes made to it and the comments it holds."""

    api: Api
    entity_id: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:12]}")
    comments: list[tuple[str, str]] = field(default_factory=list)  # (id, author)

    def pick(self, index: int) -> tuple[str, str]:
        return self.comments[index % len(self.comments)]

    async def change(self, op: tuple[Any, ...]) -> None:
        """The change ``op`` asks for; one the rules refuse (editing a deleted comment, replying
        to an erased one …) changes nothing, and that is fine too."""
        kind = op[0]
        if kind == "create":
            payload: Json = {"entity_type": "post", "entity_id": self.entity_id, "content": "words"}
            user = "alice"
            if op[1] is not None and self.comments:
                payload["parent_id"], user = self.pick(op[1])[0], "bob"
            response = await self.api.send("POST", "/v1/comments", user=user, json=payload)
            if response.status_code == 201:
                self.comments.append((response.json()["id"], user))
            assert response.status_code < 500, response.text
            return
        if not self.comments:
            return
        comment_id, author = self.pick(op[1])
        path = f"/v1/comments/{comment_id}"
        if kind == "edit":
            response = await self.api.send("PATCH", path, user=author, json={"content": "new words"})
        elif kind in ("like", "unlike"):
            method = "PUT" if kind == "like" else "DELETE"
            response = await self.api.send(method, f"{path}/like", user=LIKERS[op[2]])
        elif kind == "delete":
            response = await self.api.send("DELETE", path, user=author)
        elif kind == "pin":
            method = "PUT" if op[2] else "DELETE"
            response = await self.api.send(method, f"{path}/pin", user="mod", role=Role.MODERATOR)
        else:
            response = await self.api.send(
                "DELETE", f"/v1/admin/{path[4:]}", user="root", role=Role.ADMIN, json={"reason": "erasure"}
            )
        assert response.status_code < 500, response.text


async def follow(base: str, thread: Thread, last_id: str | None = None) -> LiveReader:
    headers = {"X-Tenant-ID": thread.api.tenant.id}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    reader = LiveReader(f"{base}/v1/entities/post/{thread.entity_id}/live", headers=headers)
    await reader.start()
    assert reader.status == 200
    await reader.until_event("ready")
    return reader


async def until_handed_over(container: Threadline, position: int) -> None:
    """Until this process's hub has handed over every change made so far, so that a follower
    coming back now is told all it missed from the feed, erasures included."""
    hub = container.live
    assert hub is not None
    deadline = time.monotonic() + STUCK_SECONDS
    while hub.through < position:
        left = deadline - time.monotonic()
        assert left > 0, f"the hub did not get to position {position}"
        await container.signal.wait(min(left, 0.05))


async def until_told(reader: LiveReader, position: int) -> None:
    await reader.until(lambda: any(e.id == str(position) for e in reader.events))


def told(reader: LiveReader) -> list[Told]:
    return [(e.id, e.event, e.data) for e in reader.changes]


def comment_of(message: Told) -> str:
    return str(orjson.loads(message[2])["id"])


def kept_for_a_follower_away(uninterrupted: list[Told], gaps: list[tuple[int, int]]) -> list[Told]:
    """What a follower away during ``gaps`` (each: the position it left at, and the one it came
    back at) is told: everything, but the messages it missed of a comment erased before it came
    back."""
    erased_at = {comment_of(t): int(t[0]) for t in uninterrupted if t[1] == "comment.hard_deleted"}

    def forgotten(message: Told) -> bool:
        position, erasure = int(message[0]), erased_at.get(comment_of(message))
        return erasure is not None and any(left < position < erasure <= back for left, back in gaps)

    return [t for t in uninterrupted if not forgotten(t)]


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=14))
@example(steps=ERASED_WHILE_AWAY)
@example(steps=AWAY_AND_BACK_TWICE)
async def test_a_follower_cut_off_and_resuming_is_told_what_an_uninterrupted_one_was(
    steps: list[tuple[Any, ...]], container: Threadline, api: Api, base: str
) -> None:
    thread = Thread(api)
    uninterrupted = await follow(base, thread)
    streams = [await follow(base, thread)]
    gaps: list[tuple[int, int]] = []
    away = False

    async def come_back() -> None:
        await until_handed_over(container, api.log.value)
        left = streams[-1].last_id
        streams.append(await follow(base, thread, last_id=left))
        gaps.append((int(left), int(streams[-1].named("ready")[0].id)))

    try:
        for op in steps:
            if op[0] != "cut":
                await thread.change(op)
            elif away:
                await come_back()
                away = False
            else:
                await streams[-1].close()
                away = True
        if away:
            await come_back()
        # The last change: once both are told of it, both were told of everything before it.
        last = await api.create(entity_type="post", entity_id=thread.entity_id)
        for reader in (uninterrupted, streams[-1]):
            await until_told(reader, last["position"])
    finally:
        for reader in (uninterrupted, *streams):
            await reader.close()
    resumed = [t for reader in streams for t in told(reader)]
    assert resumed == kept_for_a_follower_away(told(uninterrupted), gaps)
    assert not any(reader.named("reset") for reader in (uninterrupted, *streams))
