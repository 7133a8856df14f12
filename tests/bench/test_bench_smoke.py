"""The benchmark harness runs end to end (quick mode) and the gateway's answers equal the
hand-written floor's. Nothing here looks at timings."""

from __future__ import annotations

import json
from dataclasses import replace

from bench.phases import measure
from bench.phases import table as phases_table
from bench.report import document, table
from bench.run import Options, median_results, run
from bench.scenarios import SCENARIOS


async def test_quick_run_produces_results_and_gateway_matches_floor() -> None:
    opts = Options(
        latencies_ms=(0.0,),
        concurrency=(1, 4),
        scenarios=tuple(SCENARIOS),
        requests=4,
        max_seconds=0.05,
        recordings=60,
    )
    lines: list[str] = []
    results = await run(opts, lines.append)

    assert [r.scenario.name for r in results] == list(SCENARIOS)
    for r in results:
        assert r.identical, f"{r.scenario.name}: {r.mismatch}"
        assert r.mismatch is None
        assert r.ids > 0, f"{r.scenario.name}: empty answer"
        for counts in (r.upstream_gateway, r.upstream_floor):
            assert set(counts) == {"freeclimb", "kazoo", "signalwire"}
            assert all(n >= 1 for n in counts.values()), counts
        assert [c.concurrency for c in r.cells] == [1, 4]
        for cell in r.cells:
            for stats in (cell.gateway, cell.floor):
                assert stats.requests >= cell.concurrency
                assert stats.p50_ms > 0
                assert stats.rps > 0
    assert len(lines) == len(results) * 2

    doc = json.loads(json.dumps(document(opts, results, ["--quick"])))
    assert len(doc["results"]) == len(SCENARIOS)
    assert all(run["ratio"]["p50"] > 0 for r in doc["results"] for run in r["runs"])
    printed = table(results)
    for scenario in SCENARIOS.values():
        assert scenario.title in printed
    assert "**NO**" not in printed

    # Medians over repeats: of each statistic, and of each run's ratio.
    doubled = [
        replace(
            r,
            cells=[
                replace(c, gateway=replace(c.gateway, p50_ms=c.gateway.p50_ms * 3)) for c in r.cells
            ],
        )
        for r in results
    ]
    median = median_results([results, doubled, results])
    assert [r.scenario.name for r in median] == list(SCENARIOS)
    for got, one in zip(median, results, strict=True):
        for cell, plain in zip(got.cells, one.cells, strict=True):
            assert cell.gateway.p50_ms == plain.gateway.p50_ms
            assert cell.ratio()["p50"] == plain.ratio()["p50"]
    doc = json.loads(json.dumps(document(opts, median, ["--repeat", "3"], [results] * 3)))
    assert doc["meta"]["repeats"] == 3 and len(doc["repeats"]) == 3


async def test_phases_cover_every_scenario_and_add_up() -> None:
    rows = await measure(runs=2, recordings=30)
    assert [title for title, *_ in rows] == [s.title for s in SCENARIOS.values()]
    for _, cold, parse, validate, operation in rows:
        assert 0 < parse + validate < operation
        assert cold > 0
    printed = phases_table(rows)
    assert printed.count("\n") == len(rows) + 1
