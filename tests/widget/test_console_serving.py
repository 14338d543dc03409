"""The moderation console as the API serves it: its page under a strict CSP and its loader
cached briefly, both naming the content-hashed files cached for a year; within the size bound,
and free of what a strict CSP forbids."""

from __future__ import annotations

import gzip
import re

import httpx

from threadline.api.console import CONSOLE_FILES, STATIC
from threadline.api.hashed_assets import content_hash

SIZE_BOUND = 30 * 1024
EXPECTED_HASH = content_hash({name: (STATIC / name).read_bytes() for name in CONSOLE_FILES})


def hashed_base(entry: str) -> str:
    found = re.search(r'"(/console/[0-9a-f]{16}/)console-app\.js"', entry)
    assert found, entry
    return found.group(1)


async def test_the_console_page_is_served_always_under_a_strict_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "public, max-age=300"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "connect-src 'self';" in csp
    assert "unsafe" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text and "style=" not in response.text
    assert hashed_base(response.text) == f"/console/{EXPECTED_HASH}/"
    assert (await client.get("/console", follow_redirects=False)).headers["location"] == "/console/"


async def test_the_loader_for_host_pages_names_the_same_hashed_files(client: httpx.AsyncClient) -> None:
    response = await client.get("/console.js")
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert hashed_base(response.text) == f"/console/{EXPECTED_HASH}/"


async def test_the_hashed_files_are_immutable_loadable_from_other_sites_and_only_this_deploys(
    client: httpx.AsyncClient,
) -> None:
    base = f"/console/{EXPECTED_HASH}/"
    for name, media in CONSOLE_FILES.items():
        response = await client.get(base + name, headers={"Origin": "https://admin.example"})
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media)
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert response.content == (STATIC / name).read_bytes()
    assert (await client.get("/console/0123456789abcdef/console-app.js")).status_code == 404
    assert (await client.get(base + "index.html")).status_code == 404


async def test_the_whole_console_fits_in_30_kb_gzipped(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/")
    base = hashed_base(page.text)
    served = [page.content] + [(await client.get(base + name)).content for name in CONSOLE_FILES]
    gzipped = sum(len(gzip.compress(body, compresslevel=9)) for body in served)
    assert gzipped <= SIZE_BOUND, f"{gzipped} bytes gzipped"


def test_the_console_has_nothing_a_strict_csp_refuses() -> None:
    for name in ("console.js", "console-app.js"):
        source = (STATIC / name).read_text()
        for forbidden in ("eval(", "new Function", 'setTimeout("', "innerHTML", "outerHTML", "style="):
            assert forbidden not in source, (name, forbidden)
        assert ".style." not in source, name
