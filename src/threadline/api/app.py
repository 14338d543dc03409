"""The FastAPI application factory: wires the container's lifecycle to the server's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import ORJSONResponse
from starlette.types import ASGIApp

from threadline import __version__
from threadline.api.console import ConsoleAssets
from threadline.api.cors import TenantCors
from threadline.api.fast_commands import FastCommands
from threadline.api.fast_counts import FastCounts
from threadline.api.fast_live import FastLiveStreams
from threadline.api.fast_reads import FastThreadReads
from threadline.api.middleware import BodySizeLimit, SecurityHeaders
from threadline.api.problems import install_problem_handlers
from threadline.api.routes import (
    admin,
    comments,
    console,
    demo,
    health,
    live,
    moderation,
    operator,
    preview,
    search,
    threads,
    users,
    webhooks,
    widget,
)
from threadline.api.widget import load_widget
from threadline.bootstrap import Threadline, build
from threadline.settings import Settings


def create_service(settings: Settings | None = None, container: Threadline | None = None) -> ASGIApp:
    """The application as served: the API, with cached anonymous thread pages and live counts
    answered in front of the framework (``THREADLINE_FAST_READS``, on by default), and creates,
    replies and likes too (``THREADLINE_FAST_COMMANDS``)."""
    app = create_app(settings, container)
    threadline: Threadline = app.state.threadline
    served: ASGIApp = app
    if threadline.settings.fast_commands:
        served = FastCommands(served, threadline)
    if threadline.live is not None:
        served = FastLiveStreams(served, threadline)
    if not threadline.settings.fast_reads:
        return served
    return FastThreadReads(FastCounts(served, threadline), threadline)


def create_app(settings: Settings | None = None, container: Threadline | None = None) -> FastAPI:
    threadline = container or build(settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await threadline.start()
        try:
            yield
        finally:
            await threadline.stop()

    app = FastAPI(
        title="Threadline",
        version=__version__,
        summary="Threaded comments for any product: CQRS and event sourcing, multi-tenant.",
        default_response_class=ORJSONResponse,
        lifespan=lifespan,
    )
    app.state.threadline = threadline
    app.state.widget = load_widget()
    app.state.console = ConsoleAssets.load()
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=threadline.settings.max_body_bytes)
    app.add_middleware(TenantCors, container=threadline)
    app.add_middleware(SecurityHeaders)
    for module in (comments, preview, moderation, threads, live, search, admin, webhooks, users, operator):
        app.include_router(module.router)
    app.include_router(health.router)
    app.include_router(widget.router)
    app.include_router(console.router)
    if threadline.settings.demo_enabled:
        app.include_router(demo.router)
    return app
