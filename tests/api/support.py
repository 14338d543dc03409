"""What the HTTP tests share: tokens per user and role, commands that must succeed, reads that wait
for the writes made so far (``min_position``), and the RFC 9457 problem shape every error has."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypedDict

import httpx
from starlette.types import ASGIApp

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant

Json = dict[str, Any]
Params = Mapping[str, str | int | list[str]]


class Caller(TypedDict):
    """Who a request is sent as: spread into ``Api`` calls as ``**MODERATOR``."""

    user: str
    role: Role


MODERATOR = Caller(user="mod", role=Role.MODERATOR)

PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = frozenset({"type", "title", "status", "detail", "code"})
CONSISTENCY = "X-Threadline-Consistency"
# Every field of a comment node as the read model serves it (plus ``replies`` in trees).
NODE_FIELDS = frozenset(
    {
        "id",
        "entity_type",
        "entity_id",
        "parent_id",
        "depth",
        "author_id",
        "author_name",
        "author_avatar",
        "author_role",
        "content",
        "content_html",
        "content_format",
        "status",
        "is_pinned",
        "is_edited",
        "like_count",
        "reply_count",
        "view_count",
        "created_at",
        "updated_at",
        "edited_at",
    }
)


def assert_problem(response: httpx.Response, status: int, code: str) -> Json:
    """The response is an RFC 9457 problem with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON
    body: Json = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"].endswith("/" + code)
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def ids(nodes: list[Json]) -> list[str]:
    return [str(node["id"]) for node in nodes]


def contents(nodes: list[Json]) -> list[str | None]:
    return [node["content"] for node in nodes]


@dataclass
class LogPosition:
    """The highest log position any command returned; reads wait for it."""

    value: int = 0


@dataclass
class Api:
    """A thin client of the public API for one tenant."""

    http: httpx.AsyncClient
    tenant: Tenant
    log: LogPosition = field(default_factory=LogPosition)
    # Waits until an in-process projector has finished with a position, post-commit work (the
    # live counts) included: the stored checkpoint that min_position waits for is seen earlier.
    projected: Callable[[int], Awaitable[None]] | None = None

    def for_tenant(self, tenant: Tenant) -> Api:
        return Api(self.http, tenant, self.log, self.projected)

    # identity

    def token(self, user: str = "alice", role: Role = Role.USER, *, ttl_seconds: int = 3600) -> str:
        return issue_token(
            self.tenant,
            user_id=user,
            name=user.title(),
            role=role,
            avatar=f"https://img.test/{user}.png",
            ttl_seconds=ttl_seconds,
        )

    def auth(self, user: str = "alice", role: Role = Role.USER) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, role)}"}

    def public(self) -> dict[str, str]:
        return {"X-Tenant-ID": self.tenant.id}

    # commands

    async def send(
        self,
        method: str,
        path: str,
        *,
        user: str = "alice",
        role: Role = Role.USER,
        json: object = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """A command as ``user``; a successful one moves the position later reads wait for."""
        response = await self.http.request(
            method, path, json=json, params=params, headers={**self.auth(user, role), **(headers or {})}
        )
        if response.is_success and response.headers.get("content-type") == "application/json":
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("position"), int):
                assert response.headers["X-Threadline-Position"] == str(body["position"])
                self.log.value = max(self.log.value, body["position"])
        return response

    async def ok(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Json:
        response = await self.send(method, path, **kwargs)
        assert response.status_code == expect, response.text
        body: Json = response.json()
        return body

    async def create(
        self,
        content: str = "hello",
        *,
        user: str = "alice",
        role: Role = Role.USER,
        entity_type: str = "post",
        entity_id: str = "p1",
        parent_id: str | None = None,
        comment_id: str | None = None,
        content_format: str | None = None,
    ) -> Json:
        payload: Json = {"entity_type": entity_type, "entity_id": entity_id, "content": content}
        if parent_id is not None:
            payload["parent_id"] = parent_id
        if comment_id is not None:
            payload["id"] = comment_id
        if content_format is not None:
            payload["content_format"] = content_format
        return await self.ok("POST", "/v1/comments", expect=201, user=user, role=role, json=payload)

    async def reply(
        self, parent: Json, content: str = "a reply", *, user: str = "bob", role: Role = Role.USER
    ) -> Json:
        snapshot = parent["comment"]
        return await self.create(
            content,
            user=user,
            role=role,
            entity_type=snapshot["entity_type"],
            entity_id=snapshot["entity_id"],
            parent_id=parent["id"],
        )

    async def edit(
        self, comment_id: str, content: str, *, user: str = "alice", role: Role = Role.USER
    ) -> Json:
        return await self.ok(
            "PATCH", f"/v1/comments/{comment_id}", user=user, role=role, json={"content": content}
        )

    async def delete(
        self, comment_id: str, *, user: str = "alice", role: Role = Role.USER, reason: str | None = None
    ) -> Json:
        params = {"reason": reason} if reason is not None else None
        return await self.ok("DELETE", f"/v1/comments/{comment_id}", user=user, role=role, params=params)

    async def hard_delete(self, comment_id: str, *, reason: str = "GDPR erasure request") -> Json:
        return await self.ok(
            "DELETE",
            f"/v1/admin/comments/{comment_id}",
            user="root",
            role=Role.ADMIN,
            json={"reason": reason},
        )

    async def like(self, comment_id: str, *, user: str = "bob") -> Json:
        return await self.ok("PUT", f"/v1/comments/{comment_id}/like", user=user)

    async def unlike(self, comment_id: str, *, user: str = "bob") -> Json:
        return await self.ok("DELETE", f"/v1/comments/{comment_id}/like", user=user)

    async def pin(self, comment_id: str) -> Json:
        return await self.ok("PUT", f"/v1/comments/{comment_id}/pin", user="mod", role=Role.MODERATOR)

    async def unpin(self, comment_id: str) -> Json:
        return await self.ok("DELETE", f"/v1/comments/{comment_id}/pin", user="mod", role=Role.MODERATOR)

    # queries

    async def get(
        self,
        path: str,
        params: Params | None = None,
        *,
        user: str | None = None,
        role: Role = Role.USER,
        fresh: bool = True,
    ) -> httpx.Response:
        """A read, public unless ``user`` is given. ``fresh`` waits for the projector to apply
        every write made so far, then reads with min_position and checks the response says it
        caught up."""
        query: dict[str, Any] = dict(params or {})
        if fresh and self.log.value:
            if self.projected is not None:
                await self.projected(self.log.value)
            query["min_position"] = self.log.value
        headers = self.auth(user, role) if user is not None else self.public()
        response = await self.http.get(path, params=query, headers=headers)
        if "min_position" in query and response.status_code == 200:
            assert response.headers[CONSISTENCY] == "caught-up"
        return response

    async def read(self, path: str, params: Params | None = None, **kwargs: Any) -> Json:
        response = await self.get(path, params, **kwargs)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body: Json = response.json()
        return body

    async def thread(
        self, entity_type: str = "post", entity_id: str = "p1", params: Params | None = None, **kwargs: Any
    ) -> Json:
        return await self.read(f"/v1/entities/{entity_type}/{entity_id}/comments", params, **kwargs)

    async def comment(self, comment_id: str, **kwargs: Any) -> Json:
        return await self.read(f"/v1/comments/{comment_id}", **kwargs)

    async def replies(self, comment_id: str, params: Params | None = None, **kwargs: Any) -> Json:
        return await self.read(f"/v1/comments/{comment_id}/replies", params, **kwargs)

    async def settle(self) -> None:
        """Wait until the read model has every write so far, for routes without min_position
        (search, counts, history)."""
        await self.thread("sync", "sync")
        if self.projected is not None:
            await self.projected(self.log.value)

    async def search(self, q: str, **params: str | int) -> Json:
        await self.settle()
        return await self.read("/v1/search", {"q": q, **params}, fresh=False)

    async def counts(self, entity_ids: list[str], entity_type: str = "post") -> dict[str, int]:
        await self.settle()
        body = await self.read(
            "/v1/counts", {"entity_type": entity_type, "entity_id": entity_ids}, fresh=False
        )
        assert body["entity_type"] == entity_type
        counts: dict[str, int] = body["counts"]
        return counts

    async def history(self, comment_id: str, *, user: str = "alice", role: Role = Role.USER) -> list[Json]:
        await self.settle()
        response = await self.http.get(f"/v1/comments/{comment_id}/history", headers=self.auth(user, role))
        assert response.status_code == 200, response.text
        data: list[Json] = response.json()["data"]
        return data

    async def audit(self, **params: str | int) -> Json:
        response = await self.http.get(
            "/v1/admin/audit", params=params, headers=self.auth("root", Role.ADMIN)
        )
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body

    async def audit_events(self, **params: str | int) -> list[Json]:
        """Every audit event matching the filters, following next_cursor to the end."""
        events: list[Json] = []
        cursor: str | None = None
        while True:
            page = await self.audit(**params, **({"cursor": cursor} if cursor else {}))
            events.extend(page["data"])
            cursor = page["meta"]["next_cursor"]
            if cursor is None:
                return events


FAST_PATH_BASE = "http://threadline.test"


@asynccontextmanager
async def routed_and_fronted(
    routed: ASGIApp, fronted: ASGIApp
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Clients of the framework app alone and of a fast path in front of it, to compare answers."""
    pair = (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=routed), base_url=FAST_PATH_BASE),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fronted), base_url=FAST_PATH_BASE),
    )
    async with pair[0], pair[1]:
        yield pair


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    """What two paths must answer alike: status, headers and body."""
    return response.status_code, sorted(response.headers.items()), response.content
