"""Issue 15's benchmark: one of three vendors stopped, resilience off and on.

``python -m bench.resilience`` starts FreeClimb and SignalWire in one child process
(``bench.simulators``, with its request counters), Kazoo in another
(``recgw simulate kazoo``) behind a counting TCP relay in this process, and for each row a
fresh gateway (``recgw serve``) whose config turns the features off or on. Kazoo's process
is stopped with ``SIGSTOP`` (the kernel still accepts connections; nothing answers, as
with a hung host) for the "stopped" rows and continued for the "healthy" ones. Each row
sends ``--operations`` ``recordings(first: 50 + i % distinct)`` (``--distinct``
documents: identical ones in flight together share their upstream reads) at
``--concurrency`` and reports p50/p99
latency, the slowest operation, how many answers carried a Kazoo failure and the upstream
requests (FreeClimb/Kazoo/SignalWire; Kazoo's are counted by the relay, so requests that
were never answered count too).

Rows ("before" is the same build with the features turned off by config):

* ``off``: ``operation_timeout = 0``, ``breaker_failures = 0``, ``coalesce_reads = false``,
  ``rate_limit = 0`` per account;
* ``deadline``: only ``operation_timeout`` (the default, 5 s);
* ``on``: the defaults (deadline 5 s, breaker after 5 failures for 10 s, single-flight,
  vendor rate limits: Kazoo's documented 100 tokens + 10/s is below what this load asks);
* ``on-unmetered``: the defaults without client-side rate limits.

Every account uses ``timeout = 3`` (seconds per request) as in the issue's report. Prints a
Markdown table; ``--output FILE`` also writes the rows as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from .gateway import _toml_value, free_port
from .processes import Child

QUERY = "{ recordings(first: %d) { nodes { id } failures { provider code } } }"
OFF = {"operation_timeout": 0, "breaker_failures": 0, "coalesce_reads": False}
MODES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # mode: ([server] keys, keys for every [[accounts]] entry)
    "off": (OFF, {"rate_limit": 0}),
    "deadline": ({**OFF, "operation_timeout": 5.0}, {"rate_limit": 0}),
    "on": ({}, {}),
    "on-unmetered": ({}, {"rate_limit": 0}),
}


class CountingRelay:
    """A TCP relay that counts the HTTP requests passing through it (request lines), so
    requests to a stopped process are counted although it never answers them."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.requests = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> CountingRelay:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
            try:
                while chunk := await src.read(65536):
                    if count:
                        self.requests += chunk.count(b" HTTP/1.1\r\n")
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


def config(mode: str, accounts: dict[str, dict[str, Any]], port: int) -> str:
    server, per_account = MODES[mode]
    lines = ["[server]", 'host = "127.0.0.1"', f"port = {port}", "graphiql = false"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in server.items()]
    lines += ["[telemetry]", "readiness_recheck_seconds = 3600"]
    for name, keys in accounts.items():
        lines += ["[[accounts]]", f"name = {_toml_value(name)}", f"provider = {_toml_value(name)}"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in {**keys, "timeout": 3.0}.items()]
        lines += [f"{k} = {_toml_value(v)}" for k, v in per_account.items()]
    return "\n".join(lines) + "\n"


async def run_row(
    mode: str,
    stopped: bool,
    accounts: dict[str, dict[str, Any]],
    control: str,
    relay: CountingRelay,
    kazoo_pid: int,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    port = free_port()
    path = workdir / f"{mode}.toml"
    await asyncio.to_thread(path.write_text, config(mode, accounts, port), encoding="utf-8")
    gateway = await Child(
        "gateway.cli", ["--log-level", "ERROR", "serve", "--config", str(path)]
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
            await _ready(session, url)
            os.kill(kazoo_pid, signal.SIGSTOP if stopped else signal.SIGCONT)
            async with session.post(f"{control}/reset"):
                pass
            relay.requests = 0
            latencies, failed = await _load(
                session, url, args.operations, args.concurrency, args.distinct
            )
            async with session.get(f"{control}/counts") as resp:
                counts = await resp.json()
    finally:
        os.kill(kazoo_pid, signal.SIGCONT)
        await gateway.stop()
    latencies.sort()
    return {
        "mode": mode,
        "kazoo": "stopped" if stopped else "healthy",
        "operations": len(latencies),
        "concurrency": args.concurrency,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "max_ms": latencies[-1] * 1000,
        "kazoo_failures": failed,
        "upstream": {
            "freeclimb": counts["freeclimb"],
            "kazoo": relay.requests,
            "signalwire": counts["signalwire"],
        },
    }


async def _ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):
        try:
            async with session.get(f"{url}/readyz") as resp:
                body = await resp.json()
                if "checking" not in body.get("accounts", {}).values():
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("the gateway did not finish its start-up checks")


async def _load(
    session: aiohttp.ClientSession, url: str, operations: int, concurrency: int, distinct: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failed = 0
    queue = iter(range(operations))

    async def worker() -> None:
        nonlocal failed
        for n in queue:
            query = QUERY % (50 + n % distinct)
            started = time.perf_counter()
            async with session.post(f"{url}/graphql", json={"query": query}) as resp:
                body = await resp.json()
            latencies.append(time.perf_counter() - started)
            failures = body["data"]["recordings"]["failures"]
            failed += any(f["provider"] == "KAZOO" for f in failures)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failed


def table(rows: Sequence[dict[str, Any]]) -> str:
    out = [
        "| kazoo | resilience | ops | conc. | p50 ms | p99 ms | max ms | answers with a "
        "kazoo failure | upstream req. (fc/kz/sw) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        up = r["upstream"]
        out.append(
            f"| {r['kazoo']} | {r['mode']} | {r['operations']} | {r['concurrency']} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | "
            f"{r['kazoo_failures']} | {up['freeclimb']}/{up['kazoo']}/{up['signalwire']} |"
        )
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    sims = await Child(
        "bench.simulators", ["--latency-ms", str(args.latency_ms), "--recordings", "250"]
    ).start()
    kazoo = await Child("gateway.cli", ["simulate", "kazoo", "--seed", "7"]).start()
    rows: list[dict[str, Any]] = []
    relay: CountingRelay | None = None
    try:
        info = sims.json_line()
        line = kazoo.json_line()
        host, port = line["base_url"].split("//", 1)[1].split("/", 1)[0].split(":")
        relay = await CountingRelay(host, int(port)).start()
        relayed = line["base_url"].replace(f":{port}", f":{relay.port}", 1)
        accounts = {
            "freeclimb": info["providers"]["freeclimb"]["account"],
            "kazoo": {"base_url": relayed, **line["credentials"]},
            "signalwire": info["providers"]["signalwire"]["account"],
        }
        assert kazoo.proc is not None
        workdir = Path(args.workdir)
        for stopped in (False, True):
            for mode in args.modes:
                if not stopped and mode == "deadline":
                    continue  # same as "off" while every vendor answers
                row = await run_row(
                    mode, stopped, accounts, info["control"], relay, kazoo.proc.pid, args, workdir
                )
                print(json.dumps(row), flush=True)
                rows.append(row)
    finally:
        if relay is not None:
            await relay.stop()
        await kazoo.stop()
        await sims.stop()
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.resilience", description=__doc__)
    parser.add_argument("--operations", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--distinct",
        type=int,
        default=20,
        help="distinct documents (first: 50, 51, ...), sent round-robin; 1: all identical",
    )
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--output", help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="recgw-bench-resilience-") as workdir:
        args.workdir = workdir
        rows = asyncio.run(main_async(args))
    print()
    print(table(rows))
    if args.output:
        Path(args.output).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
