"""The per-request middleware: observation context, access line, HTTP metrics.

One access line per request (logger ``gateway.access``, INFO) with: ``request_id``,
``method``, ``route`` (the route *template*: a media link's token never reaches the log),
``status``, ``duration_ms``, ``operation`` and ``operation_type`` (GraphQL requests),
``caller`` (``ctx.caller.name``), ``outcome`` and ``upstream_requests`` (vendor requests
this request caused, retries included).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from gateway.view import REQUEST_ID

from .metrics import Metrics
from .observation import Observation, observing
from .tracing import REQUEST_ID as REQUEST_ID_ATTRIBUTE

log = logging.getLogger("gateway.access")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: What the log and the metrics say when the client went away before the answer.
CLIENT_CLOSED = 499
WEBHOOK_ROUTE = "/webhooks/{account}"
#: ``recgw_webhook_events`` outcome of each answer of the webhook route
#: (``gateway.events.webhooks``); any other status counts as ``error``.
WEBHOOK_OUTCOMES = {
    200: "accepted",
    409: "replayed",
    **dict.fromkeys((400, 403, 404, 405, 413), "rejected"),
}


def observe_requests(metrics: Metrics, tracer: Tracer | None) -> Middleware:
    """Place it after the request-id middleware (it reads the id that one assigned)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        request_id = request.get(REQUEST_ID) or uuid.uuid4().hex
        observation = Observation(request_id, metrics, tracer)
        route = _route(request)
        status = 500
        with observing(observation):
            try:
                if tracer is None:
                    response = await handler(request)
                else:
                    response = await _traced(tracer, request, route, request_id, handler)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            except asyncio.CancelledError:
                status = CLIENT_CLOSED
                raise
            finally:
                elapsed = time.perf_counter() - started
                metrics.http_request(route, request.method, status)
                if route == WEBHOOK_ROUTE:
                    metrics.webhook_event(
                        "",  # the configured account's provider (``other`` if unknown)
                        request.match_info.get("account", ""),
                        WEBHOOK_OUTCOMES.get(status, "error"),
                    )
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": request.method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "operation": observation.operation_name,
                        "operation_type": observation.operation_type,
                        "caller": observation.caller,
                        "outcome": observation.outcome,
                        "upstream_requests": observation.upstream_requests,
                    },
                )

    return middleware


async def _traced(
    tracer: Tracer, request: web.Request, route: str, request_id: str, handler: Handler
) -> web.StreamResponse:
    with tracer.start_as_current_span(
        f"{request.method} {route}",
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": request.method,
            "http.route": route,
            REQUEST_ID_ATTRIBUTE: request_id,
        },
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _finish(span, exc.status)
            raise
        _finish(span, response.status)
        return response


def _finish(span: object, status: int) -> None:
    span.set_attribute("http.response.status_code", status)  # type: ignore[attr-defined]
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))  # type: ignore[attr-defined]


def _route(request: web.Request) -> str:
    """The matched route's template (``/media/{token}``), never the raw path."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"
