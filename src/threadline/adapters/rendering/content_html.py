"""Turns comment text into safe HTML once, at projection time, never per read.

Markdown goes through markdown-it-py with raw HTML disabled, then nh3 (ammonia) keeps only an
allow-list of tags and attributes and http(s)/mailto links: no script, event handler, style,
iframe or ``javascript:``/``data:`` URL survives. Plain text is escaped.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


class ContentHtmlRenderer:
    def __init__(self) -> None:
        self._markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        self._markdown.enable(["table", "strikethrough"])

    def render(self, content: str, content_format: str) -> str:
        if content_format == "markdown":
            raw = self._markdown.render(content)
        else:
            paragraphs = [p for p in content.split("\n\n") if p.strip()]
            raw = "".join(
                "<p>" + html.escape(p.strip("\n")).replace("\n", "<br>") + "</p>" for p in paragraphs
            )
        return self.sanitize(raw)

    @staticmethod
    def sanitize(raw: str) -> str:
        return nh3.clean(
            raw,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel=LINK_REL,
            strip_comments=True,
        ).strip()
