"""Every error is an RFC 9457 problem with a stable code, whatever a client sends; none is a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import pytest

from tests.api.support import PROBLEM_JSON, Api, assert_problem
from threadline.domain.identity import Role

# tokens


def _segment(data: object) -> str:
    # json.dumps escapes lone surrogates, so a token can carry what no UTF-8 encoder would.
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def forge(
    claims: dict[str, object], secret: str, *, alg: object = "HS256", header: dict[str, object] | None = None
) -> str:
    """A JWT signed by hand, so its header and claims can be anything at all."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT', **(header or {})})}.{_segment(claims)}"
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}.get(str(alg), hashlib.sha256)
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    if alg == "none":
        return signing_input + "."
    return signing_input + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")


def _claims(api: Api, **overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "alice",
        "tid": api.tenant.id,
        "name": "Alice",
        "role": "user",
        "exp": int(time.time()) + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


CREATE = {"entity_type": "post", "entity_id": "p1", "content": "hello"}


async def test_a_valid_token_is_accepted(api: Api) -> None:
    response = await api.http.post(
        "/v1/comments",
        json=CREATE,
        headers={"Authorization": f"Bearer {forge(_claims(api), api.tenant.secret)}"},
    )

    assert response.status_code == 201
    assert response.json()["comment"]["author_id"] == "alice"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer",
        "Bearer    ",
        "Token abc",
        "Bearer not.a.jwt",
        "Bearer abc",
        "Bearer " + "x" * 9000,
        "Bearer eyJhbGciOiJIUzI1NiJ9.W10.c2ln",  # claims are a list
        "Bearer é.é.é",
    ],
)
async def test_a_malformed_authorization_header_is_invalid_token(api: Api, authorization: str) -> None:
    headers = {b"Authorization": authorization.encode("latin-1")}

    response = await api.http.post("/v1/comments", json=CREATE, headers=headers)

    assert_problem(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "case",
    [
        "wrong-secret",
        "alg-none",
        "alg-hs512",
        "unknown-tenant",
        "no-tenant",
        "tenant-not-a-string",
        "no-exp",
        "no-role",
        "no-sub",
        "bad-role",
        "empty-sub",
        "sub-not-a-string",
        "long-name",
        "exp-not-a-number",
        "surrogate-tenant",
        "surrogate-sub",
        "surrogate-name",
        "surrogate-avatar",
        "nul-sub",
        "nul-name",
        "alg-a-list",
        "kid-a-list",
    ],
)
async def test_a_token_that_fails_verification_is_invalid_token(
    api: Api, lenient_http: httpx.AsyncClient, case: str
) -> None:
    secret = api.tenant.secret
    token = {
        "wrong-secret": lambda: forge(_claims(api), "not-the-secret"),
        "alg-none": lambda: forge(_claims(api), secret, alg="none"),
        "alg-hs512": lambda: forge(_claims(api), secret, alg="HS512"),
        "unknown-tenant": lambda: forge(_claims(api, tid=str(uuid.uuid4())), secret),
        "no-tenant": lambda: forge({k: v for k, v in _claims(api).items() if k != "tid"}, secret),
        "tenant-not-a-string": lambda: forge(_claims(api, tid=7), secret),
        "no-exp": lambda: forge({k: v for k, v in _claims(api).items() if k != "exp"}, secret),
        "no-role": lambda: forge({k: v for k, v in _claims(api).items() if k != "role"}, secret),
        "no-sub": lambda: forge({k: v for k, v in _claims(api).items() if k != "sub"}, secret),
        "bad-role": lambda: forge(_claims(api, role="superuser"), secret),
        "empty-sub": lambda: forge(_claims(api, sub=""), secret),
        "sub-not-a-string": lambda: forge(_claims(api, sub=42), secret),
        "long-name": lambda: forge(_claims(api, name="n" * 257), secret),
        "exp-not-a-number": lambda: forge(_claims(api, exp="tomorrow"), secret),
        "surrogate-tenant": lambda: forge(_claims(api, tid="\ud800"), secret),
        "surrogate-sub": lambda: forge(_claims(api, sub="bob\udfff"), secret),
        "surrogate-name": lambda: forge(_claims(api, name="Bob \ud800"), secret),
        "surrogate-avatar": lambda: forge(_claims(api, avatar="https://img.test/\ud800"), secret),
        "nul-sub": lambda: forge(_claims(api, sub="bob\x00"), secret),
        "nul-name": lambda: forge(_claims(api, name="Bob\x00"), secret),
        "alg-a-list": lambda: forge(_claims(api), secret, alg=["HS256"]),
        "kid-a-list": lambda: forge(_claims(api), secret, header={"kid": ["k1"]}),
    }[case]()

    response = await lenient_http.post(
        "/v1/comments", json=CREATE, headers={"Authorization": f"Bearer {token}"}
    )

    assert_problem(response, 401, "invalid_token")
    assert (await api.thread())["meta"]["total"] == 0


async def test_an_expired_token_is_token_expired(api: Api) -> None:
    expired = api.token("alice", ttl_seconds=-3600)

    write = await api.http.post("/v1/comments", json=CREATE, headers={"Authorization": f"Bearer {expired}"})
    read = await api.http.get("/v1/entities/post/p1/comments", headers={"Authorization": f"Bearer {expired}"})

    assert_problem(write, 401, "token_expired")
    assert_problem(read, 401, "token_expired")


async def test_a_token_of_a_tenant_that_does_not_match_its_key_is_invalid(api: Api, other_api: Api) -> None:
    # tid names this tenant, but the signature is the other tenant's.
    token = forge(_claims(api), other_api.tenant.secret)

    response = await api.http.post("/v1/comments", json=CREATE, headers={"Authorization": f"Bearer {token}"})

    assert_problem(response, 401, "invalid_token")


async def test_a_read_names_its_tenant_or_is_tenant_required(api: Api) -> None:
    response = await api.http.get("/v1/entities/post/p1/comments")

    assert_problem(response, 400, "tenant_required")
    for path in ("/v1/search?q=x", "/v1/counts?entity_type=post&entity_id=a", f"/v1/comments/{uuid.uuid4()}"):
        assert_problem(await api.http.get(path), 400, "tenant_required")


@pytest.mark.parametrize("tenant_id", ["6f1c2a7e-3b0d-4c55-9a8e-2f4b7d9e1c30", "nope", "t" * 65, "é"])
async def test_an_unknown_tenant_is_tenant_not_found(api: Api, tenant_id: str) -> None:
    headers = {b"X-Tenant-ID": tenant_id.encode()}

    response = await api.http.get("/v1/entities/post/p1/comments", headers=headers)

    assert_problem(response, 404, "tenant_not_found")


async def test_a_token_alone_names_the_tenant_of_a_read(api: Api) -> None:
    await api.create("visible")
    await api.settle()

    response = await api.http.get("/v1/entities/post/p1/comments", headers=api.auth("bob"))

    assert response.status_code == 200
    assert [c["content"] for c in response.json()["data"]] == ["visible"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"", 422, "validation_failed"),
        (b"null", 422, "validation_failed"),
        (b"[]", 422, "validation_failed"),
        (b'"just a string"', 422, "validation_failed"),
        (b"42", 422, "validation_failed"),
        (b"{", 400, "malformed_json"),
        (b"{'single': 'quotes'}", 400, "malformed_json"),
        (b"\xff\xfe\x00", 400, "malformed_json"),
        (b'{"entity_type": "post", "entity_id": "p1", "content": "\\uZZZZ"}', 400, "malformed_json"),
        (b'{"entity_type": "post", "entity_id": "p1", "content": "trailing"},', 400, "malformed_json"),
        (b"[" * 60_000, 400, "malformed_json"),  # deeply nested, yet under the body size limit
        (b"[" * 100_000, 413, "payload_too_large"),
        (b'{"entity_type": "post", "entity_id": "p1", "content": NaN}', 422, "validation_failed"),
        (b'{"entity_type": "post", "entity_id": "p1", "content": 1e999}', 422, "validation_failed"),
        (b'{"entity_type": "post", "entity_id": "p1", "content": {"text": "x"}}', 422, "validation_failed"),
        (b'{"entity_type": ["post"], "entity_id": "p1", "content": "x"}', 422, "validation_failed"),
        (b'{"entity_type": "post", "entity_id": 7, "content": "x"}', 422, "validation_failed"),
        (b'{"entity_type": "post", "entity_id": "p1", "content": true}', 422, "validation_failed"),
        (
            b'{"entity_type": "post", "entity_id": "p1", "content": "x", "content_format": "html"}',
            422,
            "validation_failed",
        ),
        (
            b'{"entity_type": "post", "entity_id": "p1", "content": "x", "content_format": null}',
            422,
            "validation_failed",
        ),
        (
            b'{"entity_type": "post", "entity_id": "p1", "content": "x", "author_id": "root"}',
            422,
            "validation_failed",
        ),
        (
            b'{"entity_type": "post", "entity_id": "p1", "content": "x", "parent_id": 5}',
            422,
            "validation_failed",
        ),
        (b'{"entity_type": "post", "entity_id": "p1"}', 422, "validation_failed"),
        (b'{"entity_type": "post", "entity_id": "p1\\ud800", "content": "x"}', 422, "invalid_entity"),
        (b'{"entity_type": "post\\ud800", "entity_id": "p1", "content": "x"}', 422, "invalid_entity"),
        (
            b'{"entity_type": "post", "entity_id": "p1", "content": "x", "id": "\\ud800"}',
            422,
            "invalid_command",
        ),
    ],
)
async def test_a_bad_body_is_a_problem_never_a_crash(
    api: Api, lenient_http: httpx.AsyncClient, body: bytes, status: int, code: str
) -> None:
    headers = {**api.auth(), "Content-Type": "application/json"}

    response = await lenient_http.post("/v1/comments", content=body, headers=headers)

    problem = assert_problem(response, status, code)
    if code == "validation_failed":
        assert problem["errors"]
        assert all({"location", "message", "type"} == set(e) for e in problem["errors"])


async def test_a_validation_problem_names_each_bad_field(api: Api) -> None:
    response = await api.send("POST", "/v1/comments", json={"entity_type": 1, "content": None})

    problem = assert_problem(response, 422, "validation_failed")
    locations = {e["location"] for e in problem["errors"]}
    assert {"body.entity_type", "body.entity_id", "body.content"} <= locations
    assert problem["instance"] == "/v1/comments"


async def test_an_unknown_route_and_a_wrong_method_are_problems(api: Api) -> None:
    missing = await api.http.get("/v1/nothing-here", headers=api.public())
    wrong_method = await api.http.post(f"/v1/comments/{uuid.uuid4()}", headers=api.auth())

    assert_problem(missing, 404, "not_found")
    assert_problem(wrong_method, 405, "method_not_allowed")


async def test_a_bad_comment_id_in_the_path_is_invalid_command(api: Api) -> None:
    for path in ("/v1/comments/not-a-uuid", "/v1/comments/not-a-uuid/replies"):
        assert_problem(await api.http.get(path, headers=api.public()), 422, "invalid_command")


def _sweep(comment_id: str) -> list[tuple[str, str, dict[str, object]]]:
    """Odd requests against every route; each must end in a 2xx or a 4xx problem."""
    bad_ids = ["x", "%20", "%00", "..%2F..%2Fetc", "é", "0" * 5000, comment_id.upper(), "{id}"]
    requests: list[tuple[str, str, dict[str, object]]] = []
    for bad in bad_ids:
        requests += [
            ("GET", f"/v1/comments/{bad}", {}),
            ("PATCH", f"/v1/comments/{bad}", {"json": {"content": "x"}}),
            ("DELETE", f"/v1/comments/{bad}", {}),
            ("PUT", f"/v1/comments/{bad}/like", {}),
            ("DELETE", f"/v1/comments/{bad}/like", {}),
            ("PUT", f"/v1/comments/{bad}/pin", {}),
            ("DELETE", f"/v1/comments/{bad}/pin", {}),
            ("GET", f"/v1/comments/{bad}/replies", {}),
            ("GET", f"/v1/comments/{bad}/history", {}),
            ("DELETE", f"/v1/admin/comments/{bad}", {"params": {"reason": "r"}}),
            ("GET", f"/v1/entities/post/{bad}/comments", {}),
            ("GET", f"/v1/entities/{bad}/p1/comments", {}),
        ]
    odd_queries = [
        {"limit": "0"},
        {"limit": "1000"},
        {"page": "0"},
        {"page": "99999999999999999999"},
        {"cursor": "%%%"},
        {"cursor": ""},
        {"depth": "1.5"},
        {"min_position": "1e3"},
        {"sort": ""},
    ]
    for query in odd_queries:
        requests += [
            ("GET", "/v1/entities/post/p1/comments", {"params": query}),
            ("GET", f"/v1/comments/{comment_id}/replies", {"params": query}),
            ("GET", "/v1/search", {"params": {"q": "x", **query}}),
            ("GET", "/v1/admin/audit", {"params": query}),
        ]
    for q in ["", " ", "\x00", "😀", '"', "NEAR(", "x" * 256, "a " * 100, "%FF"]:
        requests.append(("GET", "/v1/search", {"params": {"q": q}}))
    for body in [
        b"",
        b"{",
        b"[]",
        b'{"content": ""}',
        b'{"content": "\\ud800"}',
        b'{"content": "' + b"y" * 20_000 + b'"}',
    ]:
        requests += [
            ("PATCH", f"/v1/comments/{comment_id}", {"content": body}),
            ("DELETE", f"/v1/comments/{comment_id}", {"content": body}),
            ("DELETE", f"/v1/admin/comments/{comment_id}", {"content": body}),
        ]
    requests += [
        ("GET", "/v1/counts", {"params": {"entity_type": "post", "entity_id": ["", "a", "\x00"]}}),
        ("GET", "/v1/counts", {"params": {"entity_type": "", "entity_id": "a"}}),
        ("GET", "/v1/admin/audit", {"params": {"event_type": "DROP TABLE events"}}),
        ("GET", "/v1/admin/audit", {"params": {"actor_id": "' OR 1=1 --"}}),
        ("GET", "/v1/admin/audit", {"params": {"actor_id": "nul\x00"}}),
        ("GET", "/v1/admin/audit", {"params": {"comment_id": "nul\x00"}}),
        ("GET", "/v1/search", {"params": {"q": "fox", "entity_id": "nul\x00"}}),
    ]
    return requests


async def test_no_input_produces_a_server_error(api: Api, lenient_http: httpx.AsyncClient) -> None:
    created = await api.create("target")
    await api.reply(created, "reply")
    failures: list[str] = []

    for role in (Role.USER, Role.ADMIN):
        headers = {
            **api.auth("alice", role),
            "X-Tenant-ID": api.tenant.id,
            "Content-Type": "application/json",
        }
        for method, path, kwargs in _sweep(created["id"]):
            response = await lenient_http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
            if response.status_code >= 500:
                failures.append(f"{method} {path[:60]} {kwargs!r:.80} -> {response.status_code}")
            elif response.status_code >= 400:
                assert response.headers["content-type"] == PROBLEM_JSON, (method, path)
                assert {"type", "title", "status", "detail", "code"} <= response.json().keys()

    assert failures == []
