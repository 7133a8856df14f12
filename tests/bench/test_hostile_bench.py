"""``python -m bench.hostile`` runs end to end: the abuse is refused, the server survives.
Nothing here looks at timings or memory figures, only at what was answered."""

from __future__ import annotations

from bench.hostile import KINDS, run


async def test_hostile_bench_runs_and_the_gateway_survives() -> None:
    rows = await run(rounds=2, concurrency=2)
    measured = {row["kind"]: row for row in rows if "statuses" in row}
    assert set(measured) == set(KINDS)
    for kind, row in measured.items():
        if kind.startswith(("300 KB", "minDuration")):
            assert set(row["statuses"]) == {200}, (kind, row)
        else:
            assert row["statuses"] == {400: 2}, (kind, row)
            assert row["upstream"] == 0, (kind, row)
    assert rows[-1]["ok"] is True
