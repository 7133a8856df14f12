"""Child process: every registered simulator on loopback, plus a tiny control app.

``python -m bench.simulators --latency-ms 20 --recordings 250`` prints one JSON line::

    {"control": "http://127.0.0.1:P", "latency_ms": 20,
     "providers": {"freeclimb": {"root_url": ..., "account": {...}}, ...}}

where ``account`` is ``SimulatorServer.account_settings()[0]`` (the ``[[accounts]]`` keys
of the primary account), then serves until killed. The control app answers:

* ``GET /counts``: upstream requests answered per provider since the last reset
  (``?detail=1`` adds ``"METHOD path"`` of each);
* ``POST /reset``: clear every request log;
* ``POST /latency?ms=N``: set every simulator's injected latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from aiohttp import web

from providers import registry
from providers._sim import SimulatorServer

#: Fixed so that seeded data (ids and timestamps) are the same on every run.
ANCHOR = datetime(2025, 6, 1, 12, tzinfo=UTC)
DEFAULT_RECORDINGS = 250
SEED = 7


async def start_simulators(
    recordings: int, latency_ms: float, seed: int = SEED
) -> list[SimulatorServer]:
    servers: list[SimulatorServer] = []
    for name in registry.names():
        factory = registry.get(name).load_simulator()
        simulator = factory(seed, anchor=ANCHOR, recordings=recordings)  # type: ignore[call-arg]
        simulator.faults.latency = latency_ms / 1000
        servers.append(await SimulatorServer(simulator).start())
    return servers


def control_app(servers: Sequence[SimulatorServer]) -> web.Application:
    by_name = {s.simulator.provider: s for s in servers}

    async def counts(request: web.Request) -> web.Response:
        detail = request.query.get("detail") == "1"
        out: dict[str, object] = {name: len(s.simulator.request_log) for name, s in by_name.items()}
        if detail:
            out["detail"] = {
                name: [f"{e.method} {e.path}?{e.query}" for e in s.simulator.request_log.entries]
                for name, s in by_name.items()
            }
        return web.json_response(out)

    async def reset(_: web.Request) -> web.Response:
        for s in by_name.values():
            s.simulator.request_log.clear()
        return web.json_response({"ok": True})

    async def latency(request: web.Request) -> web.Response:
        ms = float(request.query["ms"])
        for s in by_name.values():
            s.simulator.faults.latency = ms / 1000
        return web.json_response({"latency_ms": ms})

    app = web.Application()
    app.router.add_get("/counts", counts)
    app.router.add_post("/reset", reset)
    app.router.add_post("/latency", latency)
    return app


async def serve(recordings: int, latency_ms: float) -> None:
    servers = await start_simulators(recordings, latency_ms)
    runner = web.AppRunner(control_app(servers), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    port = sockets[0].getsockname()[1]
    line = {
        "control": f"http://127.0.0.1:{port}",
        "latency_ms": latency_ms,
        "providers": {
            s.simulator.provider: {"root_url": s.root_url, "account": s.account_settings()[0]}
            for s in servers
        },
    }
    print(json.dumps(line), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        for s in servers:
            await s.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simulators", description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--recordings", type=int, default=DEFAULT_RECORDINGS)
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.run(serve(args.recordings, args.latency_ms))
    except ImportError:
        asyncio.run(serve(args.recordings, args.latency_ms))
    sys.exit(0)


if __name__ == "__main__":
    main()
