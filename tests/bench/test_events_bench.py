"""``python -m bench.events`` runs end to end on both logs and every callback reaches the
subscriber exactly once. Nothing here looks at timings."""

from __future__ import annotations

from bench.events import build_parser, main, table


async def test_events_bench_smoke() -> None:
    args = build_parser().parse_args(["--samples", "5", "--events", "30", "--concurrency", "3"])
    results = await main(args)
    assert [(r.backend, r.mode.split(",")[0]) for r in results] == [
        ("embedded", "one at a time"),
        ("embedded", "sustained"),
        ("redis", "one at a time"),
        ("redis", "sustained"),
    ]
    for r in results:
        assert (r.lost, r.duplicates) == (0, 0), r
        assert len(r.latencies_ms) == r.sent
    assert table(results).count("\n") == 5
