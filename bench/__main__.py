"""``python -m bench``: the gateway against the hand-written floor, printed and saved."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .report import document, table, write_json
from .run import Options, median_results, run
from .scenarios import SCENARIOS

DEFAULT_OUTPUT = Path("bench/results/latest.json")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--latency-ms", type=float, nargs="+", default=[0.0, 20.0], help="upstream latencies"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument(
        "--scenarios", nargs="+", choices=sorted(SCENARIOS), default=list(SCENARIOS)
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per cell (at most)")
    parser.add_argument("--max-seconds", type=float, default=4.0, help="time cap per cell and side")
    parser.add_argument("--recordings", type=int, default=250, help="seeded per provider")
    parser.add_argument(
        "--repeat", type=int, default=5, help="whole runs; the table shows their medians"
    )
    parser.add_argument("--slices", type=int, default=4, help="gateway/floor alternations per cell")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: few requests per cell (< 30 s)"
    )
    return parser


def options(args: argparse.Namespace) -> Options:
    requests, max_seconds, slices = args.requests, args.max_seconds, args.slices
    if args.quick:
        requests, max_seconds, slices = min(requests, 20), min(max_seconds, 0.25), 2
    return Options(
        latencies_ms=tuple(args.latency_ms),
        concurrency=tuple(args.concurrency),
        scenarios=tuple(args.scenarios),
        requests=requests,
        max_seconds=max_seconds,
        recordings=args.recordings,
        slices=max(1, slices),
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    opts = options(build_parser().parse_args(argv))
    args = build_parser().parse_args(argv)
    started = time.monotonic()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    repeat = 1 if args.quick else max(1, args.repeat)
    log(f"recording-gateway benchmark: {opts}, {repeat} run(s)")
    runs = []
    for number in range(1, repeat + 1):
        if repeat > 1:
            log(f"--- run {number} of {repeat}")
        runs.append(asyncio.run(run(opts, log)))
    results = median_results(runs)
    if repeat > 1:
        print(f"Medians of {repeat} runs (each run's own figures are in {args.output}).\n")
    print(table(results))
    write_json(args.output, document(opts, results, argv, runs))
    log(f"\nwrote {args.output} ({time.monotonic() - started:.0f} s)")
    mismatched = [f"{r.scenario.name}@{r.latency_ms:g}ms" for r in results if not r.identical]
    if mismatched:
        log(f"MISMATCH: gateway and floor disagree in {', '.join(mismatched)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
