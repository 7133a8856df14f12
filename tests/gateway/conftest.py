"""A running gateway (real aiohttp server on loopback) over every registered simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.demo import demo_settings, simulators_running
from gateway.observability.install import OBSERVABILITY
from gateway.settings import ServerSettings
from providers._sim import SimulatorServer
from tests.conftest import ANCHOR


@dataclass
class Gateway:
    url: str
    session: aiohttp.ClientSession
    simulators: dict[str, SimulatorServer]

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        async with self.session.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}
        ) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
            return body

    def upstream_requests(self) -> dict[str, int]:
        return {name: len(s.simulator.request_log) for name, s in self.simulators.items()}

    def reset_logs(self) -> None:
        for server in self.simulators.values():
            server.simulator.request_log.clear()
            server.simulator.faults.reset()


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async with simulators_running(11, recordings=40, anchor=ANCHOR) as servers:
        settings = demo_settings(servers, ServerSettings(host="127.0.0.1", port=0))
        runner = web.AppRunner(create_app(settings), access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        # The start-up credential checks (gateway.observability.readiness) are done and
        # not counted: tests count the upstream requests their own queries cause.
        await runner.app[OBSERVABILITY].readiness.checked.wait()
        async with aiohttp.ClientSession() as session:
            gateway = Gateway(
                f"http://127.0.0.1:{port}",
                session,
                {s.simulator.provider: s for s in servers},
            )
            gateway.reset_logs()
            yield gateway
        await runner.cleanup()
