"""``recgw``: serve, demo, simulate, export-schema.

Failures the operator can fix (a bad or missing config file, a port already taken) end
the command with one ``recgw: error: ...`` line on stderr and exit status 2, never a
traceback."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import json
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from providers import registry
from providers._sim import SimulatorServer
from providers.errors import ProviderError

from .auth.caller import SCOPES
from .errors import GatewayError
from .observability.logging import configure_logging

#: Errors of ``bind()`` that mean "pick another address", not a bug.
_BIND_ERRNOS = frozenset({errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("recording-gateway")
    except PackageNotFoundError:
        return "unknown"


def _listen_error(host: str, port: int, exc: OSError) -> GatewayError:
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    return GatewayError(f"cannot listen on {host}:{port}: {reason.lower()}")


def _new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (the ``speed`` extra), asyncio's own loop otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _tune_gc() -> None:
    """For a long-running server: keep the startup heap (schema, modules) out of every
    collection, and collect the young generation every 50,000 container allocations
    instead of 700. A request allocates thousands of short-lived containers (decoded
    vendor pages, domain objects, the answer) that reference counting frees; every young
    collection walks whatever of them is still alive in the requests in flight, so at
    lower thresholds the collector ran many times per request: at 10,000 it still took
    about 12 % of the traverse benchmark's CPU. Cycles are still collected, later."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(50_000, older, oldest)


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
    try:
        web.run_app(
            app,
            host=host,
            port=port,
            print=None,
            access_log=None,
            loop=_new_event_loop(),
            # A client that hangs up cancels its operation and the upstream requests
            # still in flight for it.
            handler_cancellation=True,
        )
    except OSError as exc:
        if exc.errno not in _BIND_ERRNOS:
            raise
        raise _listen_error(host, port, exc) from None


def cmd_demo(args: argparse.Namespace) -> None:
    from .demo import run_demo

    try:
        _run(run_demo(args.host, args.port, args.seed))
    except OSError as exc:
        if exc.errno not in _BIND_ERRNOS:
            raise
        raise _listen_error(args.host, args.port, exc) from None


def cmd_simulate(args: argparse.Namespace) -> None:
    spec = registry.get(args.provider)

    async def main() -> None:
        simulator = spec.load_simulator()(args.seed)  # type: ignore[call-arg]
        try:
            server = await SimulatorServer(simulator, host=args.host, port=args.port).start()
        except OSError as exc:
            if exc.errno not in _BIND_ERRNOS:
                raise
            raise _listen_error(args.host, args.port, exc) from None
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


def cmd_keys_new(args: argparse.Namespace) -> None:
    from .auth.keys import config_lines, new_key

    accounts = [a.strip() for a in args.accounts.split(",") if a.strip()]
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise GatewayError(
            f"--scopes: unknown scope(s) {', '.join(unknown)}; use {', '.join(SCOPES)}"
        )
    if not accounts:
        raise GatewayError("--accounts: name at least one account, or *")
    key = new_key()
    print(
        f"API key for {args.name} (shown only now; store it in a secret manager):\n\n"
        f"  {key}\n\n"
        "Call with the header  Authorization: Bearer <key>\n"
        "Add to the gateway's config (it holds only the key's SHA-256):\n\n"
        + config_lines(args.name, accounts, scopes, key),
        end="",
        flush=True,
    )


def cmd_export_schema(args: argparse.Namespace) -> None:
    from .schema import export_sdl

    sdl = export_sdl()
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)


class _HELP(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's default in its help; options whose default is computed (``None``)
    say in their own words where the value comes from."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recgw",
        description="One GraphQL API over call recordings at several telephony providers.",
        epilog="Run 'recgw COMMAND --help' for a command's options.",
        formatter_class=_HELP,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=os.environ.get("RECGW_LOG_LEVEL", "INFO").upper(),
        help="least severe log records written (env RECGW_LOG_LEVEL)",
    )
    parser.add_argument(
        "--log-format",
        choices=("auto", "json", "text"),
        default=os.environ.get("RECGW_LOG_FORMAT", "auto"),
        help="log lines on stderr: one JSON object per line, or text; auto = json for "
        "serve, text for the other commands (env RECGW_LOG_FORMAT)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the gateway from a TOML config", formatter_class=_HELP
    )
    serve.add_argument("--config", help="config file (default: $RECGW_CONFIG)")
    serve.add_argument("--host", help="address to listen on (default: [server] host)")
    serve.add_argument("--port", type=int, help="port to listen on (default: [server] port)")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser(
        "demo", help="run the gateway on embedded simulators", formatter_class=_HELP
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on")
    demo.add_argument("--port", type=int, default=8080, help="the gateway's port")
    demo.add_argument("--seed", type=int, default=7, help="seed of the simulators' data")
    demo.set_defaults(func=cmd_demo)

    simulate = sub.add_parser(
        "simulate", help="run one provider simulator standalone", formatter_class=_HELP
    )
    simulate.add_argument("provider", choices=registry.names(), help="which vendor")
    simulate.add_argument("--host", default="127.0.0.1", help="address to listen on")
    simulate.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the simulated data")
    simulate.set_defaults(func=cmd_simulate)

    keys = sub.add_parser("keys", help="manage API keys", formatter_class=_HELP)
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    new_key = keys_sub.add_parser(
        "new",
        help="print a fresh API key (once) and the [[keys]] lines that admit it",
        formatter_class=_HELP,
    )
    new_key.add_argument("--name", required=True, help="the caller's name in logs and audit")
    new_key.add_argument(
        "--accounts", default="*", help="comma-separated [[accounts]] names, or * for all"
    )
    new_key.add_argument(
        "--scopes", default="read", help=f"comma-separated, of: {', '.join(SCOPES)}"
    )
    new_key.set_defaults(func=cmd_keys_new)

    from .retention_cli import add_parser as add_retention

    add_retention(sub, _HELP)

    export = sub.add_parser(
        "export-schema", help="write the SDL of the GraphQL schema", formatter_class=_HELP
    )
    export.add_argument("--output", "-o", default="schema.graphql", help="file, or - for stdout")
    export.set_defaults(func=cmd_export_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    log_format = args.log_format
    if log_format == "auto":
        log_format = "json" if args.command == "serve" else "text"
    configure_logging(log_format, args.log_level)
    try:
        args.func(args)
    except (GatewayError, ProviderError) as exc:
        print(f"recgw: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
