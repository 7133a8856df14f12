"""The aiohttp application: ``/graphql`` (with GraphiQL assets under ``/graphiql/static/``),
``/healthz``, ``/readyz``, ``/media/{token}``."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from .cursors import CursorCodec
from .graphiql import GraphiQLPage, auth_required
from .media import serve_media
from .schema import build_schema
from .settings import Settings
from .sources import Sources
from .view import REQUEST_ID, GatewayView

log = logging.getLogger("gateway.app")

SETTINGS = web.AppKey("settings", Settings)
SOURCES = web.AppKey("sources", Sources)
CURSORS = web.AppKey("cursors", CursorCodec)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag each request with an id (kept from ``X-Request-ID`` when it looks sane)."""
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    response = await handler(request)
    response.headers.setdefault("X-Request-ID", request_id)
    return response


def create_app(settings: Settings, sources: Sources | None = None) -> web.Application:
    """Build the app. ``sources`` may be passed in (tests); otherwise they are built
    from ``settings``. Either way the app closes them on cleanup."""
    owned = sources if sources is not None else Sources.build(settings.accounts)
    secret = settings.server.cursor_secret
    codec = CursorCodec(hashlib.sha256(secret.reveal().encode()).digest() if secret else None)

    app = web.Application(middlewares=[request_ids])
    app[SETTINGS] = settings
    app[SOURCES] = owned
    app[CURSORS] = codec

    view = GatewayView(
        schema=build_schema(),
        # Never Strawberry's CDN page: ours (gateway.graphiql) answers browsers first.
        graphql_ide=None,
        sources=owned,
        server=settings.server,
        cursors=codec,
    )
    graphql_handler: Handler = view
    if settings.server.graphiql:
        graphiql = GraphiQLPage.create(auth=auth_required(settings))
        graphiql.add_routes(app.router)
        graphql_handler = graphiql.wrap(view)
    app.router.add_route("*", "/graphql", graphql_handler)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ready", "accounts": sorted(s.name for s in owned)})

    async def media(request: web.Request) -> web.StreamResponse:
        return await serve_media(request, codec, owned)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/media/{token}", media)

    async def close_sources(_: web.Application) -> AsyncIterator[None]:
        yield
        await owned.aclose()

    app.cleanup_ctx.append(close_sources)
    return app
