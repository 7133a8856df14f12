"""The upstream observer hook: providers stay free of the gateway's telemetry libraries,
every vendor request names its endpoint template, and the hook reports real requests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from providers import registry
from providers._sim import FaultKind, SimulatorServer
from providers.base import ProviderBackend
from providers.errors import AuthenticationError
from providers.models import PageRequest, RecordingQuery
from providers.observe import UNTEMPLATED, UpstreamRequest, observing

ROOT = Path(__file__).resolve().parents[2]
TELEMETRY_PACKAGES = ("prometheus_client", "opentelemetry", "structlog", "gateway")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_providers_import_no_telemetry_library() -> None:
    for path in (ROOT / "providers").rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] in TELEMETRY_PACKAGES}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_every_vendor_request_passes_an_endpoint_template() -> None:
    """Each call of ``HttpClient.request``/``open_stream`` in a vendor package says
    ``endpoint=``, and no template holds anything but words and ``{id}``."""
    calls = 0
    for name in registry.names():
        for path in (ROOT / "providers" / name).rglob("*.py"):
            if "simulator" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("request", "open_stream")
                    and isinstance(node.func.value, ast.Attribute)
                    and node.func.value.attr == "http"
                ):
                    continue
                calls += 1
                keywords = {k.arg for k in node.keywords}
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                assert "endpoint" in keywords, where
    assert calls >= 12


class Recorder:
    def __init__(self) -> None:
        self.events: list[UpstreamRequest] = []

    def upstream_request(self, event: UpstreamRequest, /) -> None:
        self.events.append(event)


async def test_the_hook_reports_each_attempt(backend: ProviderBackend, provider_name: str) -> None:
    recorder = Recorder()
    with observing(recorder):
        page = await backend.list_recordings(RecordingQuery(), PageRequest(size=5))
        recording = page.items[0]
        await backend.get_recordings([recording.provider_recording_id])
        await backend.list_calls(PageRequest(size=3))
        await backend.list_conferences(PageRequest(size=3))
    outside = len(recorder.events)
    await backend.list_calls(PageRequest(size=3))  # no observer: nothing reported
    assert len(recorder.events) == outside >= 4
    for event in recorder.events:
        assert event.provider == provider_name
        assert event.account == "primary"
        assert event.endpoint != UNTEMPLATED
        assert recording.provider_recording_id not in event.endpoint
        assert event.status is not None and 200 <= event.status < 300
        assert event.attempt == 1
        assert 0 < event.duration < 5


async def test_the_hook_sees_retries_and_failures(
    backend: ProviderBackend, sim_server: SimulatorServer
) -> None:
    await backend.list_conferences(PageRequest(size=1))  # Kazoo: get the token first
    sim_server.simulator.faults.inject(FaultKind.SERVER_ERROR, FaultKind.SERVER_ERROR)
    recorder = Recorder()
    with observing(recorder):
        await backend.list_conferences(PageRequest(size=2))  # one request, not windowed
    assert [(e.status, e.attempt) for e in recorder.events] == [(503, 1), (503, 2), (200, 3)]
    assert len({e.endpoint for e in recorder.events}) == 1

    sim_server.simulator.faults.outage = FaultKind.BAD_AUTH
    recorder = Recorder()
    with observing(recorder), pytest.raises(AuthenticationError):
        await backend.list_conferences(PageRequest(size=2))
    assert recorder.events[0].status == 401
