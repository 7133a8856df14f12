"""The callers issue's abuse, replayed against a real gateway process: what it costs now.

``python -m bench.hostile [--rounds 20] [--concurrency 4]`` starts the simulators and
``recgw serve`` (default limits, as `make bench` does), sends each hostile request kind
``rounds`` times, ``concurrency`` at a time, and prints per kind: the HTTP statuses, p50/p99
latency, upstream requests the simulators answered, and the gateway's resident memory
(``VmRSS`` after the kind, and the peak ``VmHWM``, from ``/proc``). Then it checks that
``/healthz`` still answers and that an ordinary query still works.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from .gateway import GatewayProcess
from .processes import Child

MB = 1024 * 1024


def _nest(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = f"recordings(first: 500) {{ nodes {{ account {{ {inner} }} }} }}"
    return "{ " + inner + " }"


def _aliases(count: int) -> str:
    fields = " ".join(
        f"a{n}: recordings(first: 1, filter: {{minDurationSeconds: {n}}}) {{ nodes {{ id }} }}"
        for n in range(count)
    )
    return "{ " + fields + " }"


def _nodes(ids: list[str]) -> str:
    listed = json.dumps(ids)
    return "{ " + " ".join(f"n{n}: nodes(ids: {listed}) {{ id }}" for n in range(14)) + " }"


def _big_document(seed: int) -> str:
    return f'{{ node(id: "{"x" * 300_000}{seed}") {{ id }} }}'


KINDS: dict[str, Callable[[int, list[str]], str]] = {
    "4-level nesting, first: 500": lambda _, __: _nest(4),
    "6-level nesting, first: 500": lambda _, __: _nest(6),
    "400 aliased recordings(first: 1)": lambda _, __: _aliases(400),
    "14 aliases x nodes(500 ids)": lambda _, ids: _nodes(ids),
    "minDurationSeconds: 1e9 scan": lambda _, __: (
        "{ recordings(first: 50, filter: {minDurationSeconds: 1e9}) "
        "{ nodes { id } failures { code } } }"
    ),
    "330,000 x id": lambda _, __: "{ " + "id " * 330_000 + "}",
    "300 KB documents, all different": lambda n, _: _big_document(n),
}


def _rss(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) * 1024 / MB, int(fields["VmHWM"].split()[0]) * 1024 / MB


async def _counts(session: aiohttp.ClientSession, control: str, *, reset: bool = False) -> int:
    if reset:
        async with session.post(f"{control}/reset"):
            return 0
    async with session.get(f"{control}/counts") as resp:
        return sum((await resp.json()).values())


async def _measure(
    session: aiohttp.ClientSession,
    url: str,
    build: Callable[[int, list[str]], str],
    ids: list[str],
    rounds: int,
    concurrency: int,
) -> tuple[Counter[int], list[float]]:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            body = {"query": build(n, ids)}
            started = time.perf_counter()
            async with session.post(url, json=body) as resp:
                await resp.read()
                statuses[resp.status] += 1
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(n) for n in range(rounds)))
    return statuses, latencies


async def run(rounds: int, concurrency: int) -> list[dict[str, Any]]:
    simulators = await Child("bench.simulators", ["--latency-ms", "0"]).start()
    info = simulators.json_line()
    gateway = await GatewayProcess(info["providers"]).start()
    assert gateway.child is not None and gateway.child.proc is not None
    pid = gateway.child.proc.pid
    rows: list[dict[str, Any]] = []
    try:
        async with aiohttp.ClientSession() as session:
            post = f"{gateway.url}/graphql"
            async with session.post(
                post, json={"query": "{ recordings(first: 500) { nodes { id } } }"}
            ) as r:
                ids = [n["id"] for n in (await r.json())["data"]["recordings"]["nodes"]]
            rss, _ = _rss(pid)
            rows.append({"kind": "(after start and one first: 500 query)", "rss_mb": rss})
            for kind, build in KINDS.items():
                await _counts(session, info["control"], reset=True)
                statuses, latencies = await _measure(session, post, build, ids, rounds, concurrency)
                rss, peak = _rss(pid)
                latencies.sort()
                rows.append(
                    {
                        "kind": kind,
                        "statuses": dict(statuses),
                        "p50_ms": statistics.median(latencies) * 1000,
                        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
                        * 1000,
                        "upstream": await _counts(session, info["control"]),
                        "rss_mb": rss,
                        "peak_mb": peak,
                    }
                )
            async with session.get(f"{gateway.url}/healthz") as resp:
                healthy = resp.status == 200
            async with session.post(post, json={"query": "{ accounts { name } }"}) as resp:
                works = resp.status == 200
            rows.append({"kind": "(afterwards: /healthz, a plain query)", "ok": healthy and works})
    finally:
        await gateway.stop()
        await simulators.stop()
    return rows


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    print(
        "| request kind | statuses | p50 ms | p99 ms | upstream requests "
        "| RSS MB after | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if "statuses" not in row:
            extra = (
                f"{row['rss_mb']:.0f}" if "rss_mb" in row else ("ok" if row.get("ok") else "FAILED")
            )
            print(f"| {row['kind']} | | | | | {extra} | |")
            continue
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(row["statuses"].items()))
        print(
            f"| {row['kind']} | {statuses} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{row['upstream']} | {row['rss_mb']:.0f} | {row['peak_mb']:.0f} |"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="requests of each kind")
    parser.add_argument("--concurrency", type=int, default=4, help="in flight at once")
    parser.add_argument("--output", help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    rows = asyncio.run(run(args.rounds, args.concurrency))
    print_table(rows)
    if args.output:
        Path(args.output).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if not rows[-1].get("ok"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
