"""``recgw``: serve, demo, simulate, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from providers import registry
from providers._sim import SimulatorServer
from providers.errors import ProviderError

from .errors import GatewayError


def _new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (the ``speed`` extra), asyncio's own loop otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _tune_gc() -> None:
    """For a long-running server: keep the startup heap (schema, modules) out of every
    collection, and collect the young generation every 10,000 container allocations
    instead of 700. A request allocates thousands of short-lived containers that
    reference counting frees; at the default threshold the collector runs several times
    per request and walks each request's live pages and objects every time."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(10_000, older, oldest)


def _run(coro: Coroutine[Any, Any, None]) -> None:
    with asyncio.Runner(loop_factory=_new_event_loop) as runner:
        runner.run(coro)


def cmd_serve(args: argparse.Namespace) -> None:
    from . import settings as settings_module
    from .app import create_app

    path = args.config or os.environ.get("RECGW_CONFIG")
    if not path:
        raise GatewayError("no configuration: pass --config FILE or set RECGW_CONFIG")
    settings = settings_module.load(path)
    host = args.host or settings.server.host
    port = args.port if args.port is not None else settings.server.port
    app = create_app(settings)
    _tune_gc()
    print(f"recording-gateway on http://{host}:{port}/graphql", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None, loop=_new_event_loop())


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    _run(run_demo(args.host, args.port, args.seed))


def cmd_simulate(args: argparse.Namespace) -> None:
    spec = registry.get(args.provider)

    async def main() -> None:
        simulator = spec.load_simulator()(args.seed)  # type: ignore[call-arg]
        server = await SimulatorServer(simulator, host=args.host, port=args.port).start()
        accounts = server.account_settings()
        primary = dict(accounts[0])
        base_url = primary.pop("base_url")
        line = {
            "provider": spec.name,
            "base_url": base_url,
            "credentials": primary,
            "accounts": [{k: v for k, v in a.items() if k != "base_url"} for a in accounts],
        }
        print(json.dumps(line), flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    _run(main())


def cmd_export_schema(args: argparse.Namespace) -> None:
    from .schema import export_sdl

    sdl = export_sdl()
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recgw", description=__doc__)
    parser.add_argument("--log-level", default=os.environ.get("RECGW_LOG_LEVEL", "INFO"))
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway from a TOML config")
    serve.add_argument("--config", help="config file (default: $RECGW_CONFIG)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="run the gateway on embedded simulators")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=cmd_demo)

    simulate = sub.add_parser("simulate", help="run one provider simulator standalone")
    simulate.add_argument("provider", choices=registry.names())
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=0)
    simulate.add_argument("--seed", type=int, default=0)
    simulate.set_defaults(func=cmd_simulate)

    export = sub.add_parser("export-schema", help="write the SDL (default: schema.graphql)")
    export.add_argument("--output", "-o", default="schema.graphql", help="file, or - for stdout")
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        args.func(args)
    except (GatewayError, ProviderError) as exc:
        print(f"recgw: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
