"""``python -m bench.phases``: how much of an operation is parse + validate.

Runs each benchmark scenario in process through the served schema plus one timing
extension placed first (so its hooks wrap the caches' hooks), against the same seeded
simulators as ``python -m bench``. The first run of a document is cold (parsed and
validated for real); the following ones hit the bounded document cache, which is
what every repeated query of a client costs. Reported: median milliseconds per phase and
the share of parse + validate in the whole operation.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import strawberry
from strawberry.extensions import SchemaExtension

from gateway.context import GatewayContext
from gateway.cursors import CursorCodec
from gateway.schema import build_schema
from gateway.settings import ServerSettings, from_mapping
from gateway.sources import Sources
from providers._sim import SimulatorServer

from .scenarios import NODE_COUNT, SCENARIOS
from .simulators import DEFAULT_RECORDINGS, start_simulators


@dataclass
class Phases:
    parse: list[float] = field(default_factory=list)
    validate: list[float] = field(default_factory=list)
    operation: list[float] = field(default_factory=list)


class PhaseTimer(SchemaExtension):
    """Records wall time of ``on_parse``, ``on_validate`` and ``on_operation``."""

    record: Phases = Phases()

    def on_operation(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.record.operation.append(time.perf_counter() - start)

    def on_parse(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.record.parse.append(time.perf_counter() - start)

    def on_validate(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.record.validate.append(time.perf_counter() - start)


def timed_schema() -> strawberry.Schema:
    """The served schema with :class:`PhaseTimer` first among its extensions."""
    schema = copy.copy(build_schema())
    schema.extensions = [PhaseTimer, *schema.extensions]
    return schema


def _sources(servers: Sequence[SimulatorServer]) -> Sources:
    accounts = [
        {"name": s.simulator.provider, "provider": s.simulator.provider, **s.account_settings()[0]}
        for s in servers
    ]
    return Sources.build(from_mapping({"accounts": accounts}, env={}).accounts)


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def measure(runs: int, recordings: int) -> list[tuple[str, float, float, float, float]]:
    """Per scenario: (title, cold parse+validate ms, parse ms, validate ms, operation ms)."""
    servers = await start_simulators(recordings, 0.0)
    sources = _sources(servers)
    schema = timed_schema()
    codec = CursorCodec(b"bench-phases".ljust(32, b"."))
    rows = []
    try:
        node_ids = await _node_ids(schema, sources, codec)
        for scenario in SCENARIOS.values():
            PhaseTimer.record = Phases()
            for _ in range(runs + 1):
                context = GatewayContext.create(sources, ServerSettings(), codec)
                result = await schema.execute(
                    scenario.query,
                    variable_values=scenario.variables(node_ids),
                    context_value=context,
                )
                if result.errors:
                    raise RuntimeError(f"{scenario.name}: {result.errors}")
            rec = PhaseTimer.record
            cold = (rec.parse[0] + rec.validate[0]) * 1000
            rows.append(
                (
                    scenario.title,
                    cold,
                    _ms(rec.parse[1:]),
                    _ms(rec.validate[1:]),
                    _ms(rec.operation[1:]),
                )
            )
    finally:
        await sources.aclose()
        for server in servers:
            await server.stop()
    return rows


async def _node_ids(schema: strawberry.Schema, sources: Sources, codec: CursorCodec) -> list[str]:
    context = GatewayContext.create(sources, ServerSettings(), codec)
    result = await schema.execute(
        "{ recordings(first: 500) { nodes { id } } }", context_value=context
    )
    assert result.data is not None
    ids = [n["id"] for n in result.data["recordings"]["nodes"]]
    return ids[::5][:NODE_COUNT]


def table(rows: list[tuple[str, float, float, float, float]]) -> str:
    lines = [
        "| scenario | cold parse+validate ms | cached parse ms | cached validate ms |"
        " operation ms | parse+validate share |",
        "|---|---|---|---|---|---|",
    ]
    for title, cold, parse, validate, operation in rows:
        share = (parse + validate) / operation * 100
        lines.append(
            f"| {title} | {cold:.2f} | {parse:.3f} | {validate:.3f} | {operation:.2f} |"
            f" {share:.1f} % |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phases", description=__doc__)
    parser.add_argument("--runs", type=int, default=50, help="cached runs per scenario")
    parser.add_argument("--recordings", type=int, default=DEFAULT_RECORDINGS)
    args = parser.parse_args(argv)
    print(table(asyncio.run(measure(args.runs, args.recordings))))


if __name__ == "__main__":
    main()
