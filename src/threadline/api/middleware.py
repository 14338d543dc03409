"""Pure ASGI middleware (no per-request task or body buffering): security headers on every
response, and a request body size limit answered with a 413 problem."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.api.problems import problem

BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
SAME_SITE = (b"cross-origin-resource-policy", b"same-site")
# The widget's and the console's own files are loaded by every site that embeds them.
CROSS_ORIGIN = (b"cross-origin-resource-policy", b"cross-origin")
WIDGET_PATHS = ("/embed.js", "/widget/", "/console.js", "/console/")
API_HEADERS = [*BASE_HEADERS, SAME_SITE]
# JSON answers never need to load anything.
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# The docs page (Swagger UI, ReDoc) loads its script and styles from FastAPI's default CDN.
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    b"font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    b"https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; frame-ancestors 'none'",
)
DOCS_PATHS = ("/docs", "/redoc")
# The demo page holds itself to the strict policy a careful host page would set: scripts and
# styles from files only, no inline code, no eval.
DEMO_CSP = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    b"img-src 'self' https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
DEMO_PATH = "/demo"
# The console's page: the same strict policy, and no form posts anywhere (its forms are scripts').
CONSOLE_CSP = (
    b"content-security-policy",
    b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    b"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
)
CONSOLE_PAGES = ("/console", "/console/")


# What each kind of answer gets, built once (every routed response takes one of these).
_WIDGET_HEADERS = (*BASE_HEADERS, CROSS_ORIGIN, API_CSP)
_DEMO_HEADERS = (*API_HEADERS, DEMO_CSP)
_DOCS_HEADERS = (*API_HEADERS, DOCS_CSP)
_CONSOLE_HEADERS = (*API_HEADERS, CONSOLE_CSP)
_JSON_HEADERS = (*API_HEADERS, API_CSP)


def _headers_for(path: str) -> tuple[tuple[bytes, bytes], ...]:
    if path in CONSOLE_PAGES:
        return _CONSOLE_HEADERS
    if path.startswith(WIDGET_PATHS):
        return _WIDGET_HEADERS
    if path == DEMO_PATH or path.startswith(DEMO_PATH + "/"):
        return _DEMO_HEADERS
    return _DOCS_HEADERS if path.startswith(DOCS_PATHS) else _JSON_HEADERS


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _headers_for(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimit:
    """Refuses bodies over ``max_bytes``: at once by Content-Length, or while a chunked body
    streams in, so a client cannot make the server buffer more than the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            # Raised as an HTTPException so the framework answers it as the 413 problem it is
            # (other errors while reading a body become 400s there).
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, f"request bodies are limited to {self.max_bytes} bytes")
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload_too_large",
            f"request bodies are limited to {self.max_bytes} bytes",
            instance=str(scope.get("path", "")),
        )
        await response(scope, receive, send)
