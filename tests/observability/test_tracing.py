"""Spans: per HTTP request, per operation, per batch or page, per upstream request, all
with the request id; and the OTLP/HTTP exporter against a collector on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from gateway.app import create_app
from gateway.demo import demo_settings, simulators_running
from gateway.observability.config import TelemetrySettings
from gateway.observability.install import Observability
from gateway.settings import ServerSettings, Settings
from gateway.sources import Sources
from tests.conftest import ANCHOR
from tests.observability.conftest import Observed

NESTED = """
query Nested {
  accounts { name calls(first: 4) { nodes { id recordings(first: 2) { nodes { id } } } } }
}
"""


def _by_id(spans: list[ReadableSpan]) -> dict[int, ReadableSpan]:
    return {s.context.span_id: s for s in spans}  # type: ignore[union-attr]


def _ancestors(span: ReadableSpan, index: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None:
        span = index[span.parent.span_id]
        names.append(span.name)
    return names


async def test_a_span_per_operation_batch_and_upstream_request(observed: Observed) -> None:
    await observed.settled()
    observed.reset()
    await observed.query(NESTED, request_id="traceReq42")

    spans = [
        s
        for s in observed.finished_spans()
        if s.attributes and s.attributes.get("recgw.request_id") == "traceReq42"
    ]
    index = _by_id(spans)
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert server.name == "POST /graphql"
    assert server.attributes["http.response.status_code"] == 200
    (operation,) = [s for s in spans if s.name == "query Nested"]
    assert operation.parent is not None and operation.parent.span_id == server.context.span_id
    assert operation.attributes["graphql.operation.type"] == "query"
    assert operation.attributes["recgw.outcome"] == "success"

    # One upstream span per request the simulators answered, each under a batch or page
    # span, under the operation, under the HTTP request.
    upstream = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert len(upstream) == sum(observed.upstream_requests().values())
    for span in upstream:
        chain = _ancestors(span, index)
        assert chain[-2:] == ["query Nested", "POST /graphql"], chain
        assert chain[0].startswith(("batch ", "page ")), chain
        assert "{id}" in str(span.attributes["url.template"]) or span.name.endswith("/api_auth")
        assert span.attributes["http.response.status_code"] in (200, 201)
    batches = [s for s in spans if s.name == "batch call_recordings"]
    assert {s.attributes["recgw.provider"] for s in batches} == set(observed.simulators)
    assert all(s.attributes["recgw.batch.size"] == 4 for s in batches)
    # Nothing else ran since the reset: every span there is belongs to the request.
    assert len(spans) == len(observed.finished_spans())


async def test_failures_mark_spans_as_errors(observed: Observed) -> None:
    await observed.settled()
    observed.reset()
    _status, body, request_id = await observed.post('query Bad { node(id: "zzz") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_ID"
    (operation,) = [s for s in observed.finished_spans() if s.name == "query Bad"]
    assert operation.attributes["recgw.outcome"] == "client_error"
    assert operation.attributes["recgw.request_id"] == request_id
    assert not operation.status.is_ok


class Collector:
    """An OTLP/HTTP trace collector on loopback: keeps the spans it is sent."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_post("/v1/traces", self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        for resource in message.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attributes = {a.key: a.value.string_value for a in span.attributes}
                    self.spans.append((span.name, attributes))
        return web.Response(status=200, content_type="application/x-protobuf")


@pytest.fixture
async def collector() -> AsyncIterator[tuple[Collector, str]]:
    collector = Collector()
    runner = web.AppRunner(collector.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield collector, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_spans_reach_an_otlp_collector(collector: tuple[Collector, str]) -> None:
    sink, url = collector
    async with simulators_running(3, recordings=10, anchor=ANCHOR) as servers:
        base = demo_settings(servers, ServerSettings(host="127.0.0.1", port=0))
        settings = Settings(
            server=base.server,
            accounts=base.accounts,
            telemetry=TelemetrySettings(otlp_endpoint=url, service_name="recgw-test"),
        )
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        gateway = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{gateway}/graphql",
                json={"query": "query Exported { recordings(first: 2) { nodes { id } } }"},
                headers={"X-Request-ID": "otlpReq7"},
            ) as resp,
        ):
            assert resp.status == 200
        await runner.cleanup()  # flushes the batch processor to the collector
    names = {name for name, attrs in sink.spans if attrs.get("recgw.request_id") == "otlpReq7"}
    assert {"POST /graphql", "query Exported", "page recordings"} <= names
    assert any(name.startswith("GET /") for name in names)


def test_tracing_is_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    observability = Observability.create(TelemetrySettings(), Sources([]))
    assert observability.tracer is None


@pytest.mark.parametrize(
    ("setting", "env", "url"),
    [
        (None, {}, None),
        ("http://c:4318", {}, "http://c:4318/v1/traces"),
        ("http://c:4318/v1/traces", {}, "http://c:4318/v1/traces"),
        (None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://e:4318/"}, "http://e:4318/v1/traces"),
        (
            None,
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://e:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:9/x",
            },
            "http://t:9/x",
        ),
        (
            "http://c:4318",
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://e:4318"},
            "http://c:4318/v1/traces",
        ),
    ],
)
def test_where_spans_go(setting: str | None, env: dict[str, str], url: str | None) -> None:
    assert TelemetrySettings(otlp_endpoint=setting).traces_url(env) == url
