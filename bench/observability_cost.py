"""``python -m bench.observability_cost``: what metrics, the access log and tracing add to
one request, measured in process.

Three copies of the gateway app run side by side in one process over the same seeded
simulators (0 ms latency) and answer the same operation over loopback HTTP, requests
alternating between them in slices so that the machine's drift lands on all of them:

* ``off``: the app without the observability middleware: no observation is current, so
  the schema extension, the loaders' batch hook and the upstream hook return at once (the
  cost before this work, plus three ``ContextVar.get()`` calls);
* ``on``: as served by default: metrics, the JSON access line (written to ``/dev/null``),
  tracing off;
* ``traced``: ``on`` plus spans, exported by a batch processor to an exporter that drops
  them.

The process runs with the garbage-collector tuning of ``recgw serve`` and without
client-side rate limits (they would make requests wait, not work).

Reported per variant: median and p90 wall milliseconds per request, and process CPU
microseconds per request (all three apps, the simulators and the client share the one
process, so only the differences between variants mean something).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from gateway.app import create_app
from gateway.cli import _tune_gc
from gateway.observability.config import TelemetrySettings
from gateway.observability.install import Observability
from gateway.observability.logging import configure_logging
from gateway.settings import ServerSettings, Settings, from_mapping
from gateway.sources import Sources
from providers.config import ClientOptions

from .scenarios import RECORDINGS_QUERY
from .simulators import start_simulators


class _Drop(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


async def _serve(settings: Settings, variant: str) -> tuple[web.AppRunner, str]:
    sources = Sources.build(settings.accounts)
    provider = None
    if variant == "traced":
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(_Drop()))
    observability = Observability.create(TelemetrySettings(), sources, tracer_provider=provider)
    app = create_app(settings, sources, observability=observability)
    if variant == "off":
        for middleware in list(app.middlewares):
            if "observe_requests" in getattr(middleware, "__qualname__", ""):
                app.middlewares.remove(middleware)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await observability.readiness.checked.wait()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/graphql"


async def main(requests: int, slices: int, first: int) -> None:
    servers = await start_simulators(250, 0)
    # No client-side rate limit: it would make requests wait, not work (when configurable).
    unlimited = {"rate_limit": 0} if "rate_limit" in ClientOptions.__dataclass_fields__ else {}
    accounts = [
        {
            "name": s.simulator.provider,
            "provider": s.simulator.provider,
            **s.account_settings()[0],
            **unlimited,
        }
        for s in servers
    ]
    parsed = from_mapping({"accounts": accounts}, env={})
    settings = Settings(server=ServerSettings(port=0), accounts=parsed.accounts)
    variants = ("off", "on", "traced")
    runners = {v: await _serve(settings, v) for v in variants}
    _tune_gc()  # as `recgw serve` does
    wall: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}
    body = {"query": RECORDINGS_QUERY, "variables": {"first": first}}
    async with aiohttp.ClientSession() as session:

        async def one(url: str) -> float:
            started = time.perf_counter()
            async with session.post(url, json=body) as resp:
                await resp.read()
                assert resp.status == 200
            return time.perf_counter() - started

        for variant in variants:  # warm up: caches, pools, first-use DataLoaders
            for _ in range(30):
                await one(runners[variant][1])
        per_slice = max(1, requests // slices)
        for index in range(slices):
            # Rotated, so that no variant always follows another (the traced one's
            # exporter thread runs in the background, and its CPU is the process's).
            for variant in variants[index % 3 :] + variants[: index % 3]:
                url = runners[variant][1]
                cpu_start = time.process_time()
                for _ in range(per_slice):
                    wall[variant].append(await one(url))
                cpu[variant].append((time.process_time() - cpu_start) / per_slice)
    for runner, _ in runners.values():
        await runner.cleanup()
    for server in servers:
        await server.stop()

    base_cpu = statistics.median(cpu["off"])
    print(f"recordings(first: {first}), {per_slice * slices} requests per variant")
    print("| variant | p50 ms | p90 ms | CPU µs/request | CPU vs off |")
    print("|---|---|---|---|---|")
    for variant in variants:
        samples = sorted(wall[variant])
        p50 = statistics.median(samples) * 1000
        p90 = samples[int(len(samples) * 0.9)] * 1000
        per_request = statistics.median(cpu[variant])
        delta = (per_request - base_cpu) * 1e6
        print(
            f"| {variant} | {p50:.2f} | {p90:.2f} | {per_request * 1e6:.0f} | "
            f"{'' if variant == 'off' else f'{delta:+.0f} µs'} |"
        )


def run(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.observability_cost",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=1200, help="per variant")
    parser.add_argument("--slices", type=int, default=12, help="alternations")
    parser.add_argument("--first", type=int, default=50, help="recordings(first:)")
    args = parser.parse_args(argv)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        configure_logging("json", logging.INFO, stream=sink)
        asyncio.run(main(args.requests, args.slices, args.first))


if __name__ == "__main__":
    run()
