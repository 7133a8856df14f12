"""``python -m bench.percore`` runs end to end: the floor server answers what the
gateway answers, and CPU time is read from the server processes. No timings checked."""

from __future__ import annotations

from bench.percore import cpu_seconds, median_rows, run, table


def test_cpu_seconds_reads_proc_stat() -> None:
    import os

    spent = cpu_seconds(os.getpid())
    sum(i * i for i in range(200_000))
    assert cpu_seconds(os.getpid()) > spent >= 0


async def test_percore_quick_run_matches_the_floor_server() -> None:
    rows = await run(["recordings_50", "join_50"], 30, 6, 2, 0.05)
    assert [r.scenario.name for r in rows] == ["recordings_50", "join_50"]
    for row in rows:
        assert row.identical, row.scenario.name
        for _, side in row.sides():
            assert side.requests >= 2 and side.seconds > 0 and side.upstream > 0
        # without coalescing, the gateway sends no more vendor requests than the floor
        assert row.uncoalesced.upstream_per_request <= row.floor.upstream_per_request
    printed = table(median_rows([rows]))
    assert printed.count("\n") == len(rows) + 1 and "**NO**" not in printed
