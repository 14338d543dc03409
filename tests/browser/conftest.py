"""Browser journeys: a real Threadline server (embedded default, uvicorn on a free port) per module,
host pages served from another origin (``localhost`` against the API's ``127.0.0.1``: another
site, so CORS, CORP and the tenant's allowed origins are exercised), and one Debian Chromium per
module driven by Playwright. Screenshots go to ``test-artifacts/``.

Playwright cannot download browsers on this network: the tests use ``/usr/bin/chromium``. Under
``CI=true`` a missing Chromium fails the tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import html
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from benchmarks.seeding.threads import PlannedComment, seed_thread
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from tests.backends import IN_CI
from tests.tcp_splice import splice

from threadline.adapters.auth.jwt_tokens import issue_token
from threadline.api.app import create_service
from threadline.bootstrap import build
from threadline.domain.identity import Role
from threadline.domain.tenant import Tenant, TenantSettings
from threadline.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Liveness guards, not speed bounds: how long a journey waits for what must happen.
WAIT_MS = 30_000
OPERATOR_KEY = "browser-operator-key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per module, gone when the module's last test is: Playwright's sync API runs an
    event loop in the test thread while it is open, which the suite's asyncio tests (run by the
    same worker afterwards) cannot share. Each module is one xdist group (``--dist loadgroup``),
    so its tests run back to back on one worker."""
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing; install it with: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class HostSite:
    """The embedding site: pages and files registered by the tests, on their own origin, under
    a strict Content-Security-Policy that allows scripts and styles from the API's origin only."""

    def __init__(self, api_origin: str) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.api_origin = api_origin
        self.api_origins = [api_origin]
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
                apis = " ".join(site.api_origins)
                self.send_header(
                    "Content-Security-Policy",
                    f"default-src 'none'; script-src 'self' {apis}; style-src 'self' {apis}; "
                    f"connect-src {apis}; img-src https: data:; base-uri 'none'",
                )
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, body: str, media: str = "text/html; charset=utf-8") -> str:
        self.files[path] = (body.encode(), media)
        return self.origin + path

    def page(
        self,
        path: str,
        *,
        tenant: Tenant,
        entity_id: str,
        token: str | None = None,
        lang: str | None = None,
        page_lang: str = "en",
        theme: str | None = None,
        before: str = "",
        head: str = "",
        api_origin: str | None = None,
    ) -> str:
        """A host page with the two-line embed (and ``before`` it, e.g. count links)."""
        extra = "".join(
            f' data-{name}="{html.escape(value)}"'
            for name, value in (("token", token), ("lang", lang), ("theme", theme))
            if value is not None
        )
        return self.add(
            path,
            f"""<!doctype html><html lang="{page_lang}"><head><meta charset="utf-8">
<title>Host page</title>{head}<script src="/tripwire.js"></script></head>
<body><main><h1>An article</h1><p>Text of the article.</p>{before}
<div id="threadline"></div>
<script src="{api_origin or self.api_origin}/embed.js" data-tenant="{tenant.id}" data-entity-type="post"
 data-entity-id="{html.escape(entity_id)}"{extra} async></script></main></body></html>""",
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Relay:
    """A TCP relay in front of the API that can sever every open connection at once: a network
    drop, as a reader's browser sees it, while the server runs on."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        self.held = False
        ready = threading.Event()
        self.port = 0

        async def start() -> None:
            server = await asyncio.start_server(self._pipe, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()

        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(start(), self.loop)
        ready.wait(30)
        self.origin = f"http://127.0.0.1:{self.port}"

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.held:  # the network is still down
            writer.transport.abort()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.writers |= {writer, upstream_writer}
        await splice(reader, writer, upstream_reader, upstream_writer)

    def sever(self, hold: bool = False) -> None:
        """Drop every open connection; with ``hold``, refuse new ones until ``release``."""
        self.held = hold

        def close_all() -> None:
            for writer in self.writers:
                writer.transport.abort()
            self.writers.clear()

        self.loop.call_soon_threadsafe(close_all)

    def release(self) -> None:
        self.held = False

    def close(self) -> None:
        self.sever()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class Served:
    """One Threadline server with its tenant, an HTTP client for seeding, and the host site."""

    base: str
    tenant: Tenant
    host: HostSite
    http: httpx.Client
    relay: Relay
    settings: Settings
    tokens: dict[tuple[str, Role], str] = field(default_factory=dict)

    def token(self, user: str, role: Role = Role.USER, name: str | None = None) -> str:
        key = (user if name is None else f"{user}:{name}", role)
        if key not in self.tokens:
            self.tokens[key] = issue_token(
                self.tenant, user_id=user, name=name or user.title(), role=role, ttl_seconds=3600
            )
        return self.tokens[key]

    def send(self, method: str, path: str, user: str = "alice", role: Role = Role.USER, **kw: Any) -> Any:
        response = self.http.request(
            method, self.base + path, headers={"Authorization": f"Bearer {self.token(user, role)}"}, **kw
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def comment(
        self, entity_id: str, content: str, user: str = "alice", parent_id: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        body = {
            "entity_type": "post",
            "entity_id": entity_id,
            "content": content,
            "parent_id": parent_id,
            **kw,
        }
        created: dict[str, Any] = self.send("POST", "/v1/comments", user, json=body)
        return created

    def comments(self, entity_id: str, contents: list[str], user: str = "alice", **kw: Any) -> list[str]:
        with ThreadPoolExecutor(max_workers=8) as pool:
            created = list(pool.map(lambda text: self.comment(entity_id, text, user, **kw), contents))
        return [c["id"] for c in created]

    def seed(self, entity_id: str, plan: list[PlannedComment]) -> list[str]:
        """A long thread through the application layer in one write transaction
        (benchmarks/seeding/threads.py: the real command handler), instead of a request per
        comment; the server's own projector applies it. Its ids in plan order, once it is read."""

        async def work() -> tuple[list[str], int]:
            container = build(self.settings)
            try:
                seeded = await seed_thread(container, self.tenant.id, "post", entity_id, plan, project=False)
                return seeded.ids, seeded.position
            finally:
                await container.stop()

        with ThreadPoolExecutor(max_workers=1) as own_thread:  # Playwright's loop holds this thread
            ids, position = own_thread.submit(asyncio.run, work()).result()
        self.settle(position)
        return ids

    def thread_order(self, entity_id: str) -> list[str]:
        """The ids of a thread's root comments, newest first, as the API pages them."""
        order: list[str] = []
        cursor = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = self.http.get(
                f"{self.base}/v1/entities/post/{entity_id}/comments",
                params=params,
                headers={"X-Tenant-ID": self.tenant.id},
            ).json()
            order += [node["id"] for node in page["data"]]
            cursor = page["meta"]["next_cursor"]
            if not cursor:
                return order

    def configure(self, **settings: object) -> None:
        """Change the tenant's settings through the operator API (the host's origin stays allowed)."""
        body = {"allowed_origins": [self.host.origin], **settings}
        response = self.http.put(
            f"{self.base}/v1/operator/tenants/{self.tenant.id}/settings",
            json=body,
            headers={"X-Operator-Key": OPERATOR_KEY},
        )
        assert response.status_code == 200, response.text

    def settle(self, position: int) -> None:
        """Until the read model has applied ``position`` (a read with ``min_position`` waits)."""
        for _ in range(30):
            answer = self.http.get(
                self.base + "/v1/counts",
                params={"entity_type": "post", "entity_id": "x", "min_position": position},
                headers={"X-Tenant-ID": self.tenant.id},
            )
            if answer.headers.get("x-threadline-consistency") == "caught-up":
                return
        raise AssertionError(f"the read model did not reach {position}")


def _prepare(settings: Settings, origins: tuple[str, ...]) -> Tenant:
    async def work() -> Tenant:
        container = build(settings)
        try:
            await container.migrate()
            tenant = await container.tenants.create("browser")
            return await container.tenants.set_settings(tenant.id, TenantSettings(allowed_origins=origins))
        finally:
            await container.stop()

    # Playwright's sync API runs an event loop in this thread: the setup gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as own_thread:
        return own_thread.submit(asyncio.run, work()).result()


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[Served]:
    """A module may set ``SERVER_SETTINGS`` (e.g. the demo on, its tenant the module's)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    host = HostSite(base)
    host.add("/tripwire.js", "window.__pwned = undefined;", "text/javascript")
    configured: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser')}/threadline.db",
        "rate_limits_enabled": False,
        "operator_key": OPERATOR_KEY,
        "live_heartbeat_seconds": 2.0,
        "live_retry_ms": 500,
        **getattr(request.module, "SERVER_SETTINGS", {}),
    }
    settings = Settings(**configured)
    tenant = _prepare(settings, (host.origin,))
    server = uvicorn.Server(
        uvicorn.Config(
            create_service(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            loop="asyncio",
            # Open live streams would hold a graceful shutdown for its whole default wait.
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    with httpx.Client(timeout=30) as http:
        for _ in range(300):
            try:
                if http.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            threading.Event().wait(0.1)
        else:
            raise AssertionError("the server did not start")
        relay = Relay(port)
        host.api_origins.append(relay.origin)
        try:
            yield Served(base, tenant, host, http, relay, settings)
        finally:
            relay.close()
            server.should_exit = True
            thread.join(timeout=30)
            host.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 900, "height": 900})
    opened.set_default_timeout(WAIT_MS)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.errors = errors  # type: ignore[attr-defined]
    return opened


def open_widget(page: Page, url: str) -> None:
    """Open a host page and wait until the widget has rendered its first page."""
    page.goto(url)
    page.wait_for_selector("section.tl[data-ready]")


GREW = """before => {
  const shadow = document.getElementById('threadline').shadowRoot;
  const shown = shadow.querySelectorAll('ul.list > li').length;
  return shown > before || shadow.querySelector('button.more').hidden;
}"""


def load_every_page(page: Page) -> None:
    """Press "Load more comments" until the thread has no more pages."""
    more = page.locator("button.more")
    while more.is_visible():
        before = page.locator("ul.list > li").count()
        more.click()
        page.wait_for_function(GREW, arg=before)


def wait_live(page: Page) -> None:
    page.wait_for_selector("section.tl[data-live=ready]")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
