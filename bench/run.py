"""Load generation and the orchestration of one benchmark run."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from .floor import Floor
from .gateway import GatewayProcess
from .processes import Child
from .scenarios import NODE_COUNT, SCENARIOS, Result, Scenario

Call = Callable[[], Awaitable[Result]]


@dataclass(frozen=True, slots=True)
class Options:
    latencies_ms: Sequence[float] = (0.0, 20.0)
    concurrency: Sequence[int] = (1, 16)
    scenarios: Sequence[str] = tuple(SCENARIOS)
    requests: int = 200
    max_seconds: float = 4.0
    recordings: int = 250
    #: Each cell alternates gateway and floor this many times (see :func:`measure_pair`).
    slices: int = 4


@dataclass(frozen=True, slots=True)
class Stats:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    rps: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "rps": round(self.rps, 1),
        }

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Stats:
        latencies = [x for s in samples for x in s.latencies]
        seconds = sum(s.seconds for s in samples)
        return cls(
            requests=len(latencies),
            seconds=seconds,
            p50_ms=percentile_ms(latencies, 50),
            p95_ms=percentile_ms(latencies, 95),
            rps=len(latencies) / seconds,
        )

    @classmethod
    def median(cls, runs: Sequence[Stats]) -> Stats:
        """Field by field, the median over repeated runs."""
        return cls(
            requests=int(statistics.median(r.requests for r in runs)),
            seconds=statistics.median(r.seconds for r in runs),
            p50_ms=statistics.median(r.p50_ms for r in runs),
            p95_ms=statistics.median(r.p95_ms for r in runs),
            rps=statistics.median(r.rps for r in runs),
        )


@dataclass(slots=True)
class Sample:
    latencies: list[float]
    seconds: float


@dataclass(slots=True)
class Cell:
    concurrency: int
    gateway: Stats
    floor: Stats
    #: Set on a median over runs: the median of each run's ratio, not a ratio of medians.
    ratios: dict[str, float] | None = None

    def ratio(self) -> dict[str, float]:
        if self.ratios is not None:
            return self.ratios
        return {
            "p50": self.gateway.p50_ms / self.floor.p50_ms,
            "p95": self.gateway.p95_ms / self.floor.p95_ms,
            "rps": self.gateway.rps / self.floor.rps,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "gateway": self.gateway.as_dict(),
            "floor": self.floor.as_dict(),
            "ratio": {k: round(v, 2) for k, v in self.ratio().items()},
        }


@dataclass(slots=True)
class ScenarioResult:
    latency_ms: float
    scenario: Scenario
    identical: bool
    upstream_gateway: dict[str, int]
    upstream_floor: dict[str, int]
    ids: int = 0
    cells: list[Cell] = field(default_factory=list)
    mismatch: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "identical": self.identical,
            "mismatch": self.mismatch,
            "ids_in_answer": self.ids,
            "upstream_requests": {
                "gateway": self.upstream_gateway,
                "floor": self.upstream_floor,
            },
            "runs": [c.as_dict() for c in self.cells],
        }


def percentile_ms(samples: Sequence[float], pct: int) -> float:
    if len(samples) == 1:
        return samples[0] * 1000
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1] * 1000


async def measure_pair(
    gateway: Call, floor: Call, opts: Options, concurrency: int
) -> tuple[Stats, Stats]:
    """Both sides of a cell in ``opts.slices`` alternating slices (gateway first, then
    floor first, ...), each with its share of requests and time. The machine's speed
    drifts over seconds (other tenants, CPU frequency); alternating spreads that drift
    over both sides instead of handing it to whichever ran second."""
    requests = max(concurrency, opts.requests // opts.slices)
    seconds = opts.max_seconds / opts.slices
    samples: dict[int, list[Sample]] = {0: [], 1: []}
    for index in range(opts.slices):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        for side in order:
            call = gateway if side == 0 else floor
            samples[side].append(await measure(call, requests, concurrency, seconds))
    return Stats.of(samples[0]), Stats.of(samples[1])


async def measure(call: Call, requests: int, concurrency: int, max_seconds: float) -> Sample:
    """``requests`` calls, ``concurrency`` at a time, stopping early (but after at least
    ``concurrency`` calls) once ``max_seconds`` have passed."""
    latencies: list[float] = []
    issued = 0
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker() -> None:
        nonlocal issued
        while issued < requests and (issued < concurrency or time.perf_counter() < deadline):
            issued += 1
            t0 = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Sample(latencies, time.perf_counter() - started)


class GatewayClient:
    def __init__(self, url: str) -> None:
        self.url = f"{url}/graphql"
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )

    async def query(self, scenario: Scenario, node_ids: list[str]) -> Result:
        payload = orjson.dumps({"query": scenario.query, "variables": scenario.variables(node_ids)})
        async with self.session.post(self.url, data=payload) as resp:
            body = orjson.loads(await resp.read())
        if resp.status != 200 or body.get("errors"):
            raise RuntimeError(f"gateway answered {resp.status}: {body.get('errors')!r:.500}")
        failures = (body["data"].get("recordings") or {}).get("failures")
        if failures:
            raise RuntimeError(f"gateway reported failures: {failures!r:.500}")
        return scenario.extract(body["data"])

    async def close(self) -> None:
        await self.session.close()


class Control:
    """The simulator child's control app: request counts and latency."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = aiohttp.ClientSession()

    async def reset(self) -> None:
        async with self.session.post(f"{self.url}/reset") as resp:
            resp.raise_for_status()

    async def counts(self) -> dict[str, int]:
        async with self.session.get(f"{self.url}/counts") as resp:
            resp.raise_for_status()
            counts: dict[str, int] = await resp.json()
            return counts

    async def set_latency(self, ms: float) -> None:
        async with self.session.post(f"{self.url}/latency", params={"ms": str(ms)}) as resp:
            resp.raise_for_status()

    async def close(self) -> None:
        await self.session.close()


@dataclass(slots=True)
class Harness:
    """Everything running: simulator child, gateway child, floor, clients."""

    simulators: Child
    gateway: GatewayProcess
    floor: Floor
    client: GatewayClient
    control: Control
    node_ids: list[str]

    async def counted(self, call: Call) -> tuple[Result, dict[str, int]]:
        """Run ``call`` once and return its result and its upstream requests."""
        await self.control.reset()
        result = await call()
        return result, await self.control.counts()

    def calls(self, scenario: Scenario) -> tuple[Call, Call]:
        def gateway() -> Awaitable[Result]:
            return self.client.query(scenario, self.node_ids)

        async def floor() -> Result:
            return scenario.extract(await self.floor.run(scenario.name, self.node_ids))

        return gateway, floor


@contextlib.asynccontextmanager
async def harness(recordings: int, latency_ms: float) -> AsyncIterator[Harness]:
    simulators = await Child(
        "bench.simulators", ["--latency-ms", str(latency_ms), "--recordings", str(recordings)]
    ).start()
    stack = contextlib.AsyncExitStack()
    stack.push_async_callback(simulators.stop)
    async with stack:
        info = simulators.json_line()
        gateway = await GatewayProcess(info["providers"]).start()
        stack.push_async_callback(gateway.stop)
        floor = await Floor(info["providers"]).start()
        stack.push_async_callback(floor.close)
        client = GatewayClient(gateway.url)
        stack.push_async_callback(client.close)
        control = Control(info["control"])
        stack.push_async_callback(control.close)
        # Warm up the gateway (Kazoo login, connection pools) before anything is counted.
        await client.query(SCENARIOS["recordings_50"], [])
        # 100 recording IDs spread over every provider: every 5th of the 500 newest.
        newest = (await floor.recordings(500))["recordings"]["nodes"]
        node_ids = [n["id"] for n in newest][::5][:NODE_COUNT]
        yield Harness(simulators, gateway, floor, client, control, node_ids)


def count_ids(result: Result) -> int:
    """How many IDs an answer holds (nested lists flattened; ``None`` not counted)."""
    if isinstance(result, list):
        return sum(count_ids(item) for item in result)
    return 0 if result is None else 1


def describe_mismatch(gateway: Result, floor: Result) -> str:
    g, f = orjson.dumps(gateway).decode(), orjson.dumps(floor).decode()
    at = next(
        (i for i, (a, b) in enumerate(zip(g, f, strict=False)) if a != b), min(len(g), len(f))
    )
    return (
        f"gateway {len(g)} chars vs floor {len(f)} chars; first difference at char {at}: "
        f"gateway …{g[max(0, at - 40) : at + 80]}… floor …{f[max(0, at - 40) : at + 80]}…"
    )


async def run_scenario(
    h: Harness, scenario: Scenario, latency_ms: float, opts: Options, log: Callable[[str], None]
) -> ScenarioResult:
    gateway_call, floor_call = h.calls(scenario)
    g_result, g_counts = await h.counted(gateway_call)
    f_result, f_counts = await h.counted(floor_call)
    result = ScenarioResult(
        latency_ms, scenario, g_result == f_result, g_counts, f_counts, ids=count_ids(g_result)
    )
    if not result.identical:
        result.mismatch = describe_mismatch(g_result, f_result)
        print(
            f"\n!!! MISMATCH in {scenario.name} at {latency_ms:g} ms: the gateway and the floor "
            f"returned different data.\n!!! {result.mismatch}\n",
            file=sys.stderr,
            flush=True,
        )
    for c in opts.concurrency:
        # Warm-up: one round at this concurrency for each side, not timed.
        await asyncio.gather(*(gateway_call() for _ in range(c)))
        await asyncio.gather(*(floor_call() for _ in range(c)))
        g, f = await measure_pair(gateway_call, floor_call, opts, c)
        result.cells.append(Cell(c, g, f))
        log(
            f"  {latency_ms:>4g} ms  {scenario.name:<15} c={c:<3} gateway p50 {g.p50_ms:8.1f} ms"
            f" {g.rps:7.1f} req/s | floor p50 {f.p50_ms:8.1f} ms {f.rps:7.1f} req/s"
        )
    return result


async def run(opts: Options, log: Callable[[str], None]) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    async with harness(opts.recordings, opts.latencies_ms[0]) as h:
        for latency in opts.latencies_ms:
            await h.control.set_latency(latency)
            for name in opts.scenarios:
                results.append(await run_scenario(h, SCENARIOS[name], latency, opts, log))
    return results


def median_results(runs: Sequence[Sequence[ScenarioResult]]) -> list[ScenarioResult]:
    """One result per (latency, scenario) with, per cell, the median of each statistic
    and of each ratio over ``runs`` (all runs of the same options)."""
    out = []
    for same in zip(*runs, strict=True):
        first = same[0]
        merged = ScenarioResult(
            first.latency_ms,
            first.scenario,
            all(r.identical for r in same),
            first.upstream_gateway,
            first.upstream_floor,
            ids=first.ids,
            mismatch=next((r.mismatch for r in same if r.mismatch), None),
        )
        for cells in zip(*(r.cells for r in same), strict=True):
            ratios = [c.ratio() for c in cells]
            merged.cells.append(
                Cell(
                    cells[0].concurrency,
                    Stats.median([c.gateway for c in cells]),
                    Stats.median([c.floor for c in cells]),
                    ratios={k: statistics.median(r[k] for r in ratios) for k in ratios[0]},
                )
            )
        out.append(merged)
    return out
