"""The demo's configuration receives every simulator's callbacks: ``demo_settings(...,
webhooks=True)`` (what ``recgw demo`` runs) gives each account the secrets its simulator
signs with, and registers the Kazoo hook."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from aiohttp import web

from gateway.app import create_app
from gateway.demo import demo_settings, simulators_running
from gateway.settings import ServerSettings
from tests.conftest import ANCHOR

from .conftest import EVENTS_QUERY, free_port


async def test_demo_settings_take_every_simulators_callbacks() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with simulators_running(7, recordings=10, anchor=ANCHOR) as servers:
        server = ServerSettings(host="127.0.0.1", port=port, public_url=url)
        settings = demo_settings(servers, server, webhooks=True)
        runner = web.AppRunner(create_app(settings), access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            sims = {s.simulator.provider: s.simulator for s in servers}
            freeclimb: object = sims["freeclimb"]
            call = freeclimb.create_live_call(  # type: ignore[attr-defined]
                status_callback_url=f"{url}/webhooks/freeclimb"
            )
            freeclimb.start_record_call(call)  # type: ignore[attr-defined]
            freeclimb.primary.calls[call].recording_started -= timedelta(seconds=5)  # type: ignore[attr-defined]
            await freeclimb.end_call(call)  # type: ignore[attr-defined]
            await sims["kazoo"].finish_recording()  # type: ignore[attr-defined]
            async with (
                aiohttp.ClientSession() as session,
                session.post(f"{url}/graphql", json={"query": EVENTS_QUERY}) as resp,
            ):
                body = await resp.json()
            nodes = body["data"]["recordingEvents"]["nodes"]
            assert [(n["provider"], n["kind"]) for n in nodes] == [
                ("FREECLIMB", "COMPLETED"),
                ("KAZOO", "COMPLETED"),
            ]
        finally:
            await runner.cleanup()
