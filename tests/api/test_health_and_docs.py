"""GET /healthz, /readyz, /openapi.json and /docs."""

from __future__ import annotations

import httpx

from tests.api.support import Api


async def test_healthz_says_the_process_is_alive(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_projection_caught_up_with_the_log(api: Api) -> None:
    empty = await api.http.get("/readyz")
    await api.create("one")
    await api.create("two")
    await api.settle()

    ready = await api.http.get("/readyz")

    assert empty.status_code == 200
    assert empty.json() == {"status": "ready", "projection_position": 0, "log_position": 0}
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "projection_position": api.log.value,
        "log_position": api.log.value,
    }


async def test_health_routes_need_no_tenant_or_token(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert (await client.get(path)).status_code == 200, path


EXPECTED_OPERATIONS = {
    ("post", "/v1/comments"),
    ("get", "/v1/comments/{comment_id}"),
    ("patch", "/v1/comments/{comment_id}"),
    ("delete", "/v1/comments/{comment_id}"),
    ("delete", "/v1/admin/comments/{comment_id}"),
    ("put", "/v1/comments/{comment_id}/like"),
    ("delete", "/v1/comments/{comment_id}/like"),
    ("put", "/v1/comments/{comment_id}/pin"),
    ("delete", "/v1/comments/{comment_id}/pin"),
    ("get", "/v1/comments/{comment_id}/replies"),
    ("get", "/v1/comments/{comment_id}/history"),
    ("get", "/v1/entities/{entity_type}/{entity_id}/comments"),
    ("get", "/v1/counts"),
    ("get", "/v1/search"),
    ("get", "/v1/admin/audit"),
    ("post", "/v1/preview"),
    ("get", "/healthz"),
    ("get", "/readyz"),
}


async def test_the_openapi_document_describes_every_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Threadline"
    operations = {(method, path) for path, item in document["paths"].items() for method in item}
    assert operations >= EXPECTED_OPERATIONS
    create = document["paths"]["/v1/comments"]["post"]
    assert "201" in create["responses"]
    assert create["requestBody"]["content"]["application/json"]["schema"]
    thread = document["paths"]["/v1/entities/{entity_type}/{entity_id}/comments"]["get"]
    parameters = {p["name"] for p in thread["parameters"]}
    assert {"sort", "limit", "page", "cursor", "depth", "replies_limit", "min_position"} <= parameters
    schemas = document["components"]["schemas"]
    assert {"Comment", "CommentPage", "PageMeta", "CommandAccepted", "AuditPage"} <= schemas.keys()
    assert {"page", "limit", "total", "total_pages", "next_cursor"} <= schemas["PageMeta"][
        "properties"
    ].keys()


async def test_the_docs_page_serves_the_interactive_documentation(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text
    assert "swagger" in response.text.lower()
