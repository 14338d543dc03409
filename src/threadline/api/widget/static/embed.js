/* Threadline loader. Cached for minutes; it loads this deploy's widget by the content hash in its
   URL (cached for a year), so a page never runs a mix of two deploys. Copies its data-* settings
   onto the widget's script. No inline code, no eval: it works under a strict CSP. */
(() => {
  const loader = document.currentScript;
  if (!loader || !loader.src) return;
  const widget = document.createElement("script");
  widget.src = new URL("/widget/__WIDGET_HASH__/widget.js", loader.src).href;
  widget.async = true;
  for (const [key, value] of Object.entries(loader.dataset)) widget.dataset[key] = value;
  (document.head || document.documentElement).appendChild(widget);
})();
