"""Embedded demo: every registered simulator plus the gateway, in one process.

Each simulator listens on its own loopback port and the gateway reaches it over real
HTTP, exactly as it would reach the vendor.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiohttp import web

from providers import registry
from providers._sim import SimulatorServer

from .app import create_app
from .settings import ServerSettings, Settings, from_mapping


@contextlib.asynccontextmanager
async def simulators_running(
    seed: int = 7,
    *,
    recordings: int = 60,
    anchor: datetime | None = None,
    providers: list[str] | None = None,
) -> AsyncIterator[list[SimulatorServer]]:
    servers = []
    try:
        for name in providers or registry.names():
            simulator = registry.get(name).load_simulator()(
                seed,
                anchor=anchor,
                recordings=recordings,  # type: ignore[call-arg]
            )
            servers.append(await SimulatorServer(simulator).start())
        yield servers
    finally:
        for server in servers:
            await server.stop()


def demo_settings(
    servers: list[SimulatorServer], server: ServerSettings, *, webhooks: bool = False
) -> Settings:
    """One account per simulator (its primary one), named after the provider. With
    ``webhooks``, each simulator sends its callbacks to the gateway's
    ``/webhooks/{account}`` (at ``server.base_url``) and the account holds the secrets
    that verify them."""
    accounts = []
    for s in servers:
        name = s.simulator.provider
        entry: dict[str, Any] = {"name": name, "provider": name, **s.account_settings()[0]}
        if webhooks:
            entry |= s.simulator.connect_webhooks(0, f"{server.base_url}/webhooks/{name}")
        accounts.append(entry)
    parsed = from_mapping({"accounts": accounts}, env={})
    return Settings(server=server, accounts=parsed.accounts)


async def run_demo(host: str, port: int, seed: int) -> None:
    async with simulators_running(seed) as servers:
        # The simulators call back on loopback, even when the gateway listens on all
        # interfaces.
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        public = ServerSettings(host=host, port=port, public_url=f"http://{local}:{port}")
        settings = demo_settings(servers, public, webhooks=True)
        runner = web.AppRunner(create_app(settings), access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        print("recording-gateway demo is running.")
        for s in servers:
            print(f"  simulator {s.simulator.provider:<11} {s.root_url}")
        print(f"\n  GraphiQL: http://{host}:{port}/graphql   (Ctrl-C to stop)\n", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


__all__ = ["demo_settings", "run_demo", "simulators_running"]
