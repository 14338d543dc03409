"""A source's comment text as Threadline markdown: the HTML that Disqus, WordPress and Remark42
keep is cut down to the tags Threadline renders (``adapters/rendering/content_html.py``: one
allow-list), with scripts and styles dropped with their content and unknown tags dropped around
their text, then written as markdown (markdownify), which the projector renders and sanitizes as
it does every typed comment. Nothing of the source's HTML reaches a reader unparsed."""

from __future__ import annotations

import html
import re

import nh3
from markdownify import markdownify

from threadline.adapters.rendering.content_html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from threadline.domain.imports import SourceMarkup

# b and i are what older sources write for strong and em: kept so markdownify can translate them.
_KEPT_TAGS = ALLOWED_TAGS | {"b", "i"}
_DROPPED_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "noscript"}
_BLANK_LINES = re.compile(r"\n\s*\n")


def to_markdown(content: str, markup: SourceMarkup) -> str:
    if markup is SourceMarkup.MARKDOWN:
        return content.strip()
    if markup is SourceMarkup.PLAIN:
        return _escape_markdown(content).strip()
    if markup is SourceMarkup.HTML_PARAGRAPHS:
        content = _paragraphs(content)
    kept = nh3.clean(
        content,
        tags=_KEPT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        strip_comments=True,
        link_rel=None,
    )
    written = markdownify(kept, heading_style="ATX", bullets="-", strong_em_symbol="*")
    return _BLANK_LINES.sub("\n\n", written).strip()


def _paragraphs(content: str) -> str:
    """WordPress keeps a comment as text whose blank lines are paragraphs and whose line breaks
    are breaks (it adds the tags when it shows one): the same, as HTML."""
    blocks = [block.strip() for block in _BLANK_LINES.split(content.replace("\r\n", "\n")) if block.strip()]
    return "".join(f"<p>{block.replace(chr(10), '<br>')}</p>" for block in blocks)


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~<])", r"\\\1", html.unescape(text))
