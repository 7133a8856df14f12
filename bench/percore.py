"""``python -m bench.percore``: requests per CPU second, the gateway against the floor as
a server of its own (:mod:`bench.floor_server`).

``make bench`` runs the floor inside the load generator, which hides what a server of
one's own costs (HTTP parsing, JSON out). Here both are servers, each measured alone
with the same load: the server under test is pinned to one core, the load generator and
the simulators to the other, and the server's CPU time is read from
``/proc/<pid>/stat`` (user + system) around each measurement. *Per core* is requests
answered per CPU second of the server process; *req/s* is the wall-clock rate, which
the pinned core bounds. Same-data check first, as in ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gateway import GatewayProcess
from .processes import Child
from .run import Control, GatewayClient, measure
from .scenarios import NODE_COUNT, SCENARIOS, Scenario

DEFAULT_SCENARIOS = ("recordings_50", "recordings_500", "join_50", "join_500", "traverse")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (``/proc/<pid>/stat`` fields 14 and 15)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def pin(pid: int, cores: set[int]) -> None:
    """Best effort: on a one-core machine (or without permission) nothing is pinned."""
    with contextlib.suppress(OSError):
        if len(os.sched_getaffinity(0) | cores) > 1:
            os.sched_setaffinity(pid, cores)


@dataclass(frozen=True, slots=True)
class Side:
    requests: int
    seconds: float
    cpu: float
    #: Vendor requests sent while measuring (all providers).
    upstream: int = 0

    @property
    def upstream_per_request(self) -> float:
        return self.upstream / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def per_core(self) -> float:
        return self.requests / self.cpu if self.cpu > 0 else float("inf")


@dataclass(frozen=True, slots=True)
class Row:
    scenario: Scenario
    identical: bool
    gateway: Side
    #: The gateway with ``coalesce_reads = false``: the floor's upstream work exactly.
    uncoalesced: Side
    floor: Side

    def sides(self) -> tuple[tuple[str, Side], ...]:
        return (("gateway", self.gateway), ("uncoalesced", self.uncoalesced), ("floor", self.floor))

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "identical": self.identical,
            **{
                f"{name}_{k}": round(v, 2)
                for name, side in self.sides()
                for k, v in (
                    ("rps", side.rps),
                    ("per_core", side.per_core),
                    ("cpu_s", side.cpu),
                    ("upstream_per_request", side.upstream_per_request),
                )
            },
            "per_core_ratio": round(self.gateway.per_core / self.floor.per_core, 2),
            "uncoalesced_per_core_ratio": round(self.uncoalesced.per_core / self.floor.per_core, 2),
        }


class Server:
    """One server under test: its process id and a client for it."""

    def __init__(self, name: str, pid: int, url: str) -> None:
        self.name, self.pid = name, pid
        self.client = GatewayClient(url)

    async def side(
        self,
        control: Control,
        scenario: Scenario,
        ids: list[str],
        requests: int,
        concurrency: int,
        seconds: float,
    ) -> Side:
        def call() -> Any:
            return self.client.query(scenario, ids)

        await asyncio.gather(*(call() for _ in range(concurrency)))  # warm-up
        await control.reset()
        before = cpu_seconds(self.pid)
        sample = await measure(call, requests, concurrency, seconds)
        cpu = cpu_seconds(self.pid) - before
        upstream = sum((await control.counts()).values())
        return Side(len(sample.latencies), sample.seconds, cpu, upstream)


@contextlib.asynccontextmanager
async def servers(recordings: int) -> AsyncIterator[tuple[list[Server], Control, list[str]]]:
    """The gateway (as configured by default), the gateway without read coalescing, and
    the floor server, each pinned to core 0; the rest of us to core 1."""
    server_core, other = {0}, {1}
    mine = os.sched_getaffinity(0)
    pin(os.getpid(), other)  # children started from here on inherit it
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(os.sched_setaffinity, 0, mine)
        sims = await Child("bench.simulators", ["--recordings", str(recordings)]).start()
        stack.push_async_callback(sims.stop)
        assert sims.proc is not None
        pin(sims.proc.pid, other)
        info = sims.json_line()
        pids: list[tuple[str, int, str]] = []
        for name, coalesce in (("gateway", True), ("uncoalesced", False)):
            gateway = await GatewayProcess(info["providers"], coalesce=coalesce).start()
            stack.push_async_callback(gateway.stop)
            assert gateway.child is not None and gateway.child.proc is not None
            pids.append((name, gateway.child.proc.pid, gateway.url))
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="recgw-floor-"))
        path = Path(folder) / "providers.json"
        path.write_text(json.dumps(info["providers"]), encoding="utf-8")
        floor = await Child("bench.floor_server", [str(path)]).start()
        stack.push_async_callback(floor.stop)
        assert floor.proc is not None
        pids.append(("floor", floor.proc.pid, floor.json_line()["url"]))
        found = []
        for name, pid, url in pids:
            pin(pid, server_core)
            server = Server(name, pid, url)
            stack.push_async_callback(server.client.close)
            found.append(server)
        control = Control(info["control"])
        stack.push_async_callback(control.close)
        newest = await found[-1].client.query(SCENARIOS["recordings_500"], [])
        yield found, control, list(newest)[::5][:NODE_COUNT]


async def run(
    names: Sequence[str], recordings: int, requests: int, concurrency: int, seconds: float
) -> list[Row]:
    rows: list[Row] = []
    async with servers(recordings) as (all_servers, control, ids):
        for name in names:
            scenario = SCENARIOS[name]
            answers = [await s.client.query(scenario, ids) for s in all_servers]
            same = all(a == answers[-1] for a in answers)
            sides: dict[str, list[Side]] = {s.name: [] for s in all_servers}
            for index in range(2):  # both orders, so that drift hits every side alike
                order = all_servers if index % 2 == 0 else all_servers[::-1]
                for server in order:
                    sides[server.name].append(
                        await server.side(control, scenario, ids, requests, concurrency, seconds)
                    )
            g, u, f = (_sum(sides[s.name]) for s in all_servers)
            rows.append(Row(scenario, same, g, u, f))
    return rows


def _sum(sides: Sequence[Side]) -> Side:
    return Side(
        sum(s.requests for s in sides),
        sum(s.seconds for s in sides),
        sum(s.cpu for s in sides),
        sum(s.upstream for s in sides),
    )


def table(rows: Sequence[Row]) -> str:
    head = (
        "| scenario | gw req/s | gw req per CPU s | gw (no coalescing) req per CPU s |"
        " floor server req/s | floor req per CPU s | per core gw÷floor |"
        " no coalescing ÷ floor | vendor req. per request gw / no coal. / floor | same data |"
    )
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        g, u, f = r.gateway, r.uncoalesced, r.floor
        out.append(
            f"| {r.scenario.title} | {g.rps:.1f} | {g.per_core:.1f} | {u.per_core:.1f} | "
            f"{f.rps:.1f} | {f.per_core:.1f} | {g.per_core / f.per_core:.2f} | "
            f"{u.per_core / f.per_core:.2f} | {g.upstream_per_request:.1f} / "
            f"{u.upstream_per_request:.1f} / {f.upstream_per_request:.1f} | "
            f"{'yes' if r.identical else '**NO**'} |"
        )
    return "\n".join(out)


def median_rows(runs: Sequence[Sequence[Row]]) -> list[Row]:
    out = []
    for same in zip(*runs, strict=True):

        def med(sides: list[Side]) -> Side:
            """The run with the median requests per CPU second, whole."""
            ranked = sorted(sides, key=lambda s: s.per_core)
            return ranked[len(ranked) // 2]

        out.append(
            Row(
                same[0].scenario,
                all(r.identical for r in same),
                med([r.gateway for r in same]),
                med([r.uncoalesced for r in same]),
                med([r.floor for r in same]),
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.percore", description=__doc__)
    parser.add_argument(
        "--scenarios", nargs="+", choices=sorted(SCENARIOS), default=DEFAULT_SCENARIOS
    )
    parser.add_argument("--recordings", type=int, default=250, help="seeded per provider")
    parser.add_argument("--requests", type=int, default=400, help="per side and slice, at most")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=4.0, help="per side and slice")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=Path("bench/results/percore.json"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    runs = []
    for number in range(max(1, args.repeat)):
        print(f"--- run {number + 1} of {args.repeat}", file=sys.stderr, flush=True)
        runs.append(
            asyncio.run(
                run(
                    args.scenarios,
                    args.recordings,
                    args.requests,
                    args.concurrency,
                    args.max_seconds,
                )
            )
        )
    rows = median_rows(runs)
    print(table(rows))
    doc = {
        "meta": {
            "command": "python -m bench.percore " + " ".join(argv or sys.argv[1:]),
            "cores": sorted(os.sched_getaffinity(0)),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "concurrency": args.concurrency,
            "repeats": len(runs),
        },
        "results": [r.as_dict() for r in rows],
        "repeats": [[r.as_dict() for r in run] for run in runs],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    return 0 if all(r.identical for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
