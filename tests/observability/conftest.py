"""A running gateway with its observability in reach: metrics, spans, log lines.

The gateway is the real app on a loopback port over the three simulators; spans go to
OpenTelemetry's in-memory exporter; log records of every logger are rendered by the
gateway's own JSON formatter into a buffer the test reads back.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from gateway.app import create_app
from gateway.demo import simulators_running
from gateway.observability.config import TelemetrySettings
from gateway.observability.install import Observability
from gateway.observability.logging import formatter
from gateway.settings import ServerSettings, Settings, from_mapping
from gateway.sources import Sources
from providers._sim import SimulatorServer
from tests.conftest import ANCHOR


class LogCapture:
    """Every log record, rendered by the gateway's formatter (``json`` or ``text``)."""

    def __init__(self, fmt: str = "json", level: int = logging.DEBUG) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter(fmt))
        self.handler.setLevel(level)
        self.level = level

    def __enter__(self) -> LogCapture:
        root = logging.getLogger()
        self._old_level = root.level
        root.addHandler(self.handler)
        root.setLevel(self.level)
        return self

    def __exit__(self, *_: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self._old_level)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def json_log() -> Iterator[LogCapture]:
    with LogCapture("json") as capture:
        yield capture


@dataclass
class Observed:
    url: str
    session: aiohttp.ClientSession
    simulators: dict[str, SimulatorServer]
    spans: InMemorySpanExporter
    sources: Sources
    extra_accounts: list[dict[str, Any]] = field(default_factory=list)

    async def post(
        self,
        query: str,
        *,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        request_id: str | None = None,
    ) -> tuple[int, dict[str, Any], str]:
        """(status, body, X-Request-ID) of one GraphQL POST."""
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation_name:
            payload["operationName"] = operation_name
        headers = {"X-Request-ID": request_id} if request_id else {}
        async with self.session.post(f"{self.url}/graphql", json=payload, headers=headers) as r:
            body: dict[str, Any] = await r.json()
            return r.status, body, r.headers["X-Request-ID"]

    async def query(self, query: str, **kwargs: Any) -> dict[str, Any]:
        status, body, _ = await self.post(query, **kwargs)
        assert status == 200, body
        return body

    async def metrics(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        """Samples by name: ``[(labels, value), ...]``."""
        async with self.session.get(f"{self.url}/metrics") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            text = await resp.text()
        samples: dict[str, list[tuple[dict[str, str], float]]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
        return samples

    async def readyz(self) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"{self.url}/readyz") as resp:
            return resp.status, await resp.json()

    async def settled(self) -> tuple[int, dict[str, Any]]:
        """``/readyz`` once no account is still being checked."""
        async with asyncio.timeout(10):
            while True:
                status, body = await self.readyz()
                if "checking" not in body["accounts"].values():
                    return status, body
                await asyncio.sleep(0.02)

    def upstream_requests(self) -> dict[str, int]:
        return {name: len(s.simulator.request_log) for name, s in self.simulators.items()}

    def reset(self) -> None:
        for server in self.simulators.values():
            server.simulator.request_log.clear()
            server.simulator.faults.reset()
        self.spans.clear()

    def finished_spans(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())


def total(samples: list[tuple[dict[str, str], float]], **labels: str) -> float:
    """Sum of the samples whose labels include ``labels``."""
    return sum(v for lbl, v in samples if all(lbl.get(k) == x for k, x in labels.items()))


@pytest.fixture
def extra_accounts() -> list[dict[str, Any]]:
    """``[[accounts]]`` entries added to the demo's three (a test may override)."""
    return []


@pytest.fixture
def telemetry() -> TelemetrySettings:
    return TelemetrySettings(readiness_recheck_seconds=0.2)


@pytest.fixture
def upstream_latency() -> float:
    """Seconds every simulator waits before answering, from the gateway's start on."""
    return 0.0


@pytest.fixture
async def observed(
    extra_accounts: list[dict[str, Any]], telemetry: TelemetrySettings, upstream_latency: float
) -> AsyncIterator[Observed]:
    async with simulators_running(5, recordings=30, anchor=ANCHOR) as servers:
        for server in servers:
            server.simulator.faults.latency = upstream_latency
        accounts = [
            {"name": s.simulator.provider, "provider": s.simulator.provider}
            | s.account_settings()[0]
            for s in servers
        ]
        by_provider = {s.simulator.provider: s for s in servers}
        for extra in extra_accounts:
            # ``like``: copy a simulator's base_url and ids, override the rest.
            template = by_provider[extra.pop("like")].account_settings()[0]
            accounts.append(template | extra)
        parsed = from_mapping({"accounts": accounts}, env={})
        sock = socket.create_server(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        settings = Settings(
            server=ServerSettings(
                host="127.0.0.1", port=port, public_url=f"http://127.0.0.1:{port}"
            ),
            accounts=parsed.accounts,
            telemetry=telemetry,
        )
        sources = Sources.build(settings.accounts)
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        observability = Observability.create(telemetry, sources, tracer_provider=provider)
        runner = web.AppRunner(
            create_app(settings, sources, observability=observability), access_log=None
        )
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            async with aiohttp.ClientSession() as session:
                yield Observed(f"http://127.0.0.1:{port}", session, by_provider, exporter, sources)
        finally:
            await runner.cleanup()
            provider.shutdown()
