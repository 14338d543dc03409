"""The browser benchmark's host site: an article page on its own origin (``localhost`` against the
API's ``127.0.0.1``, another site, as a real embed is), the probe that measures in the page, and
the ceiling's script.

The probe (``/probe.js``, a plain script in the page's head, before the embed) keeps what the page
itself saw with a ``PerformanceObserver``: the first-page mark (the widget's
``threadline:first-page``, or the ceiling's ``ceiling:first-page``), the first frame after it
(a ``requestAnimationFrame`` and a task after that frame: painted, late by at most one frame if the
observer's callback came after a frame), every ``longtask`` and every ``long-animation-frame``
(with its scripts, for attribution). The start is the embed script's own ``startTime`` in
Resource Timing: when the browser began to fetch it.

The ceiling (``/ceiling.js``) is what this browser does with the same JSON and no widget: one
fetch of the URL the widget asked for (same headers, so the same CORS preflight), then a plain
loop creating the same kind of elements (author, time, the server's ``content_html``, nested
replies) into a shadow root, and its mark.
"""

from __future__ import annotations

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


class HostSite:
    """The embedding site, serving the pages and scripts it was given from memory."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {"/probe.js": (PROBE_JS.encode(), "text/javascript")}
        self.files["/ceiling.js"] = (CEILING_JS.encode(), "text/javascript")
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = site.files.get(self.path.split("?")[0])
                if found is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body, media = found
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path: str, script: str) -> str:
        """An article page with the probe in its head and ``script`` (the embed) in its body."""
        body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>An article</title>
<script src="/probe.js"></script></head>
<body><main><h1>An article</h1>{ARTICLE}<div id="threadline"></div>{script}</main></body></html>"""
        self.files[path] = (body.encode(), "text/html; charset=utf-8")
        return self.origin + path

    def widget_page(self, api: str, tenant_id: str, entity_id: str) -> str:
        return self.page(
            "/widget.html",
            f'<script src="{api}/embed.js" data-tenant="{tenant_id}" data-entity-type="post"'
            f' data-entity-id="{html.escape(entity_id)}" async></script>',
        )

    def ceiling_page(self, url: str, tenant_id: str) -> str:
        return self.page(
            "/ceiling.html",
            f'<script src="/ceiling.js" data-url="{html.escape(url)}" data-tenant="{tenant_id}"'
            " async></script>",
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
