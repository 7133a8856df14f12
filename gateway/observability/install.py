"""Putting metrics, traces, the access line and readiness into one aiohttp app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer

from gateway.sources import Sources

from .access import observe_requests
from .config import TelemetrySettings
from .metrics import METRICS, Metrics
from .observation import Observation
from .readiness import Readiness
from .tracing import Tracing, exporting_provider


@dataclass(slots=True)
class Observability:
    """One app's metrics registry, tracer (``None``: tracing off) and readiness."""

    settings: TelemetrySettings
    metrics: Metrics
    tracing: Tracing | None
    readiness: Readiness

    @property
    def tracer(self) -> Tracer | None:
        return None if self.tracing is None else self.tracing.tracer

    @classmethod
    def create(
        cls,
        settings: TelemetrySettings,
        sources: Sources,
        *,
        tracer_provider: TracerProvider | None = None,
    ) -> Observability:
        """``tracer_provider``: the app's tracer (tests pass one with an in-memory
        exporter, and flush it themselves); by default one exporting over OTLP when
        ``settings`` or the environment name a collector."""
        metrics = Metrics((s.name, s.provider) for s in sources)
        if tracer_provider is not None:
            tracing: Tracing | None = Tracing(tracer_provider, owned=False)
        else:
            exporting = exporting_provider(settings)
            tracing = None if exporting is None else Tracing(exporting, owned=True)
        tracer = None if tracing is None else tracing.tracer
        readiness = Readiness(
            sources,
            metrics,
            recheck_seconds=settings.readiness_recheck_seconds,
            observation=lambda request_id: Observation(request_id, metrics, tracer),
        )
        return cls(settings, metrics, tracing, readiness)

    def middleware(self) -> Middleware:
        """The access-line middleware; goes right after the request-id one."""
        return observe_requests(self.metrics, self.tracer)

    def install(self, app: web.Application) -> None:
        """Routes (``/metrics``, ``/readyz``), app keys and background work. The app
        must also have :meth:`middleware` in its middleware list."""
        app[OBSERVABILITY] = self
        app[METRICS] = self.metrics
        if self.settings.metrics:
            app.router.add_get("/metrics", self.metrics.handler)
        app.router.add_get("/readyz", self.readiness.handler)
        app.cleanup_ctx.append(self.readiness.background)
        app.cleanup_ctx.append(self._close_tracing)

    async def _close_tracing(self, _: web.Application) -> AsyncIterator[None]:
        yield
        if self.tracing is not None:
            await self.tracing.aclose()


OBSERVABILITY = web.AppKey("observability", Observability)
