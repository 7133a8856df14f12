"""OpenTelemetry traces: a span per HTTP request, per GraphQL operation, per DataLoader
batch (and listing page) and per upstream request, each with the request id.

Strawberry's own ``OpenTelemetryExtension`` is not used: it opens a span for every
resolver call and, by defining a ``resolve`` hook, puts every field through extension
middleware even when nothing is exported. That is thousands of spans for
``recordings(first: 500)`` and a cost on the hot path that the gateway's planned
executor was built to avoid. Here spans exist only where time goes (operations, batches,
vendor requests), and when tracing is off there is no tracer at all: every helper checks
for ``None`` and returns.

An upstream span is made after the fact from the :mod:`providers.observe` report (start
time = end - duration), so ``providers`` stays free of OpenTelemetry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from providers.observe import UpstreamRequest

from .config import TelemetrySettings

T = TypeVar("T")

REQUEST_ID = "recgw.request_id"
TRACER_NAME = "recording-gateway"


def exporting_provider(
    settings: TelemetrySettings, env: Mapping[str, str] | None = None
) -> TracerProvider | None:
    """A provider that sends spans over OTLP/HTTP, or ``None`` when none is configured."""
    url = settings.traces_url(env)
    if url is None:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    return provider


class Tracing:
    """A tracer, and the provider to flush when the app stops (if the app created it)."""

    def __init__(self, provider: TracerProvider, *, owned: bool) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer(TRACER_NAME)
        self._owned = owned

    async def aclose(self) -> None:
        if self._owned:
            # Flushing posts the last spans: never block the event loop on it.
            await asyncio.to_thread(self.provider.shutdown)


def upstream_span(tracer: Tracer, event: UpstreamRequest, request_id: str) -> None:
    """Record a finished vendor request as a CLIENT span under the current span."""
    end = time.time_ns()
    attributes: dict[str, Any] = {
        "http.request.method": event.method,
        "url.template": event.endpoint,
        "recgw.provider": event.provider,
        "recgw.account": event.account,
        REQUEST_ID: request_id,
    }
    if event.attempt > 1:
        attributes["http.request.resend_count"] = event.attempt - 1
    failed = event.status is None or event.status >= 400
    if event.status is not None:
        attributes["http.response.status_code"] = event.status
    if failed:
        attributes["error.type"] = event.error or str(event.status)
    span = tracer.start_span(
        f"{event.method} {event.endpoint}",
        kind=SpanKind.CLIENT,
        attributes=attributes,
        start_time=end - int(event.duration * 1e9),
    )
    if failed:
        span.set_status(Status(StatusCode.ERROR))
    span.end(end_time=end)


async def traced(
    tracer: Tracer, name: str, attributes: dict[str, Any], awaitable: Awaitable[T]
) -> T:
    """Await ``awaitable`` inside a span (current, so its upstream spans are children)."""
    with tracer.start_as_current_span(name, attributes=attributes):
        return await awaitable
