"""Creates, replies and likes are run in front of the framework: byte for byte what the routed
request answers, errors included, and everything unusual is left to the framework."""

from __future__ import annotations

import base64
import functools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.support import MODERATOR, Api, assert_problem, routed_and_fronted
from tests.conftest import TokenFactory
from threadline.api import dependencies
from threadline.api.app import create_app
from threadline.api.fast_commands import FastCommands
from threadline.application.command_runner import CommandContext
from threadline.bootstrap import Threadline
from threadline.domain.tenant import Tenant

NOW = "2026-12-01T12:00:00.000000Z"
Compared = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command's context says the same time, so two answers can be equal to the byte."""
    monkeypatch.setattr(dependencies, "CommandContext", functools.partial(CommandContext, now=NOW))


@pytest.fixture
async def fast(client: httpx.AsyncClient, container: Threadline) -> FastCommands:
    return FastCommands(create_app(container=container), container)


@pytest.fixture
async def both(
    client: httpx.AsyncClient, container: Threadline, fast: FastCommands, frozen_clock: None
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with routed_and_fronted(create_app(container=container), fast) as pair:
        yield pair


def comparable(response: httpx.Response, swap: tuple[httpx.Response, str, str] | None = None) -> Compared:
    """Status, headers and body. ``swap`` = (twin, id, twin's id) makes a create comparable with
    its twin on the other path: the two values that necessarily differ between two distinct
    changes, the comment's id and the log position, are taken from the twin."""
    headers, body = sorted(response.headers.items()), response.content
    if swap is not None:
        twin, mine, theirs = swap
        position, twin_position = response.json()["position"], twin.json()["position"]
        body = body.replace(mine.encode(), theirs.encode()).replace(
            f'"position":{position},'.encode(), f'"position":{twin_position},'.encode()
        )
        headers = [
            (name, str(twin_position) if name == "x-threadline-position" else value)
            for name, value in headers
        ]
    return response.status_code, headers, body


def create_body(**fields: Any) -> dict[str, Any]:
    return {"entity_type": "post", "entity_id": "p1", "content": "hello **there**", **fields}


async def test_a_create_is_answered_as_the_framework_answers_it(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastCommands, make_token: TokenFactory
) -> None:
    routed, fronted = both
    auth = {"Authorization": f"Bearer {make_token('alice')}", "X-Correlation-ID": "corr-1"}
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())

    answered = await fronted.post(
        "/v1/comments", json=create_body(id=mine, content_format="markdown"), headers=auth
    )
    assert answered.status_code == 201 and fast.served == 1
    routed_answer = await routed.post(
        "/v1/comments", json=create_body(id=theirs, content_format="markdown"), headers=auth
    )
    assert routed_answer.status_code == 201
    assert comparable(answered, (routed_answer, mine, theirs)) == comparable(routed_answer)

    # A repeated create (the client's retry), a reply and its repeat: equal as they are.
    repeat = create_body(id=mine, content_format="markdown")
    assert comparable(await fronted.post("/v1/comments", json=repeat, headers=auth)) == comparable(
        await routed.post("/v1/comments", json=repeat, headers=auth)
    )
    reply = create_body(id=str(uuid.uuid4()), parent_id=mine, content="a reply")
    first = await fronted.post("/v1/comments", json=reply, headers=auth)
    assert first.status_code == 201 and first.json()["comment"]["depth"] == 1
    assert comparable(await fronted.post("/v1/comments", json=reply, headers=auth)) == comparable(
        await routed.post("/v1/comments", json=reply, headers=auth)
    )
    assert fast.served == 4


async def test_likes_and_unlikes_are_answered_as_the_framework_answers_them(
    api: Api, both: tuple[httpx.AsyncClient, httpx.AsyncClient], fast: FastCommands, make_token: TokenFactory
) -> None:
    routed, fronted = both
    target = (await api.create("like me"))["id"]
    bob, carol = (({"Authorization": f"Bearer {make_token(user)}"}) for user in ("bob", "carol"))
    path = f"/v1/comments/{target}/like"
    for method in ("PUT", "DELETE"):
        # A change on each path (by two users: a change cannot be made twice), then its repeat.
        changed = await fronted.request(method, path, headers=bob)
        routed_change = await routed.request(method, path, headers=carol)
        assert changed.json()["changed"] and routed_change.json()["changed"]
        assert comparable(changed, (routed_change, target, target)) == comparable(routed_change)
        repeat = await fronted.request(method, path, headers=bob)
        assert not repeat.json()["changed"]
        assert comparable(repeat) == comparable(await routed.request(method, path, headers=bob))
    assert fast.served == 4


async def _banned(api: Api) -> dict[str, str]:
    await api.ok("PUT", "/v1/moderation/bans/troll", json={"reason": "spam"}, **MODERATOR)
    return api.auth("troll")


@pytest.mark.parametrize(
    "case",
    [
        "reply to a missing parent",
        "banned author",
        "like of a missing comment",
        "another tenant named",
        "invalid body",
        "malformed json",
        "no token",
        "bad token",
        "token with a list for its algorithm",
        "body too large",
        "cross-origin",
    ],
)
async def test_errors_and_unusual_requests_are_answered_as_the_framework_answers_them(
    api: Api,
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
    fast: FastCommands,
    make_token: TokenFactory,
    other_tenant: Tenant,
    case: str,
) -> None:
    routed, fronted = both
    auth = {"Authorization": f"Bearer {make_token('alice')}"}
    json_body: dict[str, Any] | None = None
    content: bytes | None = None
    method, path, expected, answered_here = "POST", "/v1/comments", 422, True
    if case == "reply to a missing parent":
        json_body = create_body(parent_id=str(uuid.uuid4()))
    elif case == "banned author":
        auth = await _banned(api)
        json_body, expected = create_body(), 403
    elif case == "like of a missing comment":
        method, path, expected = "PUT", f"/v1/comments/{uuid.uuid4()}/like", 404
    elif case == "another tenant named":
        auth["X-Tenant-ID"] = other_tenant.id
        json_body, expected = create_body(), 403
    elif case == "invalid body":
        json_body, answered_here = create_body(content=""), False
        json_body["extra_field"] = 1
    elif case == "malformed json":
        content, expected, answered_here = b'{"entity_type": ', 400, False
    elif case == "no token":
        auth, json_body, expected, answered_here = {}, create_body(), 401, False
    elif case == "bad token":
        auth["Authorization"] = "Bearer not-a-token"
        json_body, expected, answered_here = create_body(), 401, False
    elif case == "token with a list for its algorithm":
        header = base64.urlsafe_b64encode(b'{"alg": ["HS256"], "typ": "JWT"}').decode().rstrip("=")
        auth["Authorization"] = f"Bearer {header}.{auth['Authorization'].split('.', 1)[1]}"
        json_body, expected, answered_here = create_body(), 401, False
    elif case == "body too large":
        json_body = create_body(content="x" * (api_max_body(fast) + 10))
        expected, answered_here = 413, False
    elif case == "cross-origin":
        auth["Origin"] = "https://elsewhere.test"
        json_body, expected, answered_here = create_body(parent_id=str(uuid.uuid4())), 422, False

    def send(http: httpx.AsyncClient) -> Any:
        headers = {**auth, **({"Content-Type": "application/json"} if content is not None else {})}
        return http.request(method, path, json=json_body, content=content, headers=headers)

    answered = await send(fronted)
    assert fast.served == (1 if answered_here else 0)
    assert_problem(answered, expected, answered.json()["code"])
    assert comparable(answered) == comparable(await send(routed))


def api_max_body(fast: FastCommands) -> int:
    return fast.container.settings.max_body_bytes
