"""A gateway with callers configured, on every simulator, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.demo import simulators_running
from gateway.settings import Settings, from_mapping
from providers._sim import SimulatorServer
from tests.conftest import ANCHOR

ALPHA_KEY = "rgw_alpha-test-key-0123456789"
BETA_KEY = "rgw_beta-test-key-0123456789"
WIDE_KEY = "rgw_wide-test-key-0123456789"
NO_MEDIA_KEY = "rgw_nomedia-test-key-01234567"
WRITE_ONLY_KEY = "rgw_writeonly-test-key-0123456"
CURSOR_SECRET = "tests-cursor-secret"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_entry(name: str, key: str, accounts: list[str], scopes: list[str]) -> dict[str, Any]:
    return {"name": name, "key_sha256": digest(key), "accounts": accounts, "scopes": scopes}


#: Two tenants (alpha: FreeClimb + SignalWire, beta: Kazoo), an operator, and two
#: narrow keys.
KEYS = [
    key_entry("alpha", ALPHA_KEY, ["freeclimb", "signalwire"], ["read", "media"]),
    key_entry("beta", BETA_KEY, ["kazoo"], ["read", "media"]),
    key_entry("wide", WIDE_KEY, ["*"], ["read", "media", "subscribe", "write", "delete"]),
    key_entry("no-media", NO_MEDIA_KEY, ["*"], ["read"]),
    key_entry("write-only", WRITE_ONLY_KEY, ["*"], ["write"]),
]


@dataclass
class Running:
    url: str
    session: aiohttp.ClientSession
    simulators: dict[str, SimulatorServer]
    settings: Settings

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> tuple[int, dict[str, Any]]:
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        payload = {"query": query, "variables": variables or {}, **extra}
        async with self.session.post(f"{self.url}/graphql", json=payload, headers=sent) as resp:
            return resp.status, await resp.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, key: str) -> Any:
        status, body = await self.post(query, variables, key=key)
        assert status == 200 and "errors" not in body, body
        return body["data"]

    def upstream(self) -> dict[str, int]:
        return {name: len(s.simulator.request_log) for name, s in self.simulators.items()}

    def reset(self) -> None:
        for server in self.simulators.values():
            server.simulator.request_log.clear()
            server.simulator.faults.reset()


def settings_for(servers: list[SimulatorServer], extra: dict[str, Any]) -> Settings:
    accounts = [
        {"name": s.simulator.provider, "provider": s.simulator.provider, **s.account_settings()[0]}
        for s in servers
    ]
    server = {"host": "127.0.0.1", "port": 0, "cursor_secret": CURSOR_SECRET}
    raw = {"accounts": accounts, **extra, "server": {**server, **extra.get("server", {})}}
    return from_mapping(raw, env={})


@asynccontextmanager
async def running(servers: list[SimulatorServer], extra: dict[str, Any]) -> AsyncIterator[Running]:
    settings = settings_for(servers, extra)
    runner = web.AppRunner(create_app(settings), access_log=None, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as session:
            gateway = Running(url, session, {s.simulator.provider: s for s in servers}, settings)
            await _settled(gateway)
            yield gateway
    finally:
        await runner.cleanup()


async def _settled(gateway: Running) -> None:
    """Let start-up checks (credential probes) finish, then forget their requests, so that
    tests count only what their own operations send."""
    for _ in range(100):
        async with gateway.session.get(f"{gateway.url}/readyz") as resp:
            if resp.status == 200:
                break
        await asyncio.sleep(0.02)
    gateway.reset()


@pytest.fixture
async def servers() -> AsyncIterator[list[SimulatorServer]]:
    async with simulators_running(13, recordings=40, anchor=ANCHOR) as started:
        yield started


@pytest.fixture
async def secured(servers: list[SimulatorServer]) -> AsyncIterator[Running]:
    async with running(servers, {"auth": {"mode": "keys"}, "keys": KEYS}) as gateway:
        yield gateway


GatewayFactory = Callable[[dict[str, Any]], Any]


@pytest.fixture
def gateway_with(servers: list[SimulatorServer]) -> GatewayFactory:
    """``async with gateway_with({...config tables...}) as gw``."""

    def make(extra: dict[str, Any]) -> Any:
        return running(servers, extra)

    return make


@pytest.fixture
async def bounded(servers: list[SimulatorServer]) -> AsyncIterator[Running]:
    """Open, with a small cost limit, so that admitted operations must stay under it."""
    async with running(servers, {"limits": {"max_cost": 40, "max_aliases": 300}}) as gateway:
        yield gateway
