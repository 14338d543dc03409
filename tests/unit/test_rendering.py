"""``content_html``: nothing from the OWASP XSS filter evasion playbook survives either format.

Every output is parsed with the standard library's ``html.parser`` so tags and attributes are
judged as a browser would see them, not only by substrings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.adapters.rendering.content_html import ContentHtmlRenderer
from threadline.domain.errors import InvalidContent
from threadline.domain.rules import valid_content

# Written out here, not imported: a test of the allow-list must not trust the allow-list.
SAFE_TAGS = {
    *("p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"),
}
SAFE_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
FORBIDDEN_OPENINGS = (
    *("<script", "<iframe", "<style", "<object", "<embed", "<svg", "<math", "<img", "<meta"),
    *("<link", "<base", "<form", "<input", "<frame", "<body", "<video", "<details", "<xss"),
)
REL = {"nofollow", "ugc", "noopener"}

XSS_PAYLOADS = [
    # script tags, in every disguise
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<SCRIPT>document.write("<SCRI");</SCRIPT>PT SRC="httx://xss.rocks/xss.js"></SCRIPT>',
    '"><script>alert(1)</script>',
    "'';!--\"<XSS>=&{()}",
    '<script\x20type="text/javascript">javascript:alert(1);</script>',
    # images and event handlers
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
    "&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116"
    "&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083"
    "&#0000039&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27"
    "&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x onerror=alert(1)//",
    "<BODY ONLOAD=alert('XSS')>",
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<xss id=x tabindex=1 onfocus=alert(1)></xss>",
    '<a href="https://ok.test" onclick="alert(1)">x</a>',
    # svg and math
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    # frames, objects, embeds
    '<iframe src="javascript:alert(1)"></iframe>',
    '<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,'
    'PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjwvc3ZnPg==">',
    # style
    "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    '<p style="x:expr/**/ession(alert(1))">hi</p>',
    '<a href="http://ok.test/" style="color:red">styled</a>',
    # meta refresh, link, base, forms
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" '
    'CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<TD BACKGROUND=\"javascript:alert('XSS')\">",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    # raw anchors with hostile URLs
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<div><p><a href="javascript:alert(1)"><b>nested</b></a></p></div>',
    # comments and CDATA
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<script>alert(1)</script>]]>",
    "<!DOCTYPE html><html><head><script>alert(1)</script></head></html>",
    # markdown links and images
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](https://ok.test/a.png"onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x](https://ok.test "title\\" onmouseover=\\"alert(1)")',
    "[<img src=x onerror=alert(1)>](https://ok.test)",
    "[a](https://ok.test)<script>alert(1)</script>",
    "[![x](javascript:alert(1))](javascript:alert(2))",
    # autolinks
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "javascript:alert(1)",
    # markdown containers around raw HTML
    "**<script>alert(1)</script>**",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "> <iframe src=javascript:alert(1)>",
    "- <svg onload=alert(1)>\n- <img src=x onerror=alert(1)>",
    # entities
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "\\<script>alert(1)\\</script>",
]


@dataclass
class Inspected:
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Inspected()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.result.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.result.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.result.other.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.result.other.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.result.other.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.result.other.append(f"unknown declaration {data!r}")


def inspect(html: str) -> Inspected:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.result


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: entities already decoded, controls and whitespace ignored."""
    squeezed = re.sub(r"[\x00-\x20\x7f-\x9f]", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squeezed)
    return match.group(1) if match else None


def assert_safe(output: str) -> Inspected:
    lowered = output.lower()
    for opening in FORBIDDEN_OPENINGS:
        assert opening not in lowered, f"{opening!r} in {output!r}"
    found = inspect(output)
    assert found.other == [], output
    for tag, attrs in found.tags:
        assert tag in SAFE_TAGS, f"<{tag}> in {output!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} in {output!r}"
            assert name != "style", output
            assert name in SAFE_ATTRIBUTES.get(tag, set()), f"{tag}[{name}] in {output!r}"
            if name in ("href", "src", "action", "background", "xlink:href"):
                assert url_scheme(value) in (None, "http", "https", "mailto"), f"{name}={value!r}"
        if tag == "a":
            assert set(attrs.get("rel", "").split()) == REL, output
    return found


@pytest.fixture(scope="module")
def renderer() -> ContentHtmlRenderer:
    return ContentHtmlRenderer()


def test_the_corpus_is_big_enough_to_mean_something() -> None:
    assert len(set(XSS_PAYLOADS)) >= 60


@pytest.mark.parametrize("content_format", ["markdown", "plain"])
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_xss_payload_survives_rendering(
    renderer: ContentHtmlRenderer, payload: str, content_format: str
) -> None:
    assert_safe(renderer.render(payload, content_format))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_plain_text_shows_the_payload_as_text_only(renderer: ContentHtmlRenderer, payload: str) -> None:
    found = inspect(renderer.render(payload, "plain"))
    assert {tag for tag, _ in found.tags} <= {"p", "br"}
    assert all(attrs == {} for _, attrs in found.tags)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitizing_raw_html_directly_is_safe_too(payload: str) -> None:
    assert_safe(ContentHtmlRenderer.sanitize(payload))


HOSTILE_TOKENS = [
    *("<", ">", "</", "/>", '"', "'", "`", "=", "&", "#", ";", ":", "(", ")", "[", "]", "!", "*", "_", "|"),
    *(" ", "\n", "\n\n", "\t", "-", "x", "1"),
    *(
        "javascript:",
        "JaVaScRiPt:",
        "java\tscript:",
        "vbscript:",
        "data:text/html,",
        "&#106;",
        "&#x6A;",
        "&colon;",
    ),
    *(
        "alert(1)",
        "<script>",
        "</script>",
        "<img",
        "<svg",
        "<iframe",
        "<style>",
        "<a href=",
        " src=",
        " href=",
    ),
    *(" onerror=", " onload=", " style=", "https://ok.test", "<!--", "-->", "<![CDATA[", "[x]:", "](", "!["),
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(HOSTILE_TOKENS), max_size=40).map("".join),
    st.sampled_from(["markdown", "plain"]),
)
def test_any_mix_of_hostile_fragments_renders_safely(text: str, content_format: str) -> None:
    assert_safe(ContentHtmlRenderer().render(text, content_format))


# --- what does render -------------------------------------------------------------------------------


def tags_of(html: str) -> list[str]:
    return [tag for tag, _ in inspect(html).tags]


def test_markdown_renders_bold_emphasis_and_strikethrough(renderer: ContentHtmlRenderer) -> None:
    html = renderer.render("**bold** _em_ ~~gone~~", "markdown")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert re.search(r"<(s|del)>gone</\1>", html)


def test_markdown_renders_lists(renderer: ContentHtmlRenderer) -> None:
    assert tags_of(renderer.render("- one\n- two", "markdown")) == ["ul", "li", "li"]
    html = renderer.render("3. three\n4. four", "markdown")
    assert tags_of(html) == ["ol", "li", "li"] and inspect(html).tags[0][1] == {"start": "3"}


def test_markdown_renders_code_spans_and_blocks_escaped(renderer: ContentHtmlRenderer) -> None:
    assert "<code>a &lt; b &amp;&amp; c</code>" in renderer.render("`a < b && c`", "markdown")
    block = renderer.render("```\nif (a < b) {}\n```", "markdown")
    assert tags_of(block) == ["pre", "code"] and "if (a &lt; b) {}" in block


def test_markdown_links_render_with_rel_nofollow_ugc_noopener(renderer: ContentHtmlRenderer) -> None:
    html = renderer.render('see [the docs](https://docs.test/a?x=1&y=2 "Docs")', "markdown")
    [(tag, attrs)] = assert_safe(html).tags[1:]
    assert tag == "a"
    assert attrs["href"] == "https://docs.test/a?x=1&y=2" and attrs["title"] == "Docs"
    assert attrs["rel"] == "nofollow ugc noopener"
    assert "the docs" in inspect(html).text


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("<https://auto.test/path>", "https://auto.test/path"),
        ("[mail](mailto:someone@example.test)", "mailto:someone@example.test"),
        ("[http](http://plain.test)", "http://plain.test"),
    ],
)
def test_safe_link_schemes_survive(renderer: ContentHtmlRenderer, source: str, href: str) -> None:
    anchors = [attrs for tag, attrs in assert_safe(renderer.render(source, "markdown")).tags if tag == "a"]
    assert [a["href"] for a in anchors] == [href]


def test_markdown_renders_headings_quotes_rules_and_tables(renderer: ContentHtmlRenderer) -> None:
    assert tags_of(renderer.render("# Title", "markdown")) == ["h1"]
    assert tags_of(renderer.render("> quoted", "markdown")) == ["blockquote", "p"]
    assert "hr" in tags_of(renderer.render("a\n\n---\n\nb", "markdown"))
    table = tags_of(renderer.render("| a | b |\n|---|--:|\n| 1 | 2 |", "markdown"))
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= set(table)


def test_raw_html_in_markdown_is_shown_as_text(renderer: ContentHtmlRenderer) -> None:
    html = renderer.render("<b>not bold</b>", "markdown")
    assert tags_of(html) == ["p"]
    assert "".join(inspect(html).text) == "<b>not bold</b>"


def test_plain_text_is_escaped_not_interpreted(renderer: ContentHtmlRenderer) -> None:
    source = "<b>hi</b> & \"quotes\" 'single' **not bold** [no](https://link.test)"
    html = renderer.render(source, "plain")
    assert tags_of(html) == ["p"]
    assert "".join(inspect(html).text) == source
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_plain_text_keeps_paragraphs_and_line_breaks(renderer: ContentHtmlRenderer) -> None:
    html = renderer.render("first line\nsecond line\n\nnew paragraph", "plain")
    assert tags_of(html) == ["p", "br", "p"]
    assert inspect(html).text == ["first line", "second line", "new paragraph"]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]) | st.sampled_from("\n\t<>&\"'"),
        max_size=200,
    )
)
def test_plain_text_round_trips_as_its_own_words(raw: str) -> None:
    try:
        content = valid_content(raw)
    except InvalidContent:
        return
    html = ContentHtmlRenderer().render(content, "plain")
    found = assert_safe(html)
    assert {tag for tag, _ in found.tags} <= {"p", "br"}
    paragraphs = [p.strip("\n") for p in content.split("\n\n") if p.strip()]
    assert "".join(found.text) == "".join(p.replace("\n", "") for p in paragraphs)
