"""Live updates over real HTTP (Server-Sent Events), on both backends: what a thread's followers
and a tenant's moderators are sent, who is sent what, resuming without gap or duplicate, resets,
limits, slow clients, disabled tenants, heartbeats and shutdown.

Commands go through the ``api`` fixture; streams are read from the service served by uvicorn
(``tests/api/live_support.py``), as a browser's EventSource reads them.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from httpx_sse import ServerSentEvent
from pydantic import SecretStr

from tests.api.live_support import STUCK_SECONDS, LiveReader, served
from tests.api.support import MODERATOR, Api, Json, assert_problem
from threadline.application.live.hub import Subscription
from threadline.bootstrap import Threadline
from threadline.domain.identity import Role
from threadline.domain.tenant import ErasureMode, Tenant, TenantSettings
from threadline.settings import Settings

MOD = MODERATOR
OPERATOR = {"X-Operator-Key": "operator-secret"}
# How many of each stream's messages of each name a test took with ``next_change`` (the readers
# live as long as their test, so their ids are unique in it).
_TAKEN: dict[tuple[int, str], int] = {}


@pytest.fixture
def live_settings(request: pytest.FixtureRequest) -> dict[str, object]:
    """What a test changes of the live settings: parametrize it indirectly."""
    changes: dict[str, object] = getattr(request, "param", {})
    return changes


@pytest.fixture
def settings(settings: Settings, live_settings: dict[str, object]) -> Settings:
    """The shared backend's settings; a short heartbeat so idle streams check their tenant often."""
    return settings.model_copy(update={"live_heartbeat_seconds": 0.5, **live_settings})


class Live:
    """The served service's streams, closed when the test ends."""

    def __init__(self, base: str, api: Api) -> None:
        self.base = base
        self.api = api
        self.readers: list[LiveReader] = []

    def thread_url(self, entity_id: str = "p1", entity_type: str = "post") -> str:
        return f"{self.base}/v1/entities/{entity_type}/{entity_id}/live"

    def headers(self, user: str | None, role: Role) -> dict[str, str]:
        return self.api.public() if user is None else self.api.auth(user, role)

    async def open(
        self,
        url: str,
        *,
        user: str | None = None,
        role: Role = Role.USER,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        ready: bool = True,
    ) -> LiveReader:
        reader = LiveReader(url, headers=headers if headers is not None else self.headers(user, role))
        reader.params = params or {}
        self.readers.append(reader)
        await reader.start()
        if ready:
            assert reader.status == 200, getattr(reader, "body", b"")
            await reader.until_event("ready")
        return reader

    async def thread(self, entity_id: str = "p1", **kwargs: Any) -> LiveReader:
        return await self.open(self.thread_url(entity_id), **kwargs)

    async def tenant(self, **kwargs: Any) -> LiveReader:
        params = {"scope": "tenant", **kwargs.pop("params", {})}
        return await self.open(f"{self.base}/v1/live", params=params, **kwargs)

    async def refused(self, url: str, **kwargs: Any) -> httpx.Response:
        """A request the service answers with an error before any stream starts."""
        async with httpx.AsyncClient(timeout=STUCK_SECONDS) as http:
            return await http.get(url, **kwargs)


@pytest.fixture
async def live(container: Threadline, api: Api) -> AsyncIterator[Live]:
    _TAKEN.clear()
    async with served(container) as base:
        streams = Live(base, api)
        try:
            yield streams
        finally:
            for reader in streams.readers:
                await reader.close()


def data(event: ServerSentEvent) -> Any:
    return orjson.loads(event.data)


def names(reader: LiveReader) -> list[str]:
    return [e.event for e in reader.changes]


def sent(reader: LiveReader) -> list[str]:
    """Every named event the stream sent (httpx-sse reports the retry field and the heartbeat
    comments as nameless "message" events: they carry nothing)."""
    return [e.event for e in reader.events if e.event != "message"]


async def next_change(reader: LiveReader, name: str) -> Json:
    """The data of the stream's next ``name`` message not yet taken by this test (waits for it
    if it has not arrived yet)."""
    key = (id(reader), name)
    taken = _TAKEN.get(key, 0)
    found = await reader.until_event(name, taken + 1)
    _TAKEN[key] = taken + 1
    body: Json = data(found[taken])
    return body


async def until_gone(container: Threadline, subscription: Subscription) -> None:
    """Until the hub no longer hands anything to ``subscription`` (its stream ended)."""
    assert container.live is not None
    deadline = time.monotonic() + STUCK_SECONDS
    while subscription in set(container.live.subscriptions()):
        assert time.monotonic() < deadline, "the stream was never ended"
        await asyncio.sleep(0.05)


async def subscribed(container: Threadline, known: set[Subscription]) -> Subscription:
    """The one subscription registered since ``known`` was taken."""
    assert container.live is not None
    deadline = time.monotonic() + STUCK_SECONDS
    while True:
        fresh = set(container.live.subscriptions()) - known
        if fresh:
            [subscription] = fresh
            return subscription
        assert time.monotonic() < deadline, "the stream never subscribed"
        await asyncio.sleep(0.02)


# --- what a thread's followers are sent ------------------------------------------------------


async def test_every_change_reaches_a_follower_with_the_comment_as_a_read_returns_it(
    live: Live, api: Api
) -> None:
    follower = await live.thread()

    async def same_as_read(name: str, comment_id: str) -> None:
        sent = await next_change(follower, name)
        assert sent == await api.comment(comment_id)

    root = await api.create("the first words")
    await same_as_read("comment.created", root["id"])
    reply = await api.reply(root, "a reply")
    await same_as_read("comment.created", reply["id"])
    await api.edit(root["id"], "the second words")
    await same_as_read("comment.updated", root["id"])
    await api.like(root["id"])
    await same_as_read("comment.liked", root["id"])
    assert follower.data(follower.named("comment.liked")[-1])["like_count"] == 1
    await api.unlike(root["id"])
    await same_as_read("comment.unliked", root["id"])
    await api.pin(root["id"])
    await same_as_read("comment.pinned", root["id"])
    await api.unpin(root["id"])
    await same_as_read("comment.unpinned", root["id"])
    await api.ok("PUT", "/v1/entities/post/p1/lock", json={}, **MOD)
    assert await next_change(follower, "thread.locked") == {
        "entity_type": "post",
        "entity_id": "p1",
        "locked": True,
    }
    await api.ok("DELETE", "/v1/entities/post/p1/lock", **MOD)
    assert (await next_change(follower, "thread.unlocked"))["locked"] is False
    await api.delete(root["id"])  # a tombstone: it has a reply
    tombstone = await next_change(follower, "comment.deleted")
    assert (tombstone["status"], tombstone["content"], tombstone["author_id"]) == ("DELETED", None, None)
    assert tombstone == await api.comment(root["id"])
    await api.hard_delete(reply["id"])
    assert await next_change(follower, "comment.hard_deleted") == {
        "id": reply["id"],
        "entity_type": "post",
        "entity_id": "p1",
        "status": "DELETED",
    }

    positions = [int(e.id) for e in follower.changes]
    assert positions == sorted(set(positions)), "every message once, in log order"
    assert positions[-1] <= api.log.value
    assert all(e.event != "reset" for e in follower.events)


async def test_a_follower_is_sent_its_own_thread_alone(live: Live, api: Api) -> None:
    p1, p2 = await live.thread("p1"), await live.thread("p2")

    first = await api.create("on p1")
    second = await api.create("on p2", entity_id="p2")
    third = await api.create("p1 again")
    await p1.until(lambda: len(p1.changes) == 2)
    await p2.until(lambda: len(p2.changes) == 1)

    assert [data(e)["id"] for e in p1.changes] == [first["id"], third["id"]]
    assert [data(e)["id"] for e in p2.changes] == [second["id"]]


async def test_an_anonymized_authors_comments_arrive_without_author_and_a_resume_forgets_them(
    live: Live, api: Api, container: Threadline, tenant: Tenant
) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(erasure_mode=ErasureMode.ANONYMIZE))
    container.verifier.forget(tenant.id)
    follower = await live.thread()
    created = await api.create("words that stay", user="alice")
    await follower.until_event("comment.created")

    await api.ok("DELETE", "/v1/users/alice", user="root", role=Role.ADMIN)
    anonymized = await next_change(follower, "comment.anonymized")

    assert anonymized["id"] == created["id"] and anonymized["content"] == "words that stay"
    assert [anonymized[f] for f in ("author_id", "author_name", "author_avatar")] == [None, None, None]
    assert anonymized == await api.comment(created["id"])
    resumed = await live.thread(params={"after": "0"})
    assert [e.event for e in resumed.changes] == ["comment.anonymized"]
    assert not any(b"Alice" in e.data.encode() or b"alice" in e.data.encode() for e in resumed.events)


# --- who is sent what -------------------------------------------------------------------------


async def test_a_pending_comment_reaches_only_its_author_and_moderators(
    live: Live, api: Api, container: Threadline, tenant: Tenant
) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(tenant.id)
    anonymous, bob = await live.thread(), await live.thread(user="bob")
    alice, moderator = await live.thread(user="alice"), await live.thread(**MOD)
    queue = await live.tenant(**MOD)

    pending = await api.create("waiting words", user="alice")
    await api.edit(pending["id"], "waiting words, edited", user="alice")
    for reader in (alice, moderator, queue):
        created = await next_change(reader, "comment.created")
        assert (created["id"], created["status"]) == (pending["id"], "PENDING")
        edited = await next_change(reader, "comment.updated")
        assert (edited["status"], edited["content"]) == ("PENDING", "waiting words, edited")
    own = await api.comment(pending["id"], user="alice")
    own.pop("current_user_liked")
    assert data(alice.named("comment.updated")[-1]) == own

    turned_down = await api.create("words nobody may read", user="alice")
    await api.ok("POST", f"/v1/comments/{turned_down['id']}/reject", json={"reason": "no"}, **MOD)
    for reader in (alice, moderator, queue):
        rejected = await next_change(reader, "comment.rejected")
        assert rejected == {
            "id": turned_down["id"],
            "entity_type": "post",
            "entity_id": "p1",
            "status": "REJECTED",
        }
    await api.ok("POST", f"/v1/comments/{pending['id']}/approve", **MOD)
    for reader in (anonymous, bob, alice, moderator):
        approved = await next_change(reader, "comment.approved")
        assert (approved["id"], approved["status"]) == (pending["id"], "ACTIVE")
    assert data(anonymous.named("comment.approved")[0]) == await api.comment(pending["id"])

    for outsider in (anonymous, bob):
        assert names(outsider) == ["comment.approved"]
        assert not any("words nobody may read" in e.data for e in outsider.events)
    assert "words nobody may read" not in "".join(e.data for e in alice.named("comment.rejected"))


async def test_a_pending_comment_its_author_deletes_is_never_shown_to_anyone_else(
    live: Live, api: Api, container: Threadline, tenant: Tenant
) -> None:
    await container.tenants.set_settings(tenant.id, TenantSettings(premoderation=True))
    container.verifier.forget(tenant.id)
    anonymous, bob = await live.thread(), await live.thread(user="bob")

    pending = await api.create("second thoughts", user="alice")
    await api.delete(pending["id"], user="alice")
    # After them: once this one arrives, they were judged.
    published = await api.create("a moderator's words", **MOD)
    for reader in (anonymous, bob):
        await reader.until_event("comment.created")

        assert [data(e)["id"] for e in reader.changes] == [published["id"]]


async def test_a_published_comment_taken_down_reaches_the_public_as_a_delete_without_its_words(
    live: Live, api: Api
) -> None:
    anonymous, queue = await live.thread(), await live.thread(**MOD)
    root = await api.create("abusive words")
    await api.reply(root, "an innocent reply")
    await api.ok("POST", f"/v1/comments/{root['id']}/report", json={"reason": "abuse"}, user="bob")
    # Its own batch: a report on a comment taken down by the end of its batch is not shown.
    reported = await next_change(queue, "comment.reported")
    await api.ok("POST", f"/v1/comments/{root['id']}/reject", json={"reason": "abusive"}, **MOD)

    deleted = await next_change(anonymous, "comment.deleted")

    assert deleted == await api.comment(root["id"])
    assert (deleted["id"], deleted["status"], deleted["content"], deleted["content_html"]) == (
        root["id"],
        "DELETED",
        None,
        None,
    )
    assert (reported["id"], reported["content"]) == (root["id"], "abusive words")
    assert names(anonymous) == ["comment.created", "comment.created", "comment.deleted"]
    assert data(anonymous.changes[0])["content"] == "abusive words"  # as published, before
    assert "comment.rejected" not in names(anonymous)


async def test_an_erased_comment_is_dropped_by_id_and_a_resume_no_longer_carries_its_words(
    live: Live, api: Api
) -> None:
    follower = await live.thread()
    secret = await api.create("first secret words")
    await api.edit(secret["id"], "second secret words")
    kept = await api.create("kept words")
    await follower.until(lambda: len(follower.changes) == 3)

    await api.hard_delete(secret["id"])
    erased = await next_change(follower, "comment.hard_deleted")

    assert erased == {"id": secret["id"], "entity_type": "post", "entity_id": "p1", "status": "DELETED"}
    for resumed in (
        await live.thread(params={"after": "0"}),
        await live.thread(headers={**live.api.public(), "Last-Event-ID": "0"}),
    ):
        assert [(e.event, data(e)["id"]) for e in resumed.changes] == [
            ("comment.created", kept["id"]),
            ("comment.hard_deleted", secret["id"]),
        ]
        assert not any("secret words" in e.data for e in resumed.events)


async def test_a_tenants_stream_carries_every_thread_and_the_moderation_queue_to_moderators(
    live: Live, api: Api
) -> None:
    queue = await live.tenant(**MOD)
    admin = await live.tenant(user="root", role=Role.ADMIN)

    on_p1 = await api.create("on p1")
    await api.create("on p2", entity_id="p2")
    await api.ok("POST", f"/v1/comments/{on_p1['id']}/report", json={"reason": "spam"}, user="bob")
    await api.ok("PUT", "/v1/moderation/bans/bob", json={"reason": "spam"}, **MOD)
    await api.ok("DELETE", "/v1/moderation/bans/bob", **MOD)

    for reader in (queue, admin):
        await reader.until_event("user.unbanned")
        assert names(reader) == [
            "comment.created",
            "comment.created",
            "comment.reported",
            "user.banned",
            "user.unbanned",
        ]
        banned = data(reader.named("user.banned")[0])
        assert (banned["user_id"], banned["reason"], banned["expires_at"]) == ("bob", "spam", None)
        assert data(reader.named("user.unbanned")[0])["user_id"] == "bob"
        assert [data(e)["entity_id"] for e in reader.changes[:2]] == ["p1", "p2"]


async def test_a_tenants_stream_is_for_moderators_and_admins_alone(live: Live, api: Api) -> None:
    url = f"{live.base}/v1/live"

    user = await live.refused(url, params={"scope": "tenant"}, headers=api.auth("alice"))
    anonymous = await live.refused(url, params={"scope": "tenant"}, headers=api.public())
    by_query = await live.refused(url, params={"scope": "tenant", "tenant": api.tenant.id})

    assert_problem(user, 403, "permission_denied")
    assert_problem(anonymous, 401, "authentication_required")
    assert_problem(by_query, 401, "authentication_required")
    token = api.token("mod", Role.MODERATOR)
    await live.tenant(headers={}, params={"access_token": token})


async def test_a_private_tenants_threads_need_a_token_which_a_query_parameter_may_carry(
    live: Live, api: Api, container: Threadline, tenant: Tenant
) -> None:
    public_first = await live.thread(headers={}, params={"tenant": tenant.id})
    await container.tenants.set_settings(tenant.id, TenantSettings(public_reads=False))
    container.verifier.forget(tenant.id)

    by_header = await live.refused(live.thread_url(), headers=api.public())
    by_query = await live.refused(live.thread_url(), params={"tenant": tenant.id})
    assert_problem(by_header, 401, "authentication_required")
    assert_problem(by_query, 401, "authentication_required")

    signed_in = await live.thread(headers={}, params={"access_token": api.token("bob")})
    created = await api.create("for members")
    assert (await next_change(signed_in, "comment.created"))["id"] == created["id"]
    assert public_first.status == 200


# --- resuming ----------------------------------------------------------------------------------


async def test_a_resumed_stream_gets_exactly_what_it_missed_then_ready_then_what_comes(
    live: Live, api: Api
) -> None:
    always = await live.thread()
    for n in range(3):
        await api.create(f"before {n}")
    await always.until(lambda: len(always.changes) == 3)
    left_at = always.last_id
    for n in range(4):
        await api.create(f"while away {n}")
    await always.until(lambda: len(always.changes) == 7)
    missed = [(e.id, e.event, e.data) for e in always.changes[3:]]

    by_header = await live.thread(headers={**api.public(), "Last-Event-ID": left_at})
    by_query = await live.thread(params={"after": left_at})
    header_wins = await live.thread(headers={**api.public(), "Last-Event-ID": left_at}, params={"after": "0"})
    await api.create("after the resume")
    await always.until(lambda: len(always.changes) == 8)

    for resumed in (by_header, by_query, header_wins):
        await resumed.until(lambda r=resumed: len(r.changes) == 5)  # type: ignore[misc]
        assert [(e.id, e.event, e.data) for e in resumed.changes[:4]] == missed
        assert sent(resumed)[:5] == ["comment.created"] * 4 + ["ready"]
        ready = resumed.named("ready")[0]
        assert ready.id == always.changes[6].id
        assert data(ready) == {"position": int(ready.id)}
        assert resumed.changes[4].data == always.changes[7].data


async def test_a_stream_resumed_while_comments_keep_coming_misses_none_and_repeats_none(
    live: Live, api: Api
) -> None:
    always = await live.thread()
    await api.create("the start")
    await always.until(lambda: len(always.changes) == 1)
    left_at = always.last_id

    async def writing() -> None:
        for n in range(15):
            await api.create(f"busy {n}")

    writer = asyncio.create_task(writing())
    resumed = await live.thread(params={"after": left_at})
    await writer
    await always.until(lambda: len(always.changes) == 16)
    await resumed.until(lambda: len(resumed.changes) >= 15)

    assert [e.id for e in resumed.changes] == [e.id for e in always.changes[1:]]
    assert [e.data for e in resumed.changes] == [e.data for e in always.changes[1:]]


async def test_a_fresh_stream_starts_at_ready_with_the_position_to_resume_from(live: Live, api: Api) -> None:
    await api.create("already there")
    await api.settle()
    fresh = await live.thread()

    assert sent(fresh) == ["ready"]
    position = int(fresh.named("ready")[0].id)
    assert position >= api.log.value - 1  # the settle's own read adds no event
    created = await api.create("new")
    assert (await next_change(fresh, "comment.created"))["id"] == created["id"]
    assert int(fresh.changes[0].id) > position


MALFORMED = ("abc", "-1", "1e3", "12 34", "0x10", "", "4611686018427387905", "99999999999999999999", "9" * 40)


async def test_a_malformed_resume_position_is_refused(live: Live, api: Api) -> None:
    url = live.thread_url()
    for given in MALFORMED:
        header = await live.refused(url, headers={**api.public(), "Last-Event-ID": given})
        query = await live.refused(url, headers=api.public(), params={"after": given})
        tenant = await live.refused(
            f"{live.base}/v1/live",
            headers={**api.auth("mod", Role.MODERATOR), "Last-Event-ID": given},
            params={"scope": "tenant"},
        )

        for response in (header, query, tenant):
            assert_problem(response, 400, "invalid_last_event_id")


async def test_the_largest_position_is_well_formed_and_beyond_the_head_so_it_resets(
    live: Live, api: Api
) -> None:
    beyond = await live.thread(params={"after": str(2**62)}, ready=False)
    await beyond.until(lambda: beyond.ended)

    assert beyond.status == 200
    assert sent(beyond) == ["reset"]
    assert data(beyond.named("reset")[0]) == {"reason": "position_unavailable"}


async def test_a_stream_of_an_invalid_entity_is_refused(live: Live, api: Api) -> None:
    for path in (
        "/v1/entities/Bad%20Type/p1/live",
        "/v1/entities/post/%01/live",
        f"/v1/entities/post/{'x' * 257}/live",
    ):
        response = await live.refused(live.base + path, headers=api.public())

        assert_problem(response, 422, "invalid_entity")


async def test_a_position_beyond_the_projections_head_gets_one_reset_and_the_stream_ends(
    live: Live, api: Api
) -> None:
    await api.create("something")
    await api.settle()

    ahead = await live.thread(params={"after": str(api.log.value + 1000)}, ready=False)
    await ahead.until(lambda: ahead.ended)

    assert sent(ahead) == ["reset"]
    assert data(ahead.named("reset")[0]) == {"reason": "position_unavailable"}


async def test_a_position_older_than_what_is_kept_gets_one_reset_and_the_stream_ends(
    live: Live, api: Api, container: Threadline
) -> None:
    recorder = container.projector.live
    assert recorder is not None and container.live is not None
    recorder.retention_seconds = 0.001
    recorder.prune_every_seconds = 0
    follower = await live.thread()
    for n in range(3):
        await api.create(f"soon forgotten {n}")
    await follower.until(lambda: len(follower.changes) == 3)
    first = follower.changes[0].id

    async def pruned_past_first() -> bool:
        return await container.live.feed.horizon() >= int(first)  # type: ignore[union-attr]

    deadline = time.monotonic() + STUCK_SECONDS
    while not await pruned_past_first():  # each batch prunes what came before it
        assert time.monotonic() < deadline
        await api.create("one more")
        await api.settle()

    for stale in (
        await live.thread(params={"after": "0"}, ready=False),
        await live.thread(headers={**api.public(), "Last-Event-ID": str(int(first) - 1)}, ready=False),
    ):
        await stale.until(lambda s=stale: s.ended)  # type: ignore[misc]
        assert sent(stale) == ["reset"]
        assert data(stale.named("reset")[0]) == {"reason": "position_unavailable"}
    assert not any(e.event == "reset" for e in follower.events)  # a live stream goes on


# --- limits, slow clients, tenants and shutdown -------------------------------------------------


@pytest.mark.parametrize("live_settings", [{"live_max_streams_per_address": 2}], indirect=True)
async def test_an_address_over_its_stream_limit_is_refused_until_one_closes(
    live: Live, api: Api, container: Threadline
) -> None:
    assert container.live is not None
    known = set(container.live.subscriptions())
    first = await live.thread()
    subscription = await subscribed(container, known)
    await live.thread("p2")

    over = await live.refused(live.thread_url("p3"), headers=api.public())
    assert_problem(over, 429, "too_many_live_streams")
    await first.close()
    await until_gone(container, subscription)

    await live.thread("p3")


@pytest.mark.parametrize(
    "live_settings",
    [{"live_queue_size": 2, "live_send_timeout_seconds": 600.0, "rate_limits_enabled": False}],
    indirect=True,
)
async def test_a_client_that_never_reads_is_ended_while_other_followers_get_everything(
    api: Api, container: Threadline
) -> None:
    assert container.live is not None
    async with served(container, send_buffer_bytes=8192) as base:
        await never_read_while_another_reads(Live(base, api), api, container)


async def never_read_while_another_reads(live: Live, api: Api, container: Threadline) -> None:
    assert container.live is not None
    reading = await live.thread()
    known = set(container.live.subscriptions())
    host, port = urlsplit(live.base).hostname, urlsplit(live.base).port
    never_read = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    never_read.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few messages
    never_read.setblocking(False)
    await asyncio.get_running_loop().sock_connect(never_read, (host, port))
    request = (
        f"GET /v1/entities/post/p1/live HTTP/1.1\r\nHost: {host}\r\nX-Tenant-ID: {api.tenant.id}\r\n\r\n"
    )
    await asyncio.get_running_loop().sock_sendall(never_read, request.encode())
    stuck = await subscribed(container, known)
    try:
        created: list[str] = []
        words = "ü" * 10_000  # the largest comment, two bytes a letter, twice in each message
        deadline = time.monotonic() + STUCK_SECONDS
        while stuck in set(container.live.subscriptions()):
            assert time.monotonic() < deadline, f"never ended, after {len(created)} comments"
            created.append((await api.create(words))["id"])  # commands go on regardless
            # In step with the reading follower, so only the one that never reads falls behind.
            await reading.until(lambda: len(reading.changes) == len(created))
        created.append((await api.create("after it ended"))["id"])

        await reading.until(lambda: len(reading.changes) == len(created))
        assert [data(e)["id"] for e in reading.changes] == created
        assert stuck.overflowed and stuck.closed
        assert not any(e.event == "reset" for e in reading.events)
    finally:
        never_read.close()
        await reading.close()


@pytest.mark.parametrize("live_settings", [{"live_heartbeat_seconds": 0.2}], indirect=True)
async def test_the_streams_of_a_tenant_disabled_by_the_operator_end_with_a_reset(
    live: Live, api: Api, container: Threadline, tenant: Tenant
) -> None:
    container.settings.operator_key = SecretStr("operator-secret")
    anonymous, moderator = await live.thread(), await live.tenant(**MOD)

    disabled = await api.http.post(f"/v1/operator/tenants/{tenant.id}/disable", headers=OPERATOR)
    assert disabled.status_code == 200, disabled.text

    for reader in (anonymous, moderator):
        await reader.until(lambda r=reader: r.ended)  # type: ignore[misc]
        assert sent(reader)[-1] == "reset"
        assert data(reader.named("reset")[0]) == {"reason": "tenant_disabled"}
    # Refused as every read of a disabled tenant is (a 401: its tokens no longer count either).
    assert_problem(await live.refused(live.thread_url(), headers=api.public()), 401, "tenant_disabled")


@pytest.mark.parametrize(
    "live_settings", [{"live_heartbeat_seconds": 0.2, "live_retry_ms": 4321}], indirect=True
)
async def test_an_idle_stream_sends_heartbeats_after_its_retry_field(live: Live, api: Api) -> None:
    lines: list[str] = []
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(STUCK_SECONDS)) as http,
        http.stream("GET", live.thread_url(), headers=api.public()) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        async for line in response.aiter_lines():
            lines.append(line)
            if lines.count(": heartbeat") >= 2:
                break

    assert "retry: 4321" in lines
    assert lines.index("retry: 4321") < lines.index("event: ready") < lines.index(": heartbeat")


async def test_closing_the_hub_ends_every_open_stream_without_a_reset(
    live: Live, api: Api, container: Threadline
) -> None:
    assert container.live is not None
    readers = [await live.thread(), await live.thread("p2"), await live.tenant(**MOD)]

    await container.live.close()

    for reader in readers:
        await reader.until(lambda r=reader: r.ended)  # type: ignore[misc]
        assert sent(reader) == ["ready"]
    assert container.live.subscribers == 0
    again = await live.thread()  # a reconnect starts the hub anew
    created = await api.create("after the restart")
    assert (await next_change(again, "comment.created"))["id"] == created["id"]


async def test_the_fast_read_paths_in_front_leave_live_streams_to_the_route(live: Live, api: Api) -> None:
    await api.create("cached")
    await api.thread()  # the page is prepared and cached: the fast path would answer it
    page = await live.refused(f"{live.base}/v1/entities/post/p1/comments", headers=api.public())
    assert page.status_code == 200

    by_header = await live.thread()
    by_query = await live.thread(headers={}, params={"tenant": api.tenant.id})
    created = await api.create("live")

    for reader in (by_header, by_query):
        assert (await next_change(reader, "comment.created"))["id"] == created["id"]
