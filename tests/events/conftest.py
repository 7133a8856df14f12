"""A gateway with webhooks configured for every simulator, on real loopback sockets.

Each simulator's primary account is configured with the secrets that simulator signs
with (FreeClimb ``signing_secrets``, SignalWire ``signing_key``) or, for Kazoo, a
``webhook_secret`` plus a hook registered at the simulator that points at the gateway's
route with it: the same ``Simulator.connect_webhooks`` the demo uses.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.demo import simulators_running
from gateway.settings import Settings, from_mapping
from providers._sim import SimulatorServer
from tests.conftest import ANCHOR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def account_entries(servers: list[SimulatorServer], gateway_url: str) -> list[dict[str, Any]]:
    """One ``[[accounts]]`` entry per simulator (its primary account), with webhooks on,
    set up as the demo does it (``Simulator.connect_webhooks``)."""
    entries = []
    for server in servers:
        name = server.simulator.provider
        entry: dict[str, Any] = {"name": name, "provider": name, **server.account_settings()[0]}
        entry |= server.simulator.connect_webhooks(0, f"{gateway_url}/webhooks/{name}")
        entries.append(entry)
    return entries


@dataclass
class EventGateway:
    url: str
    session: aiohttp.ClientSession
    simulators: dict[str, SimulatorServer]
    settings: Settings
    app: web.Application
    headers: dict[str, str] = field(default_factory=dict)

    def webhook_url(self, account: str, query: str = "") -> str:
        return f"{self.url}/webhooks/{account}" + (f"?{query}" if query else "")

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        async with self.session.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers if headers is not None else self.headers,
        ) as resp:
            body: dict[str, Any] = await resp.json()
            return body

    async def events(
        self, after: str | None = None, headers: dict[str, str] | None = None, **filters: Any
    ) -> dict[str, Any]:
        body = await self.query(EVENTS_QUERY, {"after": after, "filter": filters or None}, headers)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]["recordingEvents"]
        return result

    def sim(self, provider: str) -> Any:
        return self.simulators[provider].simulator


EVENT_FIELDS = """
  id cursor kind occurredAt receivedAt provider providerRecordingId durationSeconds origin
  providerData account { name } call { providerCallId } conference { providerConferenceId }
"""
EVENTS_QUERY = f"""
query Events($after: String, $filter: RecordingEventFilter) {{
  recordingEvents(first: 500, after: $after, filter: $filter) {{
    nodes {{ {EVENT_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

StartGateway = Callable[..., Awaitable[EventGateway]]


@pytest.fixture
async def start_gateway() -> AsyncIterator[StartGateway]:
    """Start simulators and a gateway; ``events``, ``server`` and ``top`` (extra
    top-level tables) shape its configuration."""
    stack: list[Callable[[], Awaitable[None]]] = []

    async def start(
        *,
        events: dict[str, Any] | None = None,
        server: dict[str, Any] | None = None,
        top: dict[str, Any] | None = None,
        providers: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> EventGateway:
        sims_cm = simulators_running(11, recordings=20, anchor=ANCHOR, providers=providers)
        servers = await sims_cm.__aenter__()
        stack.append(lambda: sims_cm.__aexit__(None, None, None))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        raw: dict[str, Any] = {
            "server": {"host": "127.0.0.1", "port": port, "public_url": url, **(server or {})},
            "accounts": account_entries(servers, url),
            **({"events": events} if events is not None else {}),
            **(top or {}),
        }
        settings = from_mapping(raw, env={})
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        stack.append(runner.cleanup)
        session = aiohttp.ClientSession()
        stack.append(session.close)
        by_name = {s.simulator.provider: s for s in servers}
        return EventGateway(url, session, by_name, settings, app, dict(headers or {}))

    yield start
    for close in reversed(stack):
        await close()
