"""A source's HTML becomes markdown that renders as a typed comment would: the tags Threadline
shows survive as markdown, scripts go with their content, unknown tags go around their text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.adapters.imports.source_markup import to_markdown
from threadline.adapters.rendering.content_html import ALLOWED_TAGS, ContentHtmlRenderer
from threadline.domain.imports import SourceMarkup

RENDER = ContentHtmlRenderer()
TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)")


@pytest.mark.parametrize(
    ("source", "markdown"),
    [
        ("<p>Lovely <b>espresso</b> &amp; <i>patience</i>.</p>", "Lovely **espresso** & *patience*."),
        ('<p>See <a href="https://example.com/x">this</a>.</p>', "See [this](https://example.com/x)."),
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("<blockquote>quoted</blockquote><p>mine</p>", "> quoted\n\nmine"),
        ("<p>before<script>alert(1)</script> after</p>", "before after"),
        ("<style>p { color: red }</style><p>styled</p>", "styled"),
        ("<marquee>old <blink>web</blink></marquee>", "old web"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ("<p>Agreed &mdash; 東京 &#8230;</p>", "Agreed — 東京 …"),
        ("<p>2 * 3 = 6 and a_b</p>", "2 \\* 3 = 6 and a\\_b"),
    ],
)
def test_source_html_becomes_the_markdown_a_reader_would_have_typed(source: str, markdown: str) -> None:
    assert to_markdown(source, SourceMarkup.HTML) == markdown


def test_wordpress_blank_lines_are_paragraphs_and_line_breaks_are_breaks() -> None:
    text = "Mine sulk until May.\n\nFleece helps &amp; so does <em>patience</em>.\nHonestly."
    rendered = RENDER.render(to_markdown(text, SourceMarkup.HTML_PARAGRAPHS), "markdown")
    assert rendered == (
        "<p>Mine sulk until May.</p>\n<p>Fleece helps &amp; so does <em>patience</em>.<br>\nHonestly.</p>"
    )


def test_isso_markdown_is_kept_and_plain_text_is_escaped() -> None:
    assert to_markdown("  *as typed*  ", SourceMarkup.MARKDOWN) == "*as typed*"
    assert RENDER.render(to_markdown("a *b* <i>c</i>", SourceMarkup.PLAIN), "markdown") == (
        "<p>a *b* &lt;i&gt;c&lt;/i&gt;</p>"
    )


@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcipstyle&;#x\n")), max_size=120))
def test_whatever_the_source_html_it_renders_only_tags_a_typed_comment_may_have(source: str) -> None:
    rendered = RENDER.render(to_markdown(source, SourceMarkup.HTML), "markdown")
    assert {tag.lower() for tag in TAG.findall(rendered)} <= ALLOWED_TAGS
    assert "<script" not in rendered.lower()
