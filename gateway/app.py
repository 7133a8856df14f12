"""The aiohttp application: ``/graphql`` (with GraphiQL assets under ``/graphiql/static/``),
``/healthz``, ``/readyz``, ``/metrics``, ``/media/{token}``, ``/webhooks/{account}``."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
)

from .auth import Authenticator
from .cors import cors_middleware
from .cursors import CursorCodec
from .events.service import EVENTS, EventService
from .events.webhooks import receive_webhook
from .graphiql import GraphiQLPage, auth_required
from .limits.persisted import PersistedDocuments
from .media import serve_media
from .observability.install import Observability
from .resilience import Budgets
from .schema import build_schema
from .settings import Settings
from .sources import Sources
from .view import REQUEST_ID, GatewayView

log = logging.getLogger("gateway.app")

SETTINGS = web.AppKey("settings", Settings)
SOURCES = web.AppKey("sources", Sources)
CURSORS = web.AppKey("cursors", CursorCodec)
AUTH = web.AppKey("auth", Authenticator)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag each request with an id: the client's ``X-Request-ID`` when it is 1-128 of
    ``A-Z a-z 0-9 . _ : -``, a fresh one otherwise. :func:`_echo_request_id` returns it on
    every answer, streamed ones (``/media``) included."""
    incoming = request.headers.get("X-Request-ID", "")
    request[REQUEST_ID] = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return await handler(request)


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers["X-Request-ID"] = request_id


def create_app(
    settings: Settings,
    sources: Sources | None = None,
    *,
    observability: Observability | None = None,
) -> web.Application:
    """Build the app. ``sources`` may be passed in (tests); otherwise they are built
    from ``settings``. Either way the app closes them on cleanup. ``observability``:
    metrics, tracer and readiness (tests pass one with an in-memory span exporter)."""
    owned = sources if sources is not None else Sources.build(settings.accounts)
    server = settings.server
    owned.upstream.configure(
        breaker_failures=server.breaker_failures,
        breaker_cooldown=server.breaker_cooldown,
        coalesce=server.coalesce_reads,
        budgets=Budgets(
            requests_per_minute=settings.limits.requests_per_minute,
            cost_per_minute=settings.limits.cost_per_minute,
        ),
    )
    observed = observability or Observability.create(settings.telemetry, owned)
    secret = settings.server.cursor_secret
    codec = CursorCodec(hashlib.sha256(secret.reveal().encode()).digest() if secret else None)

    limits = settings.limits
    authenticator = Authenticator(settings.auth, [a.name for a in settings.accounts])
    if not authenticator.required:
        log.warning(
            'auth mode is "none": every client sees every account with every scope '
            '(the demo\'s default; set [auth] mode = "keys" or "jwt" anywhere else)'
        )
    app = web.Application(
        middlewares=[
            request_ids,
            observed.middleware(),
            cors_middleware(settings.server.cors_origins),
        ],
        client_max_size=limits.enabled("max_body_bytes"),
    )
    app.on_response_prepare.append(_echo_request_id)
    app[SETTINGS] = settings
    app[AUTH] = authenticator
    app[SOURCES] = owned
    app[CURSORS] = codec
    events = EventService.build(
        settings.events, owned, secret.reveal().encode() if secret else None
    )
    app[EVENTS] = events

    view = GatewayView(
        schema=build_schema(),
        # Never Strawberry's CDN page: ours (gateway.graphiql) answers browsers first.
        graphql_ide=None,
        sources=owned,
        server=settings.server,
        cursors=codec,
        authenticator=authenticator,
        limits=limits,
        persisted=PersistedDocuments.from_limits(limits),
        subscription_protocols=(
            GRAPHQL_TRANSPORT_WS_PROTOCOL,
            GRAPHQL_WS_PROTOCOL,
            GRAPHQL_SSE_PROTOCOL,  # GraphQL over SSE: `Accept: text/event-stream`
        ),
    )
    graphql_handler: Handler = view
    if settings.server.graphiql:
        graphiql = GraphiQLPage.create(auth=auth_required(settings))
        graphiql.add_routes(app.router)
        graphql_handler = graphiql.wrap(view)
    app.router.add_route("*", "/graphql", graphql_handler)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def media(request: web.Request) -> web.StreamResponse:
        return await serve_media(request, codec, owned, authenticator)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/media/{token}", media)

    async def webhook(request: web.Request) -> web.Response:
        return await receive_webhook(
            request,
            events,
            public_url=settings.server.public_url,
            max_bytes=settings.events.max_webhook_bytes,
        )

    app.router.add_post("/webhooks/{account}", webhook)

    async def close_sources(_: web.Application) -> AsyncIterator[None]:
        yield
        await owned.aclose()

    app.cleanup_ctx.append(close_sources)
    observed.install(app)  # /metrics, /readyz, credential checks, tracer shutdown

    async def run_events(_: web.Application) -> AsyncIterator[None]:
        await events.log.start()
        yield
        await events.log.aclose()

    app.cleanup_ctx.append(run_events)
    return app
