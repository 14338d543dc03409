"""``POST /v1/preview``: the composer's preview goes through the comments' own content rules,
renderer and sanitizer."""

from __future__ import annotations

import httpx

from tests.api.support import assert_problem
from tests.conftest import TokenFactory
from threadline.domain.rules import MAX_CONTENT_LENGTH


def auth(make_token: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('alice')}"}


async def test_markdown_is_rendered_as_a_comment_would_be(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.post(
        "/v1/preview",
        json={"content": "Hello **world**", "content_format": "markdown"},
        headers=auth(make_token),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"content_html": "<p>Hello <strong>world</strong></p>"}


async def test_plain_text_is_escaped(client: httpx.AsyncClient, make_token: TokenFactory) -> None:
    response = await client.post(
        "/v1/preview", json={"content": "a <b>c</b>", "content_format": "plain"}, headers=auth(make_token)
    )
    assert response.json()["content_html"] == "<p>a &lt;b&gt;c&lt;/b&gt;</p>"


async def test_the_preview_is_sanitized_like_a_published_comment(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    hostile = '[x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror="alert(1)">'
    response = await client.post("/v1/preview", json={"content": hostile}, headers=auth(make_token))
    html = response.json()["content_html"]
    assert "<script" not in html and "<img" not in html and "href" not in html
    assert "&lt;script&gt;" in html  # shown as the text it is
    link = await client.post("/v1/preview", json={"content": "[x](https://a.test)"}, headers=auth(make_token))
    assert link.json()["content_html"] == '<p><a href="https://a.test" rel="nofollow ugc noopener">x</a></p>'


async def test_the_preview_keeps_the_content_rules(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    too_long = await client.post(
        "/v1/preview", json={"content": "x" * (MAX_CONTENT_LENGTH + 1)}, headers=auth(make_token)
    )
    assert_problem(too_long, 422, "invalid_content")
    blank = await client.post("/v1/preview", json={"content": "   "}, headers=auth(make_token))
    assert_problem(blank, 422, "invalid_content")
    bad_format = await client.post(
        "/v1/preview", json={"content": "x", "content_format": "html"}, headers=auth(make_token)
    )
    assert_problem(bad_format, 422, "validation_failed")


async def test_a_preview_needs_a_signed_in_writer(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/v1/preview", json={"content": "hi"}), 401, "authentication_required")
