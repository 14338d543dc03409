/* Threadline loader. Cached for minutes; it loads this deploy's widget by the content hash in its
   URL (cached for a year), so a page never runs a mix of two deploys. Copies its data-* settings
   onto the widget's script. No inline code, no eval: it works under a strict CSP.
   While the widget's script downloads, it starts what the widget waits for: the stylesheet
   (a preload) and the thread's first page for a reader without a token function (the promise is
   handed to the widget on its script element; the widget asks again itself if it failed). */
(() => {
  const loader = document.currentScript;
  if (!loader || !loader.src) return;
  const cfg = loader.dataset;
  const widget = document.createElement("script");
  widget.src = new URL("/widget/__WIDGET_HASH__/widget.js", loader.src).href;
  widget.async = true;
  for (const [key, value] of Object.entries(cfg)) widget.dataset[key] = value;
  const head = document.head || document.documentElement;
  const thread = document.getElementById(cfg.target || "threadline");
  if (thread) {
    const style = document.createElement("link");
    style.rel = "preload";
    style.as = "style";
    style.href = new URL("widget.css", widget.src).href;
    head.appendChild(style);
  }
  const hostToken = window.threadline && typeof window.threadline.token === "function";
  if (thread && cfg.entityId && cfg.tenant && !hostToken && typeof fetch === "function") {
    // The widget's own first request (mountThread's page(null)): the same URL and headers.
    const sort = ["newest", "oldest", "popular"].includes(cfg.sort) ? cfg.sort : "newest";
    const url = new URL(`/v1/entities/${encodeURIComponent(cfg.entityType || "post")}/${encodeURIComponent(cfg.entityId)}/comments`, loader.src);
    url.searchParams.append("sort", sort);
    url.searchParams.append("limit", "20");
    const headers = { "X-Tenant-ID": cfg.tenant };
    if (cfg.token) headers.Authorization = "Bearer " + cfg.token;
    widget.threadlineFirstPage = fetch(url, { headers, credentials: "omit" });
    widget.threadlineFirstPage.catch(() => {}); // the widget falls back to asking itself
  }
  head.appendChild(widget);
})();
