"""Kazoo fixtures: a seeded simulator on loopback, the real backend, and a raw client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from providers._sim import SimulatorServer
from providers.config import ClientOptions
from providers.kazoo import KazooBackend, KazooSimulator

ANCHOR = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
FAST = ClientOptions(timeout=5.0, connect_timeout=2.0, backoff_base=0.01, max_retry_after=1.0)


@pytest.fixture
def sim() -> KazooSimulator:
    return KazooSimulator(7, anchor=ANCHOR)


@pytest.fixture
async def server(sim: KazooSimulator) -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(sim) as srv:
        yield srv


@pytest.fixture
async def backend(server: SimulatorServer) -> AsyncIterator[KazooBackend]:
    b = KazooBackend("pbx", server.account_settings()[0], FAST)
    try:
        yield b
    finally:
        await b.aclose()


class Raw:
    """Plain HTTP against the simulator, for wire-level checks."""

    def __init__(self, server: SimulatorServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session
        self.sim: KazooSimulator = server.simulator  # type: ignore[assignment]
        self.account = self.sim.accounts[0]
        self.token = ""

    async def login(self) -> str:
        status, body, _ = await self.request(
            "PUT", "/v2/api_auth", json={"data": {"api_key": self.account.api_key}}
        )
        assert status == 201
        self.token = body["auth_token"]
        return self.token

    async def request(
        self, method: str, path: str, *, auth: bool = True, **kw: Any
    ) -> tuple[int, Any, Any]:
        headers = dict(kw.pop("headers", {}))
        if auth and self.token:
            headers.setdefault("X-Auth-Token", self.token)
        async with self.session.request(
            method, self.server.root_url + path, headers=headers, **kw
        ) as resp:
            raw = await resp.read()
            body: Any = raw
            if resp.content_type == "application/json":
                body = await resp.json()
            return resp.status, body, resp.headers

    def acct(self, rest: str = "") -> str:
        return f"/v2/accounts/{self.account.id}{rest}"


@pytest.fixture
async def raw(server: SimulatorServer) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        r = Raw(server, session)
        await r.login()
        yield r
