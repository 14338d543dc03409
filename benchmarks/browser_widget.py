"""The comment widget in a real browser: the first page of a 1,000-comment thread, and a scroll
through 500 comments (the widget issue's targets), beside a ceiling measured in the same run.

1. A fresh embedded-default database in a temporary directory: a tenant allowing the host site's
   origin and one 1,000-comment thread (250 roots, replies nested up to three deep, markdown of
   one to four paragraphs), seeded through the application layer in one batch
   (benchmarks/seeding/threads.py). Then ``threadline serve`` on it, one process.
2. Debian's Chromium with the browser tests' launch arguments, headless. Each run is a new
   browser context (an empty HTTP cache): the article page on another origin with the two-line
   embed; measured in the page (benchmarks/browser_pages.py) from the moment the browser starts
   fetching embed.js to the widget's ``threadline:first-page`` mark (in the DOM) and to the frame
   after it (painted). One discarded warm-up of each page first (the server's caches and code).
3. The ceiling, interleaved run by run: the same JSON (the URL the widget asked for) rendered by a
   plain loop of createElement into the same kind of page, from its script's start.
4. The journey: "Load more comments" and "Show N more replies" until 500 comments are in the DOM,
   then the mouse wheel from the top of the page to the 500th comment, 300 px a step with a
   frame between; every ``longtask`` (> 50 ms) during the scroll is counted, with the long
   animation frames' scripts for attribution.

Run alone: ``python -m benchmarks.browser_widget`` (``make bench-browser``); in ``make bench`` with
BENCH_ONLY=browser_widget (or everything). BENCH_BROWSER_RUNS changes the number of runs.
Results: a table, and benchmarks/results/browser.json (browser-quick.json with BENCH_QUICK=1).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright
from rich.table import Table
from tests.browser.conftest import CHROMIUM as CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS, HostSite

from benchmarks.backends import base_env
from benchmarks.browser_pages import CEILING_MARK, WIDGET_MARK, ceiling_page, serve_bench_files, widget_page
from benchmarks.config import QUICK, RESULTS, THREADLINE, console
from benchmarks.report import Target, machine, targets_table
from benchmarks.seeding.threads import lived_in_thread, seed_thread
from benchmarks.servers import running, start, wait_ready

ENTITY = "article"
FIRST_PAGE_MS, LONG_TASK_MS = 300.0, 50.0
PORT = 18491
WHEEL_PX = 300
WAIT_MS = 60_000  # liveness guard for each wait in the page, not a speed bound
SHADOW = "document.getElementById('threadline').shadowRoot"


@dataclass(frozen=True)
class Shape:
    """What one run measures: the thread, the cold loads of each page, the comments scrolled."""

    comments: int = 1_000
    roots: int = 250
    runs: int = int(os.environ.get("BENCH_BROWSER_RUNS", "3" if QUICK else "9"))
    scrolled: int = 500  # comments in the DOM before the scroll


ISSUE = Shape()


def prepare(database: Path, origin: str, shape: Shape) -> str:
    """Migrate, create the tenant (allowing ``origin``) and seed the thread; the tenant's id."""
    from threadline.bootstrap import build
    from threadline.domain.tenant import TenantSettings
    from threadline.settings import Settings

    async def work() -> str:
        url = f"sqlite+aiosqlite:///{database}"
        settings = Settings(database_url=url, redis_url=None, run_projector=False, run_webhooks=False)
        container = build(settings)
        try:
            await container.migrate()
            tenant = await container.tenants.create("browser-bench")
            await container.tenants.set_settings(tenant.id, TenantSettings(allowed_origins=(origin,)))
            started = time.monotonic()
            plan = lived_in_thread(shape.comments, shape.roots)
            await seed_thread(container, tenant.id, "post", ENTITY, plan)
            console.print(f"seeded {shape.comments:,} comments in {time.monotonic() - started:.1f} s")
            return tenant.id
        finally:
            await container.stop()

    return asyncio.run(work())


def first_page(browser: Browser, url: str, script: str) -> dict[str, Any]:
    """One cold load of ``url``: ms from the start of fetching ``script`` to the mark and paint."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url) if "/comments?" in r.url else None)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("() => window.__bench && window.__bench.painted !== null", timeout=WAIT_MS)
        seen = page.evaluate(
            """script => {
              const start = performance.getEntriesByType("resource").find((e) => e.name.includes(script));
              const b = window.__bench;
              const shadow = document.getElementById("threadline").shadowRoot;
              return { start: start.startTime, rendered: b.rendered, painted: b.painted, mark: b.mark,
                       longtasks: b.longtasks, comments: shadow.querySelectorAll("li.item").length };
            }""",
            script,
        )
    finally:
        context.close()
    return {
        "dom_ms": round(seen["rendered"] - seen["start"], 1),
        "painted_ms": round(seen["painted"] - seen["start"], 1),
        "comments": seen["comments"],
        "longest_task_ms": round(max((t["duration"] for t in seen["longtasks"]), default=0), 1),
        "mark": seen["mark"],
        "page_url": asked[0] if asked else None,
    }


def summary(runs: list[dict[str, Any]], ceiling: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Median and worst; beside a ceiling, also the median of each run's lead over the ceiling run
    next to it (the machine's load moves both alike)."""
    leads = [a["painted_ms"] - b["painted_ms"] for a, b in zip(runs, ceiling or [], strict=False)]
    over = {"painted_over_ceiling_ms": round(statistics.median(leads), 1)} if leads else {}
    return (
        over
        | {
            key: {
                "median": round(statistics.median(r[key] for r in runs), 1),
                "worst": max(r[key] for r in runs),
            }
            for key in ("dom_ms", "painted_ms", "longest_task_ms")
        }
        | {"runs": runs, "comments": runs[0]["comments"]}
    )


GROWN = f"""([button, before]) => {SHADOW}.querySelectorAll("li.item").length > before
  || (button.hidden && !button.disabled)"""


def load_comments(page: Page, wanted: int) -> int:
    """Press "Load more comments", then "Show N more replies", until ``wanted`` are in the DOM."""
    items = page.locator("li.item")
    while (count := items.count()) < wanted:
        more = page.locator("button.more")
        button = more if more.is_visible() else page.locator("button.more-replies:visible").first
        if not button.count():
            break
        handle = button.element_handle()
        button.click()
        page.wait_for_function(GROWN, arg=[handle, count], timeout=WAIT_MS)
    return items.count()


def scroll_journey(browser: Browser, url: str, scrolled: int) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("section.tl[data-ready]", timeout=WAIT_MS)
        shown = load_comments(page, scrolled)
        page.evaluate("() => window.scrollTo(0, 0)")
        page.mouse.move(500, 450)
        bottom = page.evaluate(
            f"n => {{ const items = {SHADOW}.querySelectorAll('li.item');"
            " return items[Math.min(n, items.length) - 1].getBoundingClientRect().bottom + scrollY; }",
            scrolled,
        )
        frame = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))"
        page.evaluate(frame)
        started = page.evaluate("() => performance.now()")
        steps, still, last = 0, 0, -1.0
        while (y := page.evaluate("() => scrollY + innerHeight")) < bottom and still < 30:
            page.mouse.wheel(0, WHEEL_PX)
            page.evaluate(frame)
            steps += 1
            still = still + 1 if y == last else 0
            last = y
        for _ in range(10):  # the last wheel's smooth scroll ends
            page.evaluate(frame)
        ended = page.evaluate("() => performance.now()")
        seen = page.evaluate("() => window.__bench")
    finally:
        context.close()
    during = [t for t in seen["longtasks"] if started <= t["start"] <= ended]
    frames = sorted(
        (f for f in seen["frames"] if started <= f["start"] <= ended), key=lambda f: -f["duration"]
    )
    loading = [t for t in seen["longtasks"] if t["start"] < started]
    return {
        "comments_in_dom": shown,
        "scrolled_px": round(bottom),
        "wheel_steps": steps,
        "scroll_s": round((ended - started) / 1000, 2),
        "long_tasks": len(during),
        "longest_task_ms": round(max((t["duration"] for t in during), default=0), 1),
        "long_tasks_while_loading": len(loading),
        "longest_task_while_loading_ms": round(max((t["duration"] for t in loading), default=0), 1),
        "longest_frames": frames[:3],
    }


def run_browser_widget(shape: Shape = ISSUE, port: int = PORT) -> dict[str, Any]:
    console.rule("[bold]browser: the widget in Chromium (embedded default, 1 process)[/]")
    base = f"http://127.0.0.1:{port}"
    host = HostSite(base)
    serve_bench_files(host)
    with tempfile.TemporaryDirectory(prefix="threadline-browser-") as directory:
        database = Path(directory) / "threadline.db"
        tenant_id = prepare(database, host.origin, shape)
        env = base_env(THREADLINE_DATABASE_URL=f"sqlite+aiosqlite:///{database}")
        api = start(f"browser-api-{port}", [THREADLINE, "serve", "--port", str(port)], env)
        try:
            with running(api):
                wait_ready(api, base + "/healthz")
                widget_url = widget_page(host, tenant_id, ENTITY)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                    )
                    try:
                        warm = first_page(browser, widget_url, "/embed.js")
                        ceiling_url = ceiling_page(host, warm["page_url"], tenant_id)
                        first_page(browser, ceiling_url, "/ceiling.js")
                        widget_runs, ceiling_runs = [], []
                        for _ in range(shape.runs):
                            widget_runs.append(first_page(browser, widget_url, "/embed.js"))
                            ceiling_runs.append(first_page(browser, ceiling_url, "/ceiling.js"))
                        journey = scroll_journey(browser, widget_url, shape.scrolled)
                    finally:
                        browser.close()
        finally:
            host.close()
    assert all(r["mark"] == WIDGET_MARK for r in widget_runs)
    assert all(r["mark"] == CEILING_MARK for r in ceiling_runs)
    return {
        "shape": shape.__dict__,
        "widget": summary(widget_runs, ceiling_runs),
        "ceiling": summary(ceiling_runs),
        "journey": journey,
        "page_url": warm["page_url"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def browser_targets(result: dict[str, Any]) -> list[Target]:
    widget, ceiling, journey = result["widget"], result["ceiling"], result["journey"]
    shape = Shape(**result["shape"])
    return [
        Target(
            "sqlite",
            f"browser: embed.js start → first page of a {shape.comments:,}-comment thread painted"
            f" <= {FIRST_PAGE_MS:.0f} ms",
            f"median {widget['painted_ms']['median']} ms, worst {widget['painted_ms']['worst']} ms"
            f" (ceiling {ceiling['painted_ms']['median']} / {ceiling['painted_ms']['worst']} ms;"
            f" {widget['painted_over_ceiling_ms']} ms over it, median of pairs)",
            widget["painted_ms"]["worst"] <= FIRST_PAGE_MS,
        ),
        Target(
            "sqlite",
            f"browser: wheel scroll through {shape.scrolled} comments without long tasks"
            f" > {LONG_TASK_MS:.0f} ms",
            f"{journey['long_tasks']} long tasks (longest {journey['longest_task_ms']} ms) over"
            f" {journey['scrolled_px']:,} px in {journey['scroll_s']} s,"
            f" {journey['comments_in_dom']} in the DOM",
            journey["comments_in_dom"] >= shape.scrolled and journey["long_tasks"] == 0,
        ),
    ]


def browser_table(result: dict[str, Any]) -> Table:
    runs = result["shape"]["runs"]
    table = Table(title=f"Widget in Chromium: first page, {runs} cold runs each (ms from the script's start)")
    for column in (
        "page",
        "comments",
        "in DOM median",
        "worst",
        "painted median",
        "worst",
        "over ceiling",
        "longest task",
    ):
        table.add_column(column, justify="left" if column == "page" else "right")
    for name in ("widget", "ceiling"):
        r = result[name]
        table.add_row(
            "widget (embed.js)" if name == "widget" else "ceiling: plain loop, same JSON",
            str(r["comments"]),
            str(r["dom_ms"]["median"]),
            str(r["dom_ms"]["worst"]),
            str(r["painted_ms"]["median"]),
            str(r["painted_ms"]["worst"]),
            str(r.get("painted_over_ceiling_ms", "")),
            str(r["longest_task_ms"]["worst"]),
        )
    return table


def main() -> None:
    result = run_browser_widget()
    goals = browser_targets(result)
    console.print(browser_table(result))
    console.print(targets_table(goals, "Browser targets"))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / ("browser-quick.json" if QUICK else "browser.json")
    stamp = {"when": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine()}
    path.write_text(json.dumps({**stamp, **result, "targets": [g.__dict__ for g in goals]}, indent=2) + "\n")
    console.print(f"results: {path}; load average {result['load_average']}")


if __name__ == "__main__":
    main()
