"""Log lines: the access line, client errors at INFO without tracebacks, unexpected ones at
ERROR with the traceback and the request id."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.settings import AccountSettings, ServerSettings, Settings
from gateway.sources import Source, Sources
from providers.base import Capability
from providers.config import ClientOptions
from providers.models import Account, Page
from tests.observability.conftest import LogCapture, Observed

RECENT = "query Recent { recordings(first: 6) { nodes { id media { url } } } }"


def _lines(log: LogCapture, **match: Any) -> list[dict[str, Any]]:
    return [
        line for line in log.lines() if all(line.get(key) == value for key, value in match.items())
    ]


async def test_one_access_line_per_request(observed: Observed, json_log: LogCapture) -> None:
    await observed.settled()
    observed.reset()
    await observed.query(RECENT, operation_name="Recent", request_id="accessLine1")
    (line,) = _lines(json_log, logger="gateway.access", request_id="accessLine1")
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert line["method"] == "POST"
    assert line["route"] == "/graphql"
    assert line["status"] == 200
    assert line["operation"] == "Recent"
    assert line["operation_type"] == "query"
    assert line["outcome"] == "success"
    assert line["caller"] == "anonymous"
    assert line["upstream_requests"] == sum(observed.upstream_requests().values()) > 0
    assert 0 < line["duration_ms"] < 10_000
    assert line["timestamp"].endswith("Z")

    async with observed.session.get(f"{observed.url}/healthz") as resp:
        request_id = resp.headers["X-Request-ID"]
    (line,) = _lines(json_log, logger="gateway.access", request_id=request_id)
    assert (line["route"], line["status"], line["operation"]) == ("/healthz", 200, None)


async def test_client_errors_are_info_without_traceback(
    observed: Observed, json_log: LogCapture
) -> None:
    mistakes = {
        "BAD_ID": '{ node(id: "garbage") { id } }',
        "BAD_ARGUMENT": "{ recordings(first: 501) { nodes { id } } }",
        "BAD_CURSOR": '{ recordings(first: 2, after: "not-a-cursor") { nodes { id } } }',
        "GRAPHQL_VALIDATION_FAILED": "{ recordings { noSuchField } }",
    }
    for code, query in mistakes.items():
        _, body, request_id = await observed.post(query)
        (error,) = body["errors"]
        # Validation errors carry no code in the answer; the log line names them.
        assert error.get("extensions", {}).get("code", "GRAPHQL_VALIDATION_FAILED") == code
        (line,) = _lines(json_log, event="client error", request_id=request_id)
        assert line["level"] == "info"
        assert line["code"] == code
        assert "exception" not in line
    assert not [line for line in json_log.lines() if line["level"] in ("error", "critical")]
    assert "Traceback" not in json_log.text
    assert not _lines(json_log, logger="strawberry.execution")


class BrokenBackend:
    """A vendor backend with a bug: listing raises something that is no ProviderError."""

    provider: ClassVar[str] = "freeclimb"
    capabilities: ClassVar[Capability] = Capability.NONE
    native_filters: ClassVar[frozenset[str]] = frozenset()

    @property
    def account(self) -> Account:
        return Account("freeclimb", "broken", "AC1", "broken")

    async def list_recordings(self, *_: Any) -> Any:
        raise RuntimeError("bug in a backend")

    async def list_conferences(self, *_: Any) -> Page[Any]:
        return Page([], None)

    async def aclose(self) -> None:
        return None


@pytest.fixture
async def broken_gateway() -> AsyncIterator[str]:
    sources = Sources(
        [Source(AccountSettings("broken", "freeclimb", ClientOptions(), {}), BrokenBackend())]
    )  # type: ignore[arg-type]
    sock = socket.create_server(("127.0.0.1", 0))
    settings = Settings(server=ServerSettings(port=sock.getsockname()[1]), accounts=())
    runner = web.AppRunner(create_app(settings, sources), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    await runner.cleanup()


async def test_unexpected_error_is_error_with_traceback_and_request_id(
    broken_gateway: str, json_log: LogCapture
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{broken_gateway}/graphql",
            json={"query": "{ recordings(first: 2) { nodes { id } } }"},
            headers={"X-Request-ID": "unexpected77"},
        ) as resp,
    ):
        body = await resp.json()
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": "unexpected77"}
    errors = [line for line in json_log.lines() if line["level"] == "error"]
    (line,) = errors
    assert line["request_id"] == "unexpected77"
    assert line["logger"] == "gateway.errors"
    assert "Traceback" in line["exception"]
    assert "RuntimeError: bug in a backend" in line["exception"]
    (access,) = _lines(json_log, logger="gateway.access", request_id="unexpected77")
    assert access["outcome"] == "internal_error"
