/* Threadline moderation console loader, for a host's own admin page:
     <div id="threadline-console"></div>
     <script src="https://comments.example.com/console.js" data-tenant="…" async></script>
   Cached for minutes; it loads this deploy's console by the content hash in its URL (cached for a
   year) and copies its data-* settings onto it. No inline code, no eval: it works under a strict CSP. */
(() => {
  const loader = document.currentScript;
  if (!loader || !loader.src) return;
  const app = document.createElement("script");
  app.src = new URL("/console/__CONSOLE_HASH__/console-app.js", loader.src).href;
  app.async = true;
  for (const [key, value] of Object.entries(loader.dataset)) app.dataset[key] = value;
  (document.head || document.documentElement).appendChild(app);
})();
