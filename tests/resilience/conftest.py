"""A gateway over every simulator, configured per test (deadline, breaker, limits)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
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


@pytest.fixture(autouse=True)
def _no_full_collections(quiet_gc: None) -> None:
    """Every test here times operations against a deadline (``tests.conftest.quiet_gc``)."""


#: Per-request options that keep the tests fast and make every request count.
FAST = {"timeout": 10.0, "connect_timeout": 2.0, "backoff_base": 0.01}


@dataclass
class Gateway:
    url: str
    session: aiohttp.ClientSession
    simulators: dict[str, SimulatorServer]
    app: web.Application

    async def post(
        self, query: str, *, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        async with self.session.post(
            f"{self.url}/graphql", json={"query": query}, headers=headers or {}
        ) as resp:
            return resp.status, dict(resp.headers), await resp.json()

    async def query(self, query: str) -> dict[str, Any]:
        status, _, body = await self.post(query)
        assert status == 200, body
        return body

    async def timed(self, query: str) -> tuple[float, dict[str, Any]]:
        started = time.monotonic()
        body = await self.query(query)
        return time.monotonic() - started, body

    def count(self, provider: str) -> int:
        return len(self.simulators[provider].simulator.request_log)

    def reset(self) -> None:
        for server in self.simulators.values():
            server.simulator.request_log.clear()
            server.simulator.faults.reset()


def settings_for(
    servers: list[SimulatorServer],
    *,
    server: dict[str, Any] | None = None,
    account: dict[str, Any] | None = None,
    per_provider: dict[str, dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    more_accounts: list[dict[str, Any]] | None = None,
) -> Settings:
    """One account per simulator, named after its provider, with ``account`` options
    (plus ``per_provider[name]``) on each; ``more_accounts`` are added as they are."""
    accounts = [
        {
            "name": s.simulator.provider,
            "provider": s.simulator.provider,
            **s.account_settings()[0],
            **FAST,
            **(account or {}),
            **(per_provider or {}).get(s.simulator.provider, {}),
        }
        for s in servers
    ] + [{**FAST, **(account or {}), **more} for more in more_accounts or []]
    raw: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": 0, **(server or {})},
        "accounts": accounts,
        # No background account checks: the tests count every upstream request.
        "telemetry": {"readiness_recheck_seconds": 3600},
        **(extra or {}),
    }
    return from_mapping(raw, env={})


async def serve(settings: Settings) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def make_gateway() -> AsyncIterator[GatewayFactory]:
    """``await make_gateway(server={...}, account={...})``: simulators and a gateway,
    stopped when the test ends. Request logs are cleared once the start-up checks are
    done, so counts are the test's own."""
    stack: list[Any] = []

    async def make(**options: Any) -> Gateway:
        cm = _running(**options)
        gateway = await cm.__aenter__()
        stack.append(cm)
        return gateway

    yield make
    for cm in reversed(stack):
        await cm.__aexit__(None, None, None)


@asynccontextmanager
async def _running(**options: Any) -> AsyncIterator[Gateway]:
    async with simulators_running(11, recordings=40, anchor=ANCHOR) as servers:
        runner, url = await serve(settings_for(servers, **options))
        try:
            async with aiohttp.ClientSession() as session:
                gateway = Gateway(
                    url, session, {s.simulator.provider: s for s in servers}, runner.app
                )
                await _checked(session, url)
                gateway.reset()
                yield gateway
        finally:
            await runner.cleanup()


async def _checked(session: aiohttp.ClientSession, url: str) -> None:
    """Wait for the start-up account checks (``/readyz``) to be over."""
    for _ in range(200):
        async with session.get(f"{url}/readyz") as resp:
            body = await resp.json()
        if "checking" not in body.get("accounts", {}).values():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"start-up checks did not finish: {body}")


RECORDINGS = """{ recordings(first: %d) { nodes { id provider }
  failures { provider code message retryAfter } } }"""


def failures(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``recordings.failures`` by lower-case provider name."""
    return {f["provider"].lower(): f for f in body["data"]["recordings"]["failures"]}
