"""The floor as a server of its own: what a hand-written aiohttp service doing the same
three-vendor fan-out would be, to compare requests per CPU second with the gateway's.

``python -m bench.floor_server PROVIDERS_JSON_FILE`` serves ``POST /graphql`` on a free
loopback port and prints ``{"url": ...}`` as its first line. It takes the bench's own
requests (``{"query", "variables"}``) and answers ``{"data": ...}`` with the same JSON
the gateway answers, but it knows only the benchmark's operations, recognised by their
text (a hand-written service has one route per use case); anything else is a 400.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson
from aiohttp import web

from .floor import Floor
from .scenarios import SCENARIOS

FLOOR_KEY = web.AppKey("floor", Floor)


def scenario_of(query: str, variables: dict[str, object]) -> str | None:
    """The scenario name a request asks for (``recordings_50`` and ``_500`` share a
    query: the ``first`` variable tells them apart)."""
    for scenario in SCENARIOS.values():
        if scenario.query == query and scenario.variables(_ids(variables)) == variables:
            return scenario.name
    return None


def _ids(variables: dict[str, object]) -> list[str]:
    ids = variables.get("ids")
    return [str(i) for i in ids] if isinstance(ids, list) else []


async def graphql(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    variables = body.get("variables") or {}
    name = scenario_of(body.get("query", ""), variables)
    if name is None:
        return web.json_response({"errors": [{"message": "unknown operation"}]}, status=400)
    data = await request.app[FLOOR_KEY].run(name, _ids(variables))
    return web.Response(body=orjson.dumps({"data": data}), content_type="application/json")


async def serve(providers: dict[str, object]) -> None:
    floor = await Floor(providers).start()
    app = web.Application()
    app[FLOOR_KEY] = floor
    app.router.add_post("/graphql", graphql)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(json.dumps({"url": f"http://127.0.0.1:{port}"}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await floor.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor_server", description=__doc__)
    parser.add_argument("providers", type=Path, help="JSON file: bench.simulators' providers")
    args = parser.parse_args(argv)
    providers = json.loads(args.providers.read_text(encoding="utf-8"))
    try:
        import uvloop

        uvloop.run(serve(providers))
    except ImportError:
        asyncio.run(serve(providers))
    sys.exit(0)


if __name__ == "__main__":
    main()
