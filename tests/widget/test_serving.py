"""The widget as the API serves it: a short-cached loader naming content-hashed files cached for a
year, loadable from any site, within the size bound, and free of what a strict CSP forbids."""

from __future__ import annotations

import gzip
import hashlib
import re

import httpx

from threadline.api.widget import STATIC, WIDGET_FILES

SIZE_BOUND = 30 * 1024


def widget_path(embed: str) -> str:
    found = re.search(r'"(/widget/[0-9a-f]{16}/)widget\.js"', embed)
    assert found, embed
    return found.group(1)


async def test_the_loader_is_cached_briefly_and_names_the_files_by_their_content_hash(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    digest = hashlib.sha256()
    for name in sorted(WIDGET_FILES):
        digest.update(name.encode() + b"\0" + (STATIC / name).read_bytes() + b"\0")
    assert widget_path(response.text) == f"/widget/{digest.hexdigest()[:16]}/"


async def test_the_hashed_files_are_immutable_and_loadable_from_other_sites(
    client: httpx.AsyncClient,
) -> None:
    base = widget_path((await client.get("/embed.js")).text)
    for name, media in WIDGET_FILES.items():
        response = await client.get(base + name, headers={"Origin": "https://blog.example"})
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media)
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert response.content == (STATIC / name).read_bytes()


async def test_a_file_under_another_deploys_hash_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/widget/0123456789abcdef/widget.js")).status_code == 404
    base = widget_path((await client.get("/embed.js")).text)
    assert (await client.get(base + "embed.js")).status_code == 404
    assert (await client.get(base + "../settings.py")).status_code == 404


async def test_the_api_itself_stays_same_site(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.headers.get_list("cross-origin-resource-policy") == ["same-site"]


async def test_the_whole_widget_with_its_css_fits_in_30_kb_gzipped(client: httpx.AsyncClient) -> None:
    embed = await client.get("/embed.js")
    base = widget_path(embed.text)
    served = [embed.content] + [(await client.get(base + name)).content for name in WIDGET_FILES]
    gzipped = sum(len(gzip.compress(body, compresslevel=9)) for body in served)
    assert gzipped <= SIZE_BOUND, f"{gzipped} bytes gzipped"


def test_the_widget_has_nothing_a_strict_csp_refuses() -> None:
    """No eval or string-built code, and no inline style attributes written as HTML (only the
    server's sanitized content_html is ever assigned as HTML, and it carries no style)."""
    for name in ("embed.js", "widget.js"):
        source = (STATIC / name).read_text()
        for forbidden in (
            "eval(",
            "new Function",
            'setTimeout("',
            "setTimeout('",
            "style=",
            "document.write",
        ):
            assert forbidden not in source, (name, forbidden)
        for assignment in re.findall(r"\.innerHTML\s*=\s*([^;]+);", source):
            assert "content_html" in assignment, assignment
