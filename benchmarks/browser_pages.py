"""The browser benchmark's host site: an article page on its own origin (``localhost`` against the
API's ``127.0.0.1``, another site, as a real embed is), the probe that measures in the page, and
the ceiling's script.

The site is the browser tests' own ``HostSite``, its strict Content-Security-Policy included, as
on a careful real site. The probe (``/probe.js``, a plain script in the page's head, before the
embed) keeps what the page itself saw with a ``PerformanceObserver``: the first-page mark (the
widget's ``threadline:first-page``, or the ceiling's ``ceiling:first-page``), the first frame
after it (a ``requestAnimationFrame`` and a task after that frame: painted, late by at most one
frame if the observer's callback came after a frame), every ``longtask`` and every
``long-animation-frame`` (with its scripts, for attribution). The start is the embed script's own
``startTime`` in Resource Timing: when the browser began to fetch it.

The ceiling (``/ceiling.js``) is what this browser does with the same JSON and no widget: one
fetch of the URL the widget asked for (same headers, so the same CORS preflight), then a plain
loop creating the same kind of elements (author, time, the server's ``content_html``, nested
replies) into a shadow root, and its mark.
"""

from __future__ import annotations

import html

from tests.browser.conftest import HostSite

WIDGET_MARK = "threadline:first-page"
CEILING_MARK = "ceiling:first-page"

PROBE_JS = f"""(() => {{
  const seen = {{ rendered: null, painted: null, mark: null, longtasks: [], frames: [] }};
  window.__bench = seen;
  const marks = new Set(["{WIDGET_MARK}", "{CEILING_MARK}"]);
  new PerformanceObserver((list) => {{
    for (const entry of list.getEntries()) {{
      if (seen.rendered !== null || !marks.has(entry.name)) continue;
      seen.rendered = entry.startTime;
      seen.mark = entry.name;
      requestAnimationFrame(() => setTimeout(() => {{ seen.painted = performance.now(); }}, 0));
    }}
  }}).observe({{ type: "mark", buffered: true }});
  new PerformanceObserver((list) => {{
    for (const e of list.getEntries()) seen.longtasks.push({{ start: e.startTime, duration: e.duration }});
  }}).observe({{ type: "longtask", buffered: true }});
  try {{
    new PerformanceObserver((list) => {{
      for (const e of list.getEntries()) seen.frames.push({{
        start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
        render: e.renderStart, style: e.styleAndLayoutStart,
        scripts: e.scripts.map((s) => ({{ invoker: s.invoker, source: s.sourceFunctionName,
          url: s.sourceURL, duration: s.duration, layout: s.forcedStyleAndLayoutDuration }})),
      }});
    }}).observe({{ type: "long-animation-frame", buffered: true }});
  }} catch {{ /* an older browser: long tasks only */ }}
}})();
"""

CEILING_JS = f"""(() => {{
  const script = document.currentScript;
  const cfg = script.dataset;
  const shadow = document.getElementById("threadline").attachShadow({{ mode: "open" }});
  const el = (tag, cls, text) => {{
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }};
  function item(c) {{
    const li = el("li", "item");
    const article = el("article", "c");
    const head = el("header", "meta");
    head.append(el("span", "author", c.author_name || "Anonymous"));
    const time = el("time", "", c.created_at);
    time.setAttribute("datetime", c.created_at);
    head.append(time);
    const body = el("div", "body");
    body.innerHTML = c.content_html || "";
    article.append(head, body);
    const replies = el("ul", "replies");
    for (const reply of c.replies || []) replies.append(item(reply));
    li.append(article, replies);
    return li;
  }}
  fetch(cfg.url, {{ headers: {{ "X-Tenant-ID": cfg.tenant }}, credentials: "omit" }})
    .then((response) => response.json())
    .then((answer) => {{
      const list = el("ul", "list");
      for (const node of answer.data) list.append(item(node));
      shadow.append(list);
      performance.mark("{CEILING_MARK}");
    }});
}})();
"""

ARTICLE = "".join(
    f"<p>Paragraph {n} of the article the comments are about: a few sentences of host page text, "
    "so the widget sits below a screenful of content as it does on a real site.</p>"
    for n in range(6)
)


def serve_bench_files(host: HostSite) -> None:
    """The probe and the ceiling's script, on the host site the browser tests embed from."""
    host.add("/probe.js", PROBE_JS, "text/javascript")
    host.add("/ceiling.js", CEILING_JS, "text/javascript")


def article_page(host: HostSite, path: str, script: str) -> str:
    """An article page with the probe in its head and ``script`` (the embed) in its body."""
    return host.add(
        path,
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>An article</title>
<script src="/probe.js"></script></head>
<body><main><h1>An article</h1>{ARTICLE}<div id="threadline"></div>{script}</main></body></html>""",
    )


def widget_page(host: HostSite, tenant_id: str, entity_id: str) -> str:
    return article_page(
        host,
        "/widget.html",
        f'<script src="{host.api_origin}/embed.js" data-tenant="{tenant_id}" data-entity-type="post"'
        f' data-entity-id="{html.escape(entity_id)}" async></script>',
    )


def ceiling_page(host: HostSite, url: str, tenant_id: str) -> str:
    return article_page(
        host,
        "/ceiling.html",
        f'<script src="/ceiling.js" data-url="{html.escape(url)}" data-tenant="{tenant_id}" async></script>',
    )
